"""Fuzzing: schemathesis against the OpenAPI schema, Hypothesis on the text folding and the checker."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbbuild.check import Checker, speech_fold
from kbbuild.model import Vocabulary
from kbbuild.search.analysis import Analyzer
from kbbuild.search.query import normalize, parse
from kbbuild.text import compact, fold, fold_with_map
from search_api.app import create_app

from .conftest import _settings


@pytest.fixture(scope="module")
def api_schema(fast_build):  # type: ignore[no-untyped-def]
    app = create_app(_settings(fast_build.path.parent.parent))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_5xx_and_matches_its_schema(case) -> None:  # type: ignore[no-untyped-def]
    # Every check schemathesis knows: no 5xx, status codes, content types, response schemas.
    case.call_and_validate()


ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=200)


@given(ANY_TEXT)
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(ANY_TEXT)
def test_normalize_is_idempotent_and_compact_never_raises(text: str) -> None:
    assert normalize(normalize(text)) == normalize(text)
    compact(text)


@given(ANY_TEXT)
def test_fold_with_map_positions_are_in_range_and_ordered(text: str) -> None:
    folded, where = fold_with_map(text)
    assert len(folded) == len(where)
    assert all(0 <= i < len(text) for i in where)
    assert where == sorted(where)


@given(ANY_TEXT)
def test_speech_fold_maps_back_into_the_text(text: str) -> None:
    folded, where = speech_fold(text)
    assert len(folded) == len(where) and all(0 <= i < len(text) for i in where)


ANALYZER = Analyzer(Vocabulary(words=["值班长"], synonyms=[["销户", "销号"]]))


@given(ANY_TEXT)
def test_query_parse_never_raises(text: str) -> None:
    q = parse(text, ANALYZER)
    assert q.normalized == normalize(text)


CHECKER = Checker([
    {"id": "s", "type": "script", "say": ["请稍等"]},
    {"id": "f", "type": "forbidden", "title": "t", "severity": "serious", "phrases": ["你等一会", "是XX啊"],
     "instead_scripts": ["s"], "allow": ["请你等一会"]},
    {"id": "c", "type": "forbidden", "title": "t", "severity": "discouraged", "phrases": ["哦", "是XX啊"],
     "instead": ["x"], "match": "clause"},
])


@given(st.text(alphabet=st.sampled_from("你等一会儿兒請请喂哦是啊，。！ ＡaX"), max_size=40) | ANY_TEXT)
@settings(max_examples=300)
def test_checker_never_raises_and_hits_point_into_the_text(text: str) -> None:
    for hit in CHECKER.check(text)["hits"]:
        assert 0 <= hit["start"] < hit["end"] <= len(text)
        assert text[hit["start"]:hit["end"]] == hit["text"]
