"""Registered versioned names of the components that shape findings and screening models.

A model records the names it was trained with (its card's ``components``, part of its id);
every finding records them in ``engine``. A model whose names differ from the running code's
is stale and is retrained. Names, not source hashes, decide: reformatting or refactoring a
module changes nothing, so the model stays.

Bump a name (``….v1`` → ``….v2``) whenever the component's *output* changes for some input:
different clause cuts or offsets, other trigger hits or modality, another feature layout, or
another classifier or training recipe. Forgetting to bump leaves a model reading features it
was not trained on; bumping needlessly costs one retrain.
"""

from __future__ import annotations

import hashlib

# screening.segment: where clauses are cut and their offsets (finding ids depend on these)
SEGMENTER = "segmenter.v1"
# screening.screen.lexicon: trigger families, combinations and modality patterns
LEXICON = "lexicon.v1"
# screening.screen.features and .precedents: the feature vector a clause gets
FEATURES = "features.v1"
# screening.screen.words: the gate's words (segmenter and its version, user dictionary, word
# n-grams). words.v2: rjieba (jieba-rs) in place of the Python jieba
WORDS = "words.v2"
# the two-stage cascade, the classifier and the training recipe
# (screening.screen.classifier, screening.screen.engine's stages, screening.learning.train).
# hybrid.v6: the corpus's regulation negatives come from 40 % of the regulations, not 20 %
# hybrid.v7: stage 2a, a classifier without e5 that spares most clauses the e5 embedding
# hybrid.v8: stage 2a's threshold is an observed out-of-fold score (quantile method "lower"),
# so it misses at most CASCADE_MISS of the flagged training barriers (v7 interpolated: 0.73 %)
STRATEGY = "hybrid.v8"

# screening.screen.tender: tender structure, rules and ZB codes. Applied at screening time, not
# learned, so not part of a model's components; a sweep records it beside the model id
# (``screened_with``) so that a new version re-screens unchanged documents once.
TENDER = "tender.v2"
# screening.screen.adjust (with screen.rewards, lang.zh.doctypes.legal_rank): readings that
# scale a score at screening time (a reward's basis, a permit in a 地方性法规, a sanction
# clause); recorded like TENDER. adjust.v3: chapter and section headings (``segment.
# structural_headings``) no longer go on from stage 1, 无须 before a penalty is no duty, and
# within an article the residual item "其他……" ranks after the listed items
# (``screen.explain.code_factors``; the codes' ranking is applied at screening time too).
# adjust.v4: an item or article whose standard names one act (an exit, moving away, a tax
# relief: ``screen.explain.ACT_GATES``) is scaled down when the clause does not speak of it.
# adjust.v5: a reward with a size or growth threshold beside its objective criterion
# (年销售额在1亿元及以上的新药) is not read as objective (``screen.rewards``).
ADJUSTMENTS = "adjust.v5"

COMPONENTS: dict[str, str] = {
    "segmenter": SEGMENTER,
    "lexicon": LEXICON,
    "features": FEATURES,
    "words": WORDS,
    "strategy": STRATEGY,
}


def screened_with(model_id: str) -> str:
    """What a document was screened with, as the ledger records it: model id and the rules
    applied at screening time (tender rules, reward basis)."""
    return f"{model_id}+{TENDER}+{ADJUSTMENTS}"


def components_digest(components: dict[str, str] | None = None) -> str:
    """A short hash of the component names, used in model ids."""
    items = sorted((components or COMPONENTS).items())
    text = "\n".join(f"{k}={v}" for k, v in items)
    return hashlib.sha256(text.encode()).hexdigest()


def differences(recorded: dict[str, str] | None) -> list[str]:
    """What differs between ``recorded`` component names and the running code's (Chinese)."""
    if not recorded:
        return ["模型卡片未记录组件版本"]
    out = []
    for key, name in COMPONENTS.items():
        if recorded.get(key) != name:
            out.append(f"{key}：模型 {recorded.get(key) or '未记录'}，当前 {name}")
    return out
