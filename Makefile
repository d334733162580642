# The two commands: `make run` (demo on http://127.0.0.1:5000) and `make test` (whole suite).
# Everything a fresh machine needs is installed from here; nothing by hand.

VENV      := .venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.installed-$(shell md5sum pyproject.toml | cut -c1-12)
FLASK     := $(BIN)/flask --app wsgi
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HOST      ?= 127.0.0.1
PORT      ?= 5000

.PHONY: run test test-postgres fuzz install system-deps browser-deps translations bench clean lock lock-check audit

# The background worker (python -m webapp.worker) renders full-report PDFs one at a time and
# sends e-mail beside the web server; the trap stops it when the web server stops.
run: install system-deps translations
	$(FLASK) db upgrade
	IOP_DEMO=1 $(FLASK) seed-demo
	@echo "IOP-rapport: http://$(HOST):$(PORT)  (Ctrl+C stops the web server and the PDF worker)"
	IOP_DEMO=1 $(BIN)/python -m webapp.worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	IOP_DEMO=1 $(FLASK) run --host $(HOST) --port $(PORT)

test: install system-deps browser-deps translations
	$(BIN)/pytest

# The editing state machine with its long profile: many more and longer random sessions than
# the suite's fixed run (tests/integration/test_editing_state_machine.py). Failures it finds are
# kept in .hypothesis/ and tried first next time.
fuzz: install translations
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest tests/integration/test_editing_state_machine.py

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

# WeasyPrint subsets fonts with HarfBuzz when Debian's libharfbuzz-subset0 is there;
# without it, it silently falls back to a Python subsetter 1.22x slower.
system-deps:
	@if ! ldconfig -p | grep -q 'libharfbuzz-subset.so.0'; then \
	  echo "Installing libharfbuzz-subset0 (Debian)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libharfbuzz-subset0 poppler-utils; \
	fi

# Debian's Chromium for the browser tests (Playwright never downloads a browser here),
# and axe-core from the npm registry for the accessibility checks.
browser-deps: node_modules/axe-core/axe.min.js
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Installing chromium (Debian)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; \
	fi

node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

translations: install
	$(BIN)/pybabel compile -d translations -f --statistics 2>&1 | tail -n 1

# requirements.lock pins every package of pyproject.toml (with the test extra) and all they
# pull in, each with the hashes of its files on PyPI. Regenerate it whenever pyproject.toml's
# dependencies change (`make lock-check`, run by .ci/run, says when); existing pins are kept
# (LOCK_ARGS=--upgrade moves every package to its newest allowed version). Only PyPI is asked: this
# machine's own wheel folders and mirrors (pip's config) are left out, so the hashes are PyPI's.
# pip-tools and pip-audit live in a venv of their own inside .venv: none of their dependencies
# mix with the app's.
AUDIT_BIN := $(VENV)/audit-tools/bin

$(AUDIT_BIN)/pip-audit:
	python3 -m venv $(VENV)/audit-tools
	$(AUDIT_BIN)/pip install --quiet 'pip-audit>=2.7,<3' 'pip-tools>=7.4,<8'

lock: $(AUDIT_BIN)/pip-audit
	env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null $(AUDIT_BIN)/pip-compile --quiet $(LOCK_ARGS) \
	  --generate-hashes --allow-unsafe --extra test --strip-extras --no-emit-index-url --no-emit-find-links \
	  --output-file requirements.lock pyproject.toml

lock-check: install
	$(BIN)/python tools/dependency_lock.py check

# Known vulnerabilities in the locked versions. With OSV_DB=<folder or all.zip> (an OSV dump of
# the PyPI ecosystem) it works offline; without, pip-audit asks the OSV service. --strict: a
# package that could not be looked up fails the audit instead of passing unaudited.
audit: $(AUDIT_BIN)/pip-audit
	@if [ -n "$(OSV_DB)" ]; then \
	  $(BIN)/python tools/dependency_lock.py osv "$(OSV_DB)"; \
	else \
	  $(AUDIT_BIN)/pip-audit --strict --require-hashes --no-deps --disable-pip --vulnerability-service osv \
	    --progress-spinner off --timeout 20 -r requirements.lock; \
	fi

bench: install system-deps translations
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache
