"""``screening complaints …``: hotline exports and other complaints and clues (投诉举报、线索)."""

from __future__ import annotations

import datetime as dt

import click

from ..ledger.cases import excerpt
from ..ledger.complaints import FLAG_AT, JOIN_AT, complaint_rows, import_export
from ..ledger.hotline import FIELDS, Export, WorkOrder, read_export
from ..ledger.intake import add_feedback
from ._common import (
    dumps,
    format_option,
    get_settings,
    ledger_db,
    operator_name,
    operator_option,
    suggester,
    suggestion_text,
)


def _register(
    ctx: click.Context,
    export: Export,
    *,
    channel: str,
    operator: str | None,
    no_screen: bool,
    **thresholds: float,
):
    """Screen (unless ``no_screen``) and register the orders of ``export``; (result, threshold)."""
    suggest, threshold = (None, 1.0) if no_screen else suggester(ctx)
    with ledger_db(ctx) as db:
        result = import_export(
            db,
            export,
            operator=operator_name(ctx, operator),
            channel=channel,
            reply_days=get_settings(ctx).reply_days,
            suggest=suggest,
            threshold=threshold,
            received_default=dt.datetime.now().isoformat(sep=" ", timespec="seconds"),
            **thresholds,
        )
    return result, threshold


def _report(result, threshold: float) -> None:
    for o in result.outcomes:
        head = f"第 {o.row} 行" + (f"（工单 {o.external_id}）" if o.external_id else "")
        click.echo(f"{head}：{o.label}")
        line = suggestion_text(o.suggestion, threshold)
        if line:
            click.echo(line)


@click.group("complaints")
def complaints_group() -> None:
    """投诉举报与线索：导入 12345 热线等渠道的工单，登记、研判、查重，跟踪反馈时限。

    投诉举报人的姓名和联系方式保存在台账中，但列表和导出默认隐去；诉求内容等文字中的
    姓名、电话、身份证号、电子邮箱也默认显示为＊＊＊（台账中保存原文）。
    """


@complaints_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--channel",
    default="12345",
    show_default=True,
    help="工单来源渠道（12345、信访、投诉箱、举报电话……）；文件中有“来源渠道”列时以该列为准。",
)
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="列名=字段",
    help="补充列名对应关系，可多次使用，如 --map 事项描述=诉求内容。可用字段："
    + "、".join(label for label, _ in FIELDS.values())
    + "。",
)
@click.option("--no-screen", is_flag=True, help="不做研判（不加载筛查模型，导入更快）。")
@click.option(
    "--join-at",
    type=click.FloatRange(0, 1),
    default=JOIN_AT,
    show_default=True,
    help="与未办结案件的文字相似度达到此值时，视为同一事项并入该案件。",
)
@click.option(
    "--flag-at",
    type=click.FloatRange(0, 1),
    default=FLAG_AT,
    show_default=True,
    help="相似度达到此值（未达并入值）时，新建案件并提示可能重复。",
)
@click.option("--dry-run", is_flag=True, help="只检查文件和列名，不写入台账。")
@operator_option
@click.pass_context
def import_cmd(
    ctx: click.Context,
    file: str,
    channel: str,
    mapping: tuple[str, ...],
    no_screen: bool,
    join_at: float,
    flag_at: float,
    dry_run: bool,
    operator: str | None,
) -> None:
    """导入热线工单导出文件（XLSX、XLS、CSV，含 GBK 编码的 CSV）。

    自动识别表头（工单编号、来电/受理时间、诉求人、联系方式、诉求内容、承办单位等）；
    每条工单：研判诉求内容（建议的审查标准和相似案例）、与未办结案件查重，然后新建或并入案件，
    并按配置项 reply_days（默认 15 个工作日）计算反馈期限。无法使用的行逐行说明原因，其余照常导入。
    同一文件重复导入不会重复登记。
    """
    settings = get_settings(ctx)
    export = read_export(file, settings, mapping)
    cols = "、".join(f"{FIELDS[k][0]}←“{v}”" for k, v in export.mapping.items())
    click.echo(f"列对应：{cols}", err=True)
    for w in export.warnings:
        click.echo(f"提示：{w}", err=True)
    for bad in export.bad:
        click.echo(f"第 {bad.row} 行未导入：{bad.reason}", err=True)
    if dry_run:
        click.echo(f"检查完毕：可导入 {len(export.orders)} 条，有问题 {len(export.bad)} 行。")
        return
    result, threshold = _register(
        ctx,
        export,
        channel=channel,
        operator=operator,
        no_screen=no_screen,
        join_at=join_at,
        flag_at=flag_at,
    )
    _report(result, threshold)
    flagged = sum(1 for o in result.outcomes if o.similar_case)
    click.echo(
        f"导入完成：新建案件 {result.count('new')} 件，并入已有案件 {result.count('joined')} 条，"
        f"此前已导入跳过 {result.count('skipped')} 条，疑似重复待核对 {flagged} 件，"
        f"未导入 {len(export.bad)} 行。",
        err=True,
    )


