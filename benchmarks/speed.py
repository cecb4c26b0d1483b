"""Sweep speed and memory: the 1,180 local regulations through parse → screen → ledger.

    python benchmarks/speed.py --shared ../shared [--format txt|pdf|mixed] [--workers N]
                               [--cluster local[N]] [--limit N] [--resweep] [--check]
                               [--no-stage-2a] [--breakdown]

The regulations are converted once into .txt, .docx and .pdf under ``benchmarks/out/corpus/``
(``parse_bench.convert``; git-ignored, reused). ``mixed`` takes DOCX and PDF alternately. The
sweep is the library's (``screening.sweep.sweep``, as ``screening scan`` runs it) into a fresh
ledger, with the current model (trained first if there is none; not counted). Printed:

- model load time, then documents/s and clauses/s of a first sweep (empty in-run caches),
  with ``--workers`` (parse pool) or ``--cluster`` (Dask) as given;
- CPU seconds of this process during the sweep, all threads (idle-spinning BLAS or
  onnxruntime threads show up here, not in the wall time);
- peak RSS of this process and, separately, of its largest descendant (parse workers, cluster
  workers: they are started by a forkserver or nanny, not waited for here, so ``getrusage``
  does not see them; their ``VmHWM`` is read from ``/proc`` while the sweep runs) and the sum
  of the descendants' peaks;
- ``--breakdown``: seconds spent in each step of the sweep (parse, segment, stage 1 and its
  gate, trigger reading, e5, USE, similarity features), timed around the library's functions;
- ``--resweep``: wall time and peak RSS of ``screening scan`` run again on the same files in a
  new process (everything unchanged: hashes first, no model should load);
- ``--check``: wall time of ``screening check "申报企业须在本县注册并纳税"`` from a cold
  process, three runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))  # docgen, used by parse_bench.convert

SCREENING = str(Path(sys.executable).with_name("screening"))
CHECK_TEXT = "申报企业须在本县注册并纳税"


def files_for(shared: Path, fmt: str, limit: int | None) -> list[Path]:
    from parse_bench import convert

    out = ROOT / "benchmarks" / "out" / "corpus"
    formats = ["docx", "pdf"] if fmt == "mixed" else [fmt]
    convert(shared, out, formats, limit)
    if fmt != "mixed":
        return sorted((out / fmt).iterdir())[:limit]
    docx = sorted((out / "docx").iterdir())[:limit]
    pdf = sorted((out / "pdf").iterdir())[:limit]
    return [(docx if i % 2 == 0 else pdf)[i] for i in range(min(len(docx), len(pdf)))]


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


STEPS = (  # (module, object, function, label) timed by --breakdown
    ("screening.cluster", None, "_parse", "parse"),
    ("screening.screen.engine", None, "segment", "segment"),
    ("screening.screen.engine", "Screener", "stage1", "stage 1"),
    ("screening.screen.runtime", "Gate", "predict_proba", "  of which: gate"),
    ("screening.screen.features", "ClauseView", "of", "  of which: trigger reading"),
    ("screening.embed.e5_onnx", "OnnxEncoder", "encode", "e5"),
    ("screening.embed.use", "UseMultilingualEmbedder", "encode", "USE"),
    ("screening.screen.features", None, "similarity_matrix", "similarity features"),
)


def time_steps() -> dict[str, float]:
    """Wrap the functions of ``STEPS`` so that their seconds add up in the returned dict."""
    import functools
    import importlib

    spent: dict[str, float] = {}
    for module, owner, name, label in STEPS:
        target = importlib.import_module(module)
        if owner is not None:
            target = getattr(target, owner)
        raw = target.__dict__.get(name) if isinstance(target, type) else None
        is_classmethod = isinstance(raw, classmethod)
        inner = raw.__func__ if is_classmethod else getattr(target, name)

        def timed(*a, _inner=inner, _label=label, **k):
            t = time.perf_counter()
            try:
                return _inner(*a, **k)
            finally:
                spent[_label] = spent.get(_label, 0.0) + time.perf_counter() - t

        wrapped = functools.wraps(inner)(timed)
        setattr(target, name, classmethod(wrapped) if is_classmethod else wrapped)
    return spent


class DescendantPeaks:
    """Peak RSS (``VmHWM``, MB) of every process below this one, read from ``/proc`` every
    ``every`` seconds in a thread (Linux; elsewhere nothing is read)."""

    def __init__(self, every: float = 0.25) -> None:
        import threading

        self.peaks: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, args=(every,), daemon=True)
        self._thread.start()

    def _descendants(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(
                    ln.split(":\t", 1) for ln in status.read_text().splitlines() if ":\t" in ln
                )
                children.setdefault(int(fields["PPid"]), []).append(int(fields["Pid"]))
            except (OSError, KeyError, ValueError):
                continue
        out, todo = [], [os.getpid()]
        while todo:
            for child in children.get(todo.pop(), []):
                out.append(child)
                todo.append(child)
        return out

    def _poll(self, every: float) -> None:
        while not self._stop.wait(every):
            for pid in self._descendants():
                try:
                    text = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                for line in text.splitlines():
                    if line.startswith("VmHWM:"):
                        mb = int(line.split()[1]) / 1024
                        self.peaks[pid] = max(self.peaks.get(pid, 0.0), mb)

    def stop(self) -> tuple[float, float]:
        """(largest, sum) of the descendants' peaks seen."""
        self._stop.set()
        self._thread.join()
        return max(self.peaks.values(), default=0.0), sum(self.peaks.values())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--models", type=Path, default=None, help="default: the product's cache")
    ap.add_argument("--format", dest="fmt", choices=["txt", "pdf", "mixed"], default="txt")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--cluster", default=None)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--resweep", action="store_true")
    ap.add_argument("--check", action="store_true")
    ap.add_argument(
        "--no-stage-2a",
        action="store_true",
        help="every clause stage 1 passes gets every embedder (stage 2a off)",
    )
    ap.add_argument("--breakdown", action="store_true", help="seconds per step of the sweep")
    args = ap.parse_args()

    from screening.cluster import DaskCluster, InProcess, ParsePool
    from screening.config import load_settings
    from screening.learning.first_use import load_or_train
    from screening.ledger import open_ledger
    from screening.sweep import LazyScreener, sweep

    settings = load_settings(models=args.models)
    files = files_for(args.shared, args.fmt, args.limit)
    print(f"{len(files)} files ({args.fmt}); workers {args.workers}; cluster {args.cluster}")

    t = time.perf_counter()
    screener = load_or_train(settings)  # trains first when there is no usable model
    screener.check_text("申报企业须在本县注册。")  # first call loads the embedders' weights
    t_load = time.perf_counter() - t
    screener.stats.__init__()  # do not count the warm-up
    screener.cascade = False if args.no_stage_2a else None
    screener._vectors = {n: {} for n in screener.embedders}  # a first sweep: empty caches
    lazy = LazyScreener.of(screener)
    if args.cluster:
        executor = DaskCluster(args.cluster, model_id=screener.model.model_id)
    elif args.workers > 1:
        executor = ParsePool(lazy.get, args.workers)
    else:
        executor = InProcess(lazy.get)

    with tempfile.TemporaryDirectory() as tmp:
        ledger = Path(tmp) / "ledger.db"
        db = open_ledger(ledger)
        watch = DescendantPeaks()
        spent = time_steps() if args.breakdown else None
        t1, cpu1 = time.perf_counter(), time.process_time()
        run = sweep(lazy, files, db=db, operator="benchmark", executor=executor)
        items = list(run)
        elapsed = time.perf_counter() - t1
        cpu = time.process_time() - cpu1
        largest, total = watch.stop()
        db.close()
        c = run.summary.counts
        st = screener.stats
        print(
            f"model {screener.model.model_id}; embedders {'+'.join(screener.model.embedder_names)}"
        )
        print(f"model load (incl. embedder weights): {t_load:.1f}s")
        print(
            f"sweep: {c.screened} screened, {c.failed} unreadable of {len(items)} "
            f"in {elapsed:.1f}s: {c.screened / elapsed:.2f} documents/s"
            + (f", {st.clauses / elapsed:.0f} clauses/s" if st.clauses else "")
        )
        if st.clauses:
            print(
                f"stage 1 passed {st.stage1} of {st.clauses} clauses "
                f"({st.stage1 / max(st.clauses, 1):.1%}) to stage 2; stage 2a passed {st.stage2} "
                f"of them to every embedder"
            )
        print(f"findings: {len(run.summary.findings)}")
        print(f"CPU time of this process during the sweep: {cpu:.1f}s (all its threads)")
        print(
            f"peak RSS: this process {peak_mb(resource.RUSAGE_SELF):.0f} MB; "
            f"largest descendant {largest:.0f} MB (all descendants {total:.0f} MB)"
        )
        if spent is not None:
            print("seconds per step (in this process; --workers parse elsewhere):")
            for _, _, _, label in STEPS:
                print(f"  {label:28s} {spent.get(label, 0.0):6.2f}")
        if args.resweep:
            resweep(settings, ledger, files)
    if args.check:
        check(settings)


