# The two commands a newcomer needs: `make lab` and `make test`. Each installs what it needs itself,
# idempotently, into the project venv .venv/.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: lab test lint pytest bench sandbox clean

$(BIN)/python:
	$(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/ruff check runway_nb tests bench
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check runway_nb tests bench

bench: $(STAMP)
	for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

sandbox: $(STAMP)
	$(BIN)/runway-nb sandbox

clean:
	rm -rf $(VENV) dist build *.egg-info test-artifacts
