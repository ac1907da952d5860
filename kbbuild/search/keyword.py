"""Keyword retrieval: BM25F over title, tags, questions, situation, words to say and body.

Terms come from the release's Analyzer (jieba words with the KB's domain words, synonym-group keys,
single characters), plus pinyin keys and pinyin bigrams. The build computes one sparse matrix of
BM25F-combined term frequencies (entries × terms) and stores it in the release; the server loads it
and scores a query with a few numpy column operations.

Written here rather than with Whoosh (the first round's index): a query is 20–60 terms across six
fields, and Whoosh's per-matcher Python scoring took ~27 ms p50 on 326 entries (bench, this round),
and reading its postings back at load took seconds; this matrix answers in ~1 ms and loads in
milliseconds. BM25F as in Robertson & Zaragoza: per-field length normalisation, weighted sum of
term frequencies, one saturation.
"""

from __future__ import annotations

import bisect
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

from .analysis import Analyzer, pinyin_bigrams
from .fields import FIELDS, WEIGHTS
from .query import ParsedQuery

MATRIX = "keyword.npz"
TERMS = "keyword_terms.json"
PINYIN_WEIGHTS = {"py": 2.0, "pyb": 0.4}
K1, B = 1.2, 0.75


def field_terms(texts: dict[str, list[str]], analyzer: Analyzer) -> dict[str, list[str]]:
    """The terms of each field of one entry; pinyin fields have their own term namespaces."""
    out = {name: [t for text in texts[name] for t in analyzer.tokens(text)] for name in FIELDS}
    heads = texts["title"] + texts["tags"] + texts["questions"] + texts["say"]
    keys = [k for text in texts["title"] + texts["tags"] for k in analyzer.pinyin_keys(text)]
    keys += analyzer.phrase_initials(texts["title"] + texts["tags"] + texts["questions"])
    out["py"] = keys
    out["pyb"] = [k for text in heads for k in pinyin_bigrams(text)]
    return out


def _key(field: str, term: str) -> str:
    """Term namespace: the six text fields share one (BM25F); each pinyin field has its own."""
    return f"{field}:{term}" if field in PINYIN_WEIGHTS else term


def build_matrix(all_texts: Sequence[dict[str, list[str]]], analyzer: Analyzer) -> tuple[sparse.csc_matrix, list[str]]:
    """BM25F-combined term frequencies (entries × terms) and the term of each column."""
    weights = WEIGHTS | PINYIN_WEIGHTS
    per_entry = [field_terms(texts, analyzer) for texts in all_texts]
    n = len(per_entry)
    avg = {f: max(1.0, sum(len(e[f]) for e in per_entry) / max(n, 1)) for f in weights}
    columns: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for pos, fields in enumerate(per_entry):
        for name, terms in fields.items():
            scale = weights[name] / (1 - B + B * len(terms) / avg[name])
            for term, freq in Counter(terms).items():
                rows.append(pos)
                cols.append(columns.setdefault(_key(name, term), len(columns)))
                vals.append(freq * scale)
    matrix = sparse.csc_matrix((np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(n, len(columns)))
    matrix.sum_duplicates()  # one term in several fields of an entry: BM25F's combined frequency
    return matrix, list(columns)


def write_matrix(out: Path, matrix: sparse.csc_matrix, terms: list[str]) -> None:
    sparse.save_npz(out / MATRIX, matrix, compressed=False)
    (out / TERMS).write_text(json.dumps(terms, ensure_ascii=False), "utf-8")


class KeywordRetriever:
    """BM25F scores of entries for a query's terms; single characters count alongside words."""

    name = "keyword"

    def __init__(self, matrix: sparse.csc_matrix, terms: list[str]) -> None:
        if matrix.shape[1] != len(terms):
            raise ValueError(f"{MATRIX} has {matrix.shape[1]} columns but {TERMS} {len(terms)} terms")
        self._tf = sparse.csc_matrix(matrix)
        self._column = {t: i for i, t in enumerate(terms)}
        self.doc_count = int(matrix.shape[0])
        df = np.diff(self._tf.indptr)
        self._idf = np.log(1 + (self.doc_count - df + 0.5) / (df + 0.5))
        self._pinyin = sorted(t for t in terms if t.startswith("py:"))

    @classmethod
    def load(cls, folder: Path) -> KeywordRetriever:
        terms = json.loads((folder / TERMS).read_text("utf-8"))
        return cls(sparse.load_npz(folder / MATRIX), terms)

    def doc_frequency(self, term: str) -> int:
        col = self._column.get(term)
        return 0 if col is None else int(self._tf.indptr[col + 1] - self._tf.indptr[col])

    def _columns(self, q: ParsedQuery) -> list[tuple[int, float]]:
        """(column, query weight) of every query term the index knows."""
        wanted = [(t, 1.0) for t in q.tokens]
        wanted += [(_key("pyb", k), 1.0) for k in dict.fromkeys(pinyin_bigrams(q.compact))]
        if q.pinyin:
            key = _key("py", q.pinyin)
            wanted.append((key, 3.0))
            i = bisect.bisect_left(self._pinyin, key)
            while i < len(self._pinyin) and self._pinyin[i].startswith(key):
                if self._pinyin[i] != key:  # initials typed so far (xhw → xhwl)
                    wanted.append((self._pinyin[i], 1.0))
                i += 1
        return [(self._column[t], w) for t, w in wanted if t in self._column]

    def search(self, q: ParsedQuery, depth: int, allowed: Sequence[int] | None = None) -> list[tuple[int, float]]:
        """Entry positions and BM25F scores, best first (at most `depth`)."""
        scores = np.zeros(self.doc_count, dtype=np.float64)
        indptr, indices, data = self._tf.indptr, self._tf.indices, self._tf.data
        for col, weight in self._columns(q):
            a, b = indptr[col], indptr[col + 1]
            tf = data[a:b]
            scores[indices[a:b]] += weight * self._idf[col] * tf * (K1 + 1) / (tf + K1)
        if allowed is not None:
            mask = np.zeros(self.doc_count, dtype=bool)
            mask[np.asarray(allowed, dtype=np.int64)] = True
            scores[~mask] = 0.0
        k = min(depth, int(np.count_nonzero(scores)))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((top, -scores[top]))]
        return [(int(i), float(scores[i])) for i in top]
