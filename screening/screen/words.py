"""Words for the first-stage gate: jieba with the barrier vocabulary and region words.

The gate (``learning.train.make_gate``) reads a clause's character 1–3-grams and, beside them,
its word 1–2-grams from :func:`word_features`. The segmenter is jieba's algorithm and
dictionary as compiled in Rust (rjieba, a binding of jieba-rs): it cuts 26,414 of the 26,415
clauses of 200 local regulations and 13,029 of 13,030 corpus texts exactly as the Python jieba
0.42.1 did, about ten times faster, with its dictionary ready sooner (``benchmarks/segmenter.py``
prints the figures). It segments with its own dictionary plus a user
dictionary built here from the code base's own vocabulary — the literal words of the
lexicon's trigger patterns (注册地, 统计关系, 先征后返 …), the region words (本县, 我市, 区内,
外地 …) and the full province names — so a barrier phrase stays one word however jieba would
have cut it. Measured in ``benchmarks/words.py`` and ``benchmarks/quality.py`` (issue 14).

Versioned as ``screening.versions.WORDS``: a change to the dictionary, to how features are
formed or to the rjieba version changes the gate's input, so bump it.
"""

from __future__ import annotations

import itertools
import re
import threading
from typing import Any

from ..lang.zh.regions import FOREIGN_WORDS, PROVINCES
from .lexicon import TRIGGER_FAMILIES

RJIEBA_VERSION = "0.2.2"  # pinned in pyproject.toml: its dictionary shapes the words
USER_WORD_FREQ = 50_000  # high enough that jieba keeps every user word whole
_LITERAL = re.compile(r"^[\u4e00-\u9fff]{2,8}$")
_ALNUM = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")  # jieba's (finalseg) non-Chinese pieces

_lock = threading.Lock()
_tokenizer: Any = None


def user_words() -> list[str]:
    """The barrier vocabulary and region words, sorted (jieba's user dictionary)."""
    words = set(PROVINCES)
    for _, _, patterns in TRIGGER_FAMILIES:
        for pattern in patterns:
            words.update(w for w in re.split(r"[|()?:]", pattern) if _LITERAL.match(w))
    words.update(w for w in FOREIGN_WORDS.split("|") if _LITERAL.match(w))
    words.update(f"{a}{b}" for a in "本我该当" for b in ("县", "市", "区", "省", "镇", "地"))
    words.update(("辖区", "辖区内", "县内", "市内", "区内", "省内", "园区内", "县域", "市域"))
    return sorted(words)


def tokenizer() -> Any:
    """One segmenter per process with the user dictionary, made on first use (about 0.2 s)."""
    global _tokenizer
    if _tokenizer is not None:  # called once per clause: no lock once it exists
        return _tokenizer
    with _lock:
        if _tokenizer is None:
            import rjieba

            tok = rjieba.Jieba()
            for word in user_words():
                tok.add_word(word, USER_WORD_FREQ, None)
            _tokenizer = tok
        return _tokenizer


def words(text: str) -> list[str]:
    """jieba's words of ``text`` (default mode, HMM on), blanks dropped.

    A run of ASCII characters is split as the Python jieba splits it — letters and digits
    (with a decimal part, a percent sign) apart from what lies between them — where jieba-rs
    keeps ``www.example.com`` whole (``A.1`` or ``10.5%`` both keep whole): 47 of 13,030 corpus
    texts (cases, negatives, policy documents, exemplars, Q&A) cut differently from the Python
    jieba without this, 1 with it (``benchmarks/segmenter.py``)."""
    out = []
    for w in tokenizer().cut(text, hmm=True):
        if not w.strip():
            continue
        if len(w) > 1 and w.isascii():
            out.extend(x for x in _ALNUM.split(w) if x.strip())
        else:
            out.append(w)
    return out


def word_features(text: str) -> list[str]:
    """Word unigrams and bigrams (``"a b"``): the gate's word analyzer."""
    ws = words(text)
    return ws + [f"{a} {b}" for a, b in itertools.pairwise(ws)]
