# The two commands a newcomer needs: `make run` and `make test`. Everything else is for CI.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1
PYTEST_ARGS ?=

.PHONY: run test test-slow e2e translations extract-messages install install-test demo clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "reentry needs Python 3.11 (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Compiled catalogs (.mo) are built from the committed .po files, never committed themselves.
translations: $(VENV)/.installed
	@$(BIN)/pybabel -q compile -d reentry/translations -D messages

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F reentry/translations/babel.cfg -k _l -k lazy_gettext -o reentry/translations/messages.pot --no-location --sort-output --omit-header --ignore-dirs=".* venv .venv" .
	$(BIN)/pybabel update -i reentry/translations/messages.pot -d reentry/translations -D messages --no-fuzzy-matching --ignore-obsolete

run: translations
	$(BIN)/reentry db upgrade
	@if [ ! -f instance/.demo-loaded ]; then $(BIN)/reentry demo && touch instance/.demo-loaded; fi
	@echo
	@echo "reentry is starting on http://$(HOST):$(PORT)"
	@echo "Demo logins (synthetic accounts):"
	@if [ -n "$$REENTRY_DEMO_PASSWORD" ]; then \
	  printf '  %s\n' admin@demo.test manager@demo.test staff@demo.test auditor@demo.test; \
	  echo '  password: the value of REENTRY_DEMO_PASSWORD'; \
	else sed -n 's/^login: /  /p; s/^password: /  password: /p' instance/demo-credentials.txt; fi
	@sed -n 's/^two-step key for /  two-step key (TOTP) for /p' instance/demo-credentials.txt 2>/dev/null || true
	@echo
	$(BIN)/reentry run --host $(HOST) --port $(PORT)

demo: translations
	$(BIN)/reentry db upgrade
	$(BIN)/reentry demo

# The everyday suite: everything but the browser tests and the long ones (.ci/run runs those).
test: install-test translations
	$(BIN)/python -m pytest -q -m "not e2e and not slow" $(PYTEST_ARGS)

test-slow: install-test translations
	$(BIN)/python -m pytest -q -m "slow" $(PYTEST_ARGS)

e2e: install-test translations
	$(BIN)/python -m pytest -q -m e2e $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
