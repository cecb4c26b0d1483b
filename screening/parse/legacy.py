"""Legacy .doc/.wps: convert to DOCX with LibreOffice (headless, private profile), then parse it."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..config import Settings
from ..errors import ConversionFailedError, ConverterMissingError
from ..types import Document
from . import docx

_LABELS = {"doc": "DOC", "wps": "WPS"}


def find_soffice(settings: Settings) -> str | None:
    """The configured soffice if it exists, else soffice/libreoffice on PATH."""
    if settings.soffice:
        configured = Path(settings.soffice).expanduser()
        if configured.is_file():
            return str(configured)
        return shutil.which(settings.soffice)
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_docx(path: Path, out_dir: Path, settings: Settings, fmt: str) -> Path:
    """Run ``soffice --convert-to docx``; return the produced file."""
    label = _LABELS.get(fmt, fmt.upper())
    soffice = find_soffice(settings)
    if soffice is None:
        raise ConverterMissingError(str(path), fmt=label)
    profile = out_dir / "profile"
    # LibreOffice picks the import filter from the extension; a .wps must keep its name.
    source = out_dir / f"input{path.suffix.lower() or '.' + fmt}"
    shutil.copyfile(path, source)
    cmd = [
        soffice,
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless",
        "--norestore",
        "--nologo",
        "--convert-to",
        "docx:MS Word 2007 XML",
        "--outdir",
        str(out_dir),
        str(source),
    ]
    try:
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # so a timeout can end the whole process group
            env={**os.environ, "HOME": str(out_dir)},
        )
    except OSError as exc:
        raise ConversionFailedError(
            str(path), fmt=label, detail=f"无法启动 LibreOffice：{exc}"
        ) from None
    try:
        _, stderr = proc.communicate(timeout=settings.conversion_timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise ConversionFailedError(
            str(path), fmt=label, detail=f"超过 {settings.conversion_timeout_s:.0f} 秒未完成"
        ) from None
    produced = out_dir / f"{source.stem}.docx"
    if proc.returncode != 0 or not produced.is_file() or produced.stat().st_size == 0:
        tail = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["未生成 DOCX 文件"]
        raise ConversionFailedError(
            str(path), fmt=label, detail=f"退出码 {proc.returncode}，{tail[0][:200]}"
        )
    return produced


def parse(path: Path, sha256: str, settings: Settings, fmt: str = "doc") -> Document:
    with tempfile.TemporaryDirectory(prefix="screening-lo-") as tmp:
        converted = convert_to_docx(path, Path(tmp), settings, fmt)
        doc = docx.parse(converted, sha256, settings, fmt)
    note = f"已通过 LibreOffice 将 {_LABELS.get(fmt, fmt)} 文件转换为 DOCX 后读取。"
    return dataclasses.replace(doc, path=str(path), warnings=(*doc.warnings, note))
