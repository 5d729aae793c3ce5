# Developer commands. Everything runs from the repo's .venv; DAGSTER_HOME is the gitignored .dagster_home/.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DAGSTER_HOME_DIR := $(CURDIR)/.dagster_home

.PHONY: venv manifest landing-sources run test test-fast bench bench-memory dev docs dashboard clean lint

venv: $(STAMP)

# Reinstall only when the lock file or the project metadata changed.
$(STAMP): requirements.lock requirements-nodeps.lock pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -r requirements-nodeps.lock
	$(BIN)/pip install -q -e . --no-deps
	touch $@

# dbt manifest that @dbt_assets loads (headless runs do not parse on their own in deployment).
manifest: venv
	$(BIN)/dagster-dbt project prepare-and-package --file pipelines/project.py

# dbt's sources file, generated from the landing table descriptions (pipelines/landing_tables.py);
# commit the result (tests/test_landing_tables.py fails while the committed file differs).
landing-sources: venv
	$(BIN)/ogi landing-sources

$(DAGSTER_HOME_DIR)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME_DIR)
	cp dagster.yaml $@

# The demo city (gitignored) is generated once with the default size and seed, next to data/raw
# first and moved in when complete (an interrupted generation leaves no half city behind).
DEMO_CITY := data/raw/demo_city
DEMO_TMP := data/demo_city.tmp

$(DEMO_CITY)/defects.csv: | venv
	rm -rf $(DEMO_TMP)
	$(BIN)/ogi generate --out $(DEMO_TMP)
	rm -rf $(DEMO_CITY)
	mv $(DEMO_TMP) $(DEMO_CITY)

run: venv manifest $(DAGSTER_HOME_DIR)/dagster.yaml $(DEMO_CITY)/defects.csv
	DAGSTER_HOME=$(DAGSTER_HOME_DIR) $(BIN)/ogi run

# Every test: unit, corpus, integration, browser (tests/conftest.py, TEST_KINDS). Two workers, one
# test file per worker at a time (a file's module fixtures build one warehouse); files that share a
# whole run go to one worker, the longest first (tests/conftest.py, SHARED_GROUPS, LONGEST_FIRST).
test: venv manifest
	$(BIN)/pytest -q -n 2 --dist loadfile --no-loadscope-reorder --durations=15

# The inner loop: unit tests only (hand-written inputs in process), under a minute on two cores.
test-fast: venv
	$(BIN)/pytest -q -m unit -n 2

# Parse throughput per format (one core) and peak memory over data/raw.
bench: venv
	$(BIN)/python -m pipelines.bench

# Peak RSS of the parsing step on a ~2,000- and a ~20,000-report generated province, side by side
# (parse results are committed in batches: the goal is within 20%). Kept in build/bench-cities/.
bench-memory: venv
	$(BIN)/python -m pipelines.bench_memory

# A generated province of >= 20,000 reports end to end (the warehouse job of `ogi run`, on a scratch
# folder): seconds per stage, peak RSS of the process tree, extrapolation to 100,000 reports.
# Smaller: make bench-national ARGS="--reports 3000". Provinces are kept in build/bench-cities/.
.PHONY: bench-national
bench-national: venv manifest
	nice -n 10 $(BIN)/python -m pipelines.bench_national $(ARGS)

dev: venv manifest $(DAGSTER_HOME_DIR)/dagster.yaml
	# the OCR pool's limit: the cores (pipelines/resources.py; `ogi run` sets it on its instance too)
	DAGSTER_HOME=$(DAGSTER_HOME_DIR) $(BIN)/dagster instance concurrency set ocr $$(nproc)
	DAGSTER_HOME=$(DAGSTER_HOME_DIR) $(BIN)/dagster dev

# dbt docs of the warehouse (every mart and column described): dbt_project/target/index.html.
docs: venv manifest
	cd dbt_project && OGI_WAREHOUSE=$(CURDIR)/data/warehouse.duckdb ../$(BIN)/dbt docs generate --profiles-dir .
	@echo "open dbt_project/target/index.html, or: cd dbt_project && ../$(BIN)/dbt docs serve --profiles-dir ."

# The offline dashboard of the current warehouse (also rebuilt by every run): data/dashboard/index.html.
dashboard: venv
	$(BIN)/ogi dashboard

clean:
	rm -rf .dagster_home dbt_project/target dbt_project/logs logs .pytest_cache
	rm -f data/warehouse.duckdb data/warehouse.duckdb.wal
	rm -rf data/.work
	rm -rf data/dashboard
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

# Lint: ruff (rules and formatting), mypy (strict where numbers are decided), sqlfluff on the dbt SQL.
lint: venv
	$(BIN)/ruff check pipelines tests
	$(BIN)/ruff format --check pipelines tests
	$(BIN)/mypy
	cd dbt_project && ../$(BIN)/sqlfluff lint models tests
