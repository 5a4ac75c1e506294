"""flytekit's own ``Artifact`` with no artifact service, end to end on a local store: real runs record every kind
of value with its partition values, the CLI (as a subprocess) lists, narrows, shows and gets them, and workflow
inputs defaulting to flytekit queries resolve to the newest matching version when the run starts."""

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

import pandas as pd
import pyarrow.parquet as pq
import pytest
from flows import native

from flytekitplugins.artifacts import ArtifactStore
from flytekitplugins.artifacts.backends import IntegrityError
from flytekitplugins.artifacts.errors import ArtifactNotFoundError, ArtifactValueError
from flytekitplugins.artifacts.ops.native_values import stored_literal

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
PYFLYTE = os.path.join(os.path.dirname(sys.executable), "pyflyte")
FLOWS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "flows")


def cli(*args, check=True):
    r = subprocess.run([CLI, *args], capture_output=True, text=True, env=dict(os.environ), timeout=120)
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


def pyflyte_run(*args):
    return subprocess.run([PYFLYTE, "run", "native.py", *args], cwd=FLOWS, capture_output=True, text=True,
                          env=dict(os.environ), timeout=300)


def by_artifact(store, execution_id):
    return {r.artifact: r for r in store.records(execution_id)}


def stored_bytes(store, rec, tmp_path):
    path = tmp_path / f"{rec.artifact}.bytes"
    store.download(rec, str(path))
    return path.read_bytes()


@pytest.fixture
def two_regions():
    """``produce_all`` for SEA (3 rides) then LAX (2 rides): every kind of value, twice."""
    native.produce_all(region="SEA", n=3)
    native.produce_all(region="LAX", n=2)
    store = ArtifactStore()
    lax, sea = [e["execution_id"] for e in store.executions()]  # newest first
    return store, sea, lax


def test_every_kind_is_a_version_with_its_partitions(two_regions, tmp_path):
    store, sea, _ = two_regions
    recs = by_artifact(store, sea)
    assert set(recs) == {"ride_count", "ride_table", "ride_sd", "ride_file", "ride_dir", "ride_total", "pricing",
                         "settings"}
    assert {r.type for r in recs.values()} == {"DATA"}
    assert {a: r.partitions for a, r in recs.items()} == {
        **{a: {"region": "SEA"} for a in ("ride_count", "ride_table", "ride_sd", "ride_file", "ride_dir",
                                          "ride_total")},
        "pricing": {"region": "sea", "tier": "gold"},  # static in the annotation + create_from at run time
        "settings": {},
    }
    kinds = {a: (r.value["kind"], r.file_type) for a, r in recs.items()}
    assert kinds == {"ride_count": ("table", "parquet"), "ride_table": ("table", "parquet"),
                     "ride_sd": ("table", "parquet"), "ride_file": ("file", "csv"), "ride_dir": ("directory", "tar"),
                     "ride_total": ("scalar", "json"), "pricing": ("scalar", "json"), "settings": ("json", "json")}
    assert recs["ride_count"].value["python_type"] == "pandas.DataFrame"
    assert recs["settings"].value["python_type"] == "flows.native.Config"
    assert recs["ride_count"].workflow == "flows.native.produce_all"

    for name in ("ride_count", "ride_table", "ride_sd"):
        table = pq.read_table(io.BytesIO(stored_bytes(store, recs[name], tmp_path)))
        assert table.column("region").to_pylist() == ["SEA"] * 3
        assert table.column("rides").to_pylist() == [0, 1, 2]
    csv = stored_bytes(store, recs["ride_file"], tmp_path).decode()
    assert csv.splitlines() == ["region,rides", "SEA,0", "SEA,1", "SEA,2"]
    with tarfile.open(fileobj=io.BytesIO(stored_bytes(store, recs["ride_dir"], tmp_path))) as tar:
        assert sorted(tar.getnames()) == ["README", "parts/part-0.txt", "parts/part-1.txt", "parts/part-2.txt"]
        assert tar.extractfile("parts/part-2.txt").read() == b"SEA 2\n"
    assert json.loads(stored_bytes(store, recs["ride_total"], tmp_path)) == 3
    assert json.loads(stored_bytes(store, recs["pricing"], tmp_path)) == 4.5
    assert json.loads(stored_bytes(store, recs["settings"], tmp_path)) == {"label": "t0.25", "threshold": 0.25}


