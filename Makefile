# Quick start: `make demo` plays the whole story offline; `make test` runs the tests.
# Both create the virtual environment in .venv on first use: `make demo` installs what the bot
# needs to run, `make test` and `make lint` add the test tools (pytest, ruff, mypy...).
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
# Kept equal to requires-python in pyproject.toml (tests/test_ci_scripts.py checks).
MIN_PYTHON = 3.11

.PHONY: demo test lint bench clean check-python

# $(call at_least,X.Y): a shell test, true when version X.Y is MIN_PYTHON or later.
at_least = [ "$$(printf '%s\n' $(MIN_PYTHON) $(1) | sort -V | head -n 1)" = $(MIN_PYTHON) ]

# A .venv made by a Python that is too old, or that has since been removed or upgraded, would be
# kept and then fail in obscure ways: say so, and how to start again.
check-python:
	@if [ -d $(VENV) ]; then \
	  found=$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); \
	  made=$$(sed -n 's/^version\(_info\)\{0,1\} *= *\([0-9]*\.[0-9]*\).*/\2/p' $(VENV)/pyvenv.cfg 2>/dev/null | head -n 1); \
	  if [ -z "$$found" ]; then \
	    echo "$(VENV) was made by a Python that no longer runs here: run make clean, then make again." >&2; \
	    exit 1; \
	  elif [ -n "$$made" ] && [ "$$made" != "$$found" ]; then \
	    echo "$(VENV) was made by Python $$made, but its python is now $$found: run make clean, then make again." >&2; \
	    exit 1; \
	  elif ! $(call at_least,$$found); then \
	    echo "$(VENV) was made by Python $$found; this project needs Python $(MIN_PYTHON) or later: run make clean, then make again (PYTHON=python3.X picks another interpreter)." >&2; \
	    exit 1; \
	  fi; \
	else \
	  found=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); \
	  if [ -z "$$found" ] || ! $(call at_least,$$found); then \
	    echo "$(PYTHON) is not Python $(MIN_PYTHON) or later: install one, or name it with PYTHON=python3.X." >&2; \
	    exit 1; \
	  fi; \
	fi

# The runtime only: what `sanctuary-bot` needs (the demo included).
$(BIN)/.runtime: pyproject.toml | check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

# The runtime and the test tools (pytest, ruff, mypy, import-linter).
$(BIN)/.installed: $(BIN)/.runtime | check-python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/.runtime
	$(BIN)/sanctuary-bot demo

test: $(BIN)/.installed
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Benchmarks against the stand-in (a few minutes); BENCH_ARGS="--database-url postgresql://..."
bench: $(BIN)/.installed
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
