"""Every example flow, run for real: as ``python examples/<file>.py`` and as ``pyflyte run``, each in its own process
with its own artifact store; then what it recorded (and exported) is checked. The training example also runs the
cluster way: packaged with ``pyflyte package`` and run pod by pod against moto's S3 (see ``cluster_harness.py``).
"""

import hashlib
import json
import os
import pickle
import re
import subprocess
import sys
import uuid

import cluster_harness as harness
import pandas as pd
import pyreadstat
import pytest

from flytekitplugins.artifacts import ArtifactStore

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
EXAMPLES = os.path.join(REPO, "examples")
BIN = os.path.dirname(sys.executable)

# file -> (workflow, {(artifact, type, filename): (node_id, output_name, task name suffix)})
EXPECTED = {
    "training.py": (
        "training_workflow",
        {
            ("My Data", "DATA", "data.csv"): ("n0", "processed_data", ".training_workflow.Prep data"),
            ("My Model", "MODEL", "model.pt"): ("n1", "model", ".training_workflow.Train model"),
        },
    ),
    "data_single.py": (
        "single_adam",
        {("adae", "DATA", "adae.xpt"): ("n0", "adae", ".single_adam.Produce single ADaM Dataset")},
    ),
    "data_multiple.py": (
        "multiple_adam",
        {
            ("adam", "DATA", "adae.xpt"): ("n0", "adae", ".multiple_adam.Produce adae and advs Datasets"),
            ("adam", "DATA", "advs.xpt"): ("n0", "advs", ".multiple_adam.Produce adae and advs Datasets"),
            ("adam", "DATA", "adsl dataset"): ("n1", "adsl", ".multiple_adam.Produce adsl Dataset"),
        },
    ),
    "model_single.py": (
        "single_model",
        {("My Model", "MODEL", "model.pkl"): ("n0", "my_model", ".single_model.Produce model")},
    ),
    "model_multiple.py": (
        "multiple_model",
        {
            ("My Model", "MODEL", "model.pkl"): ("n0", "my_model", ".multiple_model.Produce model with classes"),
            ("My Model", "MODEL", "classes"): ("n0", "my_classes", ".multiple_model.Produce model with classes"),
        },
    ),
    "report_single.py": (
        "single_report",
        {("TFL Report", "REPORT", "t_vscat.pdf"): ("n0", "t_vscat", ".single_report.Produce PDF")},
    ),
    "report_multiple.py": (
        "multiple_report",
        {
            ("TFL Reports", "REPORT", "t_vscat.pdf"): ("n0", "t_vscat", ".multiple_report.Produce vscat PDF"),
            ("TFL Reports", "REPORT", "t_ae_rel tfl report"): ("n1", "t_ae_rel", ".multiple_report.Produce ae_rel PDF"),
        },
    ),
    "export_to_dataset.py": (
        "training_workflow",
        {
            ("My Data", "DATA", "data.csv"): ("n0", "processed_data", ".training_workflow.Prep data"),
            ("My Model", "MODEL", "model.pt"): ("n1", "model", ".training_workflow.Train model"),
        },
    ),
    "clinical_study.py": (
        "clinical_study",
        {
            ("MINI01 ADaM", "DATA", "adsl.xpt"): ("n1", "adsl", ".clinical_study.Derive ADSL"),
            ("MINI01 ADaM", "DATA", "adae.xpt"): ("n2", "adae", ".clinical_study.Derive ADAE and ADVS"),
            ("MINI01 ADaM", "DATA", "advs.xpt"): ("n2", "advs", ".clinical_study.Derive ADAE and ADVS"),
            ("MINI01 Safety TFLs", "REPORT", "safety_tfl.pdf"): ("n3", "report", ".clinical_study.Safety TFLs"),
        },
    ),
}
DATASETS = {"export_to_dataset.py": "training-data", "clinical_study.py": "adam"}


def test_every_example_file_is_covered():
    files = {f for f in os.listdir(EXAMPLES) if f.endswith(".py") and not f.startswith("_")}
    assert files - {"demo.py", "duplicate_filename.py", "reuse_producer.py", "reuse_consumer.py"} == set(EXPECTED)


# ---- running ----------------------------------------------------------------------------------------------------


