"""Embedding throughput, build/load time and peak memory on ~500 real Chinese clauses.

Sentences come from the Markdown regulations in ``../shared/corpus-samples/local-regulations/``
(body text split on 。). Each embedder runs in its own subprocess so its import cost and peak
RSS are its own; ``e5-small.v1`` is first built into a fresh temporary models directory so the
build time is measured too. ``e5-small.v1@torch`` names a backend of e5 (``onnx``, the
default; ``torch``, the reference; ``onnx-int8``); its cosine to the torch vectors is reported
when both run. ``--batch-sizes 8,32`` repeats the encoding per batch size. Usage::

    python benchmarks/embed_bench.py --shared ../shared [--n 500] \
        [--names e5-small.v1@onnx,e5-small.v1@torch,use-m.v1] [--batch-sizes 32]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

NAMES = [
    "e5-small.v1@torch",
    "e5-small.v1@onnx",
    "e5-small.v1@onnx-int8",
    "use-m.v1",
    "tfidf-char.v1",
    "fake.v1",
]
# (anchor, paraphrase, unrelated) — a quick sanity column, not an evaluation.
TRIPLES = [
    ("要求企业在本地注册", "申报单位须在本市登记注册", "加强食品安全监管"),
    ("政府采购限定本地供应商投标", "采购活动只允许本地区的供货商报名竞标", "加强校园安全管理"),
    ("给予特定企业税收返还", "按企业缴纳税款的一定比例给予返还奖励", "组织开展全民健身运动会"),
]  # fmt: skip


def clauses(shared: Path, n: int) -> list[str]:
    """``n`` body sentences, spread over the corpus (every k-th sentence), deterministic."""
    sentences: list[str] = []
    for path in sorted((shared / "corpus-samples" / "local-regulations").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        body = text.split("<!-- INFO END -->", 1)[-1]
        lines = [ln for ln in body.splitlines() if ln.strip() and not ln.startswith("#")]
        for sentence in "".join(lines).split("。"):
            sentence = sentence.strip()
            if 8 <= len(sentence) <= 300:
                sentences.append(sentence + "。")
    step = max(1, len(sentences) // n)
    return sentences[::step][:n]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child_build(models: str, backend: str) -> dict[str, float]:
    from screening.embed import e5

    result = e5.build(Path(models), force=True, backend=backend)
    return {"build_s": result.seconds, "size_mb": result.size_bytes / 1e6, "rss_mb": peak_rss_mb()}


def child_run(
    name: str, models: str, sentences: list[str], threads: int, batch_sizes: list[int], out: str
) -> dict[str, Any]:
    start = time.perf_counter()
    from screening.config import Settings
    from screening.embed import get_embedder

    name, _, backend = name.partition("@")
    options: dict = {"fit_texts": sentences} if name == "tfidf-char.v1" else {}
    if threads and name in ("e5-small.v1", "use-m.v1"):
        options["threads"] = threads
    if backend:
        options["backend"] = backend
    emb = get_embedder(name, Settings(models=Path(models)), **options)
    load_s = time.perf_counter() - start
    emb.encode(sentences[:16])  # warm-up (first-call allocations, thread pools)
    rates = {}
    for batch_size in batch_sizes:
        start = time.perf_counter()
        vectors = emb.encode(sentences, batch_size=batch_size)
        rates[batch_size] = len(sentences) / (time.perf_counter() - start)
    assert vectors.shape == (len(sentences), emb.dim)
    if out:
        np.save(out, vectors)
    margins = []
    for a, p, u in TRIPLES:
        va, vp, vu = emb.encode([a, p, u])
        margins.append(float(va @ vp - va @ vu))
    return {
        "load_s": load_s,
        "sent_per_s": rates,
        "rss_mb": peak_rss_mb(),
        "dim": emb.dim,
        "min_margin": min(margins),
        "torch": "torch" in sys.modules,
    }


def spawn(args: list[str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"child {args[:2]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).parents[2] / "shared")
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--names", default=",".join(NAMES))
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: default)")
    parser.add_argument("--batch-sizes", default="32", help="comma-separated, e.g. 8,32")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--models", help=argparse.SUPPRESS)
    parser.add_argument("--sentences", help=argparse.SUPPRESS)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--out", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]

    if args.child == "build":
        print(json.dumps(child_build(args.models, args.backend)))
        return
    if args.child:
        sentences = json.loads(Path(args.sentences).read_text(encoding="utf-8"))
        result = child_run(args.child, args.models, sentences, args.threads, batch_sizes, args.out)
        print(json.dumps(result))
        return

    sentences = clauses(args.shared, args.n)
    mean_len = sum(map(len, sentences)) / len(sentences)
    print(f"{len(sentences)} clauses, mean {mean_len:.0f} characters")
    with tempfile.TemporaryDirectory(prefix="embed-bench-") as tmp:
        sent_file = Path(tmp) / "sentences.json"
        sent_file.write_text(json.dumps(sentences, ensure_ascii=False), encoding="utf-8")
        models = str(Path(tmp) / "models")
        names = args.names.split(",")
        for backend in sorted({n.partition("@")[2] or "onnx" for n in names if "e5" in n}):
            b = spawn(["--child", "build", "--models", models, "--backend", backend])
            print(
                f"e5-small.v1@{backend} build: {b['build_s']:.1f} s, cache {b['size_mb']:.0f} MB, "
                f"peak RSS {b['rss_mb']:.0f} MB"
            )
        rates = "".join(f"{f'sent/s b{b}':>12}" for b in batch_sizes)
        header = f"{'embedder':<22}{'dim':>5}{'load s':>8}{rates}{'peak RSS MB':>13}"
        print(header + f"{'min margin':>12}{'torch':>7}{'cos to torch min/mean':>23}")
        vectors: dict[str, str] = {}
        for name in names:
            vectors[name] = str(Path(tmp) / f"{name}.npy")
            child = ["--child", name, "--models", models, "--threads", str(args.threads)]
            child += ["--batch-sizes", args.batch_sizes, "--out", vectors[name]]
            r = spawn([*child, "--sentences", str(sent_file)])
            cos = ""
            if (
                name.startswith("e5")
                and "e5-small.v1@torch" in vectors
                and name != "e5-small.v1@torch"
            ):
                ref = np.load(vectors["e5-small.v1@torch"])
                c = (np.load(vectors[name]) * ref).sum(axis=1)
                cos = f"{c.min():.5f} / {c.mean():.5f}"
            print(
                f"{name:<22}{r['dim']:>5}{r['load_s']:>8.1f}"
                + "".join(f"{v:>12.0f}" for v in r["sent_per_s"].values())
                + f"{r['rss_mb']:>13.0f}{r['min_margin']:>12.3f}"
                f"{'yes' if r['torch'] else 'no':>7}{cos:>23}"
            )


if __name__ == "__main__":
    main()
