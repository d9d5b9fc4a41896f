# The two commands of the README:
#   make demo   set up, build testdata, and show `dap-threads run` tracing the seed program
#   make test   set up, and run every test suite: pytest, the DebugClient mocha suite, and the
#               editor tests (extension unit tests, VS Code in code-server, real nvim-dap in Neovim)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
NPM_DIRS := tests/debugclient

.PHONY: setup bytecode demo test system-packages lint test-py test-js test-e2e testdata bench soak clean

setup: $(VENV)/.installed testdata bytecode

# setup.py and the C file: the compiled helper is built by the (editable) install.
$(VENV)/.installed: pyproject.toml setup.py dap_threads/engine/_fastptrace.c
	@echo "== setup: .venv with dap-threads and its test tools, from PyPI (about 1 minute the first time) =="
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

testdata:
	$(MAKE) -s -C testdata

# The editable install imports dap_threads/ from this checkout. Where PYTHONDONTWRITEBYTECODE is set
# (CI images often set it) nothing writes its bytecode, and every adapter a test starts compiled the
# package again: about 230 ms more per start, over the hundreds of adapters the suites start. compileall
# writes it regardless, and skips what is up to date (an edited module is recompiled on import anyway).
bytecode: $(VENV)/.installed
	@$(PY) -m compileall -q dap_threads >/dev/null

demo: setup
	@echo "== dap-threads run: the seed program starts a thread every 300 ms; [dap-threads] marks our lines, the rest is its own =="
	$(VENV)/bin/dap-threads run -- testdata/build/seed 300 8 500 600

test: system-packages lint test-py test-js test-e2e

# The Debian packages the suites use (compilers for the stacks programs, gdb/eu-stack, libc6-dbg,
# Chromium): installed when root, else listed with the tests that will skip without them.
system-packages:
	@bash tests/system-packages.sh

# Seconds: ruff lints and checks the formatting of all Python; mypy --strict checks dap_threads/.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test-py: setup system-packages
	@echo "== pytest: the adapter and the CLI against real programs, with a 20,000-thread storm (4 to 10 minutes on 2 cores, as busy as the machine is) =="
	$(PY) -m pytest

test-js: setup
	@echo "== mocha: the DebugClient suite (npm ci, then about 10 s) =="
	@for d in $(NPM_DIRS); do \
	  if [ -f $$d/package.json ]; then (cd $$d && npm ci --no-audit --no-fund --loglevel=error && PYTHON=$(CURDIR)/$(PY) npm test) || exit 1; fi; \
	done

test-e2e: setup
	@echo "== editor tests: extension unit tests, VS Code (code-server in headless Chromium), nvim-dap in Neovim (about 3 to 5 minutes;" \
	  "the first run on a machine installs Chromium, Node 24 and code-server under ~/.cache/dap-threads-e2e first, 5 to 10 minutes more) =="
	PYTHON=$(CURDIR)/$(PY) bash vscode-extension/e2e/run-e2e.sh

bench: setup
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) -m benchmarks

# Not part of `make test`: one adapter server, a program that never stops making threads, forks and
# execs, and a client attaching, pausing, reading stacks and detaching in a loop (README, Guarantees).
SOAK_SECONDS ?= 600
soak: setup
	@echo "== soak: $(SOAK_SECONDS) s (SOAK_SECONDS=N to change) =="
	SOAK_SECONDS=$(SOAK_SECONDS) $(PY) tests/soak/soak.py

clean:
	$(MAKE) -s -C testdata clean
	rm -rf $(VENV) build dap_threads/engine/_fastptrace*.so
