# Targets are exactly what the README and CI run. Everything installs into .venv/.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHARED ?= ../shared

.PHONY: install demo test lint format samples corpus golden bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## The main job on the bundled sample documents: screen them (the first run trains the model).
demo: install
	$(BIN)/screening scan samples/docs/

## Lint, then the test suite.
test: install
	$(BIN)/ruff check screening tests scripts benchmarks
	$(PY) -m pytest -q

lint: install
	$(BIN)/ruff check screening tests scripts benchmarks
	$(BIN)/ruff format --check screening tests scripts benchmarks

format: install
	$(BIN)/ruff format screening tests scripts benchmarks
	$(BIN)/ruff check --fix screening tests scripts benchmarks

## Rebuild the bundled samples (samples/) from ../shared/corpus-samples.
samples: install
	$(PY) scripts/build_samples.py --shared $(SHARED)

## Rebuild corpus/ from ../shared (the result is committed; review the diff).
corpus: install
	$(PY) scripts/build_corpus.py --shared $(SHARED)

## Regenerate golden files; review the diff like code.
golden: install
	$(PY) scripts/regen_golden.py --shared $(SHARED)

bench: install
	$(PY) benchmarks/parse_bench.py --shared $(SHARED)
	$(PY) benchmarks/embed_bench.py --shared $(SHARED)
	$(PY) benchmarks/quality.py --shared $(SHARED)
	$(PY) benchmarks/speed.py --shared $(SHARED)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
