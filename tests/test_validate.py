"""The validator on deliberately broken KBs: each case yields exactly the expected problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from kbbuild.load import load_kb
from kbbuild.validate import check_kb

from .conftest import DATA

SEEDS = DATA / "seeds"
SHORT_QUOTE = ("至少要 8 个字：请改为原文中包含它的一段更长的原话（只有整条规范本身更短、引文就是本条的标题、某个说法或"
               "某句话术时才可以更短）")
KNOWN_UNITS = ("'秒', '分钟', '小时', '个工作小时', '天', '工作日', '个月', '年', '次', '次/月', '元', '%', "
               "'米', '步', '人', '个', '件' or '遍'")

EXPECTED = {
    "syntax": [
        "kb/a.yaml:4: (yaml): YAML syntax error: mapping values are not allowed here",
    ],
    "fields": [
        "kb/scripts.yaml:1: id: 'Greeting_1' is not ASCII kebab-case (a-z, 0-9 and single hyphens)",
        "kb/scripts.yaml:1: say: required field is missing",
        "kb/scripts.yaml:4: channels[1]: must be one of 'hotline', 'hall', 'field' or 'online', not 'moon'",
        "kb/scripts.yaml:6: when: must not be empty",
        "kb/scripts.yaml:7: colour: unknown field (check the spelling; see docs/editing.md for the fields "
        "of each type)",
        "kb/scripts.yaml:18: limits[1]: write a limit as '<number> <unit>', e.g. '15 秒', not 'fifteen seconds'",
        f"kb/scripts.yaml:19: limits[2].unit: must be one of {KNOWN_UNITS}, not '光年'",
        "kb/scripts.yaml:25: steps: must be a list (one item per line, each starting with '- ')",
        "kb/scripts.yaml:27: type: unknown type 'escalations'; use one of 'script', 'process', 'forbidden', "
        "'escalation', 'rule'",
        "kb/scripts.yaml:29: (entry): an entry must be a mapping of fields (id: …, type: …)",
    ],
    "duplicates": [
        "kb/one.yaml:1: id: duplicate id 'same-id', also at kb/two.yaml:2",
        "kb/one.yaml:6: title: duplicate key (first at line 3)",
        "kb/two.yaml:2: id: duplicate id 'same-id', also at kb/one.yaml:1",
    ],
    "references": [
        "kb/refs.yaml:6: instead_scripts[0]: no entry has id 'no-such-script'",
        "kb/refs.yaml:6: instead_scripts[1]: 'answer-rule' is a rule, not a script",
        "kb/refs.yaml:9: related[0]: no entry has id 'ghost'",
        "kb/refs.yaml:9: related[1]: an entry cannot be related to itself",
        "kb/refs.yaml:22: severity: must be one of 'red-line', 'serious' or 'discouraged', not 'worst'",
    ],
    "sources": [
        "kb/src.yaml:9: sources[1].doc: unknown document 'doc-b.txt'; known: doc-a.txt",
        "kb/src.yaml:12: sources[2].quote: quote not found in doc-a.txt (copy it exactly; only 繁→简 and "
        "旳→的 may change)",
        "kb/src.yaml:14: sources[3].quote: quote has no words in it",
        "kb/src.yaml:22: sources[0].quote: must not be empty",
    ],
    "tags": [
        "kb/evil.yaml:3: (yaml): YAML tags that construct objects are not allowed; write plain data (could "
        "not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system')",
    ],
    "binary": [
        "kb/blob.yaml:1: (file): binary file (contains NUL bytes), not YAML text",
        "kb/latin1.yaml:3: (file): not valid UTF-8: save the file as UTF-8",
    ],
    "utterances": [
        "kb/a.yaml:7: questions[1]: empty question: write it or delete the line",
        "kb/a.yaml:8: questions[2]: question is 33 characters; at most 30",
        "kb/a.yaml:11: phrases[1]: '你再讲一遍' is not in this entry's quotes: phrases hold the sources' own "
        "wordings (quote it under sources, or write it as an example)",
        "kb/a.yaml:14: examples[1]: '请您稍等一下' is also a polite look-alike (kb/lookalikes.yaml:2): it cannot "
        "be both",
        "kb/a.yaml:25: questions[0]: question '客户说话听不清' is already in entry 'say-again' (kb/a.yaml:6); keep "
        "it in one place",
        "kb/lookalikes.yaml:6: neutral[1]: '你再说一遍吧' contains the forbidden phrase '你再说一遍' of 'say-again': "
        "reword it, or add it to that entry's allow list if it is correct",
        "kb/lookalikes.yaml:7: neutral[2]: '好的' is already at line 5",
    ],
    "editing": [  # a folded '- ' line; no follow-on error for `bye`, whose file does not parse
        "kb/a.yaml:7: say[0]: a ' - ' inside the text: was the next list item indented too far? YAML joined it "
        "to this line (put each '- ' under the one before)",
        "kb/b.yaml:6: (yaml): YAML syntax error: mapping values are not allowed here",
        "kb/c.yaml:6: related[2]: no entry has id 'ghost'",
    ],
    "empty": [
        "kb/empty.yaml:1: (file): empty file: write an entry or a list of entries",
        "kb/scalar.yaml:1: (entry): an entry must be a mapping of fields (id: …, type: …)",
    ],
    "quotes": [  # punctuation does not count; a quote may be as short as a phrase or say line it equals
        f"kb/q.yaml:8: sources[1].quote: 引文只有 4 个字（标点不计），{SHORT_QUOTE}",
        f"kb/q.yaml:9: sources[2].quote: 引文只有 6 个字（标点不计），{SHORT_QUOTE}",
    ],
}


def small_kb(root: Path) -> Path:
    """An empty KB folder under `root` with a registry naming doc-a.txt."""
    kb = root / "kb"
    kb.mkdir()
    (kb / "sources.yaml").write_text("sources: [{doc: doc-a.txt, title: t}]\n", "utf-8")
    return kb


def problems_of(case_dir: Path) -> list[str]:
    kb = load_kb(case_dir / "kb", cwd=case_dir)
    return [str(p) for p in check_kb(kb, SEEDS, vocab_file="kb/vocabulary.yaml")]


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_broken_case_gives_exactly_the_expected_problems(case: str) -> None:
    assert problems_of(DATA / "broken" / case) == EXPECTED[case]


def test_every_broken_fixture_has_expectations() -> None:
    assert {p.name for p in (DATA / "broken").iterdir()} == set(EXPECTED)


def test_python_tag_constructs_nothing(tmp_path: Path) -> None:
    problems_of(DATA / "broken" / "tags")
    assert not Path("/tmp/kb-pwned").exists()


def test_huge_file_is_refused_without_reading_it_as_yaml(tmp_path: Path) -> None:
    kb = small_kb(tmp_path)
    (kb / "huge.yaml").write_text("- " + "长" * 600_000 + "\n", "utf-8")
    assert problems_of(tmp_path) == [
        "kb/huge.yaml:1: (file): file is 1,800,003 bytes; the limit is 1,000,000: split it into several files"
    ]


def test_missing_sources_registry_is_reported(tmp_path: Path) -> None:
    (tmp_path / "kb").mkdir()
    assert problems_of(tmp_path) == [
        "kb/sources.yaml:1: (file): missing: list the source documents entries may cite"
    ]


def test_synonym_word_in_two_groups(tmp_path: Path) -> None:
    kb = small_kb(tmp_path)
    (kb / "vocabulary.yaml").write_text("synonyms:\n  - [销户, 拆机]\n  - [投诉, 销户]\n", "utf-8")
    assert problems_of(tmp_path) == [
        "kb/vocabulary.yaml:1: synonyms[1]: '销户' is already in synonyms[0]: merge the groups"
    ]


def test_quote_matching_folds_traditional_pinyin_noise_and_punctuation(tmp_path: Path) -> None:
    kb = small_kb(tmp_path)
    (kb / "ok.yaml").write_text(
        "id: ok\ntype: rule\ntitle: t\nchannels: [hotline]\nstatement: s\nsources:\n"
        "  - {doc: doc-a.txt, quote: '您好，很高兴为您服务！'}\n"
        "  - {doc: doc-a.txt, quote: '熱線接通後 應在15秒內應答'}\n", "utf-8")
    assert problems_of(tmp_path) == []


def test_repo_kb_is_clean(repo_kb) -> None:  # type: ignore[no-untyped-def]
    from kbbuild.settings import ROOT, get_settings

    seeds = get_settings().seeds_dir
    problems = check_kb(repo_kb, seeds if seeds.is_dir() else None)
    assert [str(p) for p in problems] == []
    assert len(repo_kb.entries) > 0
    assert (ROOT / "kb" / "vocabulary.yaml").is_file()
