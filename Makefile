# Two commands on a fresh machine with python3 and make: `make reports` and `make test`.
# Each creates .venv when missing and (re)installs the project only when pyproject.toml changed.
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
KERNEL  := botox-market

.PHONY: reports test lab bench setup clean-reports

setup: $(STAMP)

$(PY):
	python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (botox-market)"
	touch $(STAMP)

reports: $(STAMP)
	$(VENV)/bin/botox-market reports

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --allow-root --no-browser --notebook-dir=notebooks

bench: $(STAMP)
	$(PY) -m benchmarks

clean-reports:
	find reports -mindepth 1 ! -name .gitkeep -delete
