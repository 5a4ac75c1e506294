"""A sweep that finds nothing new reads the flow file's manifest, not the file: neither the file nor flytekit is
imported; a version to launch, or a file whose bytes changed, imports it. Real CLI processes, real runs."""

import json
import os
import subprocess
import sys

from flytekitplugins.artifacts.ops.trigger_files import read_manifest
from flytekitplugins.artifacts.store import keys

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
TESTS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

FLOW = '''
import os
from flytekit import task, workflow
from flytekit.types.file import FlyteFile
from flytekitplugins.artifacts import DATA, Artifact, Trigger, on_artifact

ADaM = Artifact("ADaM", DATA)


@task
def note(adsl: FlyteFile) -> str:
    with open(adsl) as f:
        text = f.read()
    with open(os.environ["TRIGGER_LOG"], "a") as f:
        f.write(text + "\\n")
    return text


@workflow
def on_new(adsl: FlyteFile) -> str:
    return note(adsl=adsl)


first = Trigger(on=on_artifact(ADaM, filename="adsl.xpt"), launch=on_new, input="adsl", name="first")
'''

# Runs the CLI in this process, then says which of the modules that matter were imported.
PROBE = """
import json, sys
from flytekitplugins.artifacts.cli import main
try:
    main(sys.argv[2:], standalone_mode=False)
finally:
    print(json.dumps({"flytekit": "flytekit" in sys.modules, "flow": sys.argv[1] in sys.modules}))
"""


def _probe(tmp_path, *args):
    env = {**os.environ, "PYTHONPATH": TESTS, "TRIGGER_LOG": str(tmp_path / "launched.log")}
    proc = subprocess.run([sys.executable, "-c", PROBE, "user_flow", *args], capture_output=True, text=True,
                          env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout, json.loads(proc.stdout.strip().splitlines()[-1])


def _sha(path):
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_nothing_new_imports_neither_the_file_nor_flytekit(store, tmp_path):
    from flows import triggers as producer

    flow = tmp_path / "user_flow.py"
    flow.write_text(FLOW)
    out, loaded = _probe(tmp_path, "triggers", "run", "--once", str(flow))
    assert loaded == {"flytekit": True, "flow": True}  # no manifest yet: the file is imported, its manifest written
    assert [s.name for s in read_manifest(store, _sha(flow))] == ["first"]
    out, loaded = _probe(tmp_path, "triggers", "run", "--once", str(flow))
    assert "first: nothing new" in out and loaded == {"flytekit": False, "flow": False}
    out, loaded = _probe(tmp_path, "triggers", "list", "--json", str(flow))
    assert json.loads("\n".join(out.splitlines()[:-1]))[0]["name"] == "first" and loaded["flytekit"] is False

    producer.produce(text="n0")  # a new version: the sweep imports the file and launches it
    out, loaded = _probe(tmp_path, "triggers", "run", "--once", str(flow))
    assert "first: launched run" in out and loaded == {"flytekit": True, "flow": True}
    assert (tmp_path / "launched.log").read_text() == "n0\n"
    out, loaded = _probe(tmp_path, "triggers", "run", "--once", str(flow))
    assert "nothing new" in out and loaded["flow"] is False


def test_a_changed_file_is_read_again(store, tmp_path):
    from flows import triggers as producer

    flow = tmp_path / "user_flow.py"
    flow.write_text(FLOW)
    _probe(tmp_path, "triggers", "run", "--once", str(flow))
    flow.write_text(FLOW + 'second = Trigger(on=on_artifact(ADaM, filename="adsl.xpt"), launch=on_new, input="adsl",'
                           ' name="second")\n')
    out, loaded = _probe(tmp_path, "triggers", "run", "--once", str(flow))
    assert loaded["flow"] is True and "second: nothing new" in out
    assert [s.name for s in read_manifest(store, _sha(flow))] == ["first", "second"]
    producer.produce(text="c0")
    out, _ = _probe(tmp_path, "triggers", "run", "--once", str(flow))
    assert "first: launched run" in out and "second: launched run" in out
    assert (tmp_path / "launched.log").read_text() == "c0\nc0\n"


def test_a_damaged_manifest_is_replaced_by_importing_the_file(store, tmp_path):
    flow = tmp_path / "user_flow.py"
    flow.write_text(FLOW)
    key = keys.trigger_manifest_key(_sha(flow))
    store.backend.write(key, b"{damaged")
    out, loaded = _probe(tmp_path, "triggers", "run", "--once", str(flow))
    assert loaded["flow"] is True and "first: nothing new" in out
    assert [s.name for s in read_manifest(store, _sha(flow))] == ["first"]


def test_a_module_name_is_found_without_importing_it(store, tmp_path):
    pkg = tmp_path / "mods"
    pkg.mkdir()
    (pkg / "user_flow.py").write_text(FLOW)
    env = {**os.environ, "PYTHONPATH": f"{TESTS}{os.pathsep}{pkg}", "TRIGGER_LOG": str(tmp_path / "launched.log")}
    for expect in (True, False):
        proc = subprocess.run([sys.executable, "-c", PROBE, "user_flow", "triggers", "run", "--once", "user_flow"],
                              capture_output=True, text=True, env=env)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout.splitlines()[-1])["flow"] is expect
    proc = subprocess.run([CLI, "triggers", "run", "--once", "no_such.mod-ule"], capture_output=True, text=True,
                          env=env)
    assert proc.returncode == 1 and "'no_such.mod-ule' is neither a Python file nor a module name" in proc.stderr


def test_a_long_running_sweeper_reimports_a_file_that_changed(store, tmp_path, monkeypatch):
    from flytekitplugins.artifacts.ops.trigger_files import TriggerSources

    monkeypatch.syspath_prepend(str(tmp_path))
    flow = tmp_path / "user_flow_loop.py"
    flow.write_text(FLOW)
    found = TriggerSources(store, [str(flow)])
    assert [s.name for s in found.specs()] == ["first"] and found.imports == 1
    assert [s.name for s in found.specs()] == ["first"] and found.imports == 1  # same bytes: the manifest
    before = flow.stat().st_mtime
    flow.write_text(FLOW.replace('name="first"', 'name="other"'))
    os.utime(flow, (before, before))  # the same size and mtime: what the cached bytecode is checked against
    assert [s.name for s in found.specs()] == ["other"] and found.imports == 2
    assert found.declared("other").spec.name == "other" and found.imports == 2
