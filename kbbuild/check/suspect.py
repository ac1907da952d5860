"""Tier 2 of the checker: a classifier over the embedder's vectors says when an utterance is 疑似.

Trained at build time on the KB alone: positives are each forbidden entry's `examples`, `phrases` and
`behaviour`; negatives are the words of scripts, the `instead` advice and the correct utterances of
kb/lookalikes.yaml. The score is the mean of two scikit-learn classifiers over the same vectors: a
logistic regression (what violations have in common) and a distance-weighted k-nearest-neighbours
vote (the examples a sentence is closest to); on the dev split the pair beat either alone (F1 0.95 vs
0.89 and 0.91). The release stores the coefficients and the training vectors (no pickle); a hit names
the forbidden entry whose example is nearest.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from ..search.embedder import Embedder
from .phrases import PLACEHOLDER
from .replacements import hearable

MODEL_FILE = "suspect.npz"
INFO_FILE = "suspect.json"
C = 16.0  # inverse regularisation strength of the regression } chosen on the dev split
K = 5  # neighbours that vote                                     } (bench/tune_checker.py)


class SuspectError(Exception):
    """The tier-2 model of a release cannot be used; the message says why."""


@dataclass(frozen=True)
class TrainingSet:
    texts: list[str]
    labels: list[int]        # 1 violation, 0 correct
    entries: list[str]       # the forbidden entry a positive illustrates ("" for negatives)


def training_set(records: Sequence[dict[str, Any]], lookalikes: Sequence[str]) -> TrainingSet:
    texts: list[str] = []
    labels: list[int] = []
    entries: list[str] = []

    def add(text: str, label: int, entry: str = "") -> None:
        if text and text not in seen:
            seen.add(text)
            texts.append(text)
            labels.append(label)
            entries.append(entry)

    seen: set[str] = set()
    for r in records:
        if r["type"] != "forbidden":
            continue
        for text in r.get("examples", []):
            add(text, 1, r["id"])
        for phrase in r.get("phrases", []):
            if not PLACEHOLDER.search(phrase):  # 是XX啊？ is a pattern, not an utterance
                add(phrase, 1, r["id"])
        if r.get("behaviour"):
            add(r["behaviour"], 1, r["id"])
    for r in records:
        for line in r.get("say", []):
            for part in hearable(line):
                add(part, 0)
        if r["type"] == "forbidden":
            for text in r.get("instead", []):
                add(text, 0)
    for text in lookalikes:
        add(text, 0)
    return TrainingSet(texts, labels, entries)


class SuspectModel:
    """P(violation) of an utterance's vector, and the forbidden entry whose examples it is nearest."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, vectors: np.ndarray, labels: np.ndarray,
                 owners: list[str], info: dict[str, Any]) -> None:
        self._lr = LogisticRegression()
        self._lr.coef_ = coef.reshape(1, -1)
        self._lr.intercept_ = intercept.reshape(1)
        self._lr.classes_ = np.array([0, 1])
        self._knn = KNeighborsClassifier(n_neighbors=int(info.get("k", K)), weights="distance",
                                         metric="cosine").fit(vectors, labels)
        self.vectors = vectors
        self.labels = labels
        self.owners = owners
        self._positives = np.flatnonzero(labels == 1)
        self.info = info
        self.threshold = float(info["threshold"])

    @classmethod
    def train(cls, data: TrainingSet, embedder: Embedder, threshold: float, c: float = C, k: int = K
              ) -> SuspectModel:
        if len(set(data.labels)) < 2:
            raise SuspectError("tier 2 needs both examples of violations and correct utterances to learn from")
        vectors = embedder.queries(data.texts).astype(np.float32)
        y = np.asarray(data.labels, dtype=np.int8)
        lr = LogisticRegression(C=c, class_weight="balanced", max_iter=5000).fit(vectors, y)
        info = {"embedder": embedder.name, "threshold": threshold, "c": c, "k": k,
                "positives": int(y.sum()), "negatives": int(len(y) - y.sum())}
        return cls(lr.coef_[0].astype(np.float32), lr.intercept_.astype(np.float32), vectors, y,
                   list(data.entries), info)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / MODEL_FILE, coef=self._lr.coef_[0], intercept=self._lr.intercept_, vectors=self.vectors,
                 labels=self.labels)
        (folder / INFO_FILE).write_text(json.dumps({**self.info, "owners": self.owners}, ensure_ascii=False),
                                        "utf-8")

    @classmethod
    def load(cls, folder: Path, embedder: Embedder) -> SuspectModel:
        info = json.loads((folder / INFO_FILE).read_text("utf-8"))
        if info.get("embedder") != embedder.name:
            raise SuspectError(f"the checker's model was trained on vectors of {info.get('embedder')!r}, "
                               f"but the server embeds with {embedder.name!r}: rebuild with the same KB_EMBEDDER")
        with np.load(folder / MODEL_FILE, allow_pickle=False) as data:
            coef, intercept, vectors, labels = data["coef"], data["intercept"], data["vectors"], data["labels"]
        owners = info.pop("owners")
        if len(owners) != len(vectors) or len(labels) != len(vectors) or coef.shape[0] != embedder.dim:
            raise SuspectError(f"{MODEL_FILE} does not match {INFO_FILE}")
        return cls(coef, intercept, vectors, labels, owners, info)

    def score(self, vectors: np.ndarray) -> list[tuple[float, str, float]]:
        """(P(violation), nearest forbidden entry, its similarity) for each row of `vectors`."""
        if not len(vectors):
            return []
        probs = (self._lr.predict_proba(vectors)[:, 1] + self._knn.predict_proba(vectors)[:, 1]) / 2
        sims = vectors @ self.vectors[self._positives].T
        nearest = sims.argmax(axis=1)
        return [(float(p), self.owners[self._positives[i]], float(sims[row, i]))
                for row, (p, i) in enumerate(zip(probs, nearest, strict=True))]
