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

# Ceph's RADOS gateway from Debian 12's packages, for the S3 tests against a real S3 server; without it (no root,
# no apt) those tests are skipped, saying so, and the suite runs on moto alone.
CEPH_COMMANDS := ceph-mon ceph-osd radosgw radosgw-admin ceph monmaptool
ceph:
	@for c in $(CEPH_COMMANDS); do command -v $$c >/dev/null || exit 1; done \
		|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ceph-mon ceph-osd radosgw ceph-common) \
		|| echo "no Ceph packages (apt-get failed or is absent): the S3 tests against the RADOS gateway will be skipped"

# The S3 suite: the backend contract, tests/integration/s3 (fault proxy included) and the pod-by-pod tests.
S3_SUITE := tests/contract tests/integration/s3 tests/integration/cluster

# The S3 suite against moto and against a RADOS gateway the tests start, in one run.
test-ceph: venv ceph
	ARTIFACTS_TEST_CEPH=1 $(BIN)/python -m pytest -q -n 2 -m s3 $(S3_SUITE)

# The whole suite (S3 tests on moto), then the S3 suite again on one RADOS gateway shared by both workers.
test: venv lint browser ceph
	$(BIN)/python -m pytest -q -n 2 tests
	ARTIFACTS_TEST_CEPH=only $(BIN)/python -m pytest -q -n 2 -rs -m s3 $(S3_SUITE)

# The tests marked compat on each older flytekit minor named in constraints.txt ("# compat X.Y:" lines), in sequence,
# one venv each under .venv-compat/ (kept, rebuilt when its pins or setup.py change); one summary line per minor.
# Built with uv from the main venv (packages linked from its cache). One minor: make compat COMPAT_ARGS="--minor 1.14".
.PHONY: compat
compat: venv
	$(PYTHON) tests/compat/venvs.py --uv $(BIN)/uv $(COMPAT_ARGS)

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
	$(BIN)/python bench/dataset_json.py
	$(BIN)/python bench/triggers.py
	$(BIN)/python bench/small_files.py
	$(BIN)/python bench/first_recording.py
	$(BIN)/python bench/native_query.py

clean:
	rm -rf $(VENV) .demo *.egg-info
