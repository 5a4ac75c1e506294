"""Recording artifact files of real local runs into the store."""

import glob
import hashlib
import os
import shutil
import subprocess
import sys

import pytest
from flows import core
from flytekit.core.context_manager import FlyteContextManager

from flytekitplugins.artifacts.store.artifact_store import ArtifactStore, Record

# Run against every supported flytekit minor too (make compat).
pytestmark = pytest.mark.compat

FIELDS = {
    "execution_id", "project", "domain", "workflow", "node_id", "task", "output_name", "artifact", "type",
    "filename", "file_type", "uri", "size", "sha256", "created_at", "code_version", "partitions",
}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def only_execution(store):
    runs = store.executions()
    assert len(runs) == 1, runs
    return runs[0]["execution_id"]


def test_training_records_both_annotation_sites():
    out = core.training(text="hello")
    store = ArtifactStore()
    eid = only_execution(store)
    recs = {r.filename: r for r in store.records(eid)}
    assert set(recs) == {"data.csv", "model.pt"}
    data, model = recs["data.csv"], recs["model.pt"]
    assert set(data.as_dict()) == FIELDS
    assert (data.artifact, data.type, data.file_type, data.node_id, data.task, data.output_name) == (
        "My Data", "DATA", "csv", "n0", "flows.core.prep", "o0")
    # The model comes from an unannotated task, declared only by the workflow's return type.
    assert (model.artifact, model.type, model.node_id, model.task, model.output_name) == (
        "My Model", "MODEL", "n1", "flows.core.train", "o0")
    assert data.workflow == model.workflow == "flows.core.training"
    assert data.execution_id == eid and data.project == "local" and data.domain == "local"
    assert data.size == len("col\nhello\n") and data.sha256 == sha("col\nhello\n")
    with open(out) as f:
        model_text = f.read()
    assert model.sha256 == sha(model_text) and model.size == len(model_text)
    # Kept by the store (content-addressed), not pointing at the task's temp file.
    assert model.uri.startswith(store.root) and model.uri.endswith(model.sha256)
    assert model.uri != str(out)


def test_records_survive_deleting_flytekit_temp_folders(tmp_path):
    out = core.training(text="survive")
    store = ArtifactStore()
    rec = store.record(only_execution(store), "My Model", "model.pt")
    # Delete what the run left behind: the task's output folder and flytekit's local sandbox.
    shutil.rmtree(os.path.dirname(str(out)))
    sandbox = FlyteContextManager.current_context().file_access.local_sandbox_dir
    shutil.rmtree(sandbox, ignore_errors=True)
    assert not os.path.exists(str(out))
    dest = tmp_path / "model.pt"
    store.download(rec, str(dest))
    assert dest.read_text() == "model of col\nsurvive\n"


def test_two_runs_never_merge():
    core.training(text="one")
    core.training(text="two")
    store = ArtifactStore()
    runs = store.executions()
    assert len(runs) == 2 and runs[0]["execution_id"] != runs[1]["execution_id"]
    newest, oldest = (store.records(r["execution_id"]) for r in runs)
    assert len(newest) == len(oldest) == 2
    data_new = next(r for r in newest if r.filename == "data.csv")
    assert data_new.sha256 == sha("col\ntwo\n")
    assert store.latest_execution() == runs[0]["execution_id"]


def test_failed_task_leaves_no_record():
    with pytest.raises(Exception, match="boom"):
        core.failing(text="x")
    assert ArtifactStore().executions() == []
    assert not glob.glob(os.path.join(ArtifactStore().root, "executions", "*"))


def test_tuple_outputs_and_name_without_extension():
    core.reports(a="A", b="BB")
    store = ArtifactStore()
    recs = {r.filename: r for r in store.records(only_execution(store))}
    assert set(recs) == {"t_vscat.pdf", "t_ae_rel tfl report"}
    assert recs["t_ae_rel tfl report"].file_type == "pdf" and recs["t_ae_rel tfl report"].size == 2
    assert {r.output_name for r in recs.values()} == {"o0", "o1"}
    assert {r.type for r in recs.values()} == {"REPORT"}


def test_named_tuple_workflow_return():
    core.named_model(text="weights")
    store = ArtifactStore()
    recs = {r.filename: r for r in store.records(only_execution(store))}
    assert set(recs) == {"model.pkl", "classes"}
    assert recs["model.pkl"].output_name == "o0" and recs["classes"].file_type == "txt"
    assert recs["model.pkl"].sha256 == sha("weights")


def test_named_tuple_task_outputs():
    core.named_task_wf(text="w")
    store = ArtifactStore()
    recs = {r.filename: r for r in store.records(only_execution(store))}
    assert set(recs) == {"model.pkl", "classes"}
    assert recs["model.pkl"].output_name == "model" and recs["classes"].output_name == "classes"


def test_identical_bytes_stored_once():
    core.same_bytes_wf(text="identical")
    store = ArtifactStore()
    recs = store.records(only_execution(store))
    assert len(recs) == 2 and recs[0].uri == recs[1].uri
    assert len(glob.glob(os.path.join(store.root, "blobs", "sha256", "*", "*"))) == 1


def test_same_declaration_at_both_sites_is_one_record():
    core.declared_twice(text="d")
    store = ArtifactStore()
    recs = store.records(only_execution(store))
    assert [(r.artifact, r.filename, r.node_id) for r in recs] == [("My Data", "data.csv", "n0")]


def test_subworkflow_records_once_in_one_execution():
    core.parent(text="p")
    store = ArtifactStore()
    recs = store.records(only_execution(store))
    got = sorted((r.workflow, r.filename) for r in recs)
    assert got == [("flows.core.parent", "model.pt"), ("flows.core.sub", "sub.csv")]


