# `make run` sets up .venv and opens the app; `make test` sets up .venv and runs every check.
# TORCH is what pip installs first, when .venv has no torch yet: the pinned default takes the
# CPU build on the development machines; `make TORCH=torch` lets pip choose (any torch >= 2.2).
PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
PY := $(VENV)/bin/python

TS := $(wildcard resources/i18n/*.ts)
QM := $(TS:.ts=.qm)

.PHONY: install run test lint bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install "$(TORCH)"
	$(PY) -m pip install -e ".[test]"
	touch $@

# compiled translations: built here from the .ts sources, never committed
resources/i18n/%.qm: resources/i18n/%.ts $(VENV)/.installed
	$(VENV)/bin/pyside6-lrelease -silent $< -qm $@

install: $(VENV)/.installed $(QM)

run: install
	$(VENV)/bin/vanishing-point

lint: install
	$(VENV)/bin/ruff check engine desktop_app tests benchmarks
	$(VENV)/bin/lint-imports

test: lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

bench: install
	$(PY) benchmarks/step.py
	$(PY) benchmarks/stack.py
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/ui.py
	$(PY) benchmarks/session.py
	$(PY) benchmarks/sweep.py
	$(PY) benchmarks/recurrent.py --quick
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/soak.py

clean:
	rm -rf $(VENV) build *.egg-info $(QM)
