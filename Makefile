# Two commands do everything on a fresh machine with Python 3.11 and make:
#   make demo   set up .venv and run the main job (writes a report under reports/)
#   make test   set up .venv and run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHARED_CSV := ../shared/data/btc_daily.csv
# absolute: the dashboard tests start a server in another folder, which must still find it
HASHPIVOT_DATA ?= $(if $(wildcard $(SHARED_CSV)),$(abspath $(SHARED_CSV)),)
export HASHPIVOT_DATA

.PHONY: demo test install clean browser

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m hashpivot.engine.warmup
	touch $(STAMP)

# The main job: every seed treasury policy side by side on the built-in default scenario (no data file needed);
# mining beside a 200 MW AI lease and a GPU cloud (ai_pivot); then, where the chain table is available, the
# historical hashprice around the 2024 halving.
demo: $(STAMP)
	$(BIN)/hashpivot compare default --out reports/demo
	$(BIN)/hashpivot compare ai_pivot --out reports/ai_pivot
	$(if $(HASHPIVOT_DATA),$(BIN)/hashpivot hashprice --around-halving 4 --before-days 365 --after-days 60 --out reports/hashprice,@echo "no chain table: skipped the hashprice history (set HASHPIVOT_DATA)")
	@echo "hashpivot is installed in $(BIN)/: call $(BIN)/hashpivot,"
	@echo "or 'source $(BIN)/activate' for plain 'hashpivot'"

# One pytest worker per core, each taking whole test files (their module fixtures are built once); the suite is
# single-threaded Python for the most part, so two cores take it from about 11 to about 7 minutes.
test: $(STAMP) browser
	$(BIN)/python -m pytest -n auto --dist loadfile

# Debian's Chromium for the dashboard's browser test (tests/test_dashboard_browser.py); never a downloaded
# browser. Without apt-get or root it says why and goes on: the test then skips locally and fails under CI.
CHROMIUM := /usr/bin/chromium
browser:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif ! command -v apt-get >/dev/null 2>&1; then echo "no apt-get: cannot install chromium for the browser test"; \
	elif [ "$$(id -u)" != 0 ]; then echo "not root: cannot apt-get install chromium for the browser test"; \
	else DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
		|| echo "apt-get install chromium failed: the browser test will skip (or fail under CI)"; fi

clean:
	rm -rf $(VENV) reports