def test_dynamic_output_recorded():
    core.with_dynamic(text="dd")
    store = ArtifactStore()
    (rec,) = store.records(only_execution(store))
    assert (rec.filename, rec.task, rec.sha256) == ("dyn.csv", "flows.core.dyn", sha("dd"))


def test_task_run_on_its_own_is_recorded():
    core.prep(text="solo")
    store = ArtifactStore()
    (rec,) = store.records(only_execution(store))
    got = (rec.artifact, rec.filename, rec.task, rec.workflow)
    assert got == ("My Data", "data.csv", "flows.core.prep", "flows.core.prep")
    assert rec.sha256 == sha("col\nsolo\n")


def test_unannotated_workflow_records_nothing(capsys):
    core.reports  # annotated at the task: recorded; a plain task run: not recorded
    core.plain(text="x")
    assert ArtifactStore().executions() == []
    assert "Recorded" not in capsys.readouterr().err  # nothing recorded, nothing said


def test_a_local_run_ends_with_one_line_naming_its_id_and_count(capsys):
    core.training(text="hello")
    eid = only_execution(ArtifactStore())
    err = capsys.readouterr().err
    assert err.count("Recorded ") == 1
    assert f"Recorded 2 artifact files in run {eid} (flyte-artifacts list -e {eid})" in err


def test_record_is_write_once():
    store = ArtifactStore()
    rec = Record("e1", "p", "d", "wf", "n0", "t", "o0", "A", "DATA", "f.csv", "csv", "/x", 1, "a" * 64, "now")
    store.add_record(rec)
    store.add_record(rec)  # a retried recorder: no-op
    with pytest.raises(ValueError, match="write-once"):
        store.add_record(Record(**{**rec.as_dict(), "sha256": "b" * 64}))
    assert store.records("e1") == [rec]


FLOW = """
import tempfile, os
from flytekit import task, workflow
from flytekitplugins.artifacts import Artifact, DATA

D = Artifact("Versioned", DATA)

@task
def make(text: str) -> D.File(name="v.txt"):
    p = os.path.join(tempfile.mkdtemp(), "v.txt")
    open(p, "w").write(text)
    return p

@workflow
def wf(text: str = "hi") -> D.File(name="v.txt"):
    return make(text=text)
"""


def test_pyflyte_run_in_a_git_repo_records_code_version(tmp_path, artifacts_root):
    repo = tmp_path / "proj"
    repo.mkdir()
    (repo / "flow.py").write_text(FLOW)
    git = ["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "flow.py"], check=True)
    subprocess.run([*git, "commit", "-qm", "flow"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    pyflyte = os.path.join(os.path.dirname(sys.executable), "pyflyte")
    env = {**os.environ, "FLYTE_ARTIFACTS_ROOT": artifacts_root}
    r = subprocess.run(
        [pyflyte, "run", "flow.py", "wf", "--text", "from pyflyte"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    store = ArtifactStore()
    (rec,) = store.records(only_execution(store))
    assert rec.code_version == head and rec.sha256 == sha("from pyflyte")
    assert rec.workflow == "flow.wf"
    # The run ends by saying what it recorded and where to look.
    last = r.stderr.strip().splitlines()[-1]
    assert last == f"Recorded 1 artifact file in run {rec.execution_id} (flyte-artifacts list -e {rec.execution_id})"


def test_failed_run_does_not_leak_its_execution_id():
    with pytest.raises(Exception, match="boom"):
        core.failing(text="x")
    core.prep(text="after")
    core.training(text="after")
    runs = ArtifactStore().executions()
    assert len(runs) == 2 and runs[0]["execution_id"] != runs[1]["execution_id"]


def test_artifact_task_inside_a_dynamic_task():
    core.dynamic_inner(text="in dyn", n=1)
    store = ArtifactStore()
    (rec,) = store.records(only_execution(store))
    assert (rec.filename, rec.task, rec.workflow, rec.sha256) == (
        "data.csv",
        "flows.core.prep",
        "flows.core.dyn_calls_prep",
        sha("col\nin dyn\n"),
    )
    # Called twice inside the dynamic: the rule applies there too (a pod compiles the body the same way).
    from flytekitplugins.artifacts import DuplicateArtifactFileError

    with pytest.raises(DuplicateArtifactFileError):
        core.dynamic_inner(text="twice", n=2)


def test_stored_records_and_bytes_are_read_only_and_shareable():
    core.training(text="perm")
    root = ArtifactStore().root
    files = glob.glob(os.path.join(root, "executions", "*", "records", "*", "*.json"))
    files += glob.glob(os.path.join(root, "blobs", "sha256", "*", "*"))
    assert len(files) == 4
    for f in files:
        assert os.stat(f).st_mode & 0o777 == 0o444, f


@pytest.mark.parametrize(
    "artifact, filename", [("..", "x.csv"), (".", "..csv"), ("a%2Fb", "%2E%2E"), ("x" * 255, "é" * 127)]
)
def test_hostile_names_stay_inside_the_store(artifact, filename, tmp_path):
    store = ArtifactStore()
    rec = Record(
        "../../escape", "p", "d", "wf", "n0", "t", "o0", artifact, "DATA", filename, "", "/x", 1, "a" * 64, "now"
    )
    store.add_record(rec)
    assert store.record("../../escape", artifact, filename) == rec
    assert store.records(artifact=artifact) == [rec]
    root = os.path.realpath(store.root)
    written = [os.path.realpath(os.path.join(d, f)) for d, _, fs in os.walk(tmp_path) for f in fs]
    assert written and all(p.startswith(root + os.sep) for p in written)
