"""``tfidf-char.v1``: character 1–2-gram TF-IDF fitted on reference texts (scikit-learn, offline).

Design choice: the vocabulary and IDF weights are learned from the texts the caller screens
against (standards, precedent cases), following the scikit-learn ``fit`` contract, instead of
shipping a bundled vocabulary. Nothing is downloaded and there is no file to keep in sync; the
price is that vectors are only comparable within one fit, so ``version_info`` records a hash
of the fitted texts. Pass ``fit_texts=`` to :func:`~screening.embed.get_embedder` or call
:meth:`TfidfCharEmbedder.fit`.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ModelError
from .base import Embedder, check_texts, l2_normalize, package_version


def _normalize(text: str) -> str:
    """Full-width forms to ASCII, lower case, whitespace dropped (not meaningful in Chinese)."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


class TfidfCharEmbedder(Embedder):
    """Sublinear TF-IDF over character uni- and bigrams; ``dim`` is the fitted vocabulary size.

    Texts sharing no n-gram with the fitted vocabulary get an all-zero row (cosine 0).
    """

    name = "tfidf-char.v1"

    def __init__(self, *, max_features: int = 20000, fit_texts: Sequence[str] | None = None):
        self.max_features = max_features
        self.vectorizer_: Any = None
        self.fit_sha256_: str | None = None
        self.n_fit_texts_ = 0
        if fit_texts is not None:
            self.fit(fit_texts)

    def fit(self, texts: Sequence[str]) -> TfidfCharEmbedder:
        from sklearn.feature_extraction.text import TfidfVectorizer

        items = check_texts(texts)
        if not any(t.strip() for t in items):
            raise ModelError(detail="tfidf-char.v1 的拟合文本为空。请提供至少一条非空的参考文本。")
        vectorizer = TfidfVectorizer(
            analyzer="char",
            ngram_range=(1, 2),
            preprocessor=_normalize,
            sublinear_tf=True,
            max_features=self.max_features,
            dtype=np.float32,
        )
        vectorizer.fit(items)
        digest = hashlib.sha256()
        for t in items:
            digest.update(t.encode("utf-8") + b"\x1e")
        self.vectorizer_ = vectorizer
        self.fit_sha256_ = digest.hexdigest()
        self.n_fit_texts_ = len(items)
        return self

    @property
    def dim(self) -> int:  # type: ignore[override]
        return len(self._fitted().vocabulary_)

    def _fitted(self) -> Any:
        if self.vectorizer_ is None:
            raise ModelError(
                detail="tfidf-char.v1 尚未拟合。该方法需要先用参考文本（审查标准、案例）拟合词表，"
                "请改用 e5-small.v1 或 use-m.v1，或由调用方先调用 fit()。"
            )
        return self.vectorizer_

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        vectorizer = self._fitted()
        items = check_texts(texts)
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalize(vectorizer.transform(items).toarray())

    def version_info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "model": "character 1-2-gram TF-IDF (sublinear tf)",
            "source_package": "scikit-learn",
            "source_version": package_version("scikit-learn"),
            "dim": self.dim if self.vectorizer_ is not None else None,
            "weights_sha256": self.fit_sha256_,
            "n_fit_texts": self.n_fit_texts_,
        }

    @classmethod
    def status(cls, settings: Any) -> str:
        return "可用（使用时用参考文本拟合）"
