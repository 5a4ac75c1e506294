"""Partitions of our own Artifact, end to end: real local runs record them, the store indexes them, the selector,
the CLI (as a subprocess) and lineage narrow by them, and bad declarations fail before anything runs."""

import json
import os
import subprocess
import sys

import pytest
from flows import partitioned
from flytekit import task, workflow

from flytekitplugins.artifacts import DATA, Artifact, ArtifactStore, Inputs
from flytekitplugins.artifacts.errors import ArtifactNotFoundError, ArtifactValueError
from flytekitplugins.artifacts.store.selector import RecordSelector, select_record, select_run

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")


def run(*args, check=True):
    r = subprocess.run([CLI, *args], capture_output=True, text=True, env=dict(os.environ), timeout=120)
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


@pytest.fixture
def three_studies():
    """MINI01 (2 rows), MINI02 (2 rows), then MINI01 again (3 rows): the newest of MINI01 is the third run."""
    partitioned.adam(study="MINI01")
    partitioned.adam(study="MINI02")
    partitioned.adam(study="MINI01", rows=3)
    return ArtifactStore()


def test_records_carry_partition_values_from_the_input(three_studies):
    store = three_studies
    runs = [r["execution_id"] for r in store.executions()]
    assert len(runs) == 3
    got = [store.records(e, artifact="ADaM")[0].partitions for e in runs]
    assert got == [{"study": "MINI01"}, {"study": "MINI02"}, {"study": "MINI01"}]  # newest first


def test_newest_of_a_partition(three_studies, tmp_path):
    store = three_studies
    rec = select_record(store, RecordSelector("ADaM", "adsl.csv", partitions={"study": "MINI02"}))
    assert rec.partitions == {"study": "MINI02"}
    store.download(rec, str(tmp_path / "a.csv"))
    assert open(tmp_path / "a.csv").read().splitlines()[1:] == ["MINI02-0,MINI02", "MINI02-1,MINI02"]
    newest01 = select_record(store, RecordSelector("ADaM", "adsl.csv", partitions={"study": "MINI01"}))
    store.download(newest01, str(tmp_path / "b.csv"))
    assert len(open(tmp_path / "b.csv").read().splitlines()) == 4  # the 3-row run, not the older 2-row one
    assert select_run(store, RecordSelector("ADaM", newest=True, partitions={"study": "MINI02"})) == rec.execution_id


def test_an_execution_outside_the_partition_is_not_found(three_studies):
    store = three_studies
    mini02 = select_record(store, RecordSelector("ADaM", "adsl.csv", partitions={"study": "MINI02"}))
    with pytest.raises(ArtifactNotFoundError, match="partitions study=MINI01"):
        select_record(store, RecordSelector("ADaM", "adsl.csv", execution=mini02.execution_id,
                                            partitions={"study": "MINI01"}))


def test_no_match_names_the_values_and_keys_there_are(three_studies):
    store = three_studies
    with pytest.raises(ArtifactNotFoundError) as e:
        select_record(store, RecordSelector("ADaM", "adsl.csv", partitions={"study": "MINI09"}))
    assert "study=MINI09" in str(e.value) and "values of study: MINI01, MINI02" in str(e.value)
    with pytest.raises(ArtifactNotFoundError) as e:
        select_record(store, RecordSelector("ADaM", "adsl.csv", partitions={"stdy": "MINI01"}))
    assert "no partition key 'stdy'" in str(e.value) and "(its partition keys: study)" in str(e.value)


def test_partitions_through_a_task_input_bound_to_a_workflow_input_and_constants():
    partitioned.site_data(trial="T1", site="A")
    partitioned.site_data(trial="T1", site="B")
    partitioned.fixed()
    store = ArtifactStore()
    rec = select_record(store, RecordSelector("Site Data", "site.csv", partitions={"study": "T1", "site": "A"}))
    assert rec.partitions == {"study": "T1", "site": "A"}
    newest_t1 = select_record(store, RecordSelector("Site Data", "site.csv", partitions={"study": "T1"}))
    assert newest_t1.partitions["site"] == "B"
    fixed = select_record(store, RecordSelector("ADaM", "adae.csv", partitions={"study": "FIXED01"}))
    assert fixed.partitions == {"study": "FIXED01"}


