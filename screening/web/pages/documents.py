"""Console page: documents (to be built)."""

from __future__ import annotations
