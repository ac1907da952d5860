"""The near-duplicate warning: statements at fuzz.ratio ≥ 90 after folding are reported, at 80 not."""

from __future__ import annotations

import random
from itertools import combinations
from pathlib import Path

from rapidfuzz import fuzz

from kbbuild.lint_duplicates import check_near_duplicates, similar_pairs
from kbbuild.load import KB, load_kb

RULE = "- id: {id}\n  type: rule\n  title: {id}\n  channels: [hotline]\n  statement: {text}\n" \
       "  sources: [{{doc: doc-a.txt, quote: 熱線接通後應在15秒內應答}}]\n{extra}"
TEXT = "来电应在十五秒内接听并且主动问好报上工号"  # 20 characters
NEAR = "來電應在十五秒內接聽並且主動問好報上姓名。"  # traditional, punctuation, 2 changed: ratio 90 folded
FAR = "来电须在十五秒内接起并且主动致意报上工号"  # 4 changed: ratio 80


def kb_of(tmp_path: Path, *rules: tuple[str, str, str]) -> KB:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "sources.yaml").write_text("sources: [{doc: doc-a.txt, title: t}]\n", "utf-8")
    text = "".join(RULE.format(id=i, text=t, extra=extra) for i, t, extra in rules)
    (kb / "rules.yaml").write_text(text, "utf-8")
    return load_kb(kb, cwd=tmp_path)


def test_near_duplicate_statements_warn_in_both_entries(tmp_path: Path) -> None:
    assert fuzz.ratio(TEXT, "来电应在十五秒内接听并且主动问好报上姓名") == 90
    kb = kb_of(tmp_path, ("first", TEXT, ""), ("second", NEAR, ""))
    assert [str(p) for p in check_near_duplicates(kb.entries)] == [
        "kb/rules.yaml:5: statement: warning: 与 'second'（kb/rules.yaml:11）几乎相同（相似度 90）："
        "合并为一条（保留一个 id，把另一个写进 aliases），或改写使两者不同",
        "kb/rules.yaml:11: statement: warning: 与 'first'（kb/rules.yaml:5）几乎相同（相似度 90）："
        "合并为一条（保留一个 id，把另一个写进 aliases），或改写使两者不同",
    ]


def test_statements_at_80_do_not_warn(tmp_path: Path) -> None:
    assert fuzz.ratio(TEXT, FAR) == 80
    kb = kb_of(tmp_path, ("first", TEXT, ""), ("second", FAR, ""))
    assert list(check_near_duplicates(kb.entries)) == []


def test_entries_linked_with_see_also_do_not_warn(tmp_path: Path) -> None:
    kb = kb_of(tmp_path, ("first", TEXT, "  see_also: [second]\n"), ("second", NEAR, "  see_also: [first]\n"))
    assert list(check_near_duplicates(kb.entries)) == []


def test_candidate_bound_misses_no_pair() -> None:
    # The bigram bound only skips work: on texts that are edits of each other it finds what brute force finds.
    rng = random.Random(14)
    base = [TEXT, FAR, "客户要求销户时应先核实机主身份再办理", "好的请稍等我马上为您查询"]
    texts = []
    for _ in range(120):
        chars = list(rng.choice(base))
        for _ in range(rng.randint(0, 4)):
            chars[rng.randrange(len(chars))] = rng.choice("的了是在有我他这中大来上")
        if rng.random() < 0.5:
            chars.insert(rng.randrange(len(chars)), "请")
        texts.append("".join(chars))
    brute = {(a, b) for a, b in combinations(range(len(texts)), 2) if fuzz.ratio(texts[a], texts[b]) >= 90}
    assert {(a, b) for a, b, _ in similar_pairs(texts)} == brute and brute


def test_real_kb_has_no_near_duplicates(repo_kb: KB) -> None:
    assert [str(p) for p in check_near_duplicates(repo_kb.entries)] == []
