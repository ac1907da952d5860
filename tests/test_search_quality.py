"""Search quality: the evaluation set (tests/search_eval.yaml) and the analysis it relies on."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kbbuild.analysis import bigrams, init_jieba, pinyin_bigrams, pinyin_keys, words
from search_api.query import normalize
from search_api.release import Release

EVAL = yaml.safe_load((Path(__file__).parent / "search_eval.yaml").read_text("utf-8"))
TARGET = 0.9


@pytest.fixture(scope="module")
def release(fast_build) -> Release:  # type: ignore[no-untyped-def]
    return Release(fast_build.path)


def _hit(release: Release, item: dict[str, object]) -> tuple[bool, list[str]]:
    _, results = release.search(normalize(str(item["q"])), 3, None, None)
    ids = [r["id"] for r in results]
    if "expect_type" in item:
        return any(r["type"] == item["expect_type"] for r in results), ids
    return any(i in item["expect"] for i in ids), ids  # type: ignore[operator]


def test_eval_set_is_big_and_refers_to_real_entries(release: Release) -> None:
    items = [it for group in EVAL.values() for it in group]
    assert len(items) >= 80
    assert set(EVAL) == {"keyword", "colloquial", "question", "traditional", "pinyin", "typo", "synonym"}
    unknown = [i for it in items for i in it.get("expect", []) if i not in release.entries]
    assert unknown == []


def test_top3_hit_rate_overall_and_per_style(release: Release, capsys: pytest.CaptureFixture[str]) -> None:
    rates, misses, total, hits = {}, [], 0, 0
    for style, items in EVAL.items():
        ok = 0
        for item in items:
            hit, ids = _hit(release, item)
            ok += hit
            if not hit:
                misses.append(f"{style}: {item['q']} → {ids}")
        rates[style] = ok / len(items)
        total, hits = total + len(items), hits + ok
    with capsys.disabled():
        print(f"\nsearch eval: {hits}/{total} = {hits / total:.3f}; " +
              ", ".join(f"{k} {v:.2f}" for k, v in rates.items()))
        for miss in misses:
            print("  miss", miss)
    assert hits / total >= TARGET
    assert all(rate >= TARGET for rate in rates.values()), rates


def test_exact_phrase_ranks_first(release: Release) -> None:
    _, results = release.search("你再说一遍", 5, None, None)
    assert results[0]["id"] == "forbidden-you-say-it-again"


def test_and_falls_back_to_or(release: Release) -> None:
    # No entry has all of these words; the fallback still finds the greeting.
    _, results = release.search(normalize("接入语 火星 月亮"), 5, None, None)
    assert "hotline-greeting" in [r["id"] for r in results]


def test_pinyin_and_homophones_are_corrected(release: Release) -> None:
    assert release.search("lstd", 3, None, None)[0] == "绿色通道"
    assert release.search("绿色通到", 3, None, None)[0] == "绿色通道"
    assert release.search("绿色通道", 3, None, None)[0] is None


def test_filters_apply_to_every_stage(release: Release) -> None:
    _, results = release.search("绿色通到", 10, "rule", "hotline")
    assert results and all(r["type"] == "rule" and "hotline" in r["channels"] for r in results)


def test_analysis_units() -> None:
    init_jieba(["值班长", "服务禁语"])
    assert "值班长" in words("值班长应在30分钟内回复")
    assert bigrams("請您稍等") == ["请您", "您稍", "稍等"]
    assert {"fwjy", "fuwujinyu"} <= set(pinyin_keys("服务禁语"))
    assert pinyin_bigrams("绿色通到") == pinyin_bigrams("绿色通道")
    assert normalize("  ＡＢＣ  服務 ") == "abc 服务"
