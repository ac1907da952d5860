"""Meaning: cosine between the query's embedding and each entry's passage and similar questions."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .embedder import Embedder
from .fields import passage

VECTORS = "vectors.npy"
OWNERS = "vector_owners.npy"
KINDS = "vector_kinds.npy"
PASSAGE, QUESTION = 0, 1
COARSE_POOL = 400  # entries shortlisted by their centroid when the KB is large (see DenseRetriever)


def embed_entries(all_texts: Sequence[dict[str, list[str]]], embedder: Embedder
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(vectors, owner entry position, kind) for each entry's passage and each of its questions.

    Questions are embedded as queries (query↔query is the symmetric task e5 was trained for);
    the passage as a passage. Rows are grouped by entry, in entry order.
    """
    p_vecs = embedder.passages([passage(texts) for texts in all_texts])
    q_vecs = iter(embedder.queries([q for texts in all_texts for q in texts["questions"]]))
    rows, owners, kinds = [], [], []
    for pos, texts in enumerate(all_texts):
        rows.append(p_vecs[pos])
        owners.append(pos)
        kinds.append(PASSAGE)
        for _ in texts["questions"]:
            rows.append(next(q_vecs))
            owners.append(pos)
            kinds.append(QUESTION)
    dim = embedder.dim
    vectors = np.stack(rows).astype(np.float32) if rows else np.zeros((0, dim), np.float32)
    return vectors, np.asarray(owners, dtype=np.int32), np.asarray(kinds, dtype=np.int8)


def write_vectors(out: Path, vectors: np.ndarray, owners: np.ndarray, kinds: np.ndarray) -> None:
    np.save(out / VECTORS, vectors)
    np.save(out / OWNERS, owners)
    np.save(out / KINDS, kinds)


class DenseRetriever:
    """Best cosine per entry over its passage (plus `passage_offset`) and its questions.

    A large KB (10k entries × ~12 vectors) is searched in two steps: every entry's centroid first,
    then all vectors of the COARSE_POOL best entries, so a query reads ~1/12 of the matrix.
    """

    name = "dense"

    def __init__(self, vectors: np.ndarray, owners: np.ndarray, kinds: np.ndarray, n_entries: int) -> None:
        self.vectors = vectors
        self.owners = owners
        self.n_entries = n_entries
        # Passages and questions are on different cosine scales; an offset on passages puts them on one.
        self.is_passage = (kinds == PASSAGE).astype(np.float32)
        self.starts = np.searchsorted(owners, np.arange(n_entries)).astype(np.int64)
        self.counts = np.diff(np.append(self.starts, len(owners)))
        if (self.counts == 0).any() or (np.diff(owners) < 0).any():
            raise ValueError("vectors must be grouped by entry with at least one per entry")
        self.centroids: np.ndarray | None = None
        if n_entries > COARSE_POOL:
            sums = np.add.reduceat(vectors, self.starts, axis=0)
            self.centroids = sums / np.linalg.norm(sums, axis=1, keepdims=True)

    @classmethod
    def load(cls, folder: Path, n_entries: int) -> DenseRetriever:
        vectors = np.load(folder / VECTORS, mmap_mode=None, allow_pickle=False)
        owners = np.load(folder / OWNERS, allow_pickle=False)
        kinds = np.load(folder / KINDS, allow_pickle=False)
        if len(vectors) != len(owners) or len(owners) != len(kinds):
            raise ValueError("vectors, owners and kinds differ in length")
        return cls(vectors, owners, kinds, n_entries)

    def scores(self, qvec: np.ndarray, allowed: Sequence[int] | None = None,
               passage_offset: float = 0.0) -> np.ndarray:
        """Best similarity of each entry (−inf for entries filtered out or not shortlisted)."""
        if self.centroids is None and allowed is None:
            sims = self.vectors @ qvec + passage_offset * self.is_passage
            return np.maximum.reduceat(sims, self.starts)
        pool = np.arange(self.n_entries) if allowed is None else np.asarray(allowed, dtype=np.int64)
        if self.centroids is not None and len(pool) > COARSE_POOL:
            coarse = (self.centroids if allowed is None else self.centroids[pool]) @ qvec
            pool = np.sort(pool[np.argpartition(-coarse, COARSE_POOL)[:COARSE_POOL]])
        best = np.full(self.n_entries, -np.inf, dtype=np.float32)
        if not len(pool):
            return best
        # The rows of the pooled entries, segment by segment: each entry's rows are contiguous.
        lengths = self.counts[pool]
        seg_starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        rows = np.arange(int(lengths.sum())) + np.repeat(self.starts[pool] - seg_starts, lengths)
        sims = self.vectors[rows] @ qvec + passage_offset * self.is_passage[rows]
        best[pool] = np.maximum.reduceat(sims, seg_starts)
        return best

    def search(self, qvec: np.ndarray, depth: int, allowed: Sequence[int] | None = None,
               passage_offset: float = 0.0) -> list[tuple[int, float]]:
        """Entry positions and similarities, best first (at most `depth`)."""
        scores = self.scores(qvec, allowed, passage_offset)
        k = min(depth, int(np.isfinite(scores).sum()))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top]
