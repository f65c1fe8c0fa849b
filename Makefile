# The workbook's commands. `make lab` and `make test` are the README's quick start; both set up
# .venv first when it is missing or older than pyproject.toml, and do nothing extra otherwise.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Notebooks to re-execute with `make execute` (default: all of them).
NB ?= $(sort $(wildcard notebooks/[0-9]*.ipynb))

.PHONY: setup lab test test-helpers test-notebooks test-browser execute benchmark clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# JupyterLab refuses to start as root (containers, CI) unless told to.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks --ip=127.0.0.1 $(ALLOW_ROOT)

test: $(STAMP)
	$(BIN)/python -m pytest tests notebooks --nbval --nbval-current-env \
	  --nbval-sanitize-with nbval_sanitize.cfg --nbval-cell-timeout=600

test-helpers: $(STAMP)
	$(BIN)/python -m pytest tests

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest notebooks --nbval --nbval-current-env \
	  --nbval-sanitize-with nbval_sanitize.cfg --nbval-cell-timeout=600

# Browser tests: every notebook run in JupyterLab in headless Chromium (Debian's package).
CHROMIUM ?= /usr/bin/chromium
test-browser: $(STAMP)
	@test -x "$(CHROMIUM)" || { echo "Chromium not found at $(CHROMIUM): install it with 'sudo apt-get install chromium' (Debian/Ubuntu), or run 'make test-browser CHROMIUM=/path/to/chromium'."; exit 1; }
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest browser_tests -p no:cacheprovider

execute: $(STAMP)
	$(BIN)/python scripts/execute_notebooks.py $(NB)

benchmark: $(STAMP)
	$(BIN)/python benchmarks/mnist_epoch_times.py

clean:
	rm -rf $(VENV)
