"""What importing the package and running the CLI loads: a local store never needs flytekit or boto3.

Each check runs in a fresh interpreter, so modules imported by other tests cannot hide a heavy import.
"""

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("flytekit", "boto3", "botocore", "pandas", "pyarrow")

PROBE = """
import json, sys
from flytekitplugins.artifacts.cli import main
try:
    main(sys.argv[1:], prog_name="flyte-artifacts")
except SystemExit as e:
    code = e.code
else:
    code = 0
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(os.environ["HEAVY"])))
sys.stdout.flush()
print("\\nLOADED=" + json.dumps(heavy))
sys.exit(code or 0)
""".replace("import json, sys", "import json, os, sys")


def cli_loads(root, *args):
    env = dict(os.environ, FLYTE_ARTIFACTS_ROOT=str(root), HEAVY=json.dumps(HEAVY))
    r = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(r.stdout.rsplit("LOADED=", 1)[1])


@pytest.mark.parametrize("args", [["--help"], ["list", "--json"], ["executions", "--json"], ["datasets", "list"],
                                  ["list", "--help"]])
def test_cli_on_a_local_store_loads_neither_flytekit_nor_boto3(tmp_path, args):
    (tmp_path / "store").mkdir()  # an empty store
    assert cli_loads(tmp_path / "store", *args) == []


def test_cli_on_a_local_store_with_records_loads_neither_flytekit_nor_boto3(tmp_path):
    from flows import core

    root = os.environ["FLYTE_ARTIFACTS_ROOT"]
    core.training(text="x")
    assert cli_loads(root, "list", "--latest", "--json") == []
    assert cli_loads(root, "get", "My Data", "data.csv", "-o", str(tmp_path / "out.csv")) == []
    assert (tmp_path / "out.csv").exists()


def test_importing_the_package_and_the_store_is_light():
    code = ("import sys, flytekitplugins.artifacts as a; a.ArtifactStore; a.DATA; a.ArtifactError;"
            "print(sorted({m.split('.')[0] for m in sys.modules} & set(%r)))" % (HEAVY,))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_a_flyte_name_loads_flytekit_and_installs_the_patches():
    code = ("import flytekitplugins.artifacts as a; a.Artifact;"
            "from flytekit.core.workflow import PythonFunctionWorkflow as W;"
            "print(getattr(W, '_flytekitplugins_artifacts', False))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "True"


def test_importing_flytekit_alone_installs_the_patches_through_its_entry_point():
    code = ("import flytekit; from flytekit.core.workflow import PythonFunctionWorkflow as W;"
            "print(getattr(W, '_flytekitplugins_artifacts', False))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "True"


def test_an_s3_store_loads_boto3_only_then():
    code = ("import sys; from flytekitplugins.artifacts.backends import open_backend;"
            "open_backend('/tmp/x'); a = 'boto3' in sys.modules;"
            "open_backend('s3://some-bucket/p'); print(a, 'boto3' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False True"


def test_every_public_name_resolves():
    import flytekitplugins.artifacts as pkg

    for name in pkg.__all__:
        assert getattr(pkg, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        pkg.nope  # noqa: B018


@pytest.mark.parametrize("old_module, name, new_module", [
    ("flytekitplugins.artifacts.recorder", "record_artifacts", "flytekitplugins.artifacts.flyte.nodes.record"),
    ("flytekitplugins.artifacts.exporter", "export_artifacts", "flytekitplugins.artifacts.flyte.nodes.export"),
    ("flytekitplugins.artifacts.query_task", "resolve_artifact", "flytekitplugins.artifacts.flyte.nodes.resolve"),
])
def test_tasks_registered_under_their_old_paths_still_load_in_a_pod(old_module, name, new_module):
    from flytekit.core.python_auto_container import default_task_resolver

    old = default_task_resolver.load_task(["task-module", old_module, "task-name", name])
    new = default_task_resolver.load_task(["task-module", new_module, "task-name", name])
    assert old is new
    assert default_task_resolver.loader_args(None, new) == ["task-module", new_module, "task-name", name]


def test_command_tasks_registered_under_the_old_resolver_path_still_load():
    from flytekit.tools.module_loader import load_object_from_module

    from flytekitplugins.artifacts.flyte.command import command_task_resolver

    assert load_object_from_module("flytekitplugins.artifacts.command.command_task_resolver") is command_task_resolver
    assert command_task_resolver.location == "flytekitplugins.artifacts.flyte.command.command_task_resolver"
    from flytekitplugins.artifacts.command import CommandTask, run_command_task  # the old public path

    assert CommandTask.__module__ == "flytekitplugins.artifacts.flyte.command.task" and callable(run_command_task)