def test_a_value_like_a_path_stays_inside_the_store(artifacts_root, tmp_path):
    partitioned.adam(study="../../escape")
    store = ArtifactStore()
    rec = select_record(store, RecordSelector("ADaM", "adsl.csv", partitions={"study": "../../escape"}))
    assert rec.partitions == {"study": "../../escape"}
    outside = [p for p in os.listdir(tmp_path) if p not in ("artifact-store",)]
    assert "escape" not in outside and not os.path.exists(os.path.join(os.path.dirname(artifacts_root), "escape"))


def test_lineage_names_the_partitions(three_studies):
    r = run("lineage", "ADaM", "adsl.csv", "-p", "study=MINI02", "--json")
    assert json.loads(r.stdout)["file"]["partitions"] == {"study": "MINI02"}


# ---- the CLI ------------------------------------------------------------------------------------------------------


def test_cli_list_versions_get_show_by_partition(three_studies, tmp_path):
    rows = json.loads(run("list", "--artifact", "ADaM", "-p", "study=MINI02", "--json").stdout)
    assert [r["partitions"] for r in rows] == [{"study": "MINI02"}]
    vs = json.loads(run("versions", "ADaM", "--partition", "study=MINI01", "--json").stdout)
    assert len(vs) == 2 and all(v["partitions"] == {"adsl.csv": {"study": "MINI01"}} for v in vs)
    out = tmp_path / "adsl.csv"
    run("get", "ADaM", "adsl.csv", "-p", "study=MINI01", "-o", str(out))
    assert len(out.read_text().splitlines()) == 4
    shown = run("show", "ADaM", "adsl.csv", "-p", "study=MINI02").stdout
    assert "partitions study=MINI02" in shown
    table = run("versions", "ADaM").stdout
    assert "partitions" in table and "study=MINI02" in table
    assert all(len(line) <= 80 for line in table.splitlines())


@pytest.mark.parametrize("args, words", [
    (["get", "ADaM", "adsl.csv", "-p", "stdy=MINI01", "-o", "x"], ["no partition key 'stdy'", "study"]),
    (["versions", "ADaM", "-p", "study=NOPE"], ["study=NOPE", "values of study: MINI01, MINI02"]),
    (["list", "-a", "ADaM", "--latest", "-p", "study=NOPE"], ["study=NOPE", "MINI01, MINI02"]),
])
def test_cli_no_match_is_one_line_with_exit_1(three_studies, tmp_path, args, words):
    r = run(*args, check=False)
    assert r.returncode == 1, r.stdout + r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    for w in words:
        assert w in r.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("value", ["study", "study=", "1x=2", "study=a\x01b"])
def test_cli_bad_partition_option_is_a_usage_error(value):
    r = run("list", "-a", "ADaM", "-p", value, check=False)
    assert r.returncode == 2 and "--partition" in r.stderr, r.stderr


def test_cli_partition_without_an_artifact_is_refused(three_studies):
    r = run("list", "-p", "study=MINI01", check=False)
    assert r.returncode == 1 and "give the artifact too" in r.stderr


# ---- declarations -------------------------------------------------------------------------------------------------


def test_declaration_errors_name_the_key_and_the_keys_there_are():
    a = Artifact("P", DATA, partition_keys=["study"])
    with pytest.raises(ArtifactValueError, match=r"no partition key 'site' \(its partition keys: study\)"):
        a.File(name="x.csv", partitions={"study": "A", "site": "B"})
    with pytest.raises(ArtifactValueError, match="gives no value for partition key"):
        a.File(name="x.csv")
    with pytest.raises(ArtifactValueError, match=r"no partition key 'study' \(its partition keys: none\)"):
        Artifact("Q", DATA).File(name="x.csv", partitions={"study": "A"})


def test_flytekit_inputs_are_refused_in_our_partitions():
    from flytekit.core.artifact import Inputs as FlyteInputs

    a = Artifact("P", DATA, partition_keys=["study"])
    with pytest.raises(ArtifactValueError, match="use flytekitplugins.artifacts.Inputs"):
        a.File(name="x.csv", partitions={"study": FlyteInputs.study})


def test_a_partition_from_another_tasks_output_fails_at_compile_time():
    from flows.files import write

    a = Artifact("P", DATA, partition_keys=["study"])

    @task
    def name_it() -> str:
        return "S"

    @task
    def make(study: str) -> a.File(name="x.csv", partitions={"study": Inputs.study}):
        return write("x.csv", "a\n")

    with pytest.raises(ArtifactValueError, match="binds to another task's output"):
        @workflow
        def wf() -> None:
            make(study=name_it())

        wf()


def test_a_partition_from_a_missing_input_fails_at_compile_time():
    from flows.files import write

    a = Artifact("P", DATA, partition_keys=["study"])

    @task
    def make(trial: str) -> a.File(name="x.csv", partitions={"study": Inputs.study}):
        return write("x.csv", "a\n")

    with pytest.raises(ArtifactValueError, match=r"task has no input 'study' \(its inputs: trial\)"):
        @workflow
        def wf(trial: str) -> None:
            make(trial=trial)

        wf(trial="T")


# ---- tags, export, prune ------------------------------------------------------------------------------------------


def test_tag_and_export_by_partition(three_studies, tmp_path):
    store = three_studies
    mini02 = select_record(store, RecordSelector("ADaM", "adsl.csv", partitions={"study": "MINI02"}))
    tagged = json.loads(run("tag", "ADaM", "approved", "-p", "study=MINI02", "--latest", "--json").stdout)
    assert tagged["execution_id"] == mini02.execution_id
    run("datasets", "create", "adam-mini02", "--uri", str(tmp_path / "ds"))
    snap = json.loads(run("export", "-a", "ADaM", "-p", "study=MINI02", "--latest", "-d", "adam-mini02",
                          "--json").stdout)
    assert snap["execution_id"] == mini02.execution_id
    exported = [os.path.join(d, f) for d, _, fs in os.walk(tmp_path / "ds") for f in fs if f == "adsl.csv"]
    assert len(exported) == 1 and "MINI02-1,MINI02" in open(exported[0]).read()


def test_prune_removes_partition_index_entries_and_the_store_verifies(three_studies):
    from flytekitplugins.artifacts.ops.lifecycle import prune_runs
    from flytekitplugins.artifacts.ops.verify import verify_store

    store = three_studies
    oldest = store.executions()[-1]["execution_id"]  # the first MINI01 run
    out = prune_runs(store, keep_last=2)
    assert [r.where for r in out.removed if r.kind == "run"] == [oldest]
    listed = store.backend.list("index/partitions")
    assert listed and not any(oldest in k for k in listed)
    assert verify_store(store).ok
    vs = json.loads(run("versions", "ADaM", "-p", "study=MINI01", "--json").stdout)
    assert [v["execution_id"] for v in vs] != [] and oldest not in [v["execution_id"] for v in vs]


def test_a_task_run_on_its_own_takes_the_partition_from_its_input():
    partitioned.make_adsl(study="SOLO01", rows=1)
    rec = select_record(ArtifactStore(), RecordSelector("ADaM", "adsl.csv", partitions={"study": "SOLO01"}))
    assert rec.partitions == {"study": "SOLO01"}


# ---- queries ------------------------------------------------------------------------------------------------------


def test_queries_with_partitions_in_a_body_and_as_a_default(three_studies):
    assert partitioned.rows_of_mini02() == 2
    assert partitioned.rows_by_default() == 3  # the newest MINI01 run has 3 rows
    with pytest.raises(ArtifactValueError, match=r"no partition key 'site' \(its partition keys: study\)"):
        partitioned.ADaM.query("adsl.csv", site="A")


def test_a_query_of_a_partition_with_no_version_fails_the_run_naming_what_exists(three_studies):
    q = partitioned.ADaM.query("adsl.csv", study="MINI09")
    with pytest.raises(ArtifactNotFoundError, match="values of study: MINI01, MINI02"):
        q.record()