def test_the_literal_is_kept_and_checked(two_regions):
    from flyteidl.core import literals_pb2

    store, sea, _ = two_regions
    recs = by_artifact(store, sea)
    total = literals_pb2.Literal.FromString(stored_literal(store, recs["ride_total"]))
    assert total.scalar.primitive.integer == 3
    table = literals_pb2.Literal.FromString(stored_literal(store, recs["ride_count"]))
    assert table.scalar.structured_dataset.metadata.structured_dataset_type.format == "parquet"
    meta = recs["ride_total"].value["literal"]
    assert hashlib.sha256(stored_literal(store, recs["ride_total"])).hexdigest() == meta["sha256"]

    path = os.path.join(store.root, meta["key"])
    with open(path, "ab") as f:
        f.write(b"\x00")
    with pytest.raises(IntegrityError, match="Literal of 'ride_total'.*no longer matches"):
        stored_literal(store, recs["ride_total"])


def test_cli_lists_narrows_shows_and_gets(two_regions, tmp_path):
    store, sea, lax = two_regions
    latest = json.loads(cli("list", "--latest", "--json").stdout)
    assert {r["execution_id"] for r in latest} == {lax}
    assert len(latest) == 8
    rows = json.loads(cli("versions", "ride_count", "-p", "region=SEA", "--json").stdout)
    assert [v["execution_id"] for v in rows] == [sea]
    shown = json.loads(cli("show", "ride_count", "ride_count", "-p", "region=SEA", "--json").stdout)
    assert shown["record"]["execution_id"] == sea
    assert shown["summary"]["kind"] == "table"
    assert [c["name"] for c in shown["summary"]["columns"]] == ["region", "rides"]
    out = tmp_path / "total.json"
    cli("get", "ride_total", "ride_total", "-p", "region=LAX", "-o", str(out))
    assert json.loads(out.read_text()) == 1  # 0 + 1
    table = cli("list", "--latest").stdout
    assert "ride_count" in table and max(len(line) for line in table.splitlines()) <= 80


def test_time_partitions_from_an_input_and_at_run_time():
    native.produce_daily(region="SEA")
    native.produce_daily_at_run_time(region="SEA")
    store = ArtifactStore()
    run_time, from_input = [store.records(e["execution_id"])[0] for e in store.executions()]
    assert from_input.partitions == {"region": "SEA", "ds": "2026-11-30"}
    assert run_time.partitions == {"region": "SEA", "ds": "2026-12-01"}
    assert native.consume_day() == "DataFrame SEA rows=2"  # the query's time_partition picks the older version


def test_a_failed_run_leaves_no_visible_version():
    with pytest.raises(Exception, match="downstream failure after 6"):
        native.produce_then_fail(region="SEA")
    store = ArtifactStore()
    assert store.executions() == []
    (run,) = store.executions(include_all=True)
    assert run["status"] == "failed"
    r = cli("list", "--latest", check=False)
    assert r.returncode == 1 and "no executions yet" in r.stderr


def test_an_unbound_partition_fails_the_task_naming_the_fix():
    with pytest.raises(ArtifactValueError, match=r"partition 'region' of flytekit Artifact 'unbound'.*create_from"):
        native.unbound_partition()
    assert ArtifactStore().executions() == []


@pytest.mark.parametrize("value,problem", [("", "empty value"), ("a\x1bb", "non-printable"), ("x" * 300, "limit")])
def test_a_bad_partition_value_is_refused(value, problem):
    with pytest.raises(ArtifactValueError, match=f"flytekit Artifact 'unbound'.*{problem}"):
        native.bad_partition(region=value)
    assert ArtifactStore().executions() == []


def test_a_second_version_in_one_run_is_refused():
    with pytest.raises(ArtifactValueError, match="'ride_count'.*once per execution"):
        native.produce_twice(region="SEA")
    assert ArtifactStore().executions() == []


# ---- queries as workflow input defaults ------------------------------------------------------------------------


@pytest.fixture
def counts():
    """ride_count for SEA (3 rows), LAX (2), then SEA again (5): the newest SEA has 5 rows."""
    native.produce_counts(region="SEA", n=3)
    native.produce_counts(region="LAX", n=2)
    native.produce_counts(region="SEA", n=5)
    return ArtifactStore()


def test_a_query_default_resolves_the_newest_of_its_partition(counts):
    assert native.consume_sea() == "DataFrame SEA rows=5"
    explicit = pd.DataFrame({"region": ["PDX"], "rides": [9]})
    assert native.consume_sea(df=explicit) == "DataFrame PDX rows=1"  # an explicit value wins


def test_pyflyte_run_resolves_and_an_explicit_value_overrides(counts, tmp_path):
    r = pyflyte_run("consume_sea")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "DataFrame SEA rows=5" in r.stdout
    assert "must be specified when running locally" not in r.stdout + r.stderr
    path = tmp_path / "given.parquet"
    pd.DataFrame({"region": ["YVR", "YVR"], "rides": [1, 2]}).to_parquet(path)
    r = pyflyte_run("consume_sea", "--df", str(path))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "DataFrame YVR rows=2" in r.stdout


def test_every_kind_reaches_the_task_as_its_declared_type(two_regions):
    native.produce_all(region="SEA", n=4)  # the newest SEA now
    assert native.consume_total() == "int 6"
    assert native.consume_file() == ".csv SEA rows=4"
    assert native.consume_dir() == "README parts/part-0.txt parts/part-1.txt parts/part-2.txt parts/part-3.txt"
    assert native.consume_settings() == "Config 0.25 t0.25"
    assert native.consume_pricing() == 4.5  # a partial query: tier only, the newest run's region


def test_no_match_names_the_artifact_the_partitions_asked_and_those_there(counts):
    with pytest.raises(ArtifactNotFoundError) as e:
        native.consume_nowhere()
    text = str(e.value)
    assert "'ride_count'" in text and "region=NOWHERE" in text and "values of region: LAX, SEA" in text
    r = pyflyte_run("consume_nowhere")
    assert r.returncode != 0 and "region=NOWHERE" in r.stdout + r.stderr


def test_an_empty_store_is_a_clear_error():
    with pytest.raises(ArtifactNotFoundError, match=r"\(region=SEA\).*has no version of 'ride_count' at all"):
        native.consume_sea()


def test_damaged_bytes_are_refused_not_served(counts):
    rec = counts.records(counts.executions()[0]["execution_id"])[0]
    with open(rec.uri, "r+b") as f:
        f.seek(10)
        f.write(b"XXXX")
    with pytest.raises(ArtifactValueError, match="'ride_count'/'ride_count'.*no longer match what was recorded"):
        native.consume_sea()


def test_a_tagged_version_is_what_a_tag_query_resolves(counts):
    sea_old = counts.executions()[-1]["execution_id"]  # the 3-row SEA run
    with pytest.raises(ArtifactNotFoundError, match="tag approved"):
        native.consume_approved()
    cli("tag", "ride_count", "approved", "-e", sea_old)
    assert native.consume_approved() == "DataFrame SEA rows=3"


def test_the_plugins_own_query_reads_a_flytekit_version_as_a_file(counts):
    from flytekitplugins.artifacts import DATA, Artifact

    q = Artifact("ride_count", DATA, partition_keys=["region"]).query("ride_count", region="SEA")
    table = pq.read_table(q.download())
    assert table.num_rows == 5 and set(table.column("region").to_pylist()) == {"SEA"}


def test_a_flytekit_query_of_the_plugins_files_lists_them():
    from flows import partitioned
    from flytekit import Artifact as FlytekitArtifact
    from flytekit import workflow

    partitioned.adam(study="MINI01")
    ADaM = FlytekitArtifact(name="ADaM", partition_keys=["study"])

    @workflow
    def wants_adam(df: pd.DataFrame = ADaM.query(study="MINI01")) -> str:
        return native.describe_frame(df=df)

    with pytest.raises(ArtifactNotFoundError, match="flytekit Artifact 'ADaM'.*adsl.csv"):
        wants_adam()


def test_an_unusable_store_fails_the_task_naming_the_root(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    monkeypatch.setenv("FLYTE_ARTIFACTS_ROOT", str(blocker / "store"))
    with pytest.raises(ArtifactValueError, match=r"flytekit Artifact 'ride_total'.*cannot create the folder .*a-file"):
        native.ride_total(region="SEA", n=2)
    assert blocker.read_text() == "not a folder\n"


def test_a_pod_without_a_store_root_fails_before_recording(monkeypatch):
    monkeypatch.delenv("FLYTE_ARTIFACTS_ROOT")
    monkeypatch.setenv("FLYTE_INTERNAL_EXECUTION_ID", "pod-run")
    with pytest.raises(ArtifactValueError, match="FLYTE_ARTIFACTS_ROOT is not set in this pod"):
        native.ride_total(region="SEA", n=2)


def test_a_run_killed_after_recording_leaves_no_visible_version():
    tests = os.path.dirname(FLOWS)
    code = "from flows import native; native.produce_then_killed(region='SEA')"
    proc = subprocess.run([sys.executable, "-c", code], cwd=tests, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": tests})
    assert proc.returncode == -9, proc.stderr
    store = ArtifactStore()
    (run,) = store.executions(include_all=True)
    assert run["status"] == "killed"
    assert [r.artifact for r in store.records(run["execution_id"], include_all=True)] == ["ride_total"]
    assert store.executions() == []
    with pytest.raises(ArtifactNotFoundError):
        native.consume_total()


def test_a_launch_plans_query_default_resolves_locally(counts):
    assert native.report_lax() == "DataFrame LAX rows=2"
    assert native.report_lax(df=pd.DataFrame({"region": ["SEA"], "rides": [1]})) == "DataFrame SEA rows=1"
