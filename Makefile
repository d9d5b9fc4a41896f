# The two commands of the README:
#   make demo   set up, build testdata, and show `dap-threads run` tracing the seed program
#   make test   set up, and run every test suite: pytest, the DebugClient mocha suite, and the
#               editor tests (extension unit tests, VS Code in code-server, the Neovim check)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
NPM_DIRS := tests/debugclient

.PHONY: setup demo test lint test-py test-js test-e2e testdata bench clean

setup: $(VENV)/.installed testdata

# setup.py and the C file: the compiled helper is built by the (editable) install.
$(VENV)/.installed: pyproject.toml setup.py dap_threads/engine/_fastptrace.c
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

testdata:
	$(MAKE) -s -C testdata

demo: setup
	@echo "== dap-threads run: the seed program creates a thread every 300 ms =="
	$(VENV)/bin/dap-threads run -- testdata/build/seed 300 8 500 600

test: lint test-py test-js test-e2e

# Seconds: ruff lints and checks the formatting of all Python; mypy --strict checks dap_threads/.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test-py: setup
	$(PY) -m pytest

test-js: setup
	@for d in $(NPM_DIRS); do \
	  if [ -f $$d/package.json ]; then (cd $$d && npm ci --no-audit --no-fund --loglevel=error && PYTHON=$(CURDIR)/$(PY) npm test) || exit 1; fi; \
	done

# First run on a machine: installs chromium (apt), node 24 and code-server (npm) under
# ~/.cache/dap-threads-e2e, about 2 minutes; then about 1.5 minutes a run.
test-e2e: setup
	PYTHON=$(CURDIR)/$(PY) bash vscode-extension/e2e/run-e2e.sh

bench: setup
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) -m benchmarks

clean:
	$(MAKE) -s -C testdata clean
	rm -rf $(VENV) build dap_threads/engine/_fastptrace*.so
