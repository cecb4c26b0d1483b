"""screening: offline fair-competition (公平竞争审查) screening of policy documents."""

import os
from importlib.metadata import PackageNotFoundError, version

# After every multi-threaded matrix product, OpenBLAS's worker threads busy-wait 2^28 cycles
# (about 0.1 s) before they sleep. A sweep makes many small products (USE's layers, the
# similarity matrices) between onnxruntime runs, so on a 2-core PC those idle-spinning threads
# took ~20 CPU-seconds of a 1,180-document sweep from e5 and from the PDF parse workers
# (``benchmarks/speed.py --format pdf --workers 2``: main-process CPU 112–113 → 90–96 s, wall
# 86.5 → 76–79 s). 2^4 cycles, OpenBLAS's minimum: they sleep at once. OpenBLAS reads this
# when it loads, i.e. on the first numpy import; worker processes inherit it. A value the
# user set wins, and nothing changes when numpy was imported before this package.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

try:
    __version__ = version("screening")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
