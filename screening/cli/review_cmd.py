"""``screening review …``: draft review (增量审查): submit, settle, conclude, write documents."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from pathlib import Path
from typing import Any

import click

from ..errors import OutputFormatError
from ..ledger import reviews as rv
from ..ledger.clausediff import normalise
from ..ledger.workdays import parse_date
from ._common import (
    dumps,
    echo_written,
    format_option,
    get_settings,
    ledger_db,
    operator_name,
    operator_option,
)
from ._common import shown as safe


def _short(text: str, n: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


@click.group("review")
def review_group() -> None:
    """增量审查：政策措施草案的公平竞争审查，逐项认定并形成书面审查结论。

    \b
    典型流程：
      screening review submit 草案.docx --title 名称 --drafter 起草单位
      screening review show 1                       查看待认定事项及修改建议
      screening review settle 1 2 --as 构成问题      逐项认定（不构成问题须写 --reason）
      screening review submit 修改稿.docx --revises 1 提交修订稿，只重新筛查改动的条款
      screening review conclude 1 --result 不符合
      screening review document 1 --kind 审查结论 --out 审查结论.docx
    """


# --- submit ------------------------------------------------------------------------------


def _submit_summary(res: rv.SubmitResult, items: list[dict[str, Any]], seconds: float) -> None:
    if res.unchanged:
        click.echo(f"审查对象 {res.review_id}：与第 {res.version} 稿内容相同，未重复登记。")
        return
    head = "已登记审查对象" if res.created else "已登记修订稿：审查对象"
    click.echo(f"{head} {res.review_id}，第 {res.version} 稿（用时 {seconds:.1f} 秒）。")
    if not res.created:
        c = res.clauses
        click.echo(
            f"  条款对比：未变 {c.get('same', 0)}，修改 {c.get('changed', 0)}，"
            f"删除 {c.get('deleted', 0)}，新增 {c.get('added', 0)}；"
            f"重新筛查 {res.screened} 条。"
        )
        click.echo(
            f"  沿用原认定 {res.items_carried} 个，已修改待确认 {res.items_changed} 个，"
            f"新增待认定 {res.items_new} 个。"
        )
        if res.reopened:
            click.echo(
                "  审查结论作出后内容发生重大变化，已重新打开审查（《实施办法》第二十七条）。"
            )
    else:
        click.echo(f"  条款 {res.clauses.get('added', 0)} 条，待认定事项 {res.items_new} 个。")
    pending = [i for i in items if i["state"] in rv.UNSETTLED]
    for i in pending:
        click.echo(f"  [{i['seq']}] {i['state']}  {i['standard'] or '—'}  {_short(i['clause'])}")
    if pending:
        click.echo(
            f"下一步：screening review show {res.review_id} 查看详情和修改建议，"
            f"screening review settle {res.review_id} 事项编号 --as 构成问题|不构成问题|适用例外"
        )


@review_group.command("submit")
@click.argument("draft", type=click.Path())
@click.option("--title", default=None, help="政策措施名称。默认取文件中的标题。")
@click.option(
    "--drafter", default=None, help="起草单位。默认取文件中的发文机关；识别不到时必须填写。"
)
@click.option("--department", default=None, help="审查机构（承办审查的部门）。")
@click.option(
    "--kind",
    default=None,
    help="性质类别：规范性文件、其他政策性文件等（印在审查表上；不填则留待填写）。",
)
@click.option("--domain", default=None, help="涉及行业领域。")
@click.option("--doc-number", default=None, help="文号（草案一般没有）。")
@click.option("--date", "doc_date", default=None, metavar="YYYY-MM-DD", help="成文日期。")
@click.option(
    "--revises",
    type=int,
    default=None,
    help="这是哪个审查对象的修订稿（审查编号），沿用其名称和起草单位。"
    "不填时按名称和起草单位自动关联。",
)
@click.option(
    "--to-samr",
    is_flag=True,
    help="拟提请市场监督管理部门审查（《实施办法》第三十条、第三十一条），生成报送材料清单。",
)
@operator_option
@format_option("table", "json")
@click.pass_context
def submit_cmd(
    ctx: click.Context,
    draft: str,
    operator: str | None,
    fmt: str,
    revises: int | None,
    doc_date: str | None,
    **given: Any,
) -> None:
    """提交政策措施草案（或其修订稿）进行公平竞争审查：登记、筛查并列出待认定事项。"""
    from ..drafts import draft_info, no_drafter, submit_draft
    from ..learning.first_use import load_or_train
    from ..parse import parse_file

    settings = get_settings(ctx)
    if doc_date:
        given["doc_date"] = parse_date(doc_date, "成文日期").isoformat()
    started = time.perf_counter()
    # A bad file, a missing drafting unit or an unknown review id is refused before the model
    # loads (seconds) and before anything is written.
    doc = parse_file(draft, settings)
    if revises is None and not draft_info(doc, **given).drafter:
        raise no_drafter()
    if revises is not None:
        with ledger_db(ctx, readonly=True) as db:
            rv.get_review(db, revises)
    screener = load_or_train(settings)
    with ledger_db(ctx) as db:
        done = submit_draft(
            db,
            screener,
            doc,
            settings,
            operator=operator_name(ctx, operator),
            revises=revises,
            **given,
        )
        items = rv.items_of(db, done.result.review_id)
    seconds = time.perf_counter() - started
    if fmt == "json":
        payload = {**dataclasses.asdict(done.result), "seconds": round(seconds, 2)}
        click.echo(dumps({**payload, "items": items}))
        return
    _submit_summary(done.result, items, seconds)


# --- list / show ---------------------------------------------------------------------------


@review_group.command("list")
@click.option(
    "--status", type=click.Choice([rv.OPEN, rv.CONCLUDED]), default=None, help="只列出该状态。"
)
@format_option("table", "json")
@click.pass_context
def list_cmd(ctx: click.Context, status: str | None, fmt: str) -> None:
    """列出审查对象：编号、名称、当前稿次、状态、结论和待认定事项数。"""
    with ledger_db(ctx, readonly=True) as db:
        rows = rv.list_reviews(db, status)
    if fmt == "json":
        click.echo(dumps(rows))
        return
    if not rows:
        click.echo("台账中还没有审查对象。用 screening review submit 草案文件 提交审查。")
        return
    for r in rows:
        click.echo(
            f"[{r['id']}] {safe(r['title'])}  第{r['version']}稿  {r['status']}"
            f"  结论：{r['result'] or '待定'}  事项 {r['items']}（待认定 {r['unsettled']}）"
            f"  起草单位：{safe(r['drafter'])}"
        )


def _show_item(i: dict[str, Any]) -> None:
    origin = "审查人员补充" if i["origin"] == "reviewer" else f"筛查评分 {i['score'] or 0:.2f}"
    click.echo(
        f"  [{i['seq']}] {i['state']}  {i['standard'] or '—'}  {origin}"
        + (f"  {i['article_path']}" if i["article_path"] else "")
    )
    click.echo(f"      条款：{i['clause']}")
    if i["revised_clause"]:
        click.echo(f"      修改为：{i['revised_clause']}")
    elif i["state"] == rv.CHANGED_PENDING and i["clause_index"] is None:
        click.echo("      修改稿中已删除该条款")
    if i["reason"]:
        click.echo(f"      理由：{i['reason']}")
    if i["exception_code"]:
        click.echo(f"      例外：{i['exception_code']}")
    for fix in i["suggestions"]:
        src = f"案例 {fix['ref']}" if fix["source"] == "case" else f"模板 {fix['ref']}"
        click.echo(f"      建议（{src}）：{_short(fix['text'], 110)}")


@review_group.command("show")
@click.argument("review_id", type=int)
@click.option("--clauses", "with_clauses", is_flag=True, help="同时列出当前稿的全部条款及编号。")
@format_option("table", "json")
@click.pass_context
def show_cmd(ctx: click.Context, review_id: int, with_clauses: bool, fmt: str) -> None:
    """显示审查对象：基本信息、各稿次、审查事项及修改建议、报送材料和全部操作记录。"""
    with ledger_db(ctx, readonly=True) as db:
        r = rv.get_review(db, review_id)
        checklist = rv.materials_checklist(db, review_id)
    if fmt == "json":
        versions = [{**v, "clauses": [c.to_dict() for c in v["clauses"]]} for v in r["versions"]]
        click.echo(dumps({**r, "versions": versions, "materials_checklist": checklist}))
        return
    click.echo(f"审查对象 {r['id']}：{safe(r['title'])}")
    for key, label in (
        ("drafter", "起草单位"),
        ("department", "审查机构"),
        ("kind", "性质类别"),
        ("domain", "涉及行业领域"),
        ("doc_number", "文号"),
        ("consultation", "听取意见情况"),
    ):
        if r[key]:
            click.echo(f"  {label}：{safe(r[key])}")
    click.echo(f"  状态：{r['status']}  结论：{r['result'] or '待定'}  当前第 {r['version']} 稿")
    for v in r["versions"]:
        diff = ""
        if v["diff"] is not None:
            kinds = [c["kind"] for c in v["diff"]]
            diff = (
                f"，修改 {kinds.count('changed')}、删除 {kinds.count('deleted')}、"
                f"新增 {kinds.count('added')} 条"
            )
        click.echo(
            f"  第 {v['version']} 稿：{v['submitted_at']} {safe(v['path'])}"
            f"（{len(v['clauses'])} 条款{diff}）"
        )
    click.echo(f"审查事项（{len(r['items'])} 个）：" if r["items"] else "审查事项：无")
    for i in r["items"]:
        _show_item(i)
    if r["to_samr"]:
        click.echo("报送市场监督管理部门的材料（《实施办法》第三十一条）：")
        for m in checklist:
            mark = "✓" if m["present"] else "✗"
            click.echo(f"  {mark} {m['material']}：{safe(m['detail'])}")
    if with_clauses:
        click.echo(f"第 {r['version']} 稿条款：")
        for c in r["versions"][-1]["clauses"]:
            click.echo(f"  {c.index + 1:>4}  {_short(c.text, 90)}")
    click.echo("操作记录：")
    for a in r["actions"]:
        item = f" 事项{a['item_seq']}" if a["item_seq"] else ""
        note = f"：{a['note']}" if a["note"] else ""
        click.echo(f"  {a['at']} {a['operator']} {a['action']}{item}{note}")


# --- settling, adding, concluding ----------------------------------------------------------


@review_group.command("settle")
@click.argument("review_id", type=int)
@click.argument("item", type=int)
@click.option(
    "--as",
    "state",
    type=click.Choice(rv.SETTLEMENTS),
    required=True,
    help="认定结果。“已修改”只用于修订稿中已修改或删除的条款。",
)
@click.option("--reason", default=None, help="理由（认定为不构成问题时必填）。")
@click.option(
    "--exception",
    type=click.IntRange(1, 4),
    default=None,
    help="适用《公平竞争审查条例》第十二条第几项情形（1–4）。",
)
@click.option("--effect", default=None, help="（一）具有或者可能具有的排除、限制竞争效果。")
@click.option("--situation", default=None, help="（二）适用第十二条的具体情形说明（可选）。")
@click.option("--least-harm", default=None, help="（三）对公平竞争不利影响最小的理由。")
@click.option("--term", default=None, help="（四）实施期限或者终止条件的合理性。")
@click.option("--other", default=None, help="（五）其他需要说明的内容（可选）。")
@operator_option
@format_option("table", "json")
@click.pass_context
def settle_cmd(
    ctx: click.Context,
    review_id: int,
    item: int,
    state: str,
    reason: str | None,
    exception: int | None,
    effect: str | None,
    situation: str | None,
    least_harm: str | None,
    term: str | None,
    other: str | None,
    operator: str | None,
    fmt: str,
) -> None:
    """认定一个审查事项：构成问题、不构成问题（写明理由）、适用例外或已修改。"""
    explanations = {
        "1": effect or "",
        "2": situation or "",
        "3": least_harm or "",
        "4": term or "",
        "5": other or "",
    }
    with ledger_db(ctx) as db:
        done = rv.settle(
            db,
            review_id,
            item,
            state,
            operator=operator_name(ctx, operator),
            reason=reason,
            exception_code=f"EXC-TL12-{exception}" if exception else None,
            explanations=explanations,
        )
        left = [i for i in rv.items_of(db, review_id) if i["state"] in rv.UNSETTLED]
    if fmt == "json":
        click.echo(dumps(done))
        return
    click.echo(f"审查对象 {review_id} 事项 {item}：已认定为“{done['state']}”。")
    click.echo(
        f"尚有 {len(left)} 个事项待认定。"
        if left
        else f"全部事项已认定，可用 screening review conclude {review_id} --result … 作出结论。"
    )


@review_group.command("add")
@click.argument("review_id", type=int)
@click.option(
    "--clause",
    "clause_no",
    type=int,
    default=None,
    help="条款编号（screening review show 编号 --clauses 中的序号）。",
)
@click.option("--text", default=None, help="或给出条款中的一段原文，自动定位条款。")
@click.option("--standard", required=True, help="违反的审查标准编号，如 FCR-12-3。")
@click.option("--reason", default=None, help="认定理由。")
@operator_option
@click.pass_context
def add_cmd(
    ctx: click.Context,
    review_id: int,
    clause_no: int | None,
    text: str | None,
    standard: str,
    reason: str | None,
    operator: str | None,
) -> None:
    """补充筛查未发现的问题条款：选定条款和审查标准，记为“构成问题”。"""
    from ..drafts import add_reviewer_item
    from ..errors import ReviewRuleError

    settings = get_settings(ctx)
    with ledger_db(ctx) as db:
        clauses = rv.current_version(db, review_id)["clauses"]
        if (clause_no is None) == (text is None):
            raise ReviewRuleError(detail="请用 --clause 条款编号 或 --text 原文片段 指定一个条款。")
        if text is not None:
            wanted = normalise(text)
            hits = [c for c in clauses if wanted and wanted in normalise(c.text)]
            if len(hits) != 1:
                raise ReviewRuleError(
                    detail=f"原文片段“{text}”"
                    + ("没有出现在当前稿中。" if not hits else f"出现在 {len(hits)} 个条款中。")
                    + "请改用 --clause（运行 screening review show "
                    + f"{review_id} --clauses 查看编号）。"
                )
            index = hits[0].index
        else:
            assert clause_no is not None
            index = clause_no - 1
        added = add_reviewer_item(
            db,
            review_id,
            settings,
            clause_index=index,
            standard=standard,
            operator=operator_name(ctx, operator),
            reason=reason,
        )
    click.echo(f"已补充事项 {added['seq']}：{added['standard']}，条款：{_short(added['clause'])}")


@review_group.command("conclude")
@click.argument("review_id", type=int)
@click.option("--result", type=click.Choice(rv.RESULTS), required=True, help="审查结论。")
@click.option("--note", default=None, help="结论补充说明。")
@click.option("--consultation", default=None, help="听取意见情况（印在审查表上）。")
@operator_option
@click.pass_context
def conclude_cmd(
    ctx: click.Context,
    review_id: int,
    result: str,
    note: str | None,
    consultation: str | None,
    operator: str | None,
) -> None:
    """作出书面审查结论（有未认定事项时拒绝，并列出这些事项）。"""
    with ledger_db(ctx) as db:
        rv.conclude(
            db,
            review_id,
            result,
            operator=operator_name(ctx, operator),
            note=note,
            consultation=consultation,
        )
    click.echo(
        f"审查对象 {review_id} 已作出审查结论：{result}。"
        f"可用 screening review document {review_id} --kind 审查结论 --out 文件.docx 生成文书。"
    )


@review_group.command("reopen")
@click.argument("review_id", type=int)
@click.option("--reason", required=True, help="重新审查的理由。")
@operator_option
@click.pass_context
def reopen_cmd(ctx: click.Context, review_id: int, reason: str, operator: str | None) -> None:
    """重新打开已作出结论的审查（原结论作废，记入操作记录）。"""
    with ledger_db(ctx) as db:
        rv.reopen(db, review_id, operator=operator_name(ctx, operator), reason=reason)
    click.echo(f"审查对象 {review_id} 已重新打开，原结论不再有效。")


@review_group.command("set")
@click.argument("review_id", type=int)
@click.option("--consultation", default=None, help="听取意见情况。")
@click.option("--domain", default=None, help="涉及行业领域。")
@click.option("--kind", default=None, help="性质类别。")
@click.option("--department", default=None, help="审查机构。")
@click.option("--doc-number", default=None, help="文号。")
@operator_option
@click.pass_context
def set_cmd(ctx: click.Context, review_id: int, operator: str | None, **values: Any) -> None:
    """填写或修改审查表上的信息（听取意见情况、涉及行业领域等）。"""
    with ledger_db(ctx) as db:
        rv.update_info(db, review_id, operator=operator_name(ctx, operator), **values)
    click.echo(f"审查对象 {review_id} 的信息已更新。")


@review_group.command("attach")
@click.argument("review_id", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", type=click.Choice(rv.MATERIAL_KINDS), required=True, help="材料类别。")
@click.option("--note", default=None, help="说明。")
@operator_option
@click.pass_context
def attach_cmd(
    ctx: click.Context, review_id: int, file: str, kind: str, note: str | None, operator: str | None
) -> None:
    """登记报送材料（起草说明、初审意见等，《实施办法》第三十一条）。"""
    from ..parse import file_sha256

    sha = file_sha256(Path(file))
    with ledger_db(ctx) as db:
        rv.add_material(
            db,
            review_id,
            kind,
            str(Path(file).resolve()),
            sha,
            operator=operator_name(ctx, operator),
            note=note,
        )
    click.echo(f"已登记审查对象 {review_id} 的材料：{kind}（{safe(Path(file).name)}）")


# --- documents -----------------------------------------------------------------------------


@review_group.command("document")
@click.argument("review_id", type=int)
@click.option(
    "--kind",
    type=click.Choice(rv.KINDS),
    required=True,
    help="审查结论：公平竞争审查书面结论（审查表）；修改建议函：给起草单位的初审意见。",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="输出的 DOCX 文件。")
@click.option(
    "--date", "date_text", default=None, metavar="YYYY-MM-DD", help="落款日期，默认今天。"
)
@click.pass_context
def document_cmd(
    ctx: click.Context, review_id: int, kind: str, out: str, date_text: str | None
) -> None:
    """生成审查文书（DOCX，公文格式），并另写一份同名 .json 说明每项内容对应的台账记录。"""
    from ..localnames import LocalNames, placeholder_hint
    from ..reports.review_docs import placeholders, write_review_document

    if Path(out).suffix.lower() != ".docx":
        raise OutputFormatError(path=out, hint="审查文书请以 .docx 结尾，例如 审查结论.docx。")
    settings = get_settings(ctx)
    date = parse_date(date_text, "落款日期") if date_text else dt.date.today()
    names = LocalNames.from_settings(settings)
    with ledger_db(ctx, readonly=True) as db:
        written = write_review_document(
            db,
            review_id,
            kind,
            out,
            date=date,
            corpus_dir=settings.corpus,
            names=names,
        )
        printed = placeholders(kind, rv.get_review(db, review_id), names)
    hint = placeholder_hint(names, printed, date.year, settings.config_file)
    echo_written(written, hint, traced="每项内容对应的台账记录")


COMMANDS = [review_group]
