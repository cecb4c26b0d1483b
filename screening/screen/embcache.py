"""A persistent text → vector cache per embedder, so retraining does not re-embed the corpus."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..embed import Embedder


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors keyed by text hash, stored in ``<models>/embeddings/<embedder>.npz``.

    The file is rewritten atomically; a damaged file is ignored (and rebuilt), never trusted.
    """

    def __init__(self, embedder: Embedder, directory: Path | None) -> None:
        self.embedder = embedder
        # cache_key: backends whose vectors differ (e5 int8) keep their own file
        key = getattr(embedder, "cache_key", embedder.name)
        self.path = directory / f"{key}.npz" if directory else None
        self._vectors: dict[str, np.ndarray] = {}
        self._dirty = False
        if self.path and self.path.is_file():
            try:
                with np.load(self.path, allow_pickle=False) as data:
                    keys, vecs = data["keys"], data["vectors"]
                    self._vectors = {str(k): v for k, v in zip(keys, vecs, strict=True)}
            except (OSError, ValueError, KeyError):
                self._vectors = {}

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        keys = [_key(t) for t in texts]
        missing: dict[str, str] = {}
        for k, t in zip(keys, texts, strict=True):
            if k not in self._vectors and k not in missing:
                missing[k] = t
        if missing:
            vecs = self.embedder.encode(list(missing.values()), batch_size=batch_size)
            for k, v in zip(missing, vecs, strict=True):
                self._vectors[k] = np.asarray(v, dtype=np.float32)
            self._dirty = True
        if not texts:
            return np.zeros((0, getattr(self.embedder, "dim", 0)), dtype=np.float32)
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32)

    def save(self) -> None:
        if not (self.path and self._dirty):
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(sorted(self._vectors))
        vecs = np.stack([self._vectors[k] for k in keys]) if len(keys) else np.zeros((0, 1))
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".npz.tmp")
        os.close(fd)
        with open(tmp, "wb") as fh:
            np.savez(fh, keys=keys, vectors=vecs)
        os.replace(tmp, self.path)
        self._dirty = False


class CachedEmbedder:
    """An embedder whose vectors come from (and go to) an :class:`EmbeddingCache`.

    Evaluation screens the same case spans and compliant clauses on every retrain; through the
    cache they are embedded once per machine. Call :meth:`save` afterwards to keep new vectors.
    """

    def __init__(self, embedder: Embedder, directory: Path | None) -> None:
        self.cache = EmbeddingCache(embedder, directory)
        self.name = embedder.name
        self.dim = getattr(embedder, "dim", 0)

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, **_: object) -> np.ndarray:
        return self.cache.encode(list(texts), batch_size=batch_size)

    def version_info(self) -> dict:
        return self.cache.embedder.version_info()

    def save(self) -> None:
        self.cache.save()
