"""Writes the fixed evaluation set corpus/eval/{split.v1.json, compliant.v1.jsonl} — once.

The files are committed and must never be regenerated in place: models are compared on them,
and a changed file would make new and old evaluations incomparable. A new sample or rule is a
new version (split.v2.json …) next to the old one. The script refuses to overwrite unless
``--force`` is given (only for the very first build, or to check reproducibility into --out).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the build-time package tools/ lives beside screening/


def main(argv: list[str] | None = None) -> int:
    from screening.corpus import load_cases
    from screening.corpus.store import REGULATION_NEGATIVES_PATH, read_rows
    from screening.learning.evalset import COMPLIANT_FILE, SPEC_FILE, build_spec
    from tools.corpus_build.negatives import sample_compliant_eval

    parser = argparse.ArgumentParser(description="生成固定的评估集（划分与合规样本），只需一次。")
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"), help="shared/ 目录")
    parser.add_argument("--corpus", default=str(ROOT / "corpus"), help="读取案例的知识库目录")
    parser.add_argument("--out", default=None, help="输出目录（默认即 --corpus）")
    parser.add_argument("--force", action="store_true", help="覆盖已有文件")
    args = parser.parse_args(argv)
    out = Path(args.out or args.corpus)
    spec_path, compliant_path = out / SPEC_FILE, out / COMPLIANT_FILE
    if spec_path.exists() and not args.force:
        print(
            f"错误：{spec_path} 已存在；评估集一经发布不得改动（新版本请另建文件）。",
            file=sys.stderr,
        )
        return 1
    compliant_path.parent.mkdir(parents=True, exist_ok=True)
    negatives = Path(args.corpus) / REGULATION_NEGATIVES_PATH
    seen = frozenset(row["text"] for row in read_rows(negatives))
    rows = list(sample_compliant_eval(Path(args.shared), exclude_texts=seen))
    with compliant_path.open("w", encoding="utf-8", newline="\n") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
    spec = build_spec(load_cases(args.corpus), compliant_path)
    spec_path.write_text(
        json.dumps(spec, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    print(
        f"{spec_path}: eval {len(spec['eval_cases'])} cases, train {len(spec['train_cases'])}; "
        f"{compliant_path}: {len(rows)} clauses"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
