# The two commands a newcomer needs: `make lab` and `make test`. Each installs what it needs itself,
# idempotently, into the project venv .venv/; a second run only checks stamps.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JS_DEPS := js/node_modules/.package-lock.json
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TIMED := scripts/timed.sh
export TIMINGS := $(CURDIR)/test-artifacts/timings.txt

.DEFAULT_GOAL := all
.PHONY: all install js lab test test-steps lint js-test pytest notebooks-test browser-test packaging-test bench sandbox clean

$(BIN)/python:
	$(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Editable install with every extra (.[dev]: test + lab + browser). Its build hook, hatch_build.py,
# runs `npm ci` + `npm run build` in js/ when runway_nb/static/ lacks a fresh bundle.
$(STAMP): pyproject.toml hatch_build.py | $(BIN)/python
	@$(TIMED) pip-install $(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Plain `make`: the venv with everything, and a fresh front-end bundle.
all: install js

$(JS_DEPS): js/package.json js/package-lock.json
	@$(TIMED) npm-ci sh -c 'cd js && npm ci --no-audit --no-fund'
	touch $@

# The widgets' bundle (runway_nb/static/*.js), rebuilt only when js/ changed: the same rule as the wheel's.
js: $(JS_DEPS) | $(BIN)/python
	@$(BIN)/python hatch_build.py

# Debian's Chromium for the browser tests; installed only when missing (never a downloaded browser).
$(CHROMIUM):
	@$(TIMED) apt-chromium sh -c '$(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		$(SUDO) apt-get install -y -q --no-install-recommends chromium'

# JupyterLab on notebooks/ (sandbox by default). Extra server arguments: make lab LAB_ARGS=--port=9999
lab: $(STAMP) js
	scripts/lab.sh $(LAB_ARGS)

# Every check CI runs (.ci/run calls this and nothing else). -k: one failing step does not hide the
# others; each step prints its time and the table comes last.
test:
	@mkdir -p test-artifacts && rm -f $(TIMINGS)
	@$(MAKE) --no-print-directory -k test-steps; rc=$$?; \
		echo "== make test: step times"; cat $(TIMINGS); exit $$rc

test-steps: lint js-test pytest notebooks-test browser-test packaging-test

lint: $(STAMP)
	@$(TIMED) ruff $(BIN)/ruff check runway_nb tests bench scripts notebooks/conftest.py hatch_build.py

js-test: $(JS_DEPS)
	@$(TIMED) js-test sh -c 'cd js && npm test'

pytest: $(STAMP) js
	@$(TIMED) pytest $(BIN)/python -m pytest --ignore=tests/browser --ignore=tests/packaging

# The example notebooks, run top to bottom by nbval against a sandbox (notebooks/conftest.py).
notebooks-test: $(STAMP) js
	@$(TIMED) notebooks-test $(BIN)/python -m pytest --nbval-lax \
		$(addprefix --nbval-sanitize-with ,$(wildcard notebooks/nbval_sanitize.cfg)) notebooks

# JupyterLab / Notebook 7 in Chromium, driven by Playwright; screenshots in test-artifacts/.
browser-test: $(STAMP) js $(CHROMIUM)
	@$(TIMED) browser-test $(BIN)/python -m pytest tests/browser

# Builds the wheel from a clean copy of the tree, installs it with its lab extra into a fresh venv,
# and renders its widgets in that venv's JupyterLab in Chromium.
packaging-test: $(STAMP) $(CHROMIUM)
	@$(TIMED) packaging-test $(BIN)/python -m pytest tests/packaging

bench: $(STAMP)
	for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

sandbox: $(STAMP)
	$(BIN)/runway-nb sandbox

clean:
	rm -rf $(VENV) dist build *.egg-info test-artifacts js/node_modules runway_nb/static/*.js