@complaints_group.command("add")
@click.option("--content", required=True, help="投诉举报或线索内容。")
@click.option(
    "--channel",
    default="投诉箱",
    show_default=True,
    help="来源渠道（信访、投诉箱、举报电话、上级转办……）。",
)
@click.option(
    "--received", default=None, help="受理时间（YYYY-MM-DD 或 YYYY-MM-DD HH:MM）。默认现在。"
)
@click.option("--complainant", default="", help="投诉举报人（保存但默认不显示、不导出）。")
@click.option("--contact", default="", help="联系方式（保存但默认不显示、不导出）。")
@click.option("--respondent", default="", help="被投诉举报的单位或对象。")
@click.option("--department", default=None, help="承办（责任）单位。")
@click.option("--no-screen", is_flag=True, help="不做研判。")
@operator_option
@click.pass_context
def add_cmd(
    ctx: click.Context,
    content: str,
    channel: str,
    received: str | None,
    complainant: str,
    contact: str,
    respondent: str,
    department: str | None,
    no_screen: bool,
    operator: str | None,
) -> None:
    """登记一条投诉举报或线索（研判、查重后新建或并入案件）。"""
    from ..errors import InvalidValueError
    from ..ledger.hotline import parse_time

    stamp = parse_time(received) if received else None
    if received and not stamp:
        raise InvalidValueError(
            field="受理时间", value=received, hint="请使用 YYYY-MM-DD 或 YYYY-MM-DD HH:MM 格式。"
        )
    order = WorkOrder(
        row=1,
        content=content.strip(),
        received_at=stamp or "",
        complainant=complainant,
        contact=contact,
        department=department or "",
        respondent=respondent,
        channel=channel,
    )
    export = Export("（手工登记）", (order,), (), {})
    result, threshold = _register(
        ctx, export, channel=channel, operator=operator, no_screen=no_screen
    )
    o = result.outcomes[0]
    click.echo(o.label + "。")
    line = suggestion_text(o.suggestion, threshold)
    if line:
        click.echo(line.strip())


@complaints_group.command("list")
@click.option("--unanswered", is_flag=True, help="只列出尚未反馈的。")
@click.option("--overdue", is_flag=True, help="只列出超过反馈期限仍未反馈的。")
@click.option(
    "--show-contacts",
    is_flag=True,
    help="显示投诉举报人姓名、联系方式，以及诉求内容中的电话、身份证号等个人信息（默认隐去）。",
)
@format_option("table", "json")
@click.pass_context
def list_cmd(
    ctx: click.Context, unanswered: bool, overdue: bool, show_contacts: bool, fmt: str
) -> None:
    """列出投诉举报及其反馈情况（反馈期限、是否逾期）。"""
    today = dt.date.today().isoformat()
    with ledger_db(ctx, readonly=True) as db:
        rows = complaint_rows(
            db,
            include_contacts=show_contacts,
            unanswered=unanswered,
            overdue_on=today if overdue else None,
        )
    for r in rows:
        if fmt == "json":
            click.echo(dumps(r))
            continue
        if r["replied_at"]:
            late = r["reply_due"] and r["replied_at"][:10] > r["reply_due"]
            state = f"已反馈 {r['replied_at'][:10]}" + ("（超期）" if late else "")
        elif r["reply_due"] and r["reply_due"] < today:
            state = f"逾期未反馈（期限 {r['reply_due']}）"
        else:
            state = f"待反馈（期限 {r['reply_due'] or '—'}）"
        who = f"  {r['complainant'] or '—'} {r['contact'] or '—'}" if show_contacts else ""
        ext = f" 工单 {r['external_id']}" if r.get("external_id") else ""
        click.echo(
            f"[{r['id']}] 案件 {r['case_id']} {r['channel'] or '—'}{ext} "
            f"受理 {(r['received_at'] or '')[:10]} {state}{who}  {excerpt(r['content'])}"
        )
    if fmt == "table":
        click.echo(f"共 {len(rows)} 条。", err=True)


@complaints_group.command("reply")
@click.argument("complaint_id", type=int)
@click.option("--content", required=True, help="反馈内容。")
@click.option(
    "--channel",
    default="电话",
    show_default=True,
    help="反馈方式（电话、短信、书面、平台回复……）。",
)
@operator_option
@click.pass_context
def reply_cmd(
    ctx: click.Context, complaint_id: int, content: str, channel: str, operator: str | None
) -> None:
    """登记对投诉举报人的反馈（日期、方式、内容），并写入案件操作记录。"""
    from ..errors import InvalidValueError

    with ledger_db(ctx) as db:
        rows = list(
            db.query("select case_id, reply_due from complaints where id = ?", [complaint_id])
        )
        if not rows:
            raise InvalidValueError(
                field="投诉举报编号",
                value=complaint_id,
                hint="运行 screening complaints list 查看编号。",
            )
        add_feedback(
            db,
            rows[0]["case_id"],
            content=content,
            operator=operator_name(ctx, operator),
            channel=channel,
            complaint_id=complaint_id,
        )
    due = rows[0]["reply_due"]
    late = due and dt.date.today().isoformat() > due
    click.echo(
        f"已登记对投诉举报 {complaint_id} 的反馈（案件 {rows[0]['case_id']}）"
        + (f"，已超过反馈期限 {due}。" if late else "。")
    )


COMMANDS = [complaints_group]
