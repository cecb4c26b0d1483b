"""The local names drafts print (county, issuing office, 文号 prefix) or their placeholders.

Set once in the config file (``county``, ``issuing_office``, ``doc_number_prefix``,
``review_office``); while a name is unset the drafts print the ××县 / ××〔2026〕×号 placeholders
the reviewer fills in by hand, so an unset name is visible on the page, never invented.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import Settings

COUNTY_PLACEHOLDER = "××县"
JOINT_OFFICE_SUFFIX = "公平竞争审查工作联席会议办公室"


@dataclass(frozen=True)
class LocalNames:
    county: str | None = None
    issuing_office: str | None = None
    doc_number_prefix: str | None = None
    review_office: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalNames:
        def clean(value: str | None) -> str | None:
            return value.strip() or None if value else None

        return cls(
            county=clean(settings.county),
            issuing_office=clean(settings.issuing_office),
            doc_number_prefix=clean(settings.doc_number_prefix),
            review_office=clean(settings.review_office),
        )

    @property
    def county_name(self) -> str:
        """襄城县, or ××县 while unset."""
        return self.county or COUNTY_PLACEHOLDER

    @property
    def joint_office(self) -> str:
        """The issuing office, else 〈county〉公平竞争审查工作联席会议办公室."""
        return self.issuing_office or f"{self.county_name}{JOINT_OFFICE_SUFFIX}"

    @property
    def government(self) -> str:
        """〈county〉人民政府."""
        return f"{self.county_name}人民政府"

    def doc_number(self, year: int) -> str:
        """襄公审办〔2026〕×号 (the serial number is the registry's), or ××〔2026〕×号."""
        return f"{self.doc_number_prefix or '××'}〔{year}〕×号"

    @property
    def unset(self) -> tuple[str, ...]:
        """The config keys still printing placeholders (for a hint under a written draft)."""
        return tuple(
            name
            for name in ("county", "issuing_office", "doc_number_prefix", "review_office")
            if getattr(self, name) is None
        )
