"""Every example flow, run for real: as ``python examples/<file>.py`` and as ``pyflyte run``, each in its own process
with its own artifact store; then what it recorded (and exported) is checked. The training example also runs the
cluster way, pod by pod, in ``integration/cluster/test_examples_pods.py``.
"""

import hashlib
import json
import os
import re
import subprocess
import sys

import pytest
from example_checks import EXPECTED, check_content
from repo_paths import EXAMPLES, REPO

from flytekitplugins.artifacts import ArtifactStore

BIN = os.path.dirname(sys.executable)

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
