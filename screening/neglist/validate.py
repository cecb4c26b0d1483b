"""Check an imported edition: 6-digit codes, item numbering, counts against the announced facts."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .model import CATEGORIES, Item, count_items

_CODE_RE = re.compile(r"^\d{6}$")
META_PATH = Path("negative_list") / "editions_meta.json"

ERROR = "错误"
WARNING = "提示"


@dataclass(frozen=True)
class Issue:
    """One validation finding; ``level`` is 错误 (data wrong) or 提示 (worth a look)."""

    level: str
    code: str  # stable machine code
    message: str  # Chinese, says what to check
    locator: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_edition_facts(corpus_dir: Path, edition: str) -> dict[str, Any] | None:
    """Announced facts for ``edition`` from corpus/negative_list/editions_meta.json, if bundled.

    Returns ``{"name", "doc_no", "published", "expected": {items, prohibited, permitted,
    national_measures, local_measures}}`` with whatever is known, or None.
    """
    path = Path(corpus_dir) / META_PATH
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and isinstance(data.get("data"), dict):
        data = data["data"]  # the corpus wraps copied files as {"data": …, "provenance": …}
    editions = data.get("editions", data) if isinstance(data, dict) else {}
    raw = editions.get(edition) if isinstance(editions, dict) else None
    if not isinstance(raw, dict):
        return None
    return _facts_from_meta(edition, raw)


def _value(raw: dict[str, Any], key: str) -> Any:
    v = raw.get(key)
    return v.get("value") if isinstance(v, dict) else v


def _facts_from_meta(edition: str, raw: dict[str, Any]) -> dict[str, Any]:
    totals = raw.get("items_total") if isinstance(raw.get("items_total"), dict) else {}
    expected = {
        "items": totals.get("value"),
        "prohibited": totals.get("prohibited"),
        "permitted": totals.get("permitted"),
        "national_measures": _value(raw, "national_measures"),
        "local_measures": _value(raw, "local_measures"),
    }
    issued = str(_value(raw, "issued") or "")
    date = re.match(r"\d{4}-\d{2}-\d{2}", issued)
    name = f"市场准入负面清单（{edition}年版）" if re.fullmatch(r"\d{4}", edition) else None
    return {
        "name": _value(raw, "name") or name,
        "doc_no": _value(raw, "doc_no"),
        "published": date.group(0) if date else None,
        "expected": {k: v for k, v in expected.items() if isinstance(v, int)},
    }


def validate_items(items: list[Item], expected: dict[str, int] | None = None) -> list[Issue]:
    """All checks; ``expected`` holds announced counts (missing keys are not checked)."""
    issues: list[Issue] = []
    issues += _check_codes(items)
    issues += _check_numbering(items)
    issues += _check_content(items)
    if expected:
        issues += _check_counts(items, expected)
    return issues


def _check_codes(items: list[Item]) -> list[Issue]:
    out, seen = [], {}
    for it in items:
        if not _CODE_RE.match(it.code):
            shown = it.code or "（空）"
            out.append(
                Issue(
                    ERROR,
                    "bad_code",
                    f"事项“{it.name}”的事项编码“{shown}”不是 6 位数字。",
                    it.locator,
                )
            )
        elif it.code in seen:
            out.append(
                Issue(
                    ERROR,
                    "duplicate_code",
                    f"事项编码 {it.code} 重复（“{seen[it.code]}”与“{it.name}”）。",
                    it.locator,
                )
            )
        else:
            seen[it.code] = it.name
    return out


def _check_numbering(items: list[Item]) -> list[Issue]:
    out: list[Issue] = []
    prev: int | None = None
    for it in items:
        if it.item_no is None:
            out.append(Issue(ERROR, "missing_item_no", f"事项“{it.name}”没有项目号。", it.locator))
            continue
        if prev is None and it.item_no != 1:
            out.append(
                Issue(
                    ERROR, "numbering_start", f"项目号从 {it.item_no} 开始，而不是 1。", it.locator
                )
            )
        elif prev is not None and it.item_no != prev + 1:
            kind = "重复或倒序" if it.item_no <= prev else f"缺少 {_gap(prev, it.item_no)}"
            out.append(
                Issue(
                    ERROR,
                    "numbering_gap",
                    f"项目号不连续：{prev} 之后是 {it.item_no}（{kind}），可能有事项未读出。",
                    it.locator,
                )
            )
        prev = it.item_no
    return out


def _gap(prev: int, nxt: int) -> str:
    missing = list(range(prev + 1, nxt))
    return "、".join(map(str, missing[:5])) + ("等" if len(missing) > 5 else "")


def _check_content(items: list[Item]) -> list[Issue]:
    out = []
    for it in items:
        if not it.name:
            out.append(
                Issue(ERROR, "missing_name", f"项目号 {it.item_no} 没有事项名称。", it.locator)
            )
        if not it.measures:
            out.append(
                Issue(WARNING, "no_measures", f"事项“{it.name}”没有读到任何准入措施。", it.locator)
            )
        if it.category not in CATEGORIES:
            out.append(
                Issue(
                    ERROR,
                    "no_category",
                    f"事项“{it.name}”不在“禁止准入类”或“许可准入类”分节之下，类别未知。",
                    it.locator,
                )
            )
    return out


_COUNT_LABELS = {
    "items": "事项总数",
    "prohibited": "禁止准入类事项",
    "permitted": "许可准入类事项",
    "national_measures": "全国性措施",
    "local_measures": "地方性措施",
}


def _check_counts(items: list[Item], expected: dict[str, int]) -> list[Issue]:
    got = count_items(items)
    out = []
    for key, label in _COUNT_LABELS.items():
        if key in expected and got[key] != expected[key]:
            # Measure counts depend on how rows are split, so they only warrant a look.
            level = ERROR if key in ("items", "prohibited", "permitted") else WARNING
            out.append(
                Issue(
                    level,
                    f"count_{key}",
                    f"{label}读到 {got[key]} 个，公布数为 {expected[key]} 个，请核对文件是否完整。",
                )
            )
    return out


__all__ = ["ERROR", "WARNING", "Issue", "load_edition_facts", "validate_items"]
