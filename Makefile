# Two entry points: `make demo` runs the example plan, `make test` runs the suite.
# Each creates its own virtualenv in .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test venv bench clean

$(BIN)/spm: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/spm

venv: $(BIN)/spm

demo: venv
	$(BIN)/spm run plans/examples/ae/plan.spm \
	    --ledger plans/examples/ae/deals.csv \
	    --roster plans/examples/ae/roster.csv \
	    --period 2027-Q1 --out out/ae-2027-Q1 --format json,csv,text

test: venv
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) out .pytest_cache
