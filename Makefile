# Rapport. `make run` serves the demo; `make test` runs lint and the whole suite.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

# Django 6 needs Python 3.12+: $PYTHON if set, else the first of python3.13, python3.12,
# python3 that is >= 3.12, else pyenv's newest 3.12+.
PYTHON ?= $(shell for c in python3.13 python3.12 python3; do \
	  p=$$(command -v $$c 2>/dev/null) || continue; \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; exit 0; }; \
	done; \
	root=$$(pyenv root 2>/dev/null); \
	for v in $$(ls -1 $$root/versions 2>/dev/null | sort -rV); do \
	  p=$$root/versions/$$v/bin/python3; \
	  [ -x $$p ] && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; exit 0; }; \
	done)

.PHONY: run test lint fmt bench install install-dev messages clean check-python

check-python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "Rapport needs Python 3.12 or newer (Django 6). Install it, or set PYTHON=/path/to/python3.12." >&2; \
	  exit 1; fi

$(BIN)/python: | check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet -c requirements.lock -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml requirements.lock $(VENV)/.installed
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/rapport migrate
	$(BIN)/rapport demo
	@echo "Rapport is starting on http://127.0.0.1:$(PORT)/  (Ctrl-C stops it)"
	@# A worker beside the web server runs imports and the other background tasks.
	$(BIN)/rapport worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		PORT=$(PORT) $(BIN)/rapport serve

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/rapport manage makemigrations --check --dry-run

fmt: install-dev
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

test: lint
	$(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

bench: install-dev
	$(BIN)/python bench/run.py

messages: install-dev
	cd src/rapport && ../../$(BIN)/rapport manage makemessages -l pl -l nl --no-obsolete --no-location
	cd src/rapport && ../../$(BIN)/rapport manage compilemessages

clean:
	rm -rf $(VENV) var
