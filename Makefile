# Two commands do everything on a fresh machine with Python 3.11 and make:
#   make demo   set up .venv and run the main job (writes a report under reports/)
#   make test   set up .venv and run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHARED_CSV := ../shared/data/btc_daily.csv
HASHPIVOT_DATA ?= $(if $(wildcard $(SHARED_CSV)),$(SHARED_CSV),)
export HASHPIVOT_DATA

.PHONY: demo test install clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The main job: every seed treasury policy side by side on the built-in default scenario (no data file needed),
# then, where the chain table is available, the historical hashprice around the 2024 halving.
demo: $(STAMP)
	$(BIN)/hashpivot compare default --out reports/demo
	$(if $(HASHPIVOT_DATA),$(BIN)/hashpivot hashprice --around-halving 4 --before-days 365 --after-days 60 --out reports/hashprice,@echo "no chain table: skipped the hashprice history (set HASHPIVOT_DATA)")

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) reports
