"""Draft review (增量审查) figures on the bundled samples, and the whole workflow once.

Prints, per sample document: clauses, review items, items with a precedent-based suggestion
(a notified case's rectification sentence), and the time from ``submit`` to both DOCX drafts
(model already loaded; the load is printed once). Then runs the workflow a reviewer follows on
one sample: submit, settle every item, submit a revised DOCX that deletes one problem clause and
rewords another, confirm, conclude, and write the 审查结论 and 修改建议函 into ``--out``.

    python benchmarks/review_bench.py [--docs samples/docs] [--out /tmp/review-bench]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from screening.config import load_settings  # noqa: E402
from screening.drafts import submit_draft  # noqa: E402
from screening.learning.first_use import load_or_train  # noqa: E402
from screening.ledger import open_ledger  # noqa: E402
from screening.ledger import reviews as rv  # noqa: E402
from screening.reports.review_docs import write_conclusion, write_letter  # noqa: E402
from screening.screen.fixes import FixAdvisor  # noqa: E402

SCENARIO = "柳河县支持重点产业加快发展实施意见.docx"
DAY = dt.date(2026, 12, 4)


def per_document(docs: Path, out: Path, settings, screener, advisor) -> None:
    print(f"{'文件':<34}{'条款':>6}{'事项':>6}{'有案例建议':>10}{'提交→两份DOCX(秒)':>20}")
    totals = [0, 0, 0]
    for path in sorted(p for p in docs.iterdir() if p.is_file()):
        db = open_ledger(out / f"{path.stem}.db")
        started = time.perf_counter()
        done = submit_draft(
            db, screener, path, settings, operator="基准", drafter="起草单位", advisor=advisor
        )
        rid = done.result.review_id
        write_conclusion(
            db, rid, out / f"{path.stem}_结论.docx", date=DAY, corpus_dir=settings.corpus
        )
        write_letter(db, rid, out / f"{path.stem}_函.docx", date=DAY, corpus_dir=settings.corpus)
        seconds = time.perf_counter() - started
        items = rv.items_of(db, rid)
        with_case = sum(1 for i in items if any(s["source"] == "case" for s in i["suggestions"]))
        clauses = len(rv.current_version(db, rid)["clauses"])
        db.close()
        totals = [totals[0] + len(items), totals[1] + with_case, totals[2] + seconds]
        print(f"{path.name[:32]:<34}{clauses:>6}{len(items):>6}{with_case:>10}{seconds:>20.2f}")
    print(f"{'合计':<34}{'':>6}{totals[0]:>6}{totals[1]:>10}{totals[2]:>20.2f}")


def _revise_docx(src: Path, dest: Path, delete: str, reword: str) -> str:
    """The department's revision in Word: one clause deleted, one reworded in place."""
    from docx import Document

    doc = Document(str(src))
    new_text = ""
    for p in doc.paragraphs:
        text = p.text
        if delete in text:
            text = text.replace(delete, "")
        if reword in text:
            new_text = "对符合条件的项目，按照公开、公平的标准给予支持，具体标准另行公布。"
            text = text.replace(reword, new_text)
        if text != p.text:
            p.text = text
    doc.save(str(dest))
    return new_text


def scenario(docs: Path, out: Path, settings, screener, advisor) -> None:
    print(f"\n完整流程：{SCENARIO}")
    db = open_ledger(out / "scenario.db")
    t0 = time.perf_counter()
    v1 = submit_draft(
        db,
        screener,
        docs / SCENARIO,
        settings,
        operator="张三",
        drafter="柳河县发展和改革局",
        domain="工业、医药、现代服务业、农业",
        kind="规范性文件",
        advisor=advisor,
    )
    rid = v1.result.review_id
    items = rv.items_of(db, rid)
    print(f"  第 1 稿：事项 {len(items)} 个（{time.perf_counter() - t0:.2f} 秒）")
    problems = [i for i in items if i["score"] and i["score"] >= 0.9][:2]
    for i in items:
        if i in problems:
            rv.settle(db, rid, i["seq"], rv.PROBLEM, operator="张三")
        else:
            rv.settle(
                db,
                rid,
                i["seq"],
                rv.NOT_PROBLEM,
                operator="张三",
                reason="按项目投资额、产值等客观标准给予奖励，不限定经营者",
            )
    write_letter(db, rid, out / "修改建议函_第1稿.docx", date=DAY, corpus_dir=settings.corpus)
    v2_path = out / "柳河县支持重点产业加快发展实施意见_修改稿.docx"
    new_text = _revise_docx(docs / SCENARIO, v2_path, problems[0]["clause"], problems[1]["clause"])
    t1 = time.perf_counter()
    v2 = submit_draft(
        db, screener, v2_path, settings, operator="张三", revises=rid, advisor=advisor
    ).result
    print(
        f"  第 2 稿：条款对比 {v2.clauses}，重新筛查 {v2.screened} 条，沿用认定 "
        f"{v2.items_carried}，已修改待确认 {v2.items_changed}，新增 {v2.items_new}"
        f"（{time.perf_counter() - t1:.2f} 秒）；改写为：{new_text}"
    )
    for i in rv.items_of(db, rid):
        if i["state"] == rv.CHANGED_PENDING:
            rv.settle(db, rid, i["seq"], rv.REVISED, operator="张三", reason="已按修改建议修改")
        elif i["state"] == rv.PENDING:
            rv.settle(
                db,
                rid,
                i["seq"],
                rv.NOT_PROBLEM,
                operator="张三",
                reason="修改后的表述未限定经营者",
            )
    rv.update_info(
        db,
        rid,
        operator="张三",
        consultation="通过县政府网站公开征求意见15日，召开企业座谈会1次，未收到公平竞争方面的意见",
    )
    rv.conclude(db, rid, rv.COMPLIANT, operator="李四", note="修改稿已删除、修改存在问题的条款")
    for kind, writer in (("审查结论", write_conclusion), ("修改建议函", write_letter)):
        t = time.perf_counter()
        written = writer(db, rid, out / f"{kind}.docx", date=DAY, corpus_dir=settings.corpus)
        print(f"  {kind}：{written.paths[0]}（{time.perf_counter() - t:.2f} 秒）")
    db.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--docs", type=Path, default=ROOT / "samples" / "docs")
    ap.add_argument("--out", type=Path, default=Path("/tmp/review-bench"))
    args = ap.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    settings = load_settings()
    t = time.perf_counter()
    screener = load_or_train(settings)
    advisor = FixAdvisor(settings.corpus)
    print(f"模型载入 {time.perf_counter() - t:.1f} 秒（{screener.model.model_id}）")
    per_document(args.docs, args.out, settings, screener, advisor)
    scenario(args.docs, args.out, settings, screener, advisor)


if __name__ == "__main__":
    main()
