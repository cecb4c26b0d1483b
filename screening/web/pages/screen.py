"""Console page: screen (to be built)."""

from __future__ import annotations
