"""The KB as content: enough norms of every type, every source document cited, every quote findable."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from kbbuild.load import KB
from kbbuild.settings import get_settings
from kbbuild.text import compact, to_simplified
from kbbuild.validate import check_sources

MINIMUM = {"script": 60, "process": 20, "forbidden": 15, "escalation": 12, "rule": 50}


def test_counts_by_type(repo_kb: KB) -> None:
    counts = Counter(loc.entry.type for loc in repo_kb.entries)
    assert sum(counts.values()) >= 200
    assert {t: counts[t] for t in MINIMUM} == {t: max(counts[t], n) for t, n in MINIMUM.items()}, counts


def test_all_five_documents_are_cited(repo_kb: KB) -> None:
    cited = {s.doc for loc in repo_kb.entries for s in loc.entry.sources}
    registered = {s.doc for s in repo_kb.sources.sources}  # type: ignore[union-attr]
    assert cited == registered and len(registered) == 5


def test_every_quote_is_found_in_its_document(repo_kb: KB) -> None:
    seeds = get_settings().seeds_dir
    if not seeds.is_dir():
        pytest.skip(f"source documents not found at {seeds} (set KB_SEEDS_DIR)")
    assert len(list(seeds.glob("*.txt"))) == 5
    problems = [str(p) for p in check_sources(repo_kb, seeds)]
    assert problems == []


def test_quotes_are_long_enough_to_be_evidence(repo_kb: KB) -> None:
    from kbbuild.lint_quotes import check_quote_length

    assert [str(p) for p in check_quote_length(repo_kb.entries)] == []


def test_entries_are_clean_simplified_chinese(repo_kb: KB) -> None:
    # 004 writes 旳 for 的; 001 is traditional with pinyin noise: none of it may reach entry text.
    bad = []
    for loc in repo_kb.entries:
        text = loc.entry.model_dump_json(exclude={"sources"})
        if "旳" in text or re.search(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔù]{1,6}\)", text) or to_simplified(text) != text:
            bad.append(loc.entry.id)
    assert bad == []


def test_no_two_entries_give_the_same_words_to_say_for_the_same_situation(repo_kb: KB) -> None:
    seen: dict[tuple[str, str], str] = {}
    clashes = []
    for loc in repo_kb.entries:
        e = loc.entry
        if e.type != "script":
            continue
        key = (compact(" ".join(e.say)), compact(e.when))
        if key in seen:
            clashes.append((seen[key], e.id))
        seen[key] = e.id
    assert clashes == []


def test_every_entry_has_similar_questions(repo_kb: KB) -> None:
    few = {loc.entry.id: len(loc.entry.questions) for loc in repo_kb.entries if not 8 <= len(loc.entry.questions) <= 15}
    assert few == {}


def test_questions_ask_rather_than_copy_the_title(repo_kb: KB) -> None:
    # A question is how staff would search; the title alone adds nothing the index does not have.
    copies = [(loc.entry.id, q) for loc in repo_kb.entries for q in loc.entry.questions
              if compact(q) == compact(loc.entry.title)]
    assert copies == []


def test_every_forbidden_entry_has_examples_and_there_are_enough_correct_utterances(repo_kb: KB) -> None:
    few = {loc.entry.id: len(loc.entry.examples) for loc in repo_kb.entries
           if loc.entry.type == "forbidden" and not 8 <= len(loc.entry.examples) <= 12}
    assert few == {}
    assert len(repo_kb.lookalikes) >= 300


def test_phrases_are_the_sources_own_wordings(repo_kb: KB) -> None:
    """No listed forbidden wording without support in its entry's quotes (after folding)."""
    from kbbuild.validate import supported

    unsupported = [(loc.entry.id, p) for loc in repo_kb.entries for p in getattr(loc.entry, "phrases", [])
                   if not supported(p, [compact(s.quote) for s in loc.entry.sources])]
    assert unsupported == []
    invented = {"你等一下", "你先等一会", "你再讲一遍", "我都说了多少遍了", "你没事打电话干什么"}
    assert not invented & {p for loc in repo_kb.entries for p in getattr(loc.entry, "phrases", [])}
