# The verbs users say. `make review` is the main job; `make test` proves it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STACKS := dev prod

.PHONY: venv review test lint bench promote clean

$(VENV)/.installed: requirements.txt requirements-dev.txt policies/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

lint: venv
	$(PY) -m ruff check .

test: venv lint
	$(PY) -m pytest

clean:
	rm -rf build .pytest_cache .ruff_cache
