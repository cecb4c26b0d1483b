"""screening: offline fair-competition (公平竞争审查) screening of policy documents."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("screening")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
