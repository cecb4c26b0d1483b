"""Builds corpus/ from ../shared (thin wrapper around tools.corpus_build.build_corpus)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the build-time package tools/ lives beside screening/

from screening.errors import ScreeningError  # noqa: E402
from tools.corpus_build import build_corpus  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="从 shared/ 资料生成知识库 corpus/。")
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"), help="shared/ 目录")
    parser.add_argument("--out", default=str(ROOT / "corpus"), help="输出目录（默认 corpus/）")
    args = parser.parse_args(argv)
    try:
        manifest = build_corpus(args.shared, args.out)
    except ScreeningError as err:
        print(f"错误：{err}", file=sys.stderr)
        return 1
    print(json.dumps(manifest["counts"], ensure_ascii=False, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
