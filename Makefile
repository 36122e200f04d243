# The two commands a new user needs: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint format bench lexicons docs clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: install and show the name pipeline on real names (the web UI arrives with the registry)
run: $(STAMP)
	$(BIN)/zhengming demo

## test: the whole test suite (fast; data-dependent tests skip without ../shared/data)
test: $(STAMP)
	$(BIN)/python -m pytest -q

## lint: ruff, formatting, mypy --strict on src, import-linter layer contracts
lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix src tests bench scripts
	$(BIN)/ruff format src tests bench scripts

## bench: accuracy and speed figures against the peers (needs ../shared/data)
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/parse_accuracy.py

## lexicons: rebuild the shipped lexicons from ../shared/data
lexicons: $(STAMP)
	$(BIN)/python scripts/build_lexicons.py

## docs: regenerate the CLI reference (tests fail when it drifts)
docs: $(STAMP)
	$(BIN)/python scripts/generate_docs.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist
