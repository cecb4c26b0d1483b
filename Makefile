# Targets are exactly what the README and CI run. Everything installs into .venv/.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHARED ?= ../shared

.PHONY: install demo test test-model test-fast lint format samples corpus golden bench clean bundle

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## The main job on the bundled sample documents: screen them (the first run trains the model).
## Ends with the one command that opens the review console on the demo ledger; the first run
## adds an administrator "admin" and prints its generated password once.
demo: install
	$(BIN)/screening scan samples/docs/
	@$(BIN)/screening users list --format json | grep -q '"role": "admin"' \
		|| $(BIN)/screening users add admin --role admin < /dev/null
	@echo ""
	@echo "打开审查工作台（网页）：$(BIN)/screening serve"
	@echo "  然后在浏览器中访问 http://127.0.0.1:8000/ ，用户名 admin（密码见上；忘记时运行 $(BIN)/screening users passwd admin）。"

## Lint, formatting, layering contracts, types, then the test suite (what CI runs first),
## except the tests that train the shipped model: those are `make test-model`.
test: install
	$(BIN)/ruff check screening tests scripts benchmarks tools notebooks
	$(BIN)/ruff format --check screening tests scripts benchmarks tools notebooks
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(PY) -m pytest -q -m "not trains" --durations=25

## The real model's golden findings: trains the shipped model from the corpus with the real
## embedders into models/cache/test-suite (about 4 min on 2 cores the first time, then cached).
## CI runs it after `make test`.
test-model: install
	$(PY) -m pytest -q -m trains --durations=5

## The quick lane while working (under a minute once the small test model is cached):
## no real embedding model, no full-corpus runs, no subprocess crash tests.
test-fast: install
	$(PY) -m pytest -q -m "not slow and not model and not soffice" -x

lint: install
	$(BIN)/ruff check screening tests scripts benchmarks tools notebooks
	$(BIN)/ruff format --check screening tests scripts benchmarks tools notebooks

format: install
	$(BIN)/ruff format screening tests scripts benchmarks tools notebooks
	$(BIN)/ruff check --fix screening tests scripts benchmarks tools notebooks

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

## Offline installation bundle for intranet PCs (dist/bundle/): every pinned runtime wheel (CPU
## torch), the project wheel with the corpus, install.sh / install.bat / install.ps1, README.txt.
## BUNDLE_PLATFORM=win_amd64 fetches Windows wheels instead of this machine's.
BUNDLE_DIR ?= dist/bundle
BUNDLE_PLATFORM ?=
bundle: install
	$(PY) scripts/build_bundle.py --out $(BUNDLE_DIR) $(if $(BUNDLE_PLATFORM),--platform $(BUNDLE_PLATFORM))

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
