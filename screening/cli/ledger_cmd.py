"""``screening ledger …`` and ``screening departments …``: the review ledger (工作台账) commands."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .. import ledger as lg
from ..errors import LedgerDamagedError, LedgerError
from ..ledger import sweeps as sweeps_log
from ..ledger.cases import ACTION_LABELS, is_overdue
from ..ledger.db import calendar
from ..ledger.export import FIELD_LABELS, export
from ..ledger.intake import MANUAL_SOURCES
from ..ledger.views import case_detail, case_list
from ._common import (
    dumps,
    format_option,
    get_settings,
    ledger_db,
    operator_name,
    operator_option,
    shown,
    suggester,
    suggestion_text,
    version_option,
)


def _changed(before: str, case: dict[str, Any], extra: str = "") -> None:
    head = f"案件 {case['id']}：{before} → {case['status']}（第 {case['version']} 版）。"
    click.echo((head + extra).rstrip())


def _move(
    ctx: click.Context,
    action: Callable[..., dict[str, Any]],
    case_id: int,
    *,
    operator: str | None,
    expect_version: int | None,
    extra: Callable[[dict[str, Any]], str] = lambda case: "",
    **fields: Any,
) -> None:
    """Run one lifecycle ``action`` on a case and print "案件 N：旧状态 → 新状态（第 v 版）"."""
    with ledger_db(ctx) as db:
        before = lg.get_case(db, case_id)["status"]
        case = action(
            db,
            case_id,
            operator=operator_name(ctx, operator),
            expected_version=expect_version,
            **fields,
        )
    _changed(before, case, extra(case))


# Case columns ``ledger show`` prints, in order (labels as in the ledger export).
SHOWN_FIELDS = (
    "status",
    "version",
    "source",
    "title",
    "summary",
    "class_1670",
    "subtype",
    "department",
    "assignee",
    "verify_deadline",
    "decision_reason",
    "measures",
    "responsible",
    "rectify_deadline",
    "created_at",
    "closed_at",
)


show_contacts_option = click.option(
    "--show-contacts",
    is_flag=True,
    help="显示投诉举报人姓名、联系方式，以及文字中的电话、身份证号等个人信息（默认隐去）。",
)


@click.group("ledger")
def ledger_group() -> None:
    """工作台账：筛查发现和投诉举报的案件登记、交办核查、认定、整改、复核、销号。

    案件状态：待核查 → 核查中 → 已认定/已排除；已认定 → 整改中 → 待复核 → 已销号。
    已排除、已销号的案件可重新打开（回到待核查）。每次操作都记入操作记录。
    """


@ledger_group.command("list")
@click.option("--status", type=click.Choice(lg.STATES), default=None, help="按案件状态筛选。")
@click.option("--department", default=None, help="按责任部门筛选。")
@click.option("--source", type=click.Choice(lg.SOURCES), default=None, help="按案件来源筛选。")
@click.option("--standard", default=None, help="按审查标准编号筛选，如 FCR-14-3。")
@click.option("--overdue", is_flag=True, help="只列出已超过核查或整改期限的案件。")
@show_contacts_option
@format_option("table", "json")
@click.pass_context
def list_cmd(
    ctx: click.Context,
    status: str | None,
    department: str | None,
    source: str | None,
    standard: str | None,
    overdue: bool,
    show_contacts: bool,
    fmt: str,
) -> None:
    """列出台账中的案件（可按状态、部门、来源、审查标准、是否逾期筛选）。

    案件标题、摘要中的投诉举报人姓名、电话、身份证号、电子邮箱默认隐去（显示为＊＊＊）。
    """
    today = dt.date.today()
    with ledger_db(ctx, readonly=True) as db:
        cases = case_list(
            db,
            include_contacts=show_contacts,
            status=status,
            department=department,
            source=source,
            standard=standard,
            overdue=overdue,
            today=today,
        )
    if fmt == "json":
        for case in cases:
            click.echo(dumps(case))
        return
    for c in cases:
        due = c["rectify_deadline"] if c["status"] == "整改中" else c["verify_deadline"]
        parts = [f"[{c['id']}]", c["status"], c["source"], c["department"] or "（未交办）"]
        if due:
            parts.append(f"期限 {due}" + ("（已逾期）" if is_overdue(c, today) else ""))
        click.echo(" ".join(parts) + f"  {c['title']}")
    click.echo(f"共 {len(cases)} 件。", err=True)


@ledger_group.command("show")
@click.argument("case_id", type=int)
@show_contacts_option
@format_option("table", "json")
@click.pass_context
def show_cmd(ctx: click.Context, case_id: int, show_contacts: bool, fmt: str) -> None:
    """显示一个案件的详情、涉嫌条款、投诉举报、附件和全部操作记录。

    投诉举报人的姓名、联系方式，以及各处文字中的电话、身份证号、电子邮箱默认隐去。
    """
    with ledger_db(ctx, readonly=True) as db:
        detail = case_detail(db, case_id, include_contacts=show_contacts)
    if fmt == "json":
        click.echo(dumps(detail))
        return
    c, doc, findings = detail["case"], detail["document"], detail["findings"]
    complaints, replies = detail["complaints"], detail["feedback"]
    attachments, actions = detail["attachments"], detail["actions"]
    labels = [(key, FIELD_LABELS[key]) for key in SHOWN_FIELDS]
    click.echo(f"案件 {c['id']}")
    for key, label in labels:
        if c.get(key) not in (None, ""):
            click.echo(f"  {label}：{c[key]}")
    if c["standards"]:
        click.echo(f"  审查标准：{'、'.join(c['standards'])}")
    if doc is not None:
        number = doc["doc_number"]
        name = shown(doc["title"] or Path(doc["path"]).name)
        where = shown(doc["path"])
        click.echo(f"  文件：{name}" + (f"（{number}）" if number else "") + f"  {where}")
    if findings:
        click.echo("涉嫌条款：")
    for f in findings:
        mark = "" if f["status"] == "active" else "（已不再筛出）"
        click.echo(f"  - {f['clause']}{mark}  [{f['standard'] or '—'}，得分 {f['score']:.2f}]")
    if complaints:
        click.echo("投诉举报：")
    for q in complaints:
        ext = f" 工单 {q['external_id']}" if q.get("external_id") else ""
        who = f"，{q['complainant'] or '—'}，{q['contact'] or '—'}" if show_contacts else ""
        click.echo(
            f"  [{q['id']}] {q['channel'] or '—'}{ext}，受理 {q['received_at']}，"
            f"反馈期限 {q.get('reply_due') or '—'}{who}：{q['content']}"
        )
    for r in replies:
        click.echo(f"  反馈 {r['at']} {r['channel'] or ''} {r['operator']}：{r['content']}")
    if attachments:
        click.echo("附件：")
    for a in attachments:
        click.echo(f"  {shown(a['path'])}（SHA-256 {a['sha256'][:12]}…）{a['note'] or ''}")
    click.echo("操作记录：")
    for a in actions:
        move = (
            f"{a['from_state'] or '—'} → {a['to_state']}"
            if a["from_state"] != a["to_state"]
            else ""
        )
        label = ACTION_LABELS.get(a["action"], a["action"])
        click.echo(f"  {a['at']} {a['operator']} {label} {move} {a['note'] or ''}".rstrip())


@ledger_group.command("assign")
@click.argument("case_id", type=int)
@click.option("--department", required=True, help="负责核查的部门（须先用 departments add 添加）。")
@click.option("--assignee", required=True, help="核查人姓名。")
@click.option(
    "--days",
    type=int,
    default=None,
    help="核查期限（工作日，不含周末和节假日）。默认取配置项 verify_days（3 个工作日）。",
)
@click.option("--deadline", default=None, help="直接指定核查期限（YYYY-MM-DD），优先于 --days。")
@version_option
@operator_option
@click.pass_context
def assign_cmd(
    ctx: click.Context,
    case_id: int,
    department: str,
    assignee: str,
    days: int | None,
    deadline: str | None,
    expect_version: int | None,
    operator: str | None,
) -> None:
    """交办核查：把案件交给部门和核查人，并计算核查期限（待核查/核查中 → 核查中）。"""
    _move(
        ctx,
        lg.assign,
        case_id,
        operator=operator,
        expect_version=expect_version,
        department=department,
        assignee=assignee,
        days=days if days is not None else get_settings(ctx).verify_days,
        deadline=deadline,
        extra=lambda case: f"核查期限 {case['verify_deadline']}。",
    )


@ledger_group.command("decide")
@click.argument("case_id", type=int)
@click.option(
    "--confirm/--dismiss",
    "confirmed",
    default=None,
    help="--confirm 认定违规；--dismiss 排除（不构成违规）。二者必选其一。",
)
@click.option("--reason", default=None, help="认定或排除的理由（必填）。")
@click.option(
    "--class-1670",
    type=click.Choice(lg.CLASSES_1670),
    default=None,
    help="按发改体改〔2021〕1670号文分类。",
)
@click.option("--subtype", default=None, help="细分类型（如隐性壁垒的具体表现）。")
@click.option("--standard", "standards", multiple=True, help="认定违反的审查标准编号，可重复。")
@version_option
@operator_option
@click.pass_context
def decide_cmd(
    ctx: click.Context,
    case_id: int,
    confirmed: bool | None,
    reason: str | None,
    class_1670: str | None,
    subtype: str | None,
    standards: tuple[str, ...],
    expect_version: int | None,
    operator: str | None,
) -> None:
    """认定或排除：核查结论（核查中 → 已认定/已排除），必须填写理由。"""
    if confirmed is None:
        raise click.UsageError("请用 --confirm（认定）或 --dismiss（排除）给出核查结论。")
    _move(
        ctx,
        lg.decide,
        case_id,
        operator=operator,
        expect_version=expect_version,
        confirmed=confirmed,
        reason=reason or "",
        class_1670=class_1670,
        subtype=subtype,
        standards=_checked_standards(ctx, standards) if standards else None,
    )


def _checked_standards(ctx: click.Context, codes: tuple[str, ...]) -> list[str]:
    """``codes`` as the corpus writes them (FCR-14-3); an unknown code is refused, so every
    citation in the ledger and its reports can be looked up in the bundled text."""
    from ..corpus.store import load_standards
    from ..errors import InvalidValueError

    known = {s.code for s in load_standards(get_settings(ctx).corpus, "standard")}
    out = [c.strip().upper() for c in codes]
    bad = [c for c in out if c not in known]
    if bad:
        raise InvalidValueError(
            field="审查标准编号",
            value="、".join(bad),
            hint="编号形如 FCR-14-3（《实施办法》第十四条第（三）项）；"
            "运行 screening standards list 查看全部编号。",
        )
    return list(dict.fromkeys(out))


@ledger_group.command("add")
@click.option(
    "--source",
    type=click.Choice(MANUAL_SOURCES),
    required=True,
    help="案件来源。筛查发现的问题由 scan 登记，投诉举报用 complaints add/import 登记。",
)
@click.option("--content", required=True, help="问题描述：涉嫌违规的条款原文或线索内容。")
@click.option("--title", default="", help="案件标题。默认取问题描述的前 40 个字。")
@click.option(
    "--document",
    type=click.Path(dir_okay=False),
    default=None,
    help="涉及的文件（须已用 scan 登记到台账），案件将关联该文件。",
)
@click.option("--department", default=None, help="责任单位。")
@click.option("--standard", "standards", multiple=True, help="涉嫌违反的审查标准编号，可重复。")
@click.option(
    "--class-1670",
    type=click.Choice(lg.CLASSES_1670),
    default=None,
    help="按发改体改〔2021〕1670号文分类。",
)
@click.option("--subtype", default=None, help="细分类型。")
@click.option("--no-screen", is_flag=True, help="不做研判（不加载筛查模型）。")
@operator_option
@click.pass_context
def add_cmd(
    ctx: click.Context,
    source: str,
    content: str,
    title: str,
    document: str | None,
    department: str | None,
    standards: tuple[str, ...],
    class_1670: str | None,
    subtype: str | None,
    no_screen: bool,
    operator: str | None,
) -> None:
    """登记上级交办、效能评估、公开信息搜集或自查发现的问题（新建待核查案件）。

    除非加 --no-screen，问题描述会像条款一样研判：给出建议对照的审查标准和相似通报案例；
    未填 --standard 时，评分达到报出阈值的建议标准记为案件的涉嫌标准。
    与未办结案件文字相似的，提示可能重复。
    """
    from ..ledger.complaints import similar_open_case
    from ..ledger.intake import register_case

    codes = _checked_standards(ctx, standards)
    notes: tuple[str, ...] = ()
    line = ""
    if not no_screen:
        suggest, threshold = suggester(ctx)
        suggestion = suggest(content)
        line = suggestion_text(suggestion, threshold).strip()
        if line:
            notes = (line,)
        if suggestion and not codes and suggestion["score"] >= threshold:
            codes = [x["code"] for x in suggestion["standards"]]
    with ledger_db(ctx) as db:
        similar = similar_open_case(db, content)
        case_id = register_case(
            db,
            source=source,
            content=content,
            title=title,
            operator=operator_name(ctx, operator),
            department=department,
            standards=codes,
            class_1670=class_1670,
            subtype=subtype,
            document=document,
            similar=similar,
            notes=notes,
        )
    click.echo(f"已登记案件 {case_id}（来源：{source}，状态：待核查）。")
    if line:
        click.echo(line)
    if similar[0] is not None:
        click.echo(f"提示：可能与案件 {similar[0]} 重复（文字相似度 {similar[1]:.2f}），请核对。")


@ledger_group.command("rectify")
@click.argument("case_id", type=int)
@click.option("--measures", default=None, help="整改措施（必填），如“删除第五条第二款”。")
@click.option("--responsible", default=None, help="整改责任人（必填）。")
@click.option("--deadline", default=None, help="整改期限 YYYY-MM-DD（必填）。")
@version_option
@operator_option
@click.pass_context
def rectify_cmd(
    ctx: click.Context,
    case_id: int,
    measures: str | None,
    responsible: str | None,
    deadline: str | None,
    expect_version: int | None,
    operator: str | None,
) -> None:
    """部署整改：登记整改措施、责任人和期限（已认定/待复核 → 整改中）。"""
    _move(
        ctx,
        lg.rectify,
        case_id,
        operator=operator,
        expect_version=expect_version,
        measures=measures or "",
        responsible=responsible or "",
        deadline=deadline or "",
        extra=lambda case: f"整改期限 {case['rectify_deadline']}。",
    )


@ledger_group.command("review")
@click.argument("case_id", type=int)
@click.option("--note", default="", help="整改完成情况说明。")
@version_option
@operator_option
@click.pass_context
def review_cmd(
    ctx: click.Context, case_id: int, note: str, expect_version: int | None, operator: str | None
) -> None:
    """提交复核：整改已完成，等待复核（整改中 → 待复核）。复核不通过时用 rectify 重新部署整改。"""
    _move(
        ctx,
        lg.submit_review,
        case_id,
        operator=operator,
        expect_version=expect_version,
        note=note,
    )


@ledger_group.command("close")
@click.argument("case_id", type=int)
@click.option("--note", default="", help="复核意见。")
@version_option
@operator_option
@click.pass_context
def close_cmd(
    ctx: click.Context, case_id: int, note: str, expect_version: int | None, operator: str | None
) -> None:
    """复核销号：复核通过，案件销号（待复核 → 已销号）。"""
    _move(
        ctx,
        lg.close,
        case_id,
        operator=operator,
        expect_version=expect_version,
        note=note,
    )


@ledger_group.command("reopen")
@click.argument("case_id", type=int)
@click.option("--reason", default=None, help="重新打开的理由（必填）。")
@version_option
@operator_option
@click.pass_context
def reopen_cmd(
    ctx: click.Context,
    case_id: int,
    reason: str | None,
    expect_version: int | None,
    operator: str | None,
) -> None:
    """重新打开：已排除或已销号的案件回到待核查，需重新交办（原交办信息清空，记录保留）。"""
    _move(
        ctx,
        lg.reopen,
        case_id,
        operator=operator,
        expect_version=expect_version,
        reason=reason or "",
    )


@ledger_group.command("note")
@click.argument("case_id", type=int)
@click.option("--text", "text", default=None, help="备注内容（必填）。")
@operator_option
@click.pass_context
def note_cmd(ctx: click.Context, case_id: int, text: str | None, operator: str | None) -> None:
    """添加备注：写入操作记录，不改变案件状态。"""
    with ledger_db(ctx) as db:
        lg.add_note(db, case_id, note=text or "", operator=operator_name(ctx, operator))
    click.echo(f"已为案件 {case_id} 添加备注。")


@ledger_group.command("attach")
@click.argument("case_id", type=int)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--note", default="", help="附件说明，如“核查意见书”“整改后文件”。")
@operator_option
@click.pass_context
def attach_cmd(
    ctx: click.Context, case_id: int, file: str, note: str, operator: str | None
) -> None:
    """为案件添加附件（核查材料、整改文件等）：记录路径和 SHA-256 校验值，文件本身不复制。"""
    with ledger_db(ctx) as db:
        lg.get_case(db, case_id)
        lg.add_attachment(db, case_id, file, operator=operator_name(ctx, operator), note=note)
    click.echo(f"已为案件 {case_id} 添加附件 {file}。")


@ledger_group.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx"]),
    default="xlsx",
    show_default=True,
    help="导出格式。",
)
@click.option(
    "--output", "-o", required=True, type=click.Path(dir_okay=False), help="输出文件路径。"
)
@click.option(
    "--include-contacts",
    is_flag=True,
    help="包含投诉举报人姓名、联系方式和文字中的电话、身份证号等个人信息"
    "（默认隐去，以保护举报人）。",
)
@click.option("--status", type=click.Choice(lg.STATES), default=None, help="按案件状态筛选。")
@click.option("--department", default=None, help="按责任部门筛选。")
@click.option("--source", type=click.Choice(lg.SOURCES), default=None, help="按案件来源筛选。")
@click.option("--standard", default=None, help="按审查标准编号筛选。")
@click.option("--overdue", is_flag=True, help="只导出逾期案件。")
@click.pass_context
def export_cmd(
    ctx: click.Context,
    fmt: str,
    output: str,
    include_contacts: bool,
    status: str | None,
    department: str | None,
    source: str | None,
    standard: str | None,
    overdue: bool,
) -> None:
    """导出工作台账（CSV 或 XLSX）。"""
    with ledger_db(ctx, readonly=True) as db:
        n = export(
            db,
            output,
            fmt,
            include_contacts=include_contacts,
            status=status,
            department=department,
            source=source,
            standard=standard,
            overdue=overdue,
        )
    hidden = "" if include_contacts else "（投诉举报人姓名、联系方式等个人信息已隐去）"
    click.echo(f"已导出 {n} 件案件到 {output}{hidden}。")


@ledger_group.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="目标文件已存在时覆盖。")
@click.pass_context
def backup_cmd(ctx: click.Context, file: str, force: bool) -> None:
    """备份工作台账到 FILE（使用 SQLite 在线备份，使用中也可安全备份）。"""
    if Path(file).exists() and not force:
        raise LedgerError(detail=f"备份文件 {file} 已存在。请换一个文件名，或加 --force 覆盖。")
    if Path(file).resolve() == Path(get_settings(ctx).ledger).resolve():
        raise LedgerError(detail="备份文件不能与台账文件相同。请指定另一个路径。")
    with ledger_db(ctx) as db:
        out = lg.backup(db, file)
    click.echo(f"已备份工作台账到 {out}。")


@ledger_group.command("check")
@click.pass_context
def check_cmd(ctx: click.Context) -> None:
    """全面检查工作台账文件是否完好（SQLite 完整性检查和外键检查），损坏时说明如何用备份恢复。

    台账完好时退出码为 0，损坏时为 1。建议在备份前后、断电或磁盘故障后运行。
    """
    path = get_settings(ctx).ledger
    with ledger_db(ctx, readonly=True, on_damage=lambda message: None) as db:
        problems = lg.damage(db, full=True)
        if not problems:
            counts = {t: db[t].count for t in ("documents", "findings", "cases", "complaints")}
            click.echo(
                f"工作台账 {path} 完好：结构版本 {lg.schema_version(db)}，"
                f"文件 {counts['documents']} 个，疑似问题 {counts['findings']} 条，"
                f"案件 {counts['cases']} 件，投诉举报 {counts['complaints']} 件。"
            )
            return
    click.echo(f"工作台账 {path} 已损坏，发现以下问题：", err=True)
    for problem in problems:
        click.echo(f"  - {problem}", err=True)
    raise LedgerDamagedError(path=str(path), detail=f"共 {len(problems)} 处问题")


def _shown_as_json_or_empty(fmt: str, rows: list[dict[str, Any]], empty: str) -> bool:
    """Print ``rows`` as JSON, or ``empty`` when there are none; False when a table is due."""
    if fmt == "json":
        click.echo(dumps(rows))
    elif not rows:
        click.echo(empty)
    return fmt == "json" or not rows


@ledger_group.command("sweeps")
@click.option(
    "--limit", type=click.IntRange(1), default=20, show_default=True, help="列出最近几次。"
)
@format_option("table", "json")
@click.pass_context
def sweeps_cmd(ctx: click.Context, limit: int, fmt: str) -> None:
    """筛查记录：每次 screening scan 的时间、经办人、模型、文件数和结果。

    被强行终止（如断电、kill -9）的筛查显示为“未完成”，按 Ctrl-C 中断的显示为“已中断”。
    """
    with ledger_db(ctx, readonly=True) as db:
        rows = sweeps_log.list_sweeps(db, limit)
    if _shown_as_json_or_empty(
        fmt, rows, "台账中还没有筛查记录。运行 screening scan 文件夹 开始筛查。"
    ):
        return
    for r in rows:
        state = sweeps_log.STATUS_LABELS.get(r["status"], r["status"])
        dept = f"  部门 {r['department']}" if r["department"] else ""
        click.echo(
            f"#{r['id']}  {r['started_at']} 至 {r['finished_at'] or '—'}  {state}  "
            f"经办人 {r['operator']}{dept}  模型 {r['engine']}"
        )
        if r["finished_at"]:
            click.echo(
                f"    文件 {r['files']} 个：筛查 {r['screened']}，未改动跳过 {r['skipped']}，"
                f"无法读取 {r['failed']}；新增疑似问题 {r['findings_new']} 条，"
                f"不再筛出 {r['findings_gone']} 条，新建案件 {r['cases_created']} 件"
            )
        click.echo(f"    范围：{'；'.join(r['roots'])}")


@ledger_group.command("unreadable")
@click.option("--all", "include_resolved", is_flag=True, help="也列出后来已能读取的文件。")
@click.option("--department", default=None, help="按筛查时指定的部门筛选。")
@format_option("table", "json")
@click.pass_context
def unreadable_cmd(
    ctx: click.Context, include_resolved: bool, department: str | None, fmt: str
) -> None:
    """无法读取的文件：扫描件、加密、损坏等未能筛查的文件及原因，需人工审查。

    文件修复（如换成带文字层的版本）后重新筛查，即从本列表中移除。
    """
    with ledger_db(ctx, readonly=True) as db:
        rows = sweeps_log.unreadable_files(
            db, include_resolved=include_resolved, department=department
        )
    if _shown_as_json_or_empty(fmt, rows, "没有无法读取的文件。"):
        return
    for r in rows:
        when = f"首次 {r['first_seen']}，最近 {r['last_seen']}"
        if r["resolved_at"]:
            when += f"，{r['resolved_at']} 已能读取"
        dept = f"  [{r['department']}]" if r["department"] else ""
        click.echo(f"{shown(r['path'])}{dept}\n    {shown(r['message'])}\n    （{when}）")
    open_rows = [r for r in rows if not r["resolved_at"]]
    click.echo(f"共 {len(open_rows)} 个文件未能筛查，需人工审查。", err=True)


@ledger_group.group("holidays")
def holidays_group() -> None:
    """节假日与调休：计算核查期限、反馈期限时跳过的假日、需要上班的周末。

    默认采用国务院办公厅公布的全国放假和调休安排（软件附带 2004 年起已公布的各年）。

    这里登记的日期优先于全国安排（本地安排、更正，或软件尚未附带安排的年份）。

    软件未附带安排的年份只跳过周末和这里登记的节假日。
    """


@holidays_group.command("add")
@click.argument("days", nargs=-1, required=True)
@click.option("--workday", is_flag=True, help="标记为调休上班日（周末但需上班）。")
@click.option("--note", default="", help="说明，如“春节”。")
@click.pass_context
def holidays_add(ctx: click.Context, days: tuple[str, ...], workday: bool, note: str) -> None:
    """添加节假日（或用 --workday 添加调休上班日），日期格式 YYYY-MM-DD，可一次写多个。"""
    with ledger_db(ctx) as db:
        for day in days:
            lg.set_calendar_day(db, day, workday=workday, note=note)
    click.echo(f"已登记 {len(days)} 天{'调休上班日' if workday else '节假日'}。")


@holidays_group.command("list")
@click.pass_context
def holidays_list(ctx: click.Context) -> None:
    """列出已登记的节假日和调休上班日。"""
    with ledger_db(ctx, readonly=True) as db:
        cal = calendar(db)
    for day in sorted(cal.holidays | cal.workdays):
        kind = "调休上班" if day in cal.workdays else "节假日"
        click.echo(f"{day.isoformat()} {kind}")


@click.group("departments")
def departments_group() -> None:
    """责任部门：案件交办核查的对象。"""


@departments_group.command("add")
@click.argument("name")
@click.option("--contact", default="", help="联系人或联系电话。")
@click.option("--note", default="", help="备注。")
@click.pass_context
def departments_add(ctx: click.Context, name: str, contact: str, note: str) -> None:
    """添加一个责任部门。"""
    with ledger_db(ctx) as db:
        lg.add_department(db, name, contact=contact, note=note)
    click.echo(f"已添加部门“{name}”。")


@departments_group.command("list")
@click.pass_context
def departments_list(ctx: click.Context) -> None:
    """列出责任部门及其未办结案件数。"""
    with ledger_db(ctx, readonly=True) as db:
        rows = lg.list_departments(db)
    for r in rows:
        click.echo(
            f"{r['name']}  未办结 {r['open_cases']} 件"
            + (f"  {r['contact']}" if r["contact"] else "")
        )
    click.echo(f"共 {len(rows)} 个部门。", err=True)


COMMANDS = [ledger_group, departments_group]
