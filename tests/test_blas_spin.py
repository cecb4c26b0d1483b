"""OpenBLAS's idle threads sleep at once instead of spinning ~0.1 s after every product.

``screening/__init__.py`` sets ``OPENBLAS_THREAD_TIMEOUT`` before numpy loads OpenBLAS. Each
case runs a fresh interpreter and asks the loaded OpenBLAS itself what it read, through its
exported ``openblas_thread_timeout`` (skipped on a BLAS build without that symbol).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = """
import ctypes, os
import screening
import numpy
from threadpoolctl import threadpool_info

libs = [i for i in threadpool_info() if i.get("internal_api") == "openblas"]
if not libs:
    print("NO-OPENBLAS")
else:
    lib = ctypes.CDLL(libs[0]["filepath"])
    fn = getattr(lib, "openblas_thread_timeout", None)
    print("NO-SYMBOL" if fn is None else f"READ {fn()} ENV {os.environ['OPENBLAS_THREAD_TIMEOUT']}")
"""


@pytest.mark.parametrize(
    ("user_value", "expected"),
    [(None, "READ 4 ENV 4"), ("12", "READ 12 ENV 12")],
    ids=["default", "user-set-wins"],
)
def test_openblas_reads_the_thread_timeout(user_value, expected):
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    if user_value is not None:
        env["OPENBLAS_THREAD_TIMEOUT"] = user_value
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True
    )
    out = done.stdout.strip()
    if out in ("NO-OPENBLAS", "NO-SYMBOL"):
        pytest.skip(f"numpy's BLAS cannot report its thread timeout ({out})")
    assert out == expected
