"""Negative-list check: approval-type requirements matched against an imported list edition.

A clause that makes an activity subject to approval (须经…批准/许可/核准, 备案 used as approval,
前置条件) is compared with the items and measures of the imported edition. A match names the
item; no match suggests 清单之外违规设立准入许可 (FCR-9-2). Without an edition the check says
it could not run — it never pretends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..neglist.editions import current_edition, negative_list_status

_APPROVAL_REQUIREMENT = re.compile(
    r"(?:须|需|应当?|必须|要|一律)[^，。；]{0,12}?(?:经|取得|获得|办理|申领|申请)[^，。；]{0,24}?"
    r"(?:批准|许可|核准|审批|同意|备案|资质|证书|证明|登记)"
    r"|(?:经|取得|获得|办理)[^，。；]{0,24}?(?:批准|许可|核准|审批|备案|同意)[^，。；]{0,10}?(?:后|方可|才能|才可)"
    r"|(?:未经|没有|未取得)[^，。；]{0,20}?(?:批准|许可|核准|审批|备案|登记)[^，。；]{0,10}?(?:不得|禁止|一律不)"
    r"|前置(?:条件|审批|备案|许可)|备案(?:管理|制度)|凭[^，。；]{0,12}(?:证|证明|备案)"
)
_LEGAL = re.compile(r"依法|依照|按照国家|法律、?行政法规|国务院")
MATCH_MIN = 0.34  # character-bigram Jaccard-style overlap that counts as the same item


@dataclass(frozen=True)
class ListCheck:
    code: str | None  # FCR-9-2 when an approval has no list item; None otherwise
    note: str


def is_approval_requirement(text: str) -> bool:
    return bool(_APPROVAL_REQUIREMENT.search(text))


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"[^\u4e00-\u9fff]", "", text)
    return {text[i : i + 2] for i in range(len(text) - 1)}


class NegativeListChecker:
    """Loads the current edition once per run; ``check`` is called per approval-type clause."""

    def __init__(self, corpus_dir: Path) -> None:
        self.status = negative_list_status(corpus_dir)
        self.items: list[tuple[object, set[str]]] = []
        if self.status.available:
            _, items = current_edition(corpus_dir)
            for item in items:
                text = item.name + "".join(m.text for m in item.measures)
                self.items.append((item, _bigrams(text)))

    def check(self, text: str) -> ListCheck | None:
        if not is_approval_requirement(text):
            return None
        if not self.status.available:
            return ListCheck(
                None,
                "条款设定了审批、许可或备案类要求；尚未导入市场准入负面清单，无法核对是否属于清单事项"
                "（如不属于，可能构成清单之外违规设立准入许可，FCR-9-2），请人工核对。",
            )
        grams = _bigrams(text)
        best, best_score = None, 0.0
        for item, item_grams in self.items:
            if not grams or not item_grams:
                continue
            score = len(grams & item_grams) / min(len(grams), len(item_grams))
            if score > best_score:
                best, best_score = item, score
        edition = self.status.edition
        if best is not None and best_score >= MATCH_MIN:
            return ListCheck(
                None,
                f"条款的审批/许可要求与负面清单（{edition}）事项 {best.item_no}“{best.name}”"
                f"（事项编码 {best.code}）相关，请核对是否超出该事项的准入措施另设条件。",
            )
        legal = "；条款写有法律依据措辞，请核对所依据的法律法规" if _LEGAL.search(text) else ""
        return ListCheck(
            "FCR-9-2",
            f"条款设定了审批/许可类要求，未在负面清单（{edition}）中找到对应事项，"
            f"疑似在清单之外违规设立准入许可（FCR-9-2）{legal}。",
        )
