"""Settings: where the ledger, corpus and models live, plus limits; one resolution order.

Order of precedence, highest first: explicit argument (CLI option) → environment variable →
config file → built-in default. The config file is TOML, found at ``--config``/``SCREENING_CONFIG``,
else ``./screening.toml``, else ``~/.config/screening/config.toml``; it may hold any field of
:class:`Settings` under a ``[screening]`` table (or at top level).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE_DIR.parent  # the checkout root when installed in editable mode

ENV = {
    "ledger": "SCREENING_LEDGER",
    "corpus": "SCREENING_CORPUS",
    "models": "SCREENING_MODELS",
    "config": "SCREENING_CONFIG",
}


# An installed wheel carries the corpus as package data here (copied in by setup.py's build_py);
# a checkout has no such folder and uses corpus/ at the repository root.
PACKAGED_CORPUS_DIR = PACKAGE_DIR / "_corpus"
# Written last by a corpus sync in the per-user copy: which packaged corpus it holds.
CORPUS_SYNC_MARKER = ".packaged.json"


def _in_checkout() -> bool:
    return (SOURCE_ROOT / "pyproject.toml").is_file()


def _user_dir(xdg_var: str, posix_default: Path) -> Path:
    """``$<xdg_var>`` if set, else %LOCALAPPDATA% on Windows, else ``posix_default``."""
    base = os.environ.get(xdg_var)
    if not base and os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    return Path(base or posix_default) / "screening"


def user_data_dir() -> Path:
    """Per-user data outside the installed package: XDG_DATA_HOME, %LOCALAPPDATA% or
    ~/.local/share, then ``screening``."""
    return _user_dir("XDG_DATA_HOME", Path.home() / ".local" / "share")


def user_cache_dir() -> Path:
    """Per-user caches: XDG_CACHE_HOME, %LOCALAPPDATA% or ~/.cache, then ``screening``."""
    return _user_dir("XDG_CACHE_HOME", Path.home() / ".cache")


def _packaged_files(packaged: Path) -> dict[str, os.stat_result]:
    return {
        p.relative_to(packaged).as_posix(): p.stat()
        for p in sorted(packaged.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _stamp(files: dict[str, os.stat_result]) -> str:
    """Identifies one installed copy of the packaged corpus (names, sizes, times): an upgrade or
    reinstall changes it, ordinary runs only stat the ~20 files."""
    import hashlib

    h = hashlib.sha256()
    for rel, st in files.items():
        h.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def sync_user_corpus(packaged: Path, target: Path) -> Path:
    """Make ``target`` hold the packaged corpus plus what the user added, and return it.

    The installed package is never written to. Commands that add to the corpus (``screening
    list import`` → ``negative_list/editions/``, ``screening cases import`` →
    ``cases/imported.jsonl``) only create files the package does not ship, so on a first run or
    after an upgrade the shipped files are (re)copied over and files the previous version
    shipped but this one does not are removed; everything else in ``target`` is left alone.
    Each file is replaced atomically and the marker is written last, so two processes syncing
    at once, or a run interrupted half-way, leave a usable corpus and are completed next time.
    """
    import json
    import shutil
    import tempfile

    files = _packaged_files(packaged)
    stamp = _stamp(files)
    marker = target / CORPUS_SYNC_MARKER
    try:
        previous: Any = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        previous = None
    if not isinstance(previous, dict):
        previous = {}
    if previous.get("stamp") == stamp:
        return target
    try:
        target.mkdir(parents=True, exist_ok=True)
        for rel in files:
            dest = target / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".sync-", suffix=".tmp")
            os.close(fd)
            try:
                shutil.copyfile(packaged / rel, tmp)
                os.replace(tmp, dest)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        for rel in previous.get("files", []):
            if isinstance(rel, str) and rel not in files and ".." not in Path(rel).parts:
                (target / rel).unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target, prefix=".sync-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"stamp": stamp, "files": list(files)}, fh, ensure_ascii=False, indent=1)
        os.replace(tmp, marker)
    except OSError as exc:
        raise ConfigError(
            detail=f"无法把随软件附带的知识库复制到 {target}（{exc}）。"
            "请用 --corpus 或环境变量 SCREENING_CORPUS 指定一个可写目录。"
        ) from None
    return target


def default_corpus_dir() -> Path:
    """The knowledge corpus.

    In a checkout: ``corpus/`` at the repository root (``make corpus`` rebuilds it). In an
    installed wheel: a per-user copy of the packaged corpus (``screening/_corpus``) in
    :func:`user_data_dir` ``/corpus``, refreshed after upgrades (:func:`sync_user_corpus`), so
    imports are written there and survive upgrades.
    """
    checkout = SOURCE_ROOT / "corpus"
    if checkout.is_dir() or not PACKAGED_CORPUS_DIR.is_dir():
        return checkout
    return sync_user_corpus(PACKAGED_CORPUS_DIR, user_data_dir() / "corpus")


def default_models_dir() -> Path:
    """A git-ignored cache: ``models/cache`` in a checkout, else the user's cache directory."""
    if _in_checkout() and (SOURCE_ROOT / "models").is_dir():
        return SOURCE_ROOT / "models" / "cache"
    return user_cache_dir() / "models"


