"""Commands that do not screen never import the model stack.

torch and sentence-transformers cost seconds and about a gigabyte; onnxruntime, scikit-learn and
rjieba (the gate's segmenter and its dictionary) less, but still nothing a ledger listing needs.
Each command runs in a fresh interpreter and reports which of these it imported.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("torch", "sentence_transformers", "transformers", "onnxruntime", "sklearn", "rjieba")


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["ledger", "list"],
        ["catalogue", "list"],
        ["list", "editions"],
        ["users", "list"],
        ["standards", "list"],
    ],
    ids=lambda a: " ".join(a),
)
def test_commands_that_do_not_screen_import_no_model_stack(tmp_path, args):
    code = (
        "import sys\n"
        "from screening.cli import main\n"
        "try:\n"
        f"    main(['--ledger', {str(tmp_path / 'l.db')!r}, *{args!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print('HEAVY', sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "HEAVY []" in done.stderr, done.stderr[-2000:]
