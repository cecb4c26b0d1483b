"""Parse + segment throughput and peak memory on the 1,180 real local regulations.

The Markdown regulations in ``../shared/corpus-samples/local-regulations/`` are converted once
into .txt, .docx and .pdf under ``benchmarks/out/corpus/`` (git-ignored; reused on later runs).
Each format is then parsed and segmented in its own subprocess, so the peak RSS printed is that
format's alone. Usage::

    python benchmarks/parse_bench.py --shared ../shared [--limit N] [--formats txt,docx,pdf]
                                     [--pdf-path default|reference] [--compare]

``--pdf-path reference`` parses PDFs with the pdfplumber-only path (the parser before PDFium
read the text; the "before" figure). ``--compare`` does not time anything: it parses every
converted PDF and the bundled sample PDFs with both paths, compares text, blocks, offsets,
pages, tables, metadata, warnings and errors, and prints how many differ (and why) and how
many pages the default path had to leave to pdfplumber.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))  # docgen, the DOCX/PDF/OFD writer of the test helpers


def convert(shared: Path, out: Path, formats: list[str], limit: int | None) -> dict[str, int]:
    import docgen
    from textblocks import read_sample

    sources = sorted((shared / "corpus-samples" / "local-regulations").rglob("*.md"))
    if limit:
        sources = sources[:limit]
    made = dict.fromkeys(formats, 0)
    for i, src in enumerate(sources):
        _, blocks = read_sample(src)
        if not blocks:
            continue
        for fmt in formats:
            target = out / fmt / f"{i:05d}.{fmt}"
            if target.exists():
                made[fmt] += 1
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if fmt == "txt":
                target.write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
            elif fmt == "docx":
                docgen.write_docx(target, blocks)
            elif fmt == "pdf":
                docgen.write_pdf(target, blocks)
            made[fmt] += 1
    return made


def run_one(folder: Path, limit: int | None, pdf_path: str = "default") -> dict[str, float]:
    """Child process: parse and segment the files in ``folder``; print figures as JSON."""
    from screening.parse import parse_many, pdf
    from screening.segment import segment
    from screening.types import Failure

    stats = pdf.Stats()
    fast = pdf_path == "default"
    pdf.parse = lambda path, sha256, settings, fmt="pdf": pdf._parse(  # type: ignore[assignment]
        path, sha256, fmt, fast=fast, stats=stats
    )

    files = sorted(folder.iterdir())[:limit]
    n_docs = n_fail = n_clauses = n_chars = 0
    t0 = time.perf_counter()
    for item in parse_many(files):
        if isinstance(item, Failure):
            n_fail += 1
            continue
        n_docs += 1
        n_chars += len(item.text)
        n_clauses += len(segment(item))
    elapsed = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "docs": n_docs,
        "failed": n_fail,
        "clauses": n_clauses,
        "chars": n_chars,
        "seconds": elapsed,
        "peak_rss_mb": peak_mb,
        "pdf_fast_pages": stats.fast_pages,
        "pdf_plumber_pages": stats.plumber_pages,
    }


def compare(folder: Path, limit: int | None) -> None:
    """Both PDF paths on every converted PDF and the sample PDFs; print the differences."""
    from collections import Counter

    from screening.parse.pdf import compare_paths

    files = sorted(folder.iterdir())[:limit] + sorted((ROOT / "samples" / "docs").glob("*.pdf"))
    fast = plumber = 0
    reasons: Counter[str] = Counter()
    t0 = time.perf_counter()
    for i, path in enumerate(files, 1):
        c = compare_paths(path)
        fast += c.stats.fast_pages
        plumber += c.stats.plumber_pages
        if c.stats.plumber_pages:
            reasons["files with a page left to pdfplumber"] += 1
        if c.difference:
            reasons["differ"] += 1
            if c.explained:
                reasons["explained"] += 1
            print(f"DIFFERS {path}: {c.explained or 'UNEXPLAINED'}: {c.difference}", flush=True)
        if i % 100 == 0:
            print(f"  {i}/{len(files)} compared in {time.perf_counter() - t0:.0f}s", flush=True)
    pages = fast + plumber
    print(
        f"{len(files)} PDFs compared: {reasons['differ']} differ "
        f"({reasons['explained']} only by characters pdfminer's CMap drops); "
        f"{reasons['files with a page left to pdfplumber']} files had a page left to pdfplumber; "
        f"pages: {fast} PDFium, {plumber} pdfplumber ({plumber / max(pages, 1):.1%})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "corpus")
    ap.add_argument("--limit", type=int, default=None, help="only the first N regulations")
    ap.add_argument("--formats", default="txt,docx,pdf")
    ap.add_argument(
        "--pdf-path",
        choices=["default", "reference"],
        default="default",
        help="reference: the pdfplumber-only PDF path (the 'before' figure)",
    )
    ap.add_argument("--compare", action="store_true", help="equivalence of the two PDF paths")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child, args.limit, args.pdf_path)))
        return
    formats = ["pdf"] if args.compare else args.formats.split(",")
    t0 = time.perf_counter()
    made = convert(args.shared, args.out, formats, args.limit)
    print(f"converted/reused: {made} in {time.perf_counter() - t0:.1f}s", flush=True)
    if args.compare:
        compare(args.out / "pdf", args.limit)
        return
    print(
        f"{'format':<6} {'docs':>6} {'failed':>6} {'clauses':>8} {'seconds':>8} "
        f"{'docs/s':>8} {'clauses/s':>10} {'MB/s':>6} {'peak RSS MB':>11}"
    )
    for fmt in formats:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", str(args.out / fmt)]
            + ["--pdf-path", args.pdf_path]
            + (["--limit", str(args.limit)] if args.limit else []),
            check=True,
            capture_output=True,
            text=True,
        )
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        s = r["seconds"] or 1e-9
        print(
            f"{fmt:<6} {r['docs']:>6} {r['failed']:>6} {r['clauses']:>8} {s:>8.1f} "
            f"{r['docs'] / s:>8.1f} {r['clauses'] / s:>10.0f} "
            f"{r['chars'] * 3 / 1e6 / s:>6.2f} {r['peak_rss_mb']:>11.0f}",
            flush=True,
        )
        if r["pdf_fast_pages"] or r["pdf_plumber_pages"]:
            print(
                f"       PDF pages: {r['pdf_fast_pages']} PDFium, {r['pdf_plumber_pages']} "
                f"pdfplumber ({args.pdf_path} path)",
                flush=True,
            )


if __name__ == "__main__":
    main()