def default_ledger_path() -> Path:
    return Path("screening-ledger.db")


@dataclass(frozen=True)
class Settings:
    """Everything a command needs to know about its environment."""

    ledger: Path = field(default_factory=default_ledger_path)
    corpus: Path = field(default_factory=default_corpus_dir)
    models: Path = field(default_factory=default_models_dir)
    max_file_mb: float = 100.0  # files larger than this are refused before parsing
    max_unzipped_mb: float = 500.0  # DOCX/OFD/XLSX whose ZIP would expand beyond this are refused
    soffice: str | None = None  # path to LibreOffice's soffice; found on PATH when None
    conversion_timeout_s: float = 120.0
    operator: str = "审查员"  # default operator name written to the audit trail
    # How long a sweep waits for another program writing to the same ledger before it stops
    # cleanly (what it recorded stays recorded; running it again resumes).
    lock_wait_s: float = 120.0
    # Promotion gate of `screening model retrain`: how far a candidate may fall behind the
    # current model on the fixed evaluation set and still be promoted (absolute differences).
    promote_max_recall_drop: float = 0.02  # evaluation-set case recall
    promote_max_family_drop: float = 0.05  # case recall per standard family …
    promote_family_min_cases: int = 10  # … for families with at least this many eval cases
    promote_max_false_alarm_rise: float = 0.002  # false-alarm rate on the compliant sample
    verify_days: int = 3  # working days allowed for verification (核查时限)
    reply_days: int = 15  # working days allowed to answer a complaint (反馈时限)
    # extra column-name → field mapping for hotline exports, e.g. {"事项描述" = "content"}
    complaint_columns: dict[str, str] = field(default_factory=dict)
    # extra column-name → field mapping for permit catalogues (许可事项目录), e.g.
    # {"行政许可事项" = "name"} (see ``catalogue.importer.FIELDS`` for the field names)
    catalogue_columns: dict[str, str] = field(default_factory=dict)
    # Local names printed in drafts (自查整改报告, 通报, 审查结论 …); while unset the drafts print
    # ××县 / ××〔2026〕×号 placeholders for the reviewer to fill in.
    county: str | None = None  # 行政区名称, e.g. 襄城县
    issuing_office: str | None = (
        None  # 发文机关 of notices and letters, e.g. 襄城县公平竞争审查工作联席会议办公室
    )
    doc_number_prefix: str | None = None  # 发文字号 prefix, e.g. 襄公审办 → 襄公审办〔2026〕×号
    review_office: str | None = None  # 审查机构 named in 书面审查结论, e.g. 襄城县市场监督管理局
    # Folders an administrator may sweep from the console (筛查 → 配置的文件夹), e.g. the shared
    # folders where departments file their documents. Only these, never a path typed in a page.
    sweep_folders: tuple[Path, ...] = ()
    config_file: Path | None = None  # where the file settings came from, if any

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


