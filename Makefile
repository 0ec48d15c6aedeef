# tapeviz — `make run` opens the terminal UI, `make test` runs the suite.
# Both install whatever is missing first and are quick when nothing is.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test soak snapshots bench assets dot lint clean api

run: $(STAMP) dot
	$(BIN)/tapeviz

test: $(STAMP) dot
	$(BIN)/python -m pytest -q -p no:cacheprovider

soak: $(STAMP) dot
	$(BIN)/python -m pytest -q -p no:cacheprovider -m soak --timeout=3600

# Rewrites the UI's SVG snapshot baselines (tests/ui/__snapshots__/) from the current code:
# run it only after looking at the failing snapshots' pictures and finding the new ones right.
snapshots: $(STAMP) dot
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/ui/test_snapshots*.py --snapshot-update

bench: $(STAMP) dot
	$(BIN)/python bench/run_all.py

# engine/_generated_api.py: the op functions, written from the op registry (after adding an op)
api: $(STAMP)
	$(BIN)/python -m tapeviz.engine.generate

assets: $(STAMP) dot
	$(BIN)/python assets/make_assets.py

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# Re-install only when the project metadata changes.
$(STAMP): pyproject.toml setup.py | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,gif]'
	touch $(STAMP)

# Graphviz's `dot` program: installed through the system package manager when it is
# missing and we may (root, or passwordless sudo, and TAPEVIZ_NO_SYSTEM_INSTALL unset).
dot:
	@sh scripts/ensure-dot.sh

lint: $(STAMP)
	$(BIN)/python -m ruff check tapeviz tests bench

clean:
	rm -rf $(VENV) build *.egg-info
