"""Console page: complaints (to be built)."""

from __future__ import annotations
