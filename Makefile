# The workbook's commands. `make lab` and `make test` are the README's quick start; both set up
# .venv first when it is missing or older than pyproject.toml, and do nothing extra otherwise.

# The newest supported Python on this machine (3.13, 3.12 or 3.11), unless PYTHON=... names one.
SUPPORTED := python3.13 python3.12 python3.11 python3
PYTHON ?= $(shell for p in $(SUPPORTED); do $$p -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Parallel test workers (pytest-xdist): one per core by default.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with nbval_sanitize.cfg --nbval-cell-timeout=600
# Notebooks to re-execute with `make execute` (default: all of them).
NB ?= $(sort $(wildcard notebooks/[0-9]*.ipynb))

.PHONY: setup lab lint test test-helpers test-notebooks test-browser execute benchmark student grade benchmark-grading clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { test -n "$(PYTHON)" || { echo "No supported Python (3.11, 3.12 or 3.13) found. Install one, or run 'make PYTHON=/path/to/python3.X ...'."; exit 1; }; $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@# nbgrader is for the instructor's command line (make student, make grade): JupyterLab shows students no nbgrader menus
	$(BIN)/jupyter labextension disable --level=sys_prefix @jupyter/nbgrader >/dev/null
	@touch $(STAMP)

# JupyterLab refuses to start as root (containers, CI) unless told to.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks --ip=127.0.0.1 $(ALLOW_ROOT)

lint: $(STAMP)
	$(BIN)/ruff check .

# Lint, then pytest over helpers and nbval over every notebook, spread over the cores (a notebook stays in one worker).
test: lint
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile tests notebooks $(NBVAL)

test-helpers: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile tests

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile notebooks $(NBVAL)

# Browser tests: every notebook opened in JupyterLab in headless Chromium (Debian's package), its widgets driven;
# one notebook at a time by default, as a student runs it, so that the 1 s redraw limit measures what a student sees
# (BROWSER_JOBS=2 spreads the notebooks over two workers, each with its own JupyterLab and browser: faster, but two
# kernels then share the two cores and redraws take about twice as long).
CHROMIUM ?= /usr/bin/chromium
BROWSER_JOBS ?= 1
test-browser: $(STAMP)
	@test -x "$(CHROMIUM)" || { echo "Chromium not found at $(CHROMIUM): install it with 'sudo apt-get install chromium' (Debian/Ubuntu), or run 'make test-browser CHROMIUM=/path/to/chromium'."; exit 1; }
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest browser_tests -p no:cacheprovider -n $(BROWSER_JOBS) --dist load

execute: $(STAMP)
	$(BIN)/python scripts/execute_notebooks.py $(NB)

benchmark: $(STAMP)
	$(BIN)/python benchmarks/mnist_epoch_times.py

# The student edition (student/, git-ignored): notebooks with exercises and helpers without solutions, by nbgrader.
student: $(STAMP)
	$(BIN)/python -m instructor.student_edition --out student

# Grade a folder of submissions (one sub-folder per student) into $(OUT): grades.csv, feedback/, summary.
# WORKERS=n local Dask workers (default: one per core), or SCHEDULER=tcp://host:8786 for an existing cluster;
# TIMEOUT=seconds per cell (default 600).
OUT ?= grades
grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "Name the folder of submissions: make grade SUBMISSIONS=path/to/folder"; exit 2; }
	$(BIN)/python -m instructor.grade "$(SUBMISSIONS)" --out "$(OUT)" $(if $(WORKERS),--workers $(WORKERS)) \
	  $(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(TIMEOUT),--timeout $(TIMEOUT))

# Time the grader on a synthetic class with 1 and 2 workers (not part of make test).
benchmark-grading: $(STAMP)
	$(BIN)/python benchmarks/grading_times.py

clean:
	rm -rf $(VENV)
