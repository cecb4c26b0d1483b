"""Console page: reports (to be built)."""

from __future__ import annotations
