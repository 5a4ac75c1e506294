"""Domino Flows' names (``flytekitplugins.artifacts.domino``): the seed's flows, copied with only their import lines
changed (``examples/domino/``), run for real and record the artifacts the seed describes; argument shapes and
errors of ``DominoJobTask``, ``DominoJobConfig`` and ``run_domino_job_task``; Domino's ``/workflow`` paths.
"""

import importlib
import json
import os
import subprocess
import sys
import warnings
from typing import TypeVar

import pytest
from example_checks import MEASUREMENTS, SEED_TRAINING, check_seed_content
from flytekit import workflow
from flytekit.types.file import FlyteFile
from repo_paths import EXAMPLES, REPO

from flytekitplugins.artifacts import ArtifactStore, ArtifactTypeError, ArtifactValueError, DuplicateArtifactFileError
from flytekitplugins.artifacts.domino import paths
from flytekitplugins.artifacts.domino.artifact import DATA, REPORT, Artifact
from flytekitplugins.artifacts.domino.helpers import Input, Output, run_domino_job_task
from flytekitplugins.artifacts.domino.task import DominoJobConfig, DominoJobConfigError, DominoJobTask
from flytekitplugins.artifacts.flyte.command import CommandFailedError

FLOWS = os.path.join(EXAMPLES, "domino")
BIN = os.path.dirname(sys.executable)
SEED_DATASET = "681d3030ae3a706ef9c7f08b"  # the dataset id the seed's export flow names

# module -> (workflow, inputs, {(artifact, type, filename): (node_id, output_name, file_type)})
SEED_FLOWS = {
    "training": ("training_workflow", {"data_path": MEASUREMENTS}, SEED_TRAINING),
    "export_to_dataset": ("training_workflow", {"data_path": MEASUREMENTS}, SEED_TRAINING),
    "data_single": ("single_adam", {}, {("adae", "DATA", "adae.sas7bdat"): ("n0", "adae", "sas7bdat")}),
    "data_multiple": (
        "multiple_adam",
        {},
        {
            ("adam", "DATA", "adae.sas7bdat"): ("n0", "adae", "sas7bdat"),
            ("adam", "DATA", "advs.sas7bdat"): ("n0", "advs", "sas7bdat"),
            ("adam", "DATA", "adsl dataset"): ("n1", "adsl", "sas7bdat"),
        },
    ),
    "model_single": ("single_model", {}, {("My Model", "MODEL", "model.pkl"): ("n0", "my_model", "pkl")}),
    "model_multiple": (
        "multiple_model",
        {},
        {
            ("My Model", "MODEL", "model.pkl"): ("n0", "my_model", "pkl"),
            ("My Model", "MODEL", "classes"): ("n0", "my_classes", "txt"),
        },
    ),
    "report_single": ("single_report", {}, {("TFL Report", "REPORT", "t_vscat.pdf"): ("n0", "t_vscat", "pdf")}),
    "report_multiple": (
        "multiple_report",
        {},
        {
            ("TFL Reports", "REPORT", "t_vscat.pdf"): ("n0", "t_vscat", "pdf"),
            ("TFL Reports", "REPORT", "t_ae_rel tfl report"): ("n1", "t_ae_rel", "pdf"),
        },
    ),
}


def flow(module):
    if REPO not in sys.path:
        sys.path.insert(0, REPO)
    return importlib.import_module(f"examples.domino.{module}")


def records(root=None):
    store = ArtifactStore(root)
    return {(r.artifact, r.type, r.filename): r for r in store.records(store.latest_execution())}


def check_records(module, recs):
    wf_name, _, expected = SEED_FLOWS[module]
    assert set(recs) == set(expected)
    for key, (node_id, output, file_type) in expected.items():
        r = recs[key]
        assert (r.node_id, r.output_name, r.file_type) == (node_id, output, file_type), key
        assert r.workflow == f"examples.domino.{module}.{wf_name}"
        check_seed_content(key, r.uri)


