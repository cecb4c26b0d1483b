"""Build hook: ship the knowledge corpus inside the wheel as ``screening/_corpus``.

The corpus stays at the repository root (``corpus/``, rebuilt by ``make corpus`` and read there
by scripts, tests and a checkout); only the wheel build copies it into the package, so an
installed ``screening`` finds it without a checkout (see ``screening.config.default_corpus_dir``).
Everything else about the package is declared in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
TARGET = Path("screening") / "_corpus"


def corpus_files(root: Path = CORPUS) -> list[str]:
    """The corpus files that go into the wheel, as POSIX paths relative to ``root``."""
    return [
        p.relative_to(root).as_posix()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    ]


class build_py_with_corpus(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads corpus/ in the checkout
        if not CORPUS.is_dir():
            raise SystemExit(f"corpus/ not found beside setup.py ({CORPUS}); cannot build a wheel")
        dest = Path(self.build_lib) / TARGET
        if dest.exists():
            shutil.rmtree(dest)
        for rel in corpus_files():
            out = dest / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(CORPUS / rel, out)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not getattr(self, "editable_mode", False) and CORPUS.is_dir():
            base = Path(self.build_lib) / TARGET
            outputs += [str(base / rel) for rel in corpus_files()]
        return outputs


setup(cmdclass={"build_py": build_py_with_corpus})
