"""典型案例通报 draft from confirmed cases: facts, the standard breached, the rectification."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..corpus.citations import int_to_cn
from ..errors import CasesNotConfirmedError
from ..ledger.cases import CONFIRMED, RECTIFYING, REVIEWING, get_case
from ..localnames import PLACEHOLDERS, LocalNames
from ..privacy import Redactor
from .citations import Citations, book, quoted, where
from .layout import OfficialDocument, title_lines
from .queries import CONFIRMED_STATES, Figures, Written, case_facts, cn_date, write_sidecar
from .selfcheck import joint_office_ref, ordinal

ADDRESSEE = "各乡（镇）人民政府、街道办事处，县直各部门："
# 市场准入 standards (实施办法 第九条、第十条): the negative list's "全国一张清单" also applies.
MARKET_ACCESS = ("FCR-9-", "FCR-10-")
# 有关要求; {office} is the joint office as running text names it (selfcheck.joint_office_ref).
REQUIREMENTS = (
    (
        "（一）对照自查自纠",
        "各乡（镇）、各部门要对照上述典型案例，举一反三，全面梳理本地区、本部门制定的涉及经营者"
        "经济活动的政策措施，发现存在类似问题的，于【××月××日】前完成整改，并将自查整改情况报送"
        "{office}。",
    ),
    (
        "（二）严格落实公平竞争审查制度",
        "起草涉及经营者经济活动的法规、规章、规范性文件和其他政策措施，应当严格按照《公平竞争审查"
        "条例》及其实施办法开展公平竞争审查，未经审查的不得出台。",
    ),
    (
        "（三）畅通投诉举报渠道",
        "对通过12345政务服务便民热线等渠道反映的妨碍统一市场和公平竞争问题，要依法及时核查处理，"
        "按时答复反馈，典型问题及时报送。",
    ),
)


def select_cases(db: Database, case_ids: list[int]) -> list[dict[str, Any]]:
    """The cases in the given order (duplicates dropped); every one must be confirmed."""
    cases = [get_case(db, cid) for cid in dict.fromkeys(case_ids)]
    refused = [c for c in cases if c["status"] not in CONFIRMED_STATES]
    if refused:
        listed = "、".join(f"{c['id']}（{c['status']}）" for c in refused)
        raise CasesNotConfirmedError(cases=listed)
    return cases


def _facts_text(case: dict[str, Any], facts: dict[str, Any]) -> str:
    if facts["document_id"] is None:
        got = facts["complaints"][0] if facts["complaints"] else None
        when = f"{cn_date(dt.date.fromisoformat(got['received_at'][:10]))}，" if got else ""
        via = f"通过{got['channel']}" if got and got["channel"] else ""
        return f"{when}有群众{via}投诉举报，反映{quoted(case['summary'] or case['title'])}。"
    issuer = facts["issuer"] or case["department"] or "有关单位"
    when = f"于{cn_date(dt.date.fromisoformat(facts['doc_date']))}" if facts["doc_date"] else ""
    number = f"（{facts['doc_number']}）" if facts["doc_number"] else ""
    rules = "；".join(f"{where(a)}规定{quoted(c)}" for a, c in facts["clauses"])
    return f"{issuer}{when}印发的{book(facts['title'])}{number}{rules or '存在相关规定'}。"


def _breach_text(case: dict[str, Any], cites: Citations) -> str:
    parts = [
        f"{cites[c].ref}{quoted(cites[c].quote)}" if cites[c].quote else cites[c].ref
        for c in case["standards"]
    ]
    breached = "、".join(parts) if parts else "公平竞争审查标准"
    text = f"上述规定违反了{breached}的规定。"
    if any(c.startswith(MARKET_ACCESS) for c in case["standards"]):
        text += "同时不符合市场准入负面清单“全国一张清单”管理要求，不得在清单之外自行设立准入限制。"
    if case["decision_reason"]:
        text += f"经核查认定，该规定{case['decision_reason'].rstrip('。')}。"
    return text


def _heading(case: dict[str, Any], facts: dict[str, Any]) -> str:
    """The case in a line: who, and what the reviewer found (or which document)."""
    who = facts["issuer"] or case["department"] or ""
    reason = (case["decision_reason"] or "").rstrip("。")
    if reason and len(reason) <= 40:
        return f"{who}{reason}问题"
    subject = book(facts["title"]) if facts["title"] else "群众反映的"
    return f"{who}{subject}违反公平竞争审查标准问题"


def _rectify_text(case: dict[str, Any]) -> str:
    dept = case["department"] or "责任单位"
    status = case["status"]
    if status == CONFIRMED or not case["measures"]:
        return f"整改情况：{dept}正在研究制定整改措施。"
    measures = case["measures"].rstrip("。")
    if status == RECTIFYING:
        return f"整改情况：{dept}已部署整改，{measures}，整改时限为{case['rectify_deadline']}。"
    if status == REVIEWING:
        return f"整改情况：{dept}已完成整改，{measures}，待复核销号。"
    closed = cn_date(dt.date.fromisoformat(case["closed_at"][:10])) if case["closed_at"] else ""
    return f"整改情况：{dept}已完成整改，{measures}，经复核已于{closed}销号。"


def case_account(
    case: dict[str, Any], facts: dict[str, Any], cites: Citations
) -> tuple[str, tuple[str, str, str]]:
    """How a notice tells one case: its heading and the facts, breach and rectification paragraphs.

    The portal pages (``screening.publish``) tell the notified cases in the same words.
    """
    texts = (_facts_text(case, facts), _breach_text(case, cites), _rectify_text(case))
    return _heading(case, facts), texts


def write_notice(
    db: Database,
    out: str | Path,
    *,
    case_ids: list[int],
    date: dt.date,
    corpus_dir: str | Path,
    names: LocalNames = PLACEHOLDERS,
) -> Written:
    """Write the 通报 DOCX and its sidecar; refuses cases that are not confirmed.

    ``names`` give the 文号 prefix and the issuing office; unset ones stay placeholders.
    """
    path = Path(out)
    cases = select_cases(db, case_ids)
    cites = Citations(corpus_dir)
    redact = Redactor.from_ledger(db)
    title = f"关于{int_to_cn(len(cases))}起违反公平竞争审查标准典型案例的通报"
    d = OfficialDocument(redact=redact, title=title)
    d.docno(names.doc_number(date.year))
    d.blank()
    d.title(title_lines(title, width=18))
    d.blank()
    d.addressee(ADDRESSEE)
    office = joint_office_ref(names)
    d.para(
        "为深入贯彻落实《公平竞争审查条例》《公平竞争审查条例实施办法》，持续破除地方保护和市场"
        f"分割，加快建设全国统一大市场，{office}对各地各部门制定的涉及经营者经济活动的政策"
        f"措施开展了核查。现将核查认定的{int_to_cn(len(cases))}起典型案例通报如下。"
    )
    d.heading(1, "一、典型案例")
    used: list[dict[str, Any]] = []
    for i, case in enumerate(cases, start=1):
        facts = case_facts(db, case)
        heading, paragraphs = case_account(case, facts, cites)
        d.heading(2, f"（{ordinal(i)}）{heading}")
        for text in paragraphs:
            d.para(text)
        used.append(
            {
                "case_id": case["id"],
                "document_id": facts["document_id"],
                "finding_ids": facts["finding_ids"],
                "standards": case["standards"],
            }
        )
    d.heading(1, "二、有关要求")
    for head, body in REQUIREMENTS:
        d.heading(2, head)
        d.para(body.format(office=office))
    d.blank()
    d.sign(names.joint_office, cn_date(date))
    d.save(path, date)
    figs = Figures()
    figs.count("notice.cases", "通报案例", "cases", cases)
    scope = {"date": date.isoformat(), "case_ids": [c["id"] for c in cases]}
    data = {
        "report": "典型案例通报",
        "scope": scope,
        "cases": used,
        "figures": [f.to_dict() for f in figs.items.values()],
    }
    side = write_sidecar(path, data, redact)
    return Written((path,), side, f"典型案例通报：{len(cases)} 起案例")
