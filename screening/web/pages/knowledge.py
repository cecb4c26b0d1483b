"""Console page: knowledge (to be built)."""

from __future__ import annotations
