# Set-up and everyday commands. `make demo` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The CPU wheel of torch lies on disk on our machines; installing it first keeps pip from
# pulling a multi-GB CUDA build when a dependency asks for torch.
TORCH ?= torch==2.13.0
DEBS := wordnet-base wordnet-sense-index chromium

.PHONY: all install debs demo test lint docs bench clean

all: install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q "$(TORCH)"
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

debs:
	@bash scripts/install-debs.sh $(DEBS)

install: debs $(STAMP)

demo: install
	$(BIN)/semphys demo

# lint and type check first (seconds), then the suite; the suite builds the docs site with --strict and
# executes the notebooks (tests/docs)
test: install lint
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy

docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict -q
	@echo "docs: $(CURDIR)/site/index.html"

bench: install
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) runs site .pytest_cache
