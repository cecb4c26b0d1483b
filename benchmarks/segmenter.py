"""The gate's segmenter (``screen.words``, rjieba) against the Python jieba it replaced.

Both get the same user dictionary (``screen.words.user_words``) and cut, in default mode with
HMM on, blanks dropped:

* the corpus texts the model trains on or votes with — local-regulation and policy-document
  negatives, case texts, item exemplars, Q&A wordings (``corpus/``);
* the clauses of the first ``--limit`` local regulations that ``speed.py`` sweeps (its .txt
  conversions of the shared corpus-samples, segmented as a sweep segments them).

Printed: how many texts each cuts identically (and how many jieba-rs' own cut, before
``screen.words`` re-cuts ASCII runs, would), a few differences, the time to cut them and the
time until each segmenter's dictionary is ready. Needs the Python ``jieba==0.42.1`` (the dev
extra), which the product itself no longer uses.

Usage: python benchmarks/segmenter.py [--shared ../shared] [--limit 200]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from screening.corpus.store import (  # noqa: E402
    HARD_NEGATIVES_PATH,
    REGULATION_NEGATIVES_PATH,
    read_rows,
)

CORPUS_FILES = (
    (REGULATION_NEGATIVES_PATH, ("text",)),
    (HARD_NEGATIVES_PATH, ("text",)),
    ("negatives/policy_docs.jsonl", ("text",)),
    ("cases/cases.jsonl", ("offending_text",)),
    ("standards/exemplars.jsonl", ("text",)),
    ("guidance/samr_qa.jsonl", ("clause_wording",)),
)


def corpus_texts(corpus: Path) -> list[str]:
    texts: list[str] = []
    for name, keys in CORPUS_FILES:
        for row in read_rows(corpus / name):
            for key in keys:
                value = row.get(key)
                texts.extend([value] if isinstance(value, str) else value or [])
    return [t for t in texts if isinstance(t, str) and t.strip()]


def regulation_clauses(shared: Path, limit: int) -> list[str]:
    from speed import files_for  # the .txt regulations speed.py sweeps

    from screening.parse import parse_file
    from screening.segment import segment

    return [c.text for p in files_for(shared, "txt", limit) for c in segment(parse_file(p))]


def python_jieba():
    import logging

    import jieba

    from screening.screen.words import USER_WORD_FREQ, user_words

    logging.getLogger("jieba").setLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    for word in user_words():
        tok.add_word(word, freq=USER_WORD_FREQ)
    tok.initialize()
    return lambda text: [w for w in tok.lcut(text) if w.strip()]


def compare(name: str, texts: list[str], theirs, ours, label: str = "screen.words") -> None:
    t = time.perf_counter()
    a = [theirs(x) for x in texts]
    t_theirs = time.perf_counter() - t
    t = time.perf_counter()
    b = [ours(x) for x in texts]
    t_ours = time.perf_counter() - t
    diff = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    print(
        f"{name}: {len(texts) - len(diff):,} of {len(texts):,} cut identically; "
        f"Python jieba {t_theirs:.2f} s, rjieba ({label}) {t_ours:.2f} s"
    )
    for x, y in diff[:5]:
        only_a = sorted(set(x) - set(y))[:4]
        only_b = sorted(set(y) - set(x))[:4]
        print(f"  jieba only {only_a}  rjieba only {only_b}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--limit", type=int, default=200)
    args = ap.parse_args()

    from screening.config import Settings
    from screening.screen import words

    t = time.perf_counter()
    theirs = python_jieba()
    print(f"Python jieba dictionary ready in {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    words.tokenizer()
    print(f"rjieba dictionary ready in {time.perf_counter() - t:.2f} s")

    def raw(text: str) -> list[str]:
        return [w for w in words.tokenizer().cut(text, hmm=True) if w.strip()]

    texts = corpus_texts(Path(Settings().corpus))
    compare("corpus texts", texts, theirs, words.words)
    compare("corpus texts", texts, theirs, raw, label="its own cut, no ASCII re-cut")
    clauses = regulation_clauses(args.shared, args.limit)
    compare(f"clauses of {args.limit} regulations", clauses, theirs, words.words)


if __name__ == "__main__":
    main()
