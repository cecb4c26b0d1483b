"""``screening scan`` and ``screening check``: find suspected barriers in documents or a text."""

from __future__ import annotations

import sys

import click

from ..parse import iter_files
from ..types import Finding
from ._common import dumps, get_settings, operator_name, operator_option, shown

FORMATS = click.Choice(["table", "json", "jsonl"])


def _short(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def format_finding(f: Finding) -> str:
    where = " ".join(x for x in (f"第{f.page}页" if f.page else "", f.article_path) if x)
    lines = [
        f"  [{f.score:.2f}] {f.standard or '（未定标准）'}  {f.family or ''}"
        + (f"  {f.class_1670}" if f.class_1670 else "")
        + (f"  {where}" if where else ""),
        f"    条款：{_short(f.clause, 120)}",
        f"    理由：{f.rationale}",
    ]
    zb = [s for s in f.standards if s.code.startswith("ZB-")]
    if zb or f.tender_section:
        part = (f.tender_section or "") + (f"（{f.points}）" if f.points else "")
        where = "，".join(x for x in (f.doc_kind, part) if x)
        codes = "、".join(f"{s.code}（{s.score:.2f}）" for s in zb) or "无对应事项"
        lines.append(f"    招标投标规则：{codes}" + (f"（{where}）" if where else ""))
    if f.precedents:
        p = f.precedents[0]
        lines.append(
            f"    先例：{p.case_id}（{p.similarity:.2f}）{_short(p.notice_title or '', 40)}"
        )
    if f.exception_note:
        lines.append(f"    例外：{f.exception_note}")
    if f.negative_list_note:
        lines.append(f"    负面清单：{f.negative_list_note}")
    return "\n".join(lines)


def _load_screener(ctx: click.Context, threshold: float | None):
    """The current model's screener. First use (no model, or a stale one after an update):
    ``load_or_train`` catches exactly ``ModelNotTrainedError`` and trains explicitly, saying so
    on stderr, so ``make demo`` and a first ``scan``/``check`` work as before."""
    from ..learning.first_use import load_or_train

    return load_or_train(get_settings(ctx), threshold=threshold)


@click.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=FORMATS,
    default="table",
    show_default=True,
    help="输出格式：table 为便于阅读的列表；jsonl 每行一条疑似问题；json 为一个完整对象。",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1),
    default=None,
    help="报出阈值（0–1）。默认使用模型卡片中在训练集上选定的阈值。",
)
@click.option(
    "--no-ledger",
    is_flag=True,
    help="只输出结果，不写入审查台账（默认把文件和疑似问题登记到台账，并为新问题建立案件）。",
)
@click.option(
    "--rescan",
    is_flag=True,
    help="重新筛查全部文件。默认跳过内容未改动且已用当前模型筛查过的文件（沿用台账中的结果）。",
)
@click.option("--department", default=None, help="登记到台账时，文件的制定（责任）部门。")
@operator_option
@click.option(
    "--lock-wait",
    type=click.FloatRange(0),
    default=None,
    metavar="秒",
    help="台账正被其他程序写入时最多等待的秒数，超时则停止（已完成的部分保留）。"
    "默认取配置项 lock_wait_s（120 秒）。",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="并行解析文件的进程数（默认为 CPU 核数；1 为单进程）。模型只在本进程加载一次。",
)
@click.option(
    "--cluster",
    default=None,
    metavar="地址",
    help="在 Dask 计算集群上解析和筛查：调度器地址如 tcp://10.0.0.5:8786，或 local[N] 在本机"
    "启动 N 个工作进程。各工作进程须能按相同路径读取文件；结果仍由本机登记到台账。",
)
@click.pass_context
def scan_cmd(
    ctx: click.Context,
    paths: tuple[str, ...],
    fmt: str,
    threshold: float | None,
    no_ledger: bool,
    rescan: bool,
    department: str | None,
    operator: str | None,
    lock_wait: float | None,
    workers: int | None,
    cluster: str | None,
) -> None:
    """筛查文件或文件夹（递归），列出涉嫌排除、限制竞争的条款，并登记到审查台账。

    每条疑似问题给出：条款原文及位置（字符位置、页码、条款路径）、评分（0–1）、
    涉嫌违反的审查标准编号（FCR-条-项）及其原文、所属类别、1670号分类、
    相似的通报案例、一句话理由、例外情形提示和负面清单核对结果。
    每个文件筛查完即写入台账（新问题建立“待核查”案件），中途按 Ctrl-C 或断电后
    重新运行同一命令即可继续，已完成的文件不会重复登记。
    无法读取的文件在标准错误输出中写明原因，不影响其他文件；命令本身出错时退出码才非 0。
    先比对文件哈希：内容未改动的文件不加载模型即可跳过。
    """
    from ..ledger import open_ledger
    from ..sweep import sweep

    settings = get_settings(ctx)
    files = list(iter_files(paths))
    wait_s = settings.lock_wait_s if lock_wait is None else lock_wait

    def on_wait(waited: float) -> None:
        click.echo(
            f"台账 {settings.ledger} 正被其他人或程序写入，等待中"
            f"（已等待 {waited:.0f} 秒，最多等待 {wait_s:.0f} 秒）……",
            err=True,
        )

    # The ledger first: a damaged or read-only one is refused before minutes of model loading.
    db = None if no_ledger else open_ledger(settings.ledger, wait_s=wait_s, on_wait=on_wait)
    screener = _lazy_screener(ctx, threshold, cluster is not None)
    executor = _executor(screener, workers, cluster, threshold)
    show_bar = len(files) >= 10 and sys.stderr.isatty()
    items = sweep(
        screener,
        files,
        db=db,
        operator=operator_name(ctx, operator),
        department=department,
        rescan=rescan,
        roots=paths,
        lock_wait_s=wait_s,
        on_wait=on_wait,
        executor=executor,
    )
    try:
        with click.progressbar(
            length=len(files), label="筛查中", file=sys.stderr, show_pos=True, hidden=not show_bar
        ) as bar:
            for item in items:
                bar.update(1)
                if item.failure is not None:
                    message = f"无法读取：{shown(item.failure.message)}"
                    click.echo(f"\n{message}" if show_bar else message, err=True)
                    continue
                _emit(fmt, item)
    except KeyboardInterrupt:
        items.close()  # logs the sweep as interrupted while the ledger is still open
        if db is not None:
            db.close()
            click.echo(
                f"\n已中断。已筛查完的文件均已完整登记到台账 {settings.ledger}；"
                "重新运行同一命令即可继续（已完成的文件会自动跳过）。",
                err=True,
            )
        else:
            click.echo("\n已中断。", err=True)
        ctx.exit(130)
    _report(settings, screener, items.summary, fmt, db, len(files))


