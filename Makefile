# The two commands a new user needs: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint format bench bench-speed lexicons docs clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $(STAMP)

## run: install, create or upgrade the database, load demo customers (first run only), serve the API
## on http://127.0.0.1:8000 (docs at /docs; the web UI comes later). Stop with Ctrl+C.
run: $(STAMP)
	$(BIN)/zhengming db upgrade
	$(BIN)/zhengming demo
	$(BIN)/zhengming serve

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

## bench: accuracy figures against the peers (needs ../shared/data; a few minutes)
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,spark,bench]'
	$(BIN)/python bench/parse_accuracy.py
	$(BIN)/python bench/dedup_accuracy.py

## bench-speed: 1,000,000 records end to end against Splink (long: tens of minutes)
bench-speed: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,spark,bench]'
	$(BIN)/python bench/dedup_speed.py

## lexicons: rebuild the shipped lexicons from ../shared/data
lexicons: $(STAMP)
	$(BIN)/python scripts/build_lexicons.py

## docs: regenerate the reference pages in docs/reference (tests fail when they drift)
docs: $(STAMP)
	$(BIN)/python scripts/generate_docs.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist
