PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo lint browser ceph test-ceph test bench clean

venv: $(STAMP)

# Rebuilt whenever the pins or the package metadata change.
$(STAMP): constraints.txt setup.py
	# A venv whose pip bootstrap failed half way is rebuilt; one retry covers a transient ensurepip failure.
	test -x $(BIN)/pip || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }; }
	$(BIN)/python -m pip install --quiet -c constraints.txt --upgrade pip setuptools wheel
	# Build with the pinned setuptools above instead of an isolated build env fetched anew each time.
	# Not --quiet: the pinned install takes a while on a cold cache, and each package it collects is shown.
	@echo "Installing the pinned dependencies into $(VENV) (constraints.txt)..."
	$(BIN)/python -m pip install --progress-bar on -c constraints.txt --no-build-isolation -e '.[test]'
	touch $(STAMP)

demo: venv
	$(BIN)/python examples/demo.py

# ruff (style, docstrings, complexity) and the layering contracts in .importlinter.
lint: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

# Debian's Chromium for the web page's browser tests; without it (no root, no apt) those tests are skipped.
# Debian's graphviz: its dot lays the lineage graph out (without it the page draws plain columns, and says so).
browser:
	@command -v chromium >/dev/null \
		|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
		|| echo "no chromium: browser tests will be skipped"
	@command -v dot >/dev/null \
		|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz) \
		|| echo "no graphviz: the lineage graph is drawn in plain columns"

# Ceph's RADOS gateway from Debian's packages, for the S3 tests against a real S3 server (make test-ceph).
ceph:
	@command -v radosgw >/dev/null && command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null \
		|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ceph-mon ceph-osd radosgw ceph-common) \
		|| echo "no Ceph packages: the S3 tests against the RADOS gateway will be skipped"

# The S3 tests (and the backend contract) against moto and against a RADOS gateway the tests start.
test-ceph: venv ceph
	ARTIFACTS_TEST_CEPH=1 $(BIN)/python -m pytest -q -n 2 tests/integration/s3 tests/contract

test: venv lint browser
	$(BIN)/python -m pytest -q -n 2 tests

bench: venv
	$(BIN)/python bench/cli.py
	$(BIN)/python bench/registration.py
	$(BIN)/python bench/export.py
	$(BIN)/python bench/ui.py
	$(BIN)/python bench/inspection.py
	$(BIN)/python bench/export_folders.py
	$(BIN)/python bench/query.py
	$(BIN)/python bench/lifecycle.py
	$(BIN)/python bench/compare.py
	$(BIN)/python bench/audit.py
	$(BIN)/python bench/triggers.py
	$(BIN)/python bench/small_files.py
	$(BIN)/python bench/first_recording.py

clean:
	rm -rf $(VENV) .demo *.egg-info
