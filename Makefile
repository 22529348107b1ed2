# The two commands of the README, and a few more. Needs only Python >= 3.11 and make.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SCALE  ?= paper
NAME   ?=
RECOMPUTE ?=
JOBS   ?= 2
FLAGS  := $(if $(filter 1 yes true,$(RECOMPUTE)),--recompute,) --jobs $(JOBS)

.PHONY: book test chapter bench env clean

## book: set up .venv, execute every chapter at scale=paper (cached tables reused), build the site
book: $(STAMP)
	$(PY) -m plateaus book --scale paper $(FLAGS)

## test: set up .venv, then run the whole test suite
test: $(STAMP)
	$(PY) -m pytest

## chapter: re-run one chapter, e.g. make chapter NAME=typicality SCALE=extended (add RECOMPUTE=1 to ignore cached tables)
chapter: $(STAMP)
	@test -n "$(NAME)" || { echo "NAME is required, e.g. make chapter NAME=models SCALE=paper (or SCALE=quick, SCALE=extended; $$($(PY) -m plateaus list | head -1))"; exit 2; }
	$(PY) -m plateaus run $(NAME) --scale $(SCALE) $(FLAGS)

## bench: check and time the kernels beside the peer libraries (not part of the tests), e.g.
##        make bench (or make bench SCALE=quick); writes data/benchmarks/<scale>/, which the appendix page reads
bench: $(STAMP)
	$(VENV)/bin/pip install -q -e ".[bench]"
	$(PY) -m benchmarks --scale $(SCALE)

env: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -c "import sys; assert sys.version_info >= (3, 11), \"Python >= 3.11 is required\""
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,dask]"
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (plateaus)"
	touch $(STAMP)

clean:
	rm -rf _build book
