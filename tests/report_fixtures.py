"""A realistic ledger for report tests: the 7 sample documents, their golden findings, and cases
worked through the lifecycle on a fixed clock in the fourth quarter of 2025.

Findings come from ``tests/fixtures/reports/sample_findings.jsonl``: a frozen copy of what the
engine reported on ``samples/docs/`` (the scan golden file at 612a260), so report and console
tests stand on a fixed ledger while the engine improves (its current output is checked by
tests/test_screen_golden.py). Documents are parsed with the real parsers. Every ledger timestamp is set by
patching ``now`` in the ledger modules, so dates, deadlines and "on time" are known exactly.
Complainants' names and contacts planted here must never appear in any report.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from screening import ledger as lg
from screening.config import default_corpus_dir
from screening.corpus.store import load_standards
from screening.ledger import cases as lg_cases
from screening.ledger import db as lg_db
from screening.ledger import departments as lg_departments
from screening.ledger import intake as lg_intake
from screening.ledger import record as lg_record
from screening.ledger import sweeps as lg_sweeps
from screening.parse import parse_file
from screening.types import Failure, Finding, StandardScore

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "docs"
GOLDEN = ROOT / "tests" / "fixtures" / "reports" / "sample_findings.jsonl"
OP = "审查员甲"
AS_OF = "2026-01-05"

DEPARTMENTS = [
    "县发展改革局",
    "县工业和信息化局",
    "县科技局",
    "县商务局",
    "县卫生健康局",
    "县市场监管局",
]

# sample file → (department, when it was screened)
DOCUMENTS = {
    "东营经开区现代服务业扶持办法.pdf": ("县商务局", "2025-10-09 09:00:00"),
    "合肥市达产升规与技术改造补贴申报通知.pdf": ("县工业和信息化局", "2025-10-10 09:00:00"),
    "成都高新区新经济企业入库通知.docx": ("县科技局", "2025-10-11 09:00:00"),
    "柳河县支持重点产业加快发展实施意见.docx": ("县发展改革局", "2025-10-13 09:00:00"),
    "海南省充电基础设施建设运营管理暂行办法.html": ("县发展改革局", "2025-10-13 10:00:00"),
    "湖南省5G典型应用场景征集通知.ofd": ("县工业和信息化局", "2025-09-20 09:00:00"),  # before Q4
    "平罗县中医医院血液透析机设备采购公告.txt": ("县卫生健康局", "2026-01-03 09:00:00"),  # after Q4
}

# Files sweeps could not read: (path, department, code, noted, resolved or None). Counted in the
# Q4 report as of 2026-01-05: the 科技局 scan (never read) and the 卫健局 file (read only on
# 2026-01-10); not the 商务局 file (read on 2025-10-20) nor the 市场监管局 one (noted in Q3).
UNREADABLE = [
    (
        "/data/县科技局/科技计划项目管理办法（扫描件）.pdf",
        "县科技局",
        "scanned",
        "2025-11-05",
        None,
    ),
    (
        "/data/县商务局/招商引资协议（加密）.docx",
        "县商务局",
        "encrypted",
        "2025-10-15",
        "2025-10-20",
    ),
    ("/data/县市场监管局/旧版文件.wps", "县市场监管局", "corrupt", "2025-09-10", None),
    ("/data/县卫生健康局/采购需求.pdf", "县卫生健康局", "corrupt", "2025-12-01", "2026-01-10"),
]

# Planted personal data: must never reach a report, table or sidecar.
SECRETS = ("王小明", "13912345678", "李四娘", "lisiniang@example.com", "赵钱孙", "0431-88886666")

# 2026 元旦: 1–3 January off, Sunday 4 January a working day (调休).
HOLIDAYS = ["2026-01-01", "2026-01-02", "2026-01-03"]
MAKEUP_WORKDAYS = ["2026-01-04"]


class Clock:
    """Stands in for ``ledger.db.now``: returns the time last set with ``at``."""

    def __init__(self) -> None:
        self.value = "2025-10-01 09:00:00"

    def __call__(self) -> str:
        return self.value

    @contextlib.contextmanager
    def at(self, stamp: str) -> Iterator[None]:
        self.value = stamp if len(stamp) > 10 else f"{stamp} 10:00:00"
        yield


def golden_findings() -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {}
    for line in GOLDEN.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        rows.setdefault(row["file"], []).append(row)
    return rows


def make_finding(doc, row: dict, index: int, standard_text: dict[str, str]) -> Finding:
    assert doc.text[row["start"] : row["end"]] == row["clause"], row["clause"]
    code = row["standard"]
    fid = hashlib.sha256(f"{doc.sha256}:{row['start']}:{row['end']}:{code}".encode()).hexdigest()
    return Finding(
        finding_id=fid[:16],
        path=doc.path,
        doc_sha256=doc.sha256,
        clause_index=index,
        clause=row["clause"],
        start=row["start"],
        end=row["end"],
        page=None,
        article_path=row["article_path"],
        score=row["score"],
        standard=code,
        standards=(StandardScore(code, row["score"], standard_text.get(code, "")),),
        family=row["family"],
        class_1670=None,
        precedents=(),
        rationale="与通报案例相似，且含触发词。",
        engine={"version": "golden"},
    )


def case_at(db: Database, file: str, start: int) -> int:
    rows = list(
        db.query(
            "select f.case_id from findings f join documents d on d.id = f.document_id "
            "where d.path like ? and f.doc_sha256 = d.sha256 and json_extract(f.data, '$.start') = ?",
            [f"%{file}", start],
        )
    )
    assert len(rows) == 1, (file, start)
    return rows[0]["case_id"]


REWARD = "以对地方经济发展的贡献为标准给予特定经营者奖励"
# case → (department, assigned on, decided on, confirmed, reason, extra decide() arguments)
DECISIONS = {
    "dongying": ("县商务局", "2025-10-10", "2025-10-14", True, REWARD, {}),
    "hefei_reward": ("县工业和信息化局", "2025-10-13", "2025-10-15", True, REWARD, {}),
    "hefei_register": (
        "县工业和信息化局",
        "2025-10-13",
        "2025-10-15",
        True,
        "以在本行政区域注册纳税作为申报条件",
        {"class_1670": "隐性壁垒", "subtype": "注册地限制"},
    ),
    "hefei_platform": (
        "县工业和信息化局",
        "2025-10-13",
        "2025-10-15",
        False,
        "在申报平台注册账户是办理程序，不以经营者注册地为条件",
        {},
    ),
    "chengdu": (
        "县科技局",
        "2025-10-14",
        "2025-10-16",
        True,
        "以在本区注册作为入库条件",
        {"class_1670": "隐性壁垒", "subtype": "注册地限制"},
    ),
    "liuhe_preamble": (
        "县发展改革局",
        "2025-10-14",
        "2025-10-16",
        False,
        "序言部分为政策目的表述，未设置具体措施",
        {},
    ),
    "liuhe_invest": ("县发展改革局", "2025-10-14", "2025-10-17", True, REWARD, {}),
    "liuhe_move_back": (
        "县发展改革局",
        "2025-10-14",
        "2025-10-17",
        True,
        "对迁回本地结算的企业给予奖励，限制经营者自主选择经营地",
        {},
    ),
    "liuhe_quality": (
        "县发展改革局",
        "2025-10-14",
        "2025-10-20",
        True,
        "对获得质量奖的企业给予奖励",
        {"standards": ["FCR-16-3"]},
    ),
}
# case → (deployed on, deadline, measures, submitted for review on, closed on)
RECTIFICATIONS = {
    # on time, closed
    "dongying": (
        "2025-10-16",
        "2025-11-30",
        "修订扶持办法，删除按地方经济发展贡献给予奖励的条款",
        "2025-11-20",
        "2025-11-25",
    ),
    # five days late, waiting for review
    "hefei_reward": (
        "2025-10-16",
        "2025-11-15",
        "停止执行按投资额给予补贴的规定",
        "2025-11-20",
        None,
    ),
    # still rectifying past its deadline
    "hefei_register": (
        "2025-10-20",
        "2025-12-20",
        "删除“在本市行政区域范围内注册纳税”的申报条件",
        None,
        None,
    ),
    # still rectifying, deadline ahead
    "chengdu": ("2025-10-20", "2026-01-31", "修改入库条件，删除注册地要求", None, None),
    "liuhe_invest": (
        "2025-10-20",
        "2025-12-31",
        "废止按固定资产投资额给予奖励的条款",
        "2025-12-30",
        "2026-01-04",
    ),
    # submitted on its deadline day: on time
    "liuhe_move_back": (
        "2025-10-20",
        "2025-12-15",
        "删除迁回本地结算奖励条款",
        "2025-12-15 16:30:00",
        "2025-12-18",
    ),
}


def _assign(clock, db, cid, dept, on, deadline):
    with clock.at(on):
        lg.assign(db, cid, department=dept, assignee="核查员乙", operator=OP, deadline=deadline)


def _decide(clock, db, cid, plan):
    dept, assigned, decided, confirmed, reason, extra = plan
    _assign(clock, db, cid, dept, assigned, decided)
    with clock.at(decided):
        lg.decide(db, cid, confirmed=confirmed, reason=reason, operator=OP, **extra)


def _rectify(clock, db, cid, plan):
    at, deadline, measures, reviewed, closed = plan
    with clock.at(at):
        lg.rectify(
            db, cid, measures=measures, responsible="整改责任人丙", deadline=deadline, operator=OP
        )
    if reviewed:
        with clock.at(reviewed):
            lg.submit_review(db, cid, operator=OP, note="整改完成")
    if closed:
        with clock.at(closed):
            lg.close(db, cid, operator=OP, note="复核通过")


def _record(db: Database, file: str, dept: str) -> None:
    texts = {s.code: s.text for s in load_standards(default_corpus_dir())}
    doc = parse_file(SAMPLES / file)
    found = [make_finding(doc, r, i, texts) for i, r in enumerate(golden_findings().get(file, []))]
    lg.record_findings(db, doc, found, operator=OP, department=dept)


def build(db: Database, clock: Clock) -> dict[str, int]:
    """Fill ``db``; returns the ids of the cases the tests talk about by name."""
    for name in DEPARTMENTS:
        with clock.at("2025-09-01"):
            lg.add_department(db, name)
    for day in HOLIDAYS:
        lg.set_calendar_day(db, day, workday=False, note="元旦")
    for day in MAKEUP_WORKDAYS:
        lg.set_calendar_day(db, day, workday=True, note="元旦调休上班")
    for file, (dept, stamp) in DOCUMENTS.items():
        with clock.at(stamp):
            _record(db, file, dept)
    for path, dept, code, noted, resolved in UNREADABLE:
        with clock.at(noted):
            lg_sweeps.note_unreadable(
                db, Failure(path, code, f"无法读取：{path}"), sweep_id=None, department=dept
            )
        if resolved:
            with db.atomic():
                lg_record.resolve_unreadable(db, path, f"{resolved} 10:00:00")
    ids = {
        "dongying": case_at(db, "东营经开区现代服务业扶持办法.pdf", 532),
        "hefei_reward": case_at(db, "合肥市达产升规与技术改造补贴申报通知.pdf", 0),
        "hefei_register": case_at(db, "合肥市达产升规与技术改造补贴申报通知.pdf", 248),
        "hefei_platform": case_at(db, "合肥市达产升规与技术改造补贴申报通知.pdf", 476),
        "hefei_subsidy": case_at(db, "合肥市达产升规与技术改造补贴申报通知.pdf", 703),
        "chengdu": case_at(db, "成都高新区新经济企业入库通知.docx", 146),
        "liuhe_preamble": case_at(db, "柳河县支持重点产业加快发展实施意见.docx", 45),
        "liuhe_invest": case_at(db, "柳河县支持重点产业加快发展实施意见.docx", 337),
        "liuhe_move_back": case_at(db, "柳河县支持重点产业加快发展实施意见.docx", 1033),
        "liuhe_quality": case_at(db, "柳河县支持重点产业加快发展实施意见.docx", 1770),
    }
    for name, plan in DECISIONS.items():
        _decide(clock, db, ids[name], plan)
    for name, plan in RECTIFICATIONS.items():
        _rectify(clock, db, ids[name], plan)
    # 合肥's subsidy clause: assigned, verification now overdue. The other 柳河 clauses wait.
    _assign(clock, db, ids["hefei_subsidy"], "县工业和信息化局", "2025-12-20", "2025-12-25")
    ids.update(_complaints(db, clock))
    return ids


def _complaint(
    clock: Clock,
    db: Database,
    received: str,
    text: str,
    channel: str,
    who: tuple[str, str],
    *,
    assign: tuple[str, str, str] | None = None,
) -> int:
    """A complaint received on ``received``; ``assign`` = (department, on, verify deadline)."""
    with clock.at(received):
        cid = lg.add_complaint(
            db,
            content=text,
            operator=OP,
            channel=channel,
            complainant=who[0],
            contact=who[1],
            received_at=f"{received} 09:00:00",
        )
    if assign:
        _assign(clock, db, cid, *assign)
    return cid


def _feedback(clock: Clock, db: Database, case_id: int, at: str, text: str) -> None:
    with clock.at(at):
        lg.add_feedback(
            db,
            case_id,
            content=text,
            operator=OP,
            channel="电话",
            complaint_id=_complaint_id(db, case_id),
        )


def _complaints(db: Database, clock: Clock) -> dict[str, int]:
    # Before the period: never counted.
    _complaint(
        clock, db, "2025-09-25", "反映某乡镇限定使用本地建材。", "12345", ("周某某", "13000000000")
    )
    # The name and number are repeated inside the complaint text as well.
    hospital = _complaint(
        clock,
        db,
        "2025-11-03",
        "王小明反映：县卫生健康局设备采购公告要求投标人在本县设立分支机构，联系电话13912345678。",
        "12345",
        ("王小明", "13912345678"),
    )
    plan = (
        "县卫生健康局",
        "2025-11-04",
        "2025-11-07",
        True,
        "将在本地设立分支机构作为参与政府采购的条件",
        {"standards": ["FCR-14-3"]},
    )
    _decide(clock, db, hospital, plan)
    _feedback(clock, db, hospital, "2025-11-14", "已核查属实，正在整改。")
    fix = (
        "2025-11-10",
        "2025-11-30",
        "撤回采购公告中的分支机构要求并重新发布",
        "2025-11-28",
        "2025-12-01",
    )
    _rectify(clock, db, hospital, fix)
    # Verification overdue, and never answered (due 2025-12-22).
    testing = _complaint(
        clock,
        db,
        "2025-12-01",
        "反映县市场监管局对外地检测机构设置额外备案要求。",
        "信访",
        ("李四娘", "lisiniang@example.com"),
        assign=("县市场监管局", "2025-12-02", "2025-12-05"),
    )
    project = _complaint(
        clock,
        db,
        "2025-12-11",
        "反映县发展改革局项目申报须由本地企业牵头。",
        "举报电话",
        ("赵钱孙", "0431-88886666"),
        assign=("县发展改革局", "2025-12-12", "2025-12-17"),
    )
    # Due on 2026-01-04 only because of the 元旦 holidays and the 调休 Sunday.
    _feedback(clock, db, project, "2026-01-04 11:00:00", "已受理，正在核查。")
    return {
        "complaint_hospital": hospital,
        "complaint_testing": testing,
        "complaint_project": project,
    }


def _complaint_id(db: Database, case_id: int) -> int:
    return next(db.query("select id from complaints where case_id = ?", [case_id]))["id"]


def work_after(db: Database, clock: Clock, ids: dict[str, int]) -> None:
    """Everything that happens in January after the Q4 report date (2026-01-05): cases move
    on, a complaint is answered, documents are swept again, an unreadable file is met again."""
    with clock.at("2026-01-20"):
        lg.add_department(db, "县自然资源局")  # joins the joint meeting in January
        lg.close(db, ids["hefei_reward"], operator=OP, note="复核通过")
        lg.rectify(db, ids["liuhe_quality"], measures="删除质量奖励条款", responsible="丁",
                   deadline="2026-02-28", operator=OP)  # fmt: skip
        lg.add_feedback(db, ids["complaint_testing"], content="已核查。", operator=OP)
        _record(db, "东营经开区现代服务业扶持办法.pdf", "县商务局")
        _record(db, "湖南省5G典型应用场景征集通知.ofd", "县工业和信息化局")  # first seen in Q3
        path, dept, code, *_ = UNREADABLE[0]
        lg_sweeps.note_unreadable(db, Failure(path, code, "无法读取"), sweep_id=None,
                                  department=dept)  # fmt: skip
    waiting = next(db.query("select id from cases where status = '待核查' order by id"))["id"]
    _decide(
        clock, db, waiting, ("县发展改革局", "2026-01-21", "2026-01-22", True, "限定本地投资", {})
    )


@contextlib.contextmanager
def patched_clock() -> Iterator[Clock]:
    """Ledger timestamps come from the returned clock while the block runs."""
    clock = Clock()
    with pytest.MonkeyPatch.context() as mp:
        for module in (lg_db, lg_cases, lg_intake, lg_record, lg_departments, lg_sweeps):
            mp.setattr(module, "now", clock)
        yield clock


def build_ledger(path: Path) -> dict[str, int]:
    """Create the ledger file at ``path`` on a patched clock; returns the named case ids."""
    with patched_clock() as clock:
        db = lg.open_ledger(path)
        try:
            return build(db, clock)
        finally:
            db.close()
