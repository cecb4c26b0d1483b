"""Console page: model (to be built)."""

from __future__ import annotations
