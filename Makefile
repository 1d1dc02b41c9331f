# The two commands a new machine needs: `make serve` and `make test`.
# Both create .venv when missing and install the project and its examples.

PYTHON_BIN ?= python3
VENV := .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EXAMPLES := $(wildcard examples/*/pyproject.toml)
PYTEST_WORKERS ?= 2

.PHONY: install serve test lint format bench clean docs-settings

$(PYTHON):
	$(PYTHON_BIN) -m venv $(VENV)

$(STAMP): $(PYTHON) pyproject.toml $(EXAMPLES)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[dev]' $(foreach ex,$(EXAMPLES),-e $(dir $(ex)))
	touch $(STAMP)

install: $(STAMP)

serve: install
	mkdir -p data
	$(VENV)/bin/strato migrate --ini config.ini
	$(VENV)/bin/pserve config.ini

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: lint
	$(PYTHON) -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile --cov --cov-report=term

bench: install
	$(PYTHON) bench/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache

docs-settings: install
	$(PYTHON) -c "from strato.settings import render_settings_rst as r; open('docs/settings.rst', 'w').write(r() + '\n')"