def _lazy_screener(ctx: click.Context, threshold: float | None, train_now: bool):
    """The current model's screener, loaded only when a file must be screened here.

    When the current model would have to be trained first (none yet, or stale after an update),
    or the work goes to a cluster (whose workers load the model themselves and never train),
    training happens now, in this process, before anything is submitted.
    """
    from ..screen.current import usable_model_id
    from ..sweep import LazyScreener

    settings = get_settings(ctx)
    model_id = usable_model_id(settings)
    if model_id is None and train_now:
        from ..learning.first_use import train_current
        from ..screen.current import current_id

        train_current(settings, stale=current_id(settings) is not None)
        model_id = usable_model_id(settings)
    return LazyScreener(settings, lambda: _load_screener(ctx, threshold), model_id)


def _executor(screener, workers: int | None, cluster: str | None, threshold: float | None):
    """Where files are parsed and screened: a Dask cluster, a parse pool, or this process."""
    import os

    from ..cluster import DaskCluster, InProcess, ParsePool

    if cluster is not None:
        click.echo(f"正在连接计算集群 {cluster} ……", err=True)
        return DaskCluster(cluster, model_id=screener.model_id, threshold=threshold)
    n = workers or os.cpu_count() or 1
    return ParsePool(screener.get, n) if n > 1 else InProcess(screener.get)


def _report(settings, screener, summary, fmt: str, db, n_files: int) -> None:
    """The closing lines (and the JSON object): what was screened, skipped, found, recorded."""
    from ..neglist import negative_list_status

    failures, all_findings, totals = summary.failures, summary.findings, summary.ledger_totals()
    loaded = screener.loaded
    st = screener.get().stats if loaded else None
    neglist = negative_list_status(settings.corpus)
    if fmt == "json":
        click.echo(
            dumps(
                {
                    "findings": [f.to_dict() for f in all_findings],
                    "failures": [f.to_dict() for f in failures],
                    "stats": st.to_dict() if st else None,
                    "ledger": None if db is None else {"path": str(settings.ledger), **totals},
                    "negative_list": neglist.message,
                    "engine": screener.get().engine if loaded else {"model_id": screener.model_id},
                }
            )
        )
    counts = summary.counts
    screened = counts.files - counts.skipped - counts.failed
    if st is not None:
        work = (
            f"条款 {st.clauses} 条，其中 {st.stage1} 条经初筛进入模型评分；"
            f"疑似问题 {len(all_findings)} 条（阈值 {screener.get().threshold:.3f}）。"
        )
    else:
        work = f"疑似问题 {len(all_findings)} 条。"
    click.echo(
        f"共 {n_files} 个文件：筛查 {screened} 个，"
        + (f"未改动跳过 {totals['skipped']} 个，" if totals["skipped"] else "")
        + f"无法读取 {len(failures)} 个；"
        + work,
        err=True,
    )
    if db is not None:
        db.close()
        click.echo(
            f"台账 {settings.ledger}：新增疑似问题 {totals['new']} 条，"
            f"更新 {totals['updated']} 条，不再筛出 {totals['gone']} 条；"
            f"新建待核查案件 {totals['cases_created']} 件。"
            "运行 screening ledger list 查看。",
            err=True,
        )
        if failures:
            click.echo(
                f"无法读取的 {len(failures)} 个文件已记入台账，需人工审查；"
                "运行 screening ledger unreadable 查看。",
                err=True,
            )
    if not neglist.available:
        click.echo(neglist.message, err=True)


def _emit(fmt: str, item) -> None:
    if fmt == "jsonl":
        for f in item.findings:
            click.echo(dumps(f.to_dict()))
    elif fmt == "table":
        title = item.title or ""
        note = "（未改动，沿用台账中的筛查结果）" if item.skipped else ""
        click.echo(
            f"{shown(item.path)}"
            + (f"（{title}）" if title else "")
            + f"：{len(item.findings)} 条疑似问题{note}"
        )
        for f in item.findings:
            click.echo(format_finding(f))


@click.command("check")
@click.argument("text")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="输出格式。",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1),
    default=None,
    help="报出阈值（0–1）。默认使用模型选定的阈值。",
)
@click.pass_context
def check_cmd(ctx: click.Context, text: str, fmt: str, threshold: float | None) -> None:
    """快速筛查一段条款文字，例如：screening check "申报企业须在本县注册并纳税"。"""
    screener = _load_screener(ctx, threshold)
    findings = screener.check_text(text)
    if fmt == "json":
        click.echo(dumps({"findings": [f.to_dict() for f in findings], "engine": screener.engine}))
        return
    if not findings:
        click.echo(f"未发现疑似问题（阈值 {screener.threshold:.3f}）。")
    for f in findings:
        click.echo(format_finding(f))


COMMANDS = [scan_cmd, check_cmd]
