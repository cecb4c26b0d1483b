"""Build-time and developer tooling of the source checkout (not part of the installed package)."""
