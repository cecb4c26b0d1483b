"""The fixed, versioned evaluation set: held-out notified cases and a compliant-text sample.

``corpus/eval/split.v1.json`` is committed and never rewritten. It lists the case ids on each
side of the split (made by :func:`screening.screen.labels.split_cases`: whole notices, linked
duplicates together, ~25 % of the offending-wording spans held out) and names the compliant
sample ``corpus/eval/compliant.v1.jsonl`` (clauses of the 80 % of local regulations that never
enter training) with its SHA-256.

Cases imported later are not in the file. Each is assigned by a rule that looks only at the
case itself and the listed cases, so adding more cases never moves an earlier assignment:

1. a new case linked to listed cases — same notice, same duplicate group, or the same
   offending wording (normalised) — goes to their side (to the evaluation side if it is
   linked to both, so no training case duplicates an evaluation case);
2. otherwise its notice decides: ``sha256("split.v1:" + notice title)`` modulo 100 below
   ``new_case_eval_share`` (25) puts the notice's cases on the evaluation side.

The compliant sample was drawn from the regulations outside the corpus's training share. When
that share grows (a corpus whose ``negatives/`` take more regulations), clauses of the
regulations that now train the model are left out of the sample: what stays is still text no
model has seen, and the file itself is never rewritten.

The *effective* evaluation set (listed + assigned cases, their wording, the compliant sample
as used) has a digest; two evaluations are comparable only when their digests are equal.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..corpus import load_negatives
from ..corpus.schema import Case
from ..errors import ModelError
from ..screen.labels import split_cases, split_key
from .records import Record

SPLIT_VERSION = "split.v1"
SPEC_FILE = Path("eval") / "split.v1.json"
COMPLIANT_FILE = Path("eval") / "compliant.v1.jsonl"
NEW_CASE_EVAL_SHARE = 25  # percent of new notices (by hash) that join the evaluation side
MIN_SPAN = 6  # offending-wording spans shorter than this are not scored (as in training)

RULE = (
    "评估集划分 split.v1：按通报划分，相互关联的重复案例同在一侧，约 25% 的违规原文片段留作评估"
    "（screen.labels.split_cases），案例编号逐一列在 corpus/eval/split.v1.json 中，永不改动。"
    "之后导入的新案例：与已列出案例同一通报、同一重复组或违规原文相同的，随该案例所在一侧"
    '（两侧都有关联时归评估侧）；否则按通报名称的哈希值（sha256("split.v1:"+通报名称) 模 100 '
    "小于 25）决定，已有分配不会因后来的导入而改变。"
    "合规样本：当时未用于训练的 80% 地方性法规中，每篇按哈希固定选取至多 8 条条款"
    "（连同其列举引语），文件及其哈希值固定；知识库改用更多法规训练后（自 hybrid.v6 起为 40%），"
    "其中已用于训练的法规的条款不再计入。"
)


def _norm(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text)


def _bucket(key: str) -> int:
    return int(hashlib.sha256(f"{SPLIT_VERSION}:{key}".encode()).hexdigest()[:8], 16) % 100


def spans_of(case: Case) -> list[str]:
    return [s.strip() for s in case.offending_text if len(s.strip()) >= MIN_SPAN]


@dataclass(frozen=True)
class CompliantClause:
    id: str
    text: str
    leadin: str | None
    source: str


@dataclass(frozen=True)
class SplitInfo(Record):
    """What a model card records about the evaluation set it was measured on."""

    version: str = ""
    digest: str = ""
    rule: str = ""
    train_cases: int | None = None
    eval_cases: int | None = None
    eval_cases_with_text: int | None = None
    # {"eval": [new case ids on the evaluation side], "train": how many joined training}
    new_cases_assigned: dict[str, Any] = field(default_factory=dict)
    compliant_sample: dict[str, Any] = field(default_factory=dict)  # file, sha256, clauses

    @property
    def new_eval_cases(self) -> list[str]:
        return list(self.new_cases_assigned.get("eval") or [])

    @property
    def compliant_clauses(self) -> int | None:
        return self.compliant_sample.get("clauses")


@dataclass
class EvalSet:
    """The effective split for one corpus: both sides, the compliant sample and the digest."""

    version: str
    train: list[Case]
    eval: list[Case]
    compliant: list[CompliantClause]
    compliant_sha256: str
    assigned: dict[str, str] = field(default_factory=dict)  # new case id → "eval" | "train"
    digest: str = ""

    def info(self) -> SplitInfo:
        new_eval = sorted(k for k, v in self.assigned.items() if v == "eval")
        return SplitInfo(
            version=self.version,
            digest=self.digest,
            rule=RULE,
            train_cases=len(self.train),
            eval_cases=len(self.eval),
            eval_cases_with_text=sum(1 for c in self.eval if spans_of(c)),
            new_cases_assigned={"eval": new_eval, "train": len(self.assigned) - len(new_eval)},
            compliant_sample={
                "file": COMPLIANT_FILE.as_posix(),
                "sha256": self.compliant_sha256,
                "clauses": len(self.compliant),
            },
        )


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ids_sha256(ids: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()


def read_compliant(path: Path) -> list[CompliantClause]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            out.append(
                CompliantClause(
                    d["id"], d["text"], d.get("leadin"), d.get("provenance", {}).get("source", "")
                )
            )
        except (ValueError, KeyError, TypeError):
            raise ModelError(
                detail=f"评估用合规样本 {path} 第 {n} 行无法解析。请从版本库恢复该文件。"
            ) from None
    return out


def build_spec(cases: Sequence[Case], compliant_path: Path) -> dict[str, Any]:
    """The content of split.v1.json for ``cases`` (run once, by scripts/build_eval_split.py)."""
    train, test = split_cases(list(cases))
    compliant = read_compliant(compliant_path)
    return {
        "version": SPLIT_VERSION,
        "rule": RULE,
        "new_case_eval_share": NEW_CASE_EVAL_SHARE,
        "eval_cases": sorted(c.id for c in test),
        "train_cases": sorted(c.id for c in train),
        "compliant_sample": {
            "file": COMPLIANT_FILE.as_posix(),
            "sha256": _sha256_file(compliant_path),
            "clauses": len(compliant),
            "ids_sha256": ids_sha256(c.id for c in compliant),
        },
    }


def load_spec(corpus_dir: Path) -> dict[str, Any] | None:
    path = Path(corpus_dir) / SPEC_FILE
    if not path.is_file():
        return None
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(spec["eval_cases"], list) and isinstance(spec["train_cases"], list)
        return spec
    except (ValueError, KeyError, TypeError, AssertionError, UnicodeDecodeError):
        raise ModelError(
            detail=f"评估集划分文件 {path} 已损坏。请从版本库恢复该文件（不要重新生成，"
            "否则新旧模型的评估结果不可比较）。"
        ) from None


def assign_new(
    cases: Sequence[Case], eval_ids: set[str], train_ids: set[str], share: int
) -> dict[str, str]:
    """Sides of the cases not listed in the spec (rule in the module docstring)."""
    listed = [c for c in cases if c.id in eval_ids or c.id in train_ids]
    sides: dict[str, set[str]] = {}
    for c in listed:
        side = "eval" if c.id in eval_ids else "train"
        keys = [f"N:{split_key(c)}", f"G:{c.group_id or c.id}"]
        keys += [f"T:{_norm(s)}" for s in spans_of(c)]
        for k in keys:
            sides.setdefault(k, set()).add(side)
    out = {}
    for c in cases:
        if c.id in eval_ids or c.id in train_ids:
            continue
        keys = [f"N:{split_key(c)}", f"G:{c.group_id or c.id}"]
        keys += [f"T:{_norm(s)}" for s in spans_of(c)]
        linked = set().union(*(sides.get(k, set()) for k in keys))
        if linked:
            out[c.id] = "eval" if "eval" in linked else "train"
        else:
            out[c.id] = "eval" if _bucket(split_key(c)) < share else "train"
    return out


def training_sources(corpus_dir: Path) -> set[str]:
    """The documents (``provenance.source``) whose clauses the corpus trains on as negatives."""
    return {
        src
        for row in load_negatives(corpus_dir)
        if (src := (row.get("provenance") or {}).get("source"))
    }


def load_evalset(corpus_dir: Path, cases: Sequence[Case]) -> EvalSet | None:
    """The effective evaluation set for ``cases``; None when the corpus has no split file."""
    corpus_dir = Path(corpus_dir)
    spec = load_spec(corpus_dir)
    if spec is None:
        return None
    info = spec.get("compliant_sample", {})
    cpath = corpus_dir / info.get("file", COMPLIANT_FILE.as_posix())
    if not cpath.is_file():
        raise ModelError(detail=f"缺少评估用合规样本 {cpath}。请从版本库恢复该文件。")
    sha = _sha256_file(cpath)
    if info.get("sha256") and sha != info["sha256"]:
        raise ModelError(
            detail=f"评估用合规样本 {cpath} 与划分文件记录的哈希值不符（文件被改动过）。"
            "请从版本库恢复该文件；评估集一经发布不得修改，需要新样本时应发布新版本。"
        )
    eval_ids, train_ids = set(spec["eval_cases"]), set(spec["train_cases"])
    assigned = assign_new(
        cases, eval_ids, train_ids, int(spec.get("new_case_eval_share", NEW_CASE_EVAL_SHARE))
    )
    on_eval = eval_ids | {k for k, v in assigned.items() if v == "eval"}
    train = [c for c in cases if c.id not in on_eval]
    test = [c for c in cases if c.id in on_eval]
    sample = read_compliant(cpath)
    trained = training_sources(corpus_dir)
    compliant = [c for c in sample if c.source not in trained]
    h = hashlib.sha256(f"{spec.get('version', SPLIT_VERSION)}\n{sha}\n".encode())
    if len(compliant) < len(sample):  # unchanged digest while the whole sample is used
        h.update(f"compliant:{ids_sha256(c.id for c in compliant)}\n".encode())
    for c in sorted(test, key=lambda c: c.id):
        h.update(json.dumps([c.id, spans_of(c)], ensure_ascii=False).encode())
    return EvalSet(
        version=str(spec.get("version", SPLIT_VERSION)),
        train=train,
        eval=test,
        compliant=compliant,
        compliant_sha256=sha,
        assigned=assigned,
        digest=h.hexdigest()[:16],
    )
