"""Keeping complainants' names and contacts out of every report, table and sidecar."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

MASK = "＊＊＊"
MIN_DIGITS = 7  # a shorter run of digits identifies no one, and masking it could hit a figure


def _parts(value: str) -> list[str]:
    """The single names and numbers in a field such as "张三；13900000000"."""
    return [p.strip() for p in re.split(r"[；;，,、/]+", value) if p.strip()]


def _pattern(secret: str) -> str:
    """A phone number matches with or without spaces and hyphens between its digits."""
    digits = re.sub(r"[\s\-－—]", "", secret)
    if digits.isdigit():
        return r"[\s\-－—]*".join(digits) if len(digits) >= MIN_DIGITS else ""
    return re.escape(secret)


class Redactor:
    """Replaces every known complainant name and contact in a text with ``MASK``.

    Reports never select these columns, but complaint wording (which becomes case titles and
    summaries) may repeat them, so every string written to an output passes through here.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        words = sorted({s.strip() for s in secrets if len(s.strip()) >= 2}, key=len, reverse=True)
        patterns = [p for p in (_pattern(w) for w in words) if p]
        self._pattern = re.compile("|".join(patterns)) if patterns else None

    @classmethod
    def from_ledger(cls, db: Database) -> Redactor:
        secrets: list[str] = []
        for row in db.query("select complainant, contact from complaints"):
            for value in (row["complainant"] or "", row["contact"] or ""):
                secrets += [value, *_parts(value)]
        return cls(secrets)

    def __call__(self, text: Any) -> str:
        s = "" if text is None else str(text)
        return self._pattern.sub(MASK, s) if self._pattern else s
