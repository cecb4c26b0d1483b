"""Permit catalogue checks: how well each embedder separates permit names, and how fast a check is.

    python benchmarks/catalogue_bench.py [--items 2000] [--embedders fake.v1,use-m.v1]

1. **Calibration.** The cosine between two names of the same permit (``POSITIVE``) and between
   names of different permits (every ordered pair of ``NAMES``), after ``core_name``, for each
   embedder; then how many of each pass ``MATCH_THRESHOLD`` after ``ListMatcher``'s
   calibration. These are the figures ``screening/catalogue/match.py`` quotes for
   ``CALIBRATION``. The data is small (5 positive pairs, 156 mismatched pairs): read the pass
   rates as a sanity check, not as a measured precision.
2. **Scale.** A synthetic catalogue of ``--items`` rows (real permit names with numbered 子项,
   made-up departments and bases; not any county's catalogue) is checked without and with a
   synthetic 106-item list labelled 测试用清单（非官方）: wall time of each check and peak RSS.

The names (``SAME_PERMIT``, ``PERMIT_NAMES`` in tests/catalogue_fixtures.py, with their sources)
are real: permits named in local regulations of /work/shared/corpus-samples and in the 2025 list
news of reference/negative_list_editions_meta.json.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the permit names live with the tests that use them

from catalogue_fixtures import PERMIT_NAMES as NAMES  # noqa: E402
from catalogue_fixtures import SAME_PERMIT as POSITIVE  # noqa: E402

from screening.catalogue.checks import (  # noqa: E402
    check_basis,
    check_catalogue,
    check_duplicates,
    check_elements,
)
from screening.catalogue.match import MATCH_THRESHOLD, ListMatcher, core_name  # noqa: E402
from screening.catalogue.model import PermitItem  # noqa: E402
from screening.config import Settings  # noqa: E402
from screening.neglist.model import PERMITTED, PROHIBITED, Item, Measure  # noqa: E402


def calibration(embedder: str, settings: Settings) -> None:
    matcher = ListMatcher(settings, embedder=embedder)
    enc = matcher.embedder.encode

    def cosines(pairs: list[tuple[str, str]]) -> np.ndarray:
        a = enc([core_name(x) for x, _ in pairs])
        b = enc([core_name(y) for _, y in pairs])
        return np.sum(a * b, axis=1)

    mismatched = list(itertools.permutations(NAMES, 2))
    pos, neg = cosines(POSITIVE), cosines(mismatched)
    pos_s, neg_s = matcher._calibrate(pos), matcher._calibrate(neg)
    worst = mismatched[int(np.argmax(neg))]
    print(f"\n[{embedder}] cosine of the same permit named two ways ({len(pos)} pairs):")
    for (x, y), c, s in zip(POSITIVE, pos, pos_s, strict=True):
        print(f"    {x} / {y}: cosine {c:.3f} → score {s:.2f}")
    print(
        f"  mismatched names ({len(neg)} pairs): median {statistics.median(neg):.3f}, "
        f"95th percentile {np.percentile(neg, 95):.3f}, max {neg.max():.3f} "
        f"({worst[0]} / {worst[1]})"
    )
    print(
        f"  pass the threshold {MATCH_THRESHOLD:.2f} by embedding alone: "
        f"{int((pos_s >= MATCH_THRESHOLD).sum())}/{len(pos)} same-permit pairs, "
        f"{int((neg_s >= MATCH_THRESHOLD).sum())}/{len(neg)} mismatched pairs"
    )


def synthetic_catalogue(n: int) -> list[PermitItem]:
    departments = [f"县测试部门{k}（合成数据）" for k in range(12)]
    bases = [
        "《中华人民共和国行政许可法》；《测试条例》第十条（合成数据）",
        "《关于加强测试管理的通知》（测政发〔2024〕1号，合成数据）",
        "",
        "《××市测试管理办法》（××市人民政府令第1号，合成数据）",
    ]
    items = []
    for i in range(n):
        name = NAMES[i % len(NAMES)]
        items.append(
            PermitItem(
                name=name,
                subitem=f"子项{i // len(NAMES)}（合成数据）",
                department=departments[i % len(departments)],
                basis=bases[i % len(bases)],
                level="县级",
                process="受理—审查—决定" if i % 7 else "",
                materials="申请书" if i % 5 else "",
                conditions="符合法定条件",
                row=i + 3,
                sheet="合成目录",
            )
        )
    return items


def synthetic_list(n: int = 106) -> list[Item]:
    out = []
    for k in range(n):
        permit = NAMES[k % len(NAMES)]
        name = f"测试事项{k}（非官方）：{permit}"
        text = f"未获得{core_name(permit)}许可，不得从事相关经营（测试用清单，非官方）"
        out.append(
            Item(
                item_no=k + 1,
                name=name,
                code=f"9{k:05d}",
                category=PROHIBITED if k < 6 else PERMITTED,
                measures=(Measure(text),),
            )
        )
    return out


def timed(label: str, fn) -> object:
    t = time.perf_counter()
    out = fn()
    print(f"  {label}: {time.perf_counter() - t:.2f} s")
    return out


def scale(n: int, embedder: str, settings: Settings) -> None:
    items = synthetic_catalogue(n)
    list_items = synthetic_list()
    print(f"\nScale: synthetic catalogue of {n} items, synthetic list of {len(list_items)} items")
    timed("information elements", lambda: check_elements(items))
    timed("legal basis", lambda: check_basis(items))
    dup = timed("duplicates across departments", lambda: check_duplicates(items))
    print(f"    ({len(dup)} duplicate problems)")
    matcher = ListMatcher(settings, embedder=embedder)
    timed(f"load {embedder}", lambda: matcher.embedder)
    problems = timed(
        f"every check with the list ({embedder})",
        lambda: check_catalogue(items, list_items=list_items, matcher=matcher),
    )
    print(f"    ({len(problems)} problems)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS: {rss:.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--embedders", default="fake.v1,use-m.v1")
    args = ap.parse_args()
    settings = Settings()  # the models cache of this checkout (built on first use)
    names = [n.strip() for n in args.embedders.split(",") if n.strip()]
    for name in names:
        calibration(name, settings)
    scale(args.items, names[-1], settings)


if __name__ == "__main__":
    main()
