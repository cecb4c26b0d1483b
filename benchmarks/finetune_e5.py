"""Fine-tuning e5 on the training side: issue 14's first lever, measured in ``quality.py``.

``quality.py --engines v2,v2ft`` trains the frozen-e5 model (``v2``) and, in the same run, a
model whose e5 was first fine-tuned on the training cases only (``v2ft``); both are scored on
the same held-out spans and regulations. Measured (issue 14): see CHANGELOG. Not shipped: the
gain is within a few test spans, two epochs at 2e-5 lost recall at every false-alarm rate,
and fine-tuning at first use would bring torch back into the default install.

Training pairs (all from the training split; nothing of the test side or of the held-out
regulations is read):

* anchor: an offending span of a training case; positive: the text of a standard it cites
  (its item, else its article), one pair per cited standard (at most two);
* anchor: an item exemplar; positive: the item's own text;
* hard negative for each anchor: a presumed-compliant clause from the training negatives
  (regulation clauses, with the recipe's hard-negative sample when it has one, and policy
  boilerplate) that shares a trigger word with the anchor
  (else a trigger family, else any), so the model learns what the wording around the same
  words does, not the words.

Loss: sentence-transformers' ``MultipleNegativesRankingLoss`` (in-batch negatives plus the hard
negative), in a plain torch loop over the library's own model, ``preprocess`` and loss module:
the library's ``SentenceTransformerTrainer`` needs ``datasets`` and ``accelerate``, two more
dependencies (pyarrow, pandas) for a loop this small. Batches never hold two anchors with the
same positive text (they would be each other's false negatives). Deterministic for a seed
(torch's CPU kernels are deterministic for this model on one machine).

The fine-tuned model only lives in memory for the run: its vectors are cached under their own
key (``e5-small-ft-<digest>``), so they never mix with the frozen model's.
"""

from __future__ import annotations

import copy
import hashlib
import math
import random
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

PROMPT = "query: "


@dataclass(frozen=True)
class FineTune:
    """The fine-tuning schedule (its digest keys the fine-tuned model's vector cache)."""

    epochs: int = 1
    batch_size: int = 16
    lr: float = 1e-5
    warmup: float = 0.1
    max_seq_length: int = 128
    scale: float = 20.0
    seed: int = 0

    def digest(self) -> str:
        return hashlib.sha256(repr(self).encode()).hexdigest()[:8]


def triplets(data: Any, seed: int = 0) -> list[tuple[str, str, str]]:
    """(anchor, positive, hard negative) from a ``learning.train.TrainingData``."""
    from screening.screen.classifier import COMPLIANT
    from screening.screen.labels import article_of, is_item_code
    from screening.screen.lexicon import read_signals

    rng = random.Random(seed)
    standard = {x.id: x.text for x in data.entries if x.kind == "standard"}
    negative = ("negative", "negative_hard", "negative_policy")
    pool = [e.text for e in data.examples if e.source in negative]
    by_word: dict[str, list[int]] = defaultdict(list)
    by_family: dict[str, list[int]] = defaultdict(list)
    for i, text in enumerate(pool):
        s = read_signals(text)
        for h in s.hits:
            by_word[h.text].append(i)
        for f in s.families:
            by_family[f].append(i)

    def hard(anchor: str) -> str:
        s = read_signals(anchor)
        words = sorted({i for h in s.hits for i in by_word.get(h.text, ())})
        if not words:
            words = sorted({i for f in s.families for i in by_family.get(f, ())})
        return pool[rng.choice(words)] if words else pool[rng.randrange(len(pool))]

    out: list[tuple[str, str, str]] = []
    for e in data.examples:
        if e.label == COMPLIANT or not e.codes:
            continue
        items = [c for c in dict.fromkeys(e.codes) if is_item_code(c) and c in standard]
        arts = [
            f"FCR-{a}"
            for a in dict.fromkeys(article_of(c) for c in e.codes)
            if a is not None and f"FCR-{a}" in standard
        ]
        for code in (items or arts)[:2]:
            out.append((e.text, standard[code], hard(e.text)))
    for x in data.entries:
        if x.kind == "exemplar" and x.codes and x.codes[0] in standard:
            out.append((x.text, standard[x.codes[0]], hard(x.text)))
    return out