def clean_env(root):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE_", "PYTEST_"))}
    env["FLYTE_ARTIFACTS_ROOT"] = root
    env["COLUMNS"] = "250"
    return env


def run(args, root, cwd, ok=True):
    proc = subprocess.run(args, cwd=cwd, env=clean_env(root), capture_output=True, text=True, timeout=600)
    if ok:
        assert proc.returncode == 0, f"{args} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}"
    return proc


def cli(root, *args):
    return json.loads(run([os.path.join(BIN, "flyte-artifacts"), *args, "--json"], root, REPO).stdout)


def create_dataset(root, name, where):
    cli(root, "datasets", "create", name, "--uri", str(where))


def latest_records(root):
    store = ArtifactStore(root)
    runs = store.executions()
    assert len(runs) == 1, runs  # one run per fresh store
    return {(r.artifact, r.type, r.filename): r for r in store.records(runs[0]["execution_id"])}


def check_records(name, recs):
    workflow, expected = EXPECTED[name]
    assert set(recs) == set(expected)
    for key, (node_id, output, task_suffix) in expected.items():
        r = recs[key]
        assert (r.node_id, r.output_name) == (node_id, output), key
        assert r.task.endswith(task_suffix) and r.workflow.endswith("." + workflow), (r.task, r.workflow)
        with open(r.uri, "rb") as f:
            data = f.read()
        assert len(data) == r.size and hashlib.sha256(data).hexdigest() == r.sha256
        check_content(key, r.uri)


def check_pdf(path, pages=None):
    with open(path, "rb") as f:
        data = f.read()
    assert data.startswith(b"%PDF-1.4\n") and data.rstrip().endswith(b"%%EOF")
    xref = int(re.search(rb"startxref\n(\d+)\n", data).group(1))
    assert data[xref : xref + 5] == b"xref\n"
    count = int(re.search(rb"/Type /Pages /Kids \[[^\]]*\] /Count (\d+)", data).group(1))
    if pages is not None:
        assert count == pages
    # Every object the cross-reference table lists starts where it says.
    table = data[xref:].split(b"trailer")[0].split(b"\n")[3:]
    for number, line in enumerate((ln for ln in table if ln.strip()), start=1):
        offset = int(line.split()[0])
        assert data[offset:].startswith(b"%d 0 obj" % number)


def check_content(key, path):
    artifact, _, filename = key
    if filename == "data.csv":
        df = pd.read_csv(path)
        assert list(df.columns) == ["temperature", "pressure", "humidity", "yield"]
        assert len(df) == 57 and not df.isna().any().any()  # the three incomplete rows are gone
    elif filename in ("model.pt", "model.pkl"):
        with open(path, "rb") as f:
            model = pickle.load(f)
        assert model["features"] == ["temperature", "pressure", "humidity"]
    elif filename == "classes":
        with open(path) as f:
            assert f.read().split() == ["low", "medium", "high"]
    elif filename.endswith(".xpt") or filename == "adsl dataset":
        df, meta = pyreadstat.read_xport(path)
        table = "ADSL" if filename.startswith("adsl") else filename[:4].upper()
        assert meta.table_name == table
        assert len(df) == {"ADSL": 16, "ADAE": 34, "ADVS": 135}[table]
        assert "USUBJID" in df.columns
    elif filename == "safety_tfl.pdf":
        check_pdf(path, pages=4)
    elif "pdf" in filename or filename.startswith("t_"):
        check_pdf(path, pages=1)
    else:
        raise AssertionError(f"no content check for {key}")