def datasets_cli(*args):
    proc = subprocess.run([os.path.join(BIN, "flyte-artifacts"), "datasets", *args, "--json"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


# ---- the seed's flows ------------------------------------------------------------------------------------------


def test_every_seed_flow_is_here():
    def is_flow(f):
        with open(os.path.join(FLOWS, f)) as fh:
            return "@workflow" in fh.read()

    found = {f[:-3] for f in os.listdir(FLOWS) if f.endswith(".py") and is_flow(f)}
    assert found == set(SEED_FLOWS) | {"duplicate_filename"}


@pytest.mark.parametrize("module", sorted(m for m in SEED_FLOWS if m != "export_to_dataset"))
def test_seed_flow_runs_and_records_its_artifacts(module, workflow_dir):
    wf_name, inputs, _ = SEED_FLOWS[module]
    getattr(flow(module), wf_name)(**inputs)
    check_records(module, records())
    assert os.listdir(workflow_dir) == []  # the links are gone once each command has run


def test_seed_export_flow_adds_a_snapshot_of_the_dataset(workflow_dir, tmp_path, monkeypatch):
    # The flow names a Domino dataset by its id: the dataset keeps that id when it is created here.
    made = datasets_cli("create", "training-data", "--uri", str(tmp_path / "dataset"), "--id", SEED_DATASET)
    assert made["id"] == SEED_DATASET
    flow("export_to_dataset").training_workflow(data_path=MEASUREMENTS)
    recs = records()
    check_records("export_to_dataset", recs)
    (snap,) = datasets_cli("snapshots", SEED_DATASET)
    assert snap["number"] == 1
    files = {f["path"]: f for f in datasets_cli("show", SEED_DATASET)["files"]}
    assert set(files) == {"data.csv"}
    assert files["data.csv"]["sha256"] == recs[("My Data", "DATA", "data.csv")].sha256


def test_seed_duplicate_filename_flow_fails_to_compile(workflow_dir, artifacts_root):
    wf = flow("duplicate_filename").training_workflow
    with pytest.raises(DuplicateArtifactFileError) as e:
        wf.compile()
    text = str(e.value)
    assert "artifact 'My Data' gets file 'data.csv' twice" in text and "output 'raw_data'" in text
    with pytest.raises(DuplicateArtifactFileError):
        wf(data_path=MEASUREMENTS)  # nothing runs
    assert not os.path.exists(workflow_dir) and not os.path.exists(artifacts_root)


def test_seed_flow_runs_with_pyflyte_run(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE_", "PYTEST_"))}
    root = str(tmp_path / "store")
    env.update({"FLYTE_ARTIFACTS_ROOT": root, paths.MODE_ENV: "on", paths.BASE_ENV: str(tmp_path / "wf")})
    args = [os.path.join(BIN, "pyflyte"), "run", os.path.join("examples", "domino", "training.py"), "training_workflow",
            "--data_path", MEASUREMENTS]
    proc = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    check_records("training", records(root))


# ---- /workflow paths -------------------------------------------------------------------------------------------


def test_paths_are_off_locally_by_default_and_the_error_says_how_to_switch_them_on(tmp_path, monkeypatch):
    monkeypatch.delenv(paths.MODE_ENV, raising=False)
    monkeypatch.setenv(paths.BASE_ENV, str(tmp_path / "workflow"))
    assert not paths.enabled()
    with pytest.raises(CommandFailedError) as e:
        flow("data_single").single_adam()
    assert f"set {paths.MODE_ENV}=on" in str(e.value) and "$FLYTE_OUTPUTS_DIR" in str(e.value)
    assert not os.path.exists(tmp_path / "workflow")


@pytest.mark.parametrize(
    "value, pod, on",
    [("", False, False), ("", True, True), ("auto", True, True), ("on", False, True), ("1", False, True),
     ("off", True, False), ("false", True, False)],
)
def test_paths_mode(value, pod, on, monkeypatch):
    monkeypatch.setenv(paths.MODE_ENV, value)
    if pod:
        monkeypatch.setenv(paths.POD_ENV, "e123")
    assert paths.enabled() is on


def test_bad_settings_are_named(monkeypatch):
    monkeypatch.setenv(paths.MODE_ENV, "sometimes")
    with pytest.raises(paths.DominoPathsError, match="FLYTE_DOMINO_PATHS='sometimes'.*'on', 'off' or 'auto'"):
        paths.enabled()
    monkeypatch.setenv(paths.MODE_ENV, "on")
    monkeypatch.setenv(paths.BASE_ENV, "relative/wf")
    with pytest.raises(paths.DominoPathsError, match="not an absolute path"):
        paths.base_dir()
    monkeypatch.delenv(paths.BASE_ENV)
    assert paths.base_dir() == "/workflow"


class _Task:
    name = "t"
    uses_domino_paths = True


def _dirs(tmp_path):
    i, o = tmp_path / "run" / "inputs", tmp_path / "run" / "outputs"
    i.mkdir(parents=True)
    o.mkdir()
    (i / "x").write_text("1")
    return str(i), str(o)


def test_links_lead_to_the_task_folders_and_are_removed(workflow_dir, tmp_path):
    i, o = _dirs(tmp_path)
    with paths.workflow_paths(_Task(), i, o) as base:
        assert base == str(workflow_dir)
        assert (workflow_dir / "inputs" / "x").read_text() == "1"
        (workflow_dir / "outputs" / "y").write_text("2")
    assert (tmp_path / "run" / "outputs" / "y").read_text() == "2"
    assert os.listdir(workflow_dir) == []


def test_only_domino_tasks_get_links(workflow_dir, tmp_path):
    i, o = _dirs(tmp_path)
    with paths.workflow_paths(object(), i, o) as base:
        assert base is None and not os.path.exists(workflow_dir)


def test_two_tasks_never_share_one_folder(workflow_dir, tmp_path):
    i, o = _dirs(tmp_path)
    with paths.workflow_paths(_Task(), i, o):
        with pytest.raises(paths.DominoPathsError) as e:
            with paths.workflow_paths(_Task(), i, o):
                pass
        assert "in use by another task" in str(e.value) and paths.BASE_ENV in str(e.value)
        assert os.readlink(workflow_dir / "inputs") == i  # the running task keeps its links
    assert os.listdir(workflow_dir) == []


def test_a_run_finding_another_tasks_links_fails_clearly(workflow_dir, tmp_path):
    workflow_dir.mkdir()
    busy = tmp_path / "other-task"
    busy.mkdir()
    os.symlink(busy, workflow_dir / "outputs")
    with pytest.raises(paths.DominoPathsError, match="in use by another task"):
        flow("data_single").single_adam()
    assert os.readlink(workflow_dir / "outputs") == str(busy) and not os.path.exists(workflow_dir / "inputs")


def test_stale_links_and_empty_folders_are_replaced_other_things_are_not(workflow_dir, tmp_path):
    workflow_dir.mkdir()
    os.symlink(tmp_path / "gone", workflow_dir / "inputs")  # left by a killed process
    (workflow_dir / "outputs").mkdir()  # as an image may ship it
    i, o = _dirs(tmp_path)
    with paths.workflow_paths(_Task(), i, o):
        assert os.readlink(workflow_dir / "inputs") == i and os.readlink(workflow_dir / "outputs") == o
    (workflow_dir / "outputs").mkdir()
    (workflow_dir / "outputs" / "keep.txt").write_text("mine")
    with pytest.raises(paths.DominoPathsError, match="not empty"):
        with paths.workflow_paths(_Task(), i, o):
            pass
    assert (workflow_dir / "outputs" / "keep.txt").read_text() == "mine" and not os.path.exists(workflow_dir / "inputs")


def test_a_folder_that_cannot_be_made_is_an_error_when_on_and_a_warning_in_a_pod(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("")
    monkeypatch.setenv(paths.BASE_ENV, str(tmp_path / "file" / "workflow"))
    i, o = _dirs(tmp_path)
    monkeypatch.setenv(paths.MODE_ENV, "on")
    with pytest.raises(paths.DominoPathsError, match="chmod 1777"):
        with paths.workflow_paths(_Task(), i, o):
            pass
    monkeypatch.setenv(paths.MODE_ENV, "auto")
    monkeypatch.setenv(paths.POD_ENV, "e123")
    with pytest.warns(RuntimeWarning, match="Domino paths are not available"):
        with paths.workflow_paths(_Task(), i, o) as base:
            assert base is None


# ---- argument shapes and errors ----------------------------------------------------------------------------------

RawData = Artifact("Raw", DATA)
Reports = Artifact("Reports", REPORT)
WRITE = "import os; open(os.path.join(os.environ['FLYTE_OUTPUTS_DIR'], '{0}'), 'w').write('{1}')"


def test_config_fields():
    cfg = DominoJobConfig(Command="python x.py", Title="T", HardwareTierId="small-k8s", VolumeSizeGiB=10,
                          OwnerName="me", ProjectName="p", ApiKey="k", EnvironmentId="e", CommitId="c")
    assert cfg.Command == "python x.py" and cfg.HardwareTierId == "small-k8s" and cfg.EnvironmentName is None
    assert DominoJobTask(domino_job_config=cfg, outputs={"o": str}).name == "T"  # Title names the task
    with pytest.raises(DominoJobConfigError, match="needs the command"):
        DominoJobConfig(HardwareTierId="small-k8s")
    with pytest.raises(DominoJobConfigError, match="empty Command"):
        DominoJobConfig(Command="  ")
    with pytest.raises(ArtifactTypeError, match="Command must be a string"):
        DominoJobConfig(Command=3)
    with pytest.raises(DominoJobConfigError, match=r"no field\(s\) \['Comand'\]"):
        DominoJobConfig(Comand="python x.py")
    with pytest.raises(ArtifactTypeError, match="by name"):
        DominoJobConfig("python x.py")
    assert issubclass(DominoJobConfigError, ArtifactValueError)


def test_task_argument_errors():
    with pytest.raises(ArtifactTypeError, match="domino_job_config must be a DominoJobConfig"):
        DominoJobTask(name="x", domino_job_config={"Command": "python x.py"})
    with pytest.raises(DominoJobConfigError, match="needs a name"):
        DominoJobTask(name=" ", domino_job_config=DominoJobConfig(Command="true"))
    with pytest.raises(ArtifactTypeError, match="cannot read or write"):
        DominoJobTask(name="x", domino_job_config=DominoJobConfig(Command="true"), inputs={"d": dict})


def test_indexing_by_an_unknown_output_name_is_an_error():
    @workflow
    def wf() -> str:
        job = DominoJobTask(
            name="Two", domino_job_config=DominoJobConfig(Command="printf a > $OUTPUT_A; printf b > $OUTPUT_B"),
            inputs={}, outputs={"a": str, "b": str}, use_latest=True,
        )
        res = job()
        return res["c"]

    with pytest.raises(ArtifactValueError, match=r"no output 'c': its outputs are \['a', 'b'\]"):
        wf.compile()


def test_task_runs_with_inputs_outputs_and_ignored_keywords(workflow_dir):
    @workflow
    def wf(n: int, data: FlyteFile) -> RawData.File(name="copy.csv"):
        job = DominoJobTask(
            name="Copy", domino_job_config=DominoJobConfig(Command="python copy.py"),
            inputs={"n": int, "data": FlyteFile[TypeVar("csv")]}, outputs={"copy": FlyteFile[TypeVar("csv")]},
            use_latest=True, log_level="INFO", hardware_tier_name="Small", cwd=str(workflow_dir.parent),
        )
        return job(n=n, data=data)["copy"]

    (workflow_dir.parent / "copy.py").write_text(
        "import os, shutil\nbase = os.environ['FLYTE_DOMINO_WORKFLOW_DIR']\n"
        "n = int(open(os.path.join(base, 'inputs', 'n')).read())\n"
        "lines = open(os.path.join(base, 'inputs', 'data')).read().splitlines()[:n]\n"
        "open(os.path.join(base, 'outputs', 'copy'), 'w').write('\\n'.join(lines) + '\\n')\n"
    )
    wf(n=3, data=MEASUREMENTS)
    (rec,) = records().values()
    assert (rec.artifact, rec.filename, rec.output_name) == ("Raw", "copy.csv", "copy")
    with open(rec.uri) as f:
        assert f.read().splitlines() == open(MEASUREMENTS).read().splitlines()[:3]


def test_task_without_inputs_declares_them_from_its_call(workflow_dir):
    @workflow
    def wf(label: str) -> RawData.File(name="label.txt"):
        job = DominoJobTask(name="Label", domino_job_config=DominoJobConfig(Command=["python", "-c", WRITE.format(
            "out", "x")]), outputs={"out": FlyteFile[TypeVar("txt")]})
        return job(label=label)

    wf(label="hello")
    (rec,) = records().values()
    assert rec.filename == "label.txt"
    node = wf.nodes[0].flyte_entity
    assert dict(node.python_interface.inputs) == {"label": str}


def test_task_without_a_config_compiles_but_does_not_run():
    @workflow
    def wf(x: str) -> str:
        job = DominoJobTask(outputs={"y": str})
        return job(x=x)["y"]

    wf.compile()
    with pytest.raises(Exception) as e:
        wf(x="a")
    assert "has no command to run" in str(e.value) and "DominoJobConfig(Command=" in str(e.value)


def test_helper_shapes(workflow_dir):
    @workflow
    def wf(who: str) -> Reports.File(name="hello.txt"):
        return run_domino_job_task(
            flyte_task_name="Hello",
            command="python -c \"import os; "
                    "open(os.environ['OUTPUT_GREETING'], 'w').write('hi ' + os.environ['INPUT_WHO'])\"",
            input_specs=[Input(name="who", type=str, value=who)],
            output_specs=[Output(name="greeting", type=FlyteFile[TypeVar("txt")])],
            use_project_defaults_for_omitted=True, job_title="hello", dfs_repo_commit_id="abc",
            hardware_tier_id="small-k8s", environment_name="Domino Standard Environment",
        )

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Domino's own keywords are ignored silently
        wf(who="you")
    (rec,) = records().values()
    with open(rec.uri) as f:
        assert f.read() == "hi you"


def test_helper_errors():
    out = [Output(name="o", type=str)]
    with pytest.raises(DominoJobConfigError, match="both inputs= and input_specs="):
        run_domino_job_task(flyte_task_name="x", command="true", inputs=[], input_specs=[], output_specs=out)
    with pytest.raises(DominoJobConfigError, match="needs the command"):
        run_domino_job_task(flyte_task_name="x", output_specs=out)
    with pytest.raises(DominoJobConfigError, match="has no value"):
        run_domino_job_task(flyte_task_name="x", command="true", inputs=[Input(name="a", type=str)], output_specs=out)
    with pytest.raises(ArtifactTypeError, match="must be Input"):
        run_domino_job_task(flyte_task_name="x", command="true", inputs=[("a", str, "v")], output_specs=out)

    @workflow
    def wf() -> str:
        return run_domino_job_task(flyte_task_name="x", command="printf v > $OUTPUT_O", output_specs=out,
                                   hardwre_tier_id="typo")

    with pytest.warns(UserWarning, match="hardwre_tier_id"):
        wf.compile()


def test_import_mapping():
    import flytekitplugins.artifacts as plugin
    import flytekitplugins.artifacts.domino as domino
    from flytekitplugins.artifacts.domino import artifact, helpers, task

    assert helpers.Input is plugin.Input and helpers.Output is plugin.Output
    names = ("Artifact", "DATA", "MODEL", "REPORT", "ExportArtifactToDatasetsSpec", "run_launch_export_artifacts_task")
    for name in names:
        assert getattr(artifact, name) is getattr(plugin, name)
    for name in ("DominoJobConfig", "DominoJobTask", "GitRef", "EnvironmentRevisionSpecification",
                 "EnvironmentRevisionType", "DatasetSnapshot"):
        assert getattr(domino, name) is getattr(task, name)
    assert domino.run_domino_job_task is helpers.run_domino_job_task
    # The flows change only import lines: nothing in them names Domino's own modules.
    for f in os.listdir(FLOWS):
        if f.endswith(".py"):
            with open(os.path.join(FLOWS, f)) as fh:
                assert "flytekitplugins.domino" not in fh.read(), f
