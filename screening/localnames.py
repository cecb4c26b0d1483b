"""The local names drafts print (county, issuing office, 文号 prefix) or their placeholders.

Set once in the config file (``county``, ``issuing_office``, ``doc_number_prefix``,
``review_office``); while a name is unset the drafts print the ××县 / ××〔2026〕×号 placeholders
the reviewer fills in by hand, so an unset name is visible on the page, never invented.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

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


# No local name configured: every draft prints its placeholders.
PLACEHOLDERS = LocalNames()

# Config keys that fill a placeholder: (the placeholder as printed, what to write, an example).
_KEYS = {
    "county": ("“××县”", "县名", "襄城县"),
    "doc_number_prefix": ("“××〔{year}〕×号”", "发文字号前缀", "襄公审办"),
    "review_office": ("“【请填写：审查机构名称】”", "审查机构", "襄城县市场监督管理局"),
}


def placeholder_hint(
    names: LocalNames, keys: Iterable[str], year: int, config_file: Path | None
) -> str | None:
    """One line telling which settings would fill the placeholders a draft printed.

    ``keys``: the settings whose value the draft needed; those still unset are named, with the
    placeholder they left and an example. None when the draft printed no placeholder.
    """
    unset = [k for k in dict.fromkeys(keys) if getattr(names, k) is None]
    if not unset:
        return None
    shown = "".join(_KEYS[k][0].format(year=year) for k in unset)
    settings = "、".join(f'{k} = "{_KEYS[k][1]}"（如 "{_KEYS[k][2]}"）' for k in unset)
    where = config_file or "screening.toml"
    return (
        f"草稿中的{shown}是占位符；在配置文件 {where} 的 [screening] 下写上 {settings}，"
        "再生成时即填入实际名称。"
    )