_PATH_FIELDS = {"ledger", "corpus", "models", "config_file"}
_FLOAT_FIELDS = {
    "max_file_mb",
    "max_unzipped_mb",
    "conversion_timeout_s",
    "lock_wait_s",
    "promote_max_recall_drop",
    "promote_max_family_drop",
    "promote_max_false_alarm_rise",
}
_INT_FIELDS = {"promote_family_min_cases"}
_FIELD_TYPES = {f.name: f for f in dataclasses.fields(Settings)}


def _find_config_file(explicit: str | os.PathLike[str] | None) -> Path | None:
    if explicit:
        p = Path(explicit)
        if not p.is_file():
            raise ConfigError(detail=f"找不到配置文件 {p}。请检查 --config 或 SCREENING_CONFIG。")
        return p
    env = os.environ.get(ENV["config"])
    if env:
        return _find_config_file(env)
    for candidate in (
        Path("screening.toml"),
        Path.home() / ".config" / "screening" / "config.toml",
    ):
        if candidate.is_file():
            return candidate
    return None


# Column maps of the importers (hotline exports, permit catalogues) and an example line of each.
COLUMN_MAP_EXAMPLES = {
    "complaint_columns": '事项描述 = "content"',
    "catalogue_columns": '行政许可事项 = "name"',
}


def _coerce(name: str, value: Any, source: str) -> Any:
    if name in _PATH_FIELDS:
        return Path(str(value)).expanduser()
    if name in {"verify_days", "reply_days"}:
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if number < 1 or str(number) != str(value).strip():
            raise ConfigError(
                detail=f"{source} 中 {name} 应为正整数（工作日数），实际为 {value!r}。"
            )
        return number
    if name in COLUMN_MAP_EXAMPLES:
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise ConfigError(
                detail=f"{source} 中 {name} 应为“列名 = 字段名”的表，"
                f"例如 [screening.{name}] {COLUMN_MAP_EXAMPLES[name]}。"
            )
        return dict(value)
    if name == "sweep_folders":
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ConfigError(
                detail=f"{source} 中 sweep_folders 应为文件夹路径的列表，"
                '例如 sweep_folders = ["D:/规范性文件/县商务局", "D:/规范性文件/县财政局"]。'
            )
        return tuple(Path(v).expanduser() for v in value)
    if name in _FLOAT_FIELDS:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ConfigError(detail=f"{source} 中 {name} 应为数字，实际为 {value!r}。") from None
    if name in _INT_FIELDS:
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError(detail=f"{source} 中 {name} 应为整数，实际为 {value!r}。") from None
    return value if value is None else str(value)


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            detail=f"配置文件 {path} 格式有误（{exc}）。请按 TOML 格式修改。"
        ) from None
    section = data.get("screening", data)
    unknown = sorted(set(section) - set(_FIELD_TYPES) - {"screening"})
    if unknown:
        raise ConfigError(
            detail=f"配置文件 {path} 含有未知配置项：{', '.join(unknown)}。"
            f"可用的配置项：{', '.join(sorted(_FIELD_TYPES))}。"
        )
    return {k: _coerce(k, v, str(path)) for k, v in section.items() if k in _FIELD_TYPES}


def load_settings(
    *,
    config: str | os.PathLike[str] | None = None,
    **overrides: Any,
) -> Settings:
    """Resolve settings; ``overrides`` are CLI values (``None`` means "not given")."""
    values: dict[str, Any] = {}
    cfg_path = _find_config_file(config)
    if cfg_path is not None:
        values.update(_read_file(cfg_path))
        values["config_file"] = cfg_path
    for name, var in ENV.items():
        if name != "config" and os.environ.get(var):
            values[name] = _coerce(name, os.environ[var], var)
    for name, value in overrides.items():
        if name not in _FIELD_TYPES:
            raise TypeError(f"unknown setting {name}")
        if value is not None:
            values[name] = _coerce(name, value, "命令行")
    return Settings(**values)
