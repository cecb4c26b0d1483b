"""``fake.v1``: a tiny deterministic embedder (hashed character uni- and bigrams) for unit tests."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from .base import Embedder, check_texts, l2_normalize, package_version


class FakeEmbedder(Embedder):
    """Signed feature hashing of characters and character bigrams into ``dim`` buckets.

    Texts sharing many characters get high cosine, so similarity tests behave sensibly, yet
    nothing is loaded: it is fast and stable across processes (CRC32, not ``hash()``).
    Not a semantic model: never use it for real screening.
    """

    name = "fake.v1"

    def __init__(self, dim: int = 64) -> None:
        if dim < 2:
            raise ValueError("dim must be at least 2")
        self.dim = dim

    def _features(self, text: str) -> list[str]:
        padded = f"^{text}$"  # boundary markers: even "" has one feature
        return list(text) + [padded[i : i + 2] for i in range(len(padded) - 1)]

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for feat in self._features(text):
            h = zlib.crc32(feat.encode("utf-8"))
            vec[h % self.dim] += 1.0 if (h >> 31) & 1 else -1.0
        return vec

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        items = check_texts(texts)
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalize(np.stack([self._vector(t) for t in items]))

    def version_info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "model": "hashed character uni/bigrams (test only)",
            "source_package": "screening",
            "source_version": package_version("screening"),
            "dim": self.dim,
            "weights_sha256": None,
        }

    @classmethod
    def status(cls, settings: Any) -> str:
        return "可用（仅供测试）"
