"""Where Ceph's packages are not installed, the tests against the RADOS gateway are skipped with one clear message
(what is missing, what to install) and the same tests still pass on moto: pytest run in its own process with the
Ceph commands hidden from PATH."""

import os
import subprocess
import sys

from ceph_gateway import COMMANDS, PACKAGES
from repo_paths import REPO

TEST = "tests/integration/s3/test_s3_abilities.py::test_the_probe_finds_what_the_server_does"


def run_pytest(tmp_path, ceph: str, path: str):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ARTIFACTS_TEST_"))}
    env.update(ARTIFACTS_TEST_CEPH=ceph, PATH=path)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-p", "no:xdist",
                           "--basetemp", str(tmp_path / "run"), TEST],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


def test_without_the_ceph_commands_the_gateway_tests_are_skipped_saying_why(tmp_path):
    # Only the virtualenv's own commands are on PATH: none of Ceph's.
    path = os.path.dirname(sys.executable)
    assert all(not os.path.exists(os.path.join(path, c)) for c in COMMANDS)
    proc = run_pytest(tmp_path, "1", path)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "1 passed, 1 skipped" in out and "error" not in out.lower()
    assert f"no Ceph RADOS gateway: {', '.join(COMMANDS)} not found; install {' '.join(PACKAGES)} (`make ceph`" in out


def test_a_gateway_that_cannot_start_fails_its_tests_instead_of_skipping(tmp_path):
    # Stand-ins for the Ceph commands, whose monmaptool fails: the commands are there but the gateway cannot start,
    # which is an error, not a reason to skip.
    fake = tmp_path / "bin"
    fake.mkdir()
    for name in COMMANDS:
        target = fake / name
        if name == "monmaptool":
            target.write_text("#!/bin/sh\necho 'monmaptool: cannot create the map' >&2\nexit 3\n")
        else:
            target.write_text("#!/bin/sh\nexit 0\n")
        target.chmod(0o755)
    proc = run_pytest(tmp_path, "only", f"{fake}{os.pathsep}{os.path.dirname(sys.executable)}")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "the Ceph RADOS gateway did not start" in out and "monmaptool: cannot create the map" in out