def check_snapshot(name, root, recs):
    dataset = DATASETS.get(name)
    if dataset is None:
        return
    (snap,) = cli(root, "datasets", "snapshots", dataset)
    assert snap["number"] == 1
    shown = cli(root, "datasets", "show", dataset)
    exported = {f["path"]: f for f in shown["files"]}
    artifact = {"training-data": "My Data", "adam": "MINI01 ADaM"}[dataset]
    want = {k[2]: r for k, r in recs.items() if k[0] == artifact}
    assert set(exported) == set(want)
    for path, f in exported.items():
        assert f["sha256"] == want[path].sha256 and f["execution_id"] == want[path].execution_id


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs_as_a_script(name, tmp_path):
    root = str(tmp_path / "store")
    # From an unrelated folder: scripts and data are found next to the flow, not in the current directory.
    proc = run([sys.executable, os.path.join(EXAMPLES, name)], root, str(tmp_path))
    recs = latest_records(root)
    check_records(name, recs)
    check_snapshot(name, root, recs)
    # The example ends by listing its artifacts.
    assert f"Artifact files in {root}" in proc.stdout
    for _, _, filename in EXPECTED[name][1]:
        assert filename in proc.stdout


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs_with_pyflyte_run(name, tmp_path):
    root = str(tmp_path / "store")
    if name in DATASETS:
        create_dataset(root, DATASETS[name], tmp_path / "datasets" / DATASETS[name])
    run([os.path.join(BIN, "pyflyte"), "run", os.path.join("examples", name), EXPECTED[name][0]], root, REPO)
    recs = latest_records(root)
    check_records(name, recs)
    check_snapshot(name, root, recs)


def test_clinical_main_prints_artifacts_and_snapshot(tmp_path, capsys):
    sys.path.insert(0, REPO)
    try:
        from examples import clinical_study
    finally:
        sys.path.remove(REPO)
    snap = clinical_study.main(dataset_uri=str(tmp_path / "adam"))
    out = capsys.readouterr().out
    recs = latest_records(os.environ["FLYTE_ARTIFACTS_ROOT"])
    check_records("clinical_study.py", recs)
    assert snap.dataset_name == "adam" and snap.number == 1
    assert sorted(f.path for f in snap.files) == ["adae.xpt", "adsl.xpt", "advs.xpt"]
    assert "adam snapshot 1 (3 files" in out and "safety_tfl.pdf" in out
    # A second run adds the next snapshot to the same dataset.
    assert clinical_study.main().number == 2


# ---- the duplicate filename -----------------------------------------------------------------------------------

DUPLICATE = re.compile(
    r"artifact 'My Data' gets file 'data\.csv' twice, from node n0 \(task '[^']*Prep data', output 'raw_data'\) "
    r"and from the return of workflow '[^']*training_workflow' \(output 'o0'\)"
)


def test_duplicate_example_shows_the_error_then_runs_the_fix(tmp_path):
    root = str(tmp_path / "store")
    proc = run([sys.executable, os.path.join(EXAMPLES, "duplicate_filename.py")], root, str(tmp_path))
    assert "training_workflow is rejected before anything runs" in proc.stdout
    assert DUPLICATE.search(" ".join(proc.stdout.split())), proc.stdout
    recs = latest_records(root)
    assert sorted(recs) == [("My Data", "DATA", "data.csv"), ("My Data", "DATA", "raw_data.csv")]
    assert recs[("My Data", "DATA", "raw_data.csv")].output_name == "raw_data"
    assert recs[("My Data", "DATA", "data.csv")].output_name == "processed_data"
    check_content(("My Data", "DATA", "data.csv"), recs[("My Data", "DATA", "data.csv")].uri)


def test_duplicate_example_fails_under_pyflyte_run_before_running(tmp_path):
    root = str(tmp_path / "store")
    args = [os.path.join(BIN, "pyflyte"), "run", os.path.join("examples", "duplicate_filename.py"), "training_workflow"]
    proc = run(args, root, REPO, ok=False)
    assert proc.returncode != 0
    text = " ".join((proc.stdout + proc.stderr).replace("│", " ").split())
    assert "DuplicateArtifactFileError" in text
    assert "gets file 'data.csv' twice" in text
    assert "prep:" not in proc.stdout + proc.stderr  # the script never ran
    assert not os.path.exists(root) or ArtifactStore(root).executions() == []


# ---- the cluster way ------------------------------------------------------------------------------------------


