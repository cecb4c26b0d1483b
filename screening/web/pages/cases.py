"""Console page: cases (to be built)."""

from __future__ import annotations
