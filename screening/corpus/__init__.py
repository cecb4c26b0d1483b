"""The knowledge corpus: review standards, notified cases and guidance, with their loaders."""

from ..domain import CLASSES_1670, FAMILIES
from .citations import map_citation, parse_citations
from .schema import Case, Guidance, Provenance, Standard
from .store import (
    get_article,
    get_case,
    get_standard,
    load_cases,
    load_exemplars,
    load_guidance,
    load_negatives,
    load_standards,
)

__all__ = [
    "CLASSES_1670",
    "FAMILIES",
    "Case",
    "Guidance",
    "Provenance",
    "Standard",
    "get_article",
    "get_case",
    "get_standard",
    "load_cases",
    "load_exemplars",
    "load_guidance",
    "load_negatives",
    "load_standards",
    "map_citation",
    "parse_citations",
]