def test_training_example_runs_pod_by_pod(s3_endpoint, s3_bucket, tmp_path):
    """Command tasks created inside the workflow body are found again in each pod (the resolver compiles the
    workflow there), run their scripts from the shipped source, and their outputs are recorded in an S3 store."""
    out = tmp_path / "examples.tgz"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLYTE_")}
    harness.pyflyte_package(REPO, "examples.training", str(out), "ghcr.io/example/examples:1", env=env)
    pkg = harness.load_package(str(out))
    prep = pkg.task("examples.training.training_workflow.Prep data")
    args = list(prep.container.args)
    assert args[args.index("--resolver") + 1] == "flytekitplugins.artifacts.flyte.command.command_task_resolver"
    assert args[args.index("--") + 1 :] == [
        "workflow", "examples.training", "training_workflow", "examples.training.training_workflow.Prep data"
    ]

    s3 = harness.S3(s3_endpoint, s3_bucket)
    root = f"s3://{s3_bucket}/artifacts"
    cluster = harness.Cluster(s3, REPO, env={"FLYTE_ARTIFACTS_ROOT": root})
    execution_id = "e" + uuid.uuid4().hex[:19]
    inputs = {"data_path": "data/measurements.csv"}
    result = cluster.run(pkg, "examples.training.training_workflow", inputs, execution_id)
    assert "prep: read 60 rows" in result.nodes["n0"].log
    # The pod compiles the workflow to find the task; that happens outside the task's execution context.
    assert "not supposed to nest" not in result.nodes["n0"].log + result.nodes["n1"].log

    store = ArtifactStore(root)
    recs = {(r.artifact, r.type, r.filename): r for r in store.records(execution_id)}
    assert set(recs) == set(EXPECTED["training.py"][1])
    for key, (node_id, output, _) in EXPECTED["training.py"][1].items():
        r = recs[key]
        assert r.uri == harness.blob_uri(result.nodes[node_id].outputs.literals[output])
        data = s3.get(r.uri)
        assert hashlib.sha256(data).hexdigest() == r.sha256
        local = tmp_path / key[2]
        local.write_bytes(data)
        check_content(key, str(local))


# ---- the Domino port shown in the documentation ---------------------------------------------------------------


def documented_port():
    """The two code blocks of the Domino side-by-side, from whichever document holds it."""
    for doc in ("README.md",):
        path = os.path.join(REPO, doc)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if "<th>Domino Flows</th><th>This plugin</th>" in text:
            table = text.split("<th>Domino Flows</th><th>This plugin</th>", 1)[1].split("</table>", 1)[0]
            blocks = re.findall(r"```python\n(.*?)```", table, re.S)
            assert len(blocks) == 2, doc
            return blocks
    raise AssertionError("no document holds the Domino side-by-side")


def test_documented_port_changes_only_imports_and_runs(tmp_path):
    domino, ported = documented_port()
    changed = [(a, b) for a, b in zip(domino.splitlines(), ported.splitlines()) if a != b]
    assert len(domino.splitlines()) == len(ported.splitlines())
    assert changed and all(a.startswith("from ") and b.startswith("from ") for a, b in changed), changed

    # The ported flow, with scripts next to it that write their outputs where command tasks expect them.
    (tmp_path / "port.py").write_text(ported + "\n")
    for script, outputs in (("produce_adae_and_advs.py", ["adae", "advs"]), ("produce_adsl.py", ["adsl"])):
        (tmp_path / script).write_text(
            "import os\n"
            f"for name in {outputs!r}:\n"
            "    open(os.path.join(os.environ['FLYTE_OUTPUTS_DIR'], name), 'w').write(name + ' rows\\n')\n"
        )
    root = str(tmp_path / "store")
    run([os.path.join(BIN, "pyflyte"), "run", "port.py", "multiple_adam"], root, str(tmp_path))
    recs = latest_records(root)
    assert sorted(recs) == [
        ("adam", "DATA", "adae.sas7bdat"),
        ("adam", "DATA", "adsl dataset"),
        ("adam", "DATA", "advs.sas7bdat"),
    ]
    with open(recs[("adam", "DATA", "adsl dataset")].uri) as f:
        assert f.read() == "adsl rows\n"


def test_reuse_examples_run_as_scripts(tmp_path):
    root = str(tmp_path / "store")
    run([sys.executable, os.path.join("examples", "reuse_producer.py")], root, REPO)
    out = run([sys.executable, os.path.join("examples", "reuse_consumer.py")], root, REPO).stdout
    assert "subjects: 3" in out and "subjects: 2" in out  # the newest version, then the approved (older) one
    assert "Study ADaM/adsl.csv" in out and "input cutoff = '2024-06-30'" in out
