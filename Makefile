# Two commands for learners and lecturers:
#   make lab    set up (first time) and open the course in JupyterLab
#   make test   set up (first time) and run every check: ruff, unit tests, notebooks (nbval)
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8888
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# One BLAS thread per process: the notebooks run two at a time on 2 cores, and two-thread
# OpenBLAS competing for busy cores was measured to run them 2-5x slower.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
# Same OpenBLAS kernels on every x86-64 machine with AVX2, but ONLY for the runs whose outputs
# are compared digit for digit (`make test`, `make nbval`, `make notebooks`). Left to itself
# OpenBLAS picks its kernels by CPU; an AVX-512 machine then rounds differently in the last bit,
# and the chaotic runs of notebook 01 ("Too large" init) print different costs. Measured: stored
# outputs made on an AVX2 machine failed nbval on an AVX-512 one (2 cells) and pass with the pin.
# Learners' kernels (`make lab`, `make app`) and `make bench` keep the machine's own kernels:
# on an AVX-512 machine the AVX2 kernels run numpy's matrix products at about half speed.
CORETYPE := $(shell [ "$$(uname -m)" = x86_64 ] && grep -qw avx2 /proc/cpuinfo 2>/dev/null && echo Haswell)
PIN := $(if $(CORETYPE),OPENBLAS_CORETYPE=$${OPENBLAS_CORETYPE:-$(CORETYPE)})
# The course's own JupyterLab settings (jupyter/lab-settings/overrides.json, not the user's home):
# no "get notified about official Jupyter news?" prompt and no update check (the course runs
# offline); JupyterLab opens on the first notebook.
LAB_FLAGS := --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=notebooks \
	--LabApp.app_settings_dir=$(CURDIR)/jupyter/lab-settings \
	--LabApp.default_url=/lab/tree/00_start_here.ipynb \
	--LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg

.PHONY: lab test lint unit nbval notebooks bench bench-figures slides book app clean help

help:
	@echo "make lab        open the course in JupyterLab (http://127.0.0.1:$(PORT), token auth)"
	@echo "make test       ruff + unit tests + every notebook under nbval"
	@echo "make notebooks  re-execute every notebook in place and strip noise"
	@echo "make slides     build reveal.js decks in build/slides (works offline once built)"
	@echo "make book       build the course website in build/book (stored outputs, works offline)"
	@echo "make app        serve the two interactive apps with Voila on http://127.0.0.1:8866 (token auth)"
	@echo "make bench      measure speed and memory, update the README's table"
	@echo "make bench-figures  time click -> updated figure in JupyterLab per figure mechanism"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Python 3.10+ needed"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab $(LAB_FLAGS) --ServerApp.port=$(PORT) --no-browser $(ROOT_FLAG)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: $(STAMP)
	$(BIN)/python -m pytest tests -q

nbval: $(STAMP)
	$(PIN) $(BIN)/python -m pytest notebooks $(NBVAL) -q -p no:cacheprovider

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PIN) $(BIN)/python -m pytest tests notebooks apps $(NBVAL) -n 2 --dist loadscope -q -p no:cacheprovider

notebooks: $(STAMP)
	$(PIN) $(BIN)/python scripts/execute_notebooks.py notebooks/*.ipynb apps/*.ipynb

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info

bench: $(STAMP)
	$(BIN)/python scripts/bench.py

bench-figures: $(STAMP)
	$(BIN)/python scripts/bench_figures.py
	$(BIN)/python scripts/bench_figures.py --projector

slides: $(STAMP)
	$(BIN)/python scripts/build_slides.py
	@echo "open build/slides/<notebook>.slides.html in a browser; press S for speaker notes"

book: $(STAMP)
	$(BIN)/python scripts/build_book.py

# apps/voila.py locks the server down: token (printed with the URL), local Host headers only,
# at most 4 kernels, idle ones culled after 5 minutes.
app: $(STAMP)
	$(BIN)/voila apps/initialization_apps.ipynb --Voila.config_file_paths=apps --port=8866