def _timed_child(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and stderr of one child process.

    The RSS comes from GNU time (``/usr/bin/time -f %M``), a small process that starts the
    command: a child forked from this one would report this process's size as its own peak.
    """
    timer = ["/usr/bin/time", "-f", "@@maxrss %M"] if Path("/usr/bin/time").exists() else []
    t = time.perf_counter()
    done = subprocess.run([*timer, *cmd], capture_output=True, text=True)
    seconds = time.perf_counter() - t
    err, rss = done.stderr, float("nan")
    if timer and "@@maxrss" in err:
        err, _, tail = err.rpartition("@@maxrss ")
        rss = int(tail.split()[0]) / 1024
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:6])} … failed ({done.returncode}):\n{err[-2000:]}")
    return seconds, rss, err


def resweep(settings, ledger: Path, files: list[Path]) -> None:
    cmd = [SCREENING, "--ledger", str(ledger), "--models", str(settings.models), "scan"]
    seconds, rss, err = _timed_child([*cmd, "--format", "jsonl", *map(str, files)])
    last = [ln for ln in err.splitlines() if ln.startswith("共 ")]
    print(
        f"re-sweep of {len(files)} unchanged files (new process): {seconds:.2f}s; "
        f"peak RSS {rss:.0f} MB"
    )
    print(f"  {last[0] if last else err[-300:]}")


def check(settings) -> None:
    cmd = [SCREENING, "--models", str(settings.models), "check", CHECK_TEXT]
    times = []
    for _ in range(3):
        seconds, rss, _ = _timed_child(cmd)
        times.append(seconds)
    print(
        f"screening check (cold process): {', '.join(f'{t:.2f}s' for t in times)}; "
        f"peak RSS {rss:.0f} MB"
    )


if __name__ == "__main__":
    main()