def batches(rows: Sequence[tuple[str, str, str]], size: int, rng: random.Random) -> list[list]:
    """Shuffled batches in which no positive text repeats (no false in-batch negatives)."""
    order = list(rows)
    rng.shuffle(order)
    out: list[list] = []
    open_: list[tuple[list, set]] = []
    for row in order:
        for batch, seen in open_:
            if row[1] not in seen and len(batch) < size:
                batch.append(row)
                seen.add(row[1])
                break
        else:
            open_.append(([row], {row[1]}))
        full = [b for b in open_ if len(b[0]) == size]
        for b in full:
            out.append(b[0])
            open_.remove(b)
    out.extend(b for b, _ in open_ if len(b) > 1)
    return out


def finetune(base: Any, rows: Sequence[tuple[str, str, str]], cfg: FineTune) -> Any:
    """A fine-tuned copy of the sentence-transformers model ``base`` (left untouched)."""
    import torch
    from sentence_transformers.sentence_transformer.losses import (
        MultipleNegativesRankingLoss,
    )

    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    model = copy.deepcopy(base)
    saved_len = model.max_seq_length
    model.max_seq_length = cfg.max_seq_length
    model.train()
    loss_fn = MultipleNegativesRankingLoss(model, scale=cfg.scale)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.01)
    plan = [batches(rows, cfg.batch_size, rng) for _ in range(cfg.epochs)]
    steps = sum(len(p) for p in plan)
    warm = max(1, int(cfg.warmup * steps))

    def factor(step: int) -> float:
        return step / warm if step < warm else max(0.0, (steps - step) / max(1, steps - warm))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
    t0, step = time.perf_counter(), 0
    for epoch, epoch_batches in enumerate(plan):
        total = 0.0
        for batch in epoch_batches:
            cols = list(zip(*batch, strict=True))
            feats = [model.preprocess([PROMPT + t for t in col]) for col in cols]
            loss = loss_fn(feats, None)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            total += float(loss.detach())
        print(
            f"fine-tune epoch {epoch + 1}/{cfg.epochs}: {len(epoch_batches)} batches, "
            f"mean loss {total / max(1, len(epoch_batches)):.3f}, "
            f"{time.perf_counter() - t0:.0f}s",
            flush=True,
        )
    model.eval()
    model.max_seq_length = saved_len
    return model


def _embedder(model: Any, digest: str, info: dict) -> Any:
    """An ``E5SmallEmbedder`` over the fine-tuned in-memory model: the same encoding (prompt,
    torch, normalisation), its own name and vector-cache key, no cache build."""
    from screening.embed.e5 import E5SmallEmbedder, backend_of

    class FineTunedE5(E5SmallEmbedder):
        name = "e5-small-ft"

        def __init__(self) -> None:  # the model is in memory: nothing to build or load
            self.backend = backend_of("torch")
            self._model = model
            self.cache_key = f"e5-small-ft-{digest}"

        def version_info(self) -> dict:
            return {"name": self.name, "backend": "torch", **info}

    return FineTunedE5()


def build(settings: Any, data: Any, cfg: FineTune = FineTune()) -> Any:
    """Fine-tune the torch reference e5 on ``data``'s triplets; the embedder over the result."""
    from screening.embed.e5 import E5SmallEmbedder

    base = E5SmallEmbedder(settings.models, backend="torch")
    rows = triplets(data, cfg.seed)
    h = hashlib.sha256(cfg.digest().encode())
    for r in rows:
        h.update("\t".join(r).encode() + b"\n")
    digest = h.hexdigest()[:10]
    t0 = time.perf_counter()
    model = finetune(base._model, rows, cfg)
    seconds = time.perf_counter() - t0
    print(f"fine-tuned e5 on {len(rows)} triplets in {seconds:.0f}s ({digest})", flush=True)
    info = {
        "model": "multilingual-e5-small fine-tuned (MNRL, hard negatives) on the training split",
        "triplets": len(rows),
        "settings": repr(cfg),
        "seconds": round(seconds, 1),
        "steps_per_epoch": math.ceil(len(rows) / cfg.batch_size),
    }
    return _embedder(model, digest, info)
