"""Sentence embeddings behind one interface, chosen by versioned name (``e5-small.v1``, …).

Importing this package is cheap: onnxruntime (or, with the ``torch`` backend, torch and
sentence-transformers) loads only when an ``e5-small.v1`` embedder is instantiated.
"""

from __future__ import annotations

from .base import REGISTRY, Embedder, embedder_names, get_embedder, get_spec, l2_normalize

__all__ = ["REGISTRY", "Embedder", "embedder_names", "get_embedder", "get_spec", "l2_normalize"]
