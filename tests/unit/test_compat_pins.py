"""The per-minor pins ``make compat`` builds from (``# compat X.Y:`` lines in constraints.txt, tests/compat/venvs.py),
and the range ``setup.py`` declares: both name the same flytekit minors."""

import importlib.util
import os
import re
import subprocess
import sys

import pytest
from packaging.specifiers import SpecifierSet
from repo_paths import REPO

spec = importlib.util.spec_from_file_location("compat_venvs", os.path.join(REPO, "tests", "compat", "venvs.py"))
venvs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(venvs)


def flytekit_requirement() -> SpecifierSet:
    with open(os.path.join(REPO, "setup.py"), encoding="utf-8") as f:
        (spec_text,) = re.findall(r'"flytekit([<>=!~][^"]*)"', f.read())
    return SpecifierSet(spec_text)


def test_every_supported_minor_has_its_newest_patch_pinned_and_setup_py_admits_it():
    pins, minors = venvs.read_constraints()
    base = dict(p.split("==") for p in pins)["flytekit"]
    assert sorted(minors) == ["1.13", "1.14", "1.15"] and base.startswith("1.16.")
    wanted = flytekit_requirement()
    for minor, overrides in minors.items():
        version = overrides["flytekit"].split("==")[1]
        assert version.startswith(minor + ".") and version in wanted, (minor, version, wanted)
    assert base in wanted
    # Nothing older or newer than what is tested is admitted.
    assert "1.12.3" not in wanted and "1.17.0" not in wanted


def test_a_minor_s_constraints_are_the_base_pins_with_only_its_overrides_changed():
    pins, minors = venvs.read_constraints()
    derived = venvs.derive(pins, minors["1.14"]).splitlines()
    assert len(derived) == len(pins)
    changed = {new for old, new in zip(pins, derived) if old != new}
    assert changed == set(minors["1.14"].values())
    assert "flytekit==1.14.9" in derived and "grpcio==1.68.0" in derived
    # 1.13 resolves with every base pin but flytekit's.
    assert [new for old, new in zip(pins, venvs.derive(pins, minors["1.13"]).splitlines()) if old != new] == [
        "flytekit==1.13.15"
    ]


def write(tmp_path, *lines):
    path = tmp_path / "constraints.txt"
    path.write_text("flytekit==1.16.31\ngrpcio==1.85.1\n" + "".join(line + "\n" for line in lines))
    return str(path)


@pytest.mark.parametrize(
    "line, message",
    [
        ("# compat 1.14: grpcio>=1.60", r"constraints\.txt:3: 'grpcio>=1\.60' is not an exact pin"),
        ("# compat 1.14: grpcio==1.68.0", r"the compat lines of 1\.14 must pin a flytekit 1\.14\.N"),
        ("# compat 1.14: flytekit==1.15.4", r"the compat lines of 1\.14 must pin a flytekit 1\.14\.N"),
        ("# compat1.14 flytekit==1.14.9", r"constraints\.txt:3: write compat lines as '# compat X\.Y: name==version"),
        ("# compat 1.14: flytekit==1.14.9 protobuf==5.29.6", r"override\(s\) protobuf pin nothing in constraints"),
    ],
)
def test_a_bad_compat_line_is_named_with_the_fix(tmp_path, line, message):
    with pytest.raises(venvs.CompatError, match=message):
        pins, minors = venvs.read_constraints(write(tmp_path, line))
        venvs.derive(pins, minors["1.14"])


def test_a_pin_given_twice_for_one_minor_is_refused(tmp_path):
    path = write(tmp_path, "# compat 1.14: flytekit==1.14.9", "# compat 1.14: grpcio==1.68.0 flytekit==1.14.8")
    with pytest.raises(venvs.CompatError, match=r"constraints\.txt:4: flytekit is pinned twice for flytekit 1\.14"):
        venvs.read_constraints(path)


def test_the_runner_fails_in_one_line_before_building_anything(tmp_path):
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    script = os.path.join(REPO, "tests", "compat", "venvs.py")
    bad = write(tmp_path, "# compat 1.14: flytekit=1.14.9")
    out = subprocess.run([sys.executable, script, "--constraints", bad], capture_output=True, text=True, env=env)
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr == "error: constraints.txt:3: 'flytekit=1.14.9' is not an exact pin; write it as name==version\n"
    none = write(tmp_path)
    out = subprocess.run([sys.executable, script, "--constraints", none], capture_output=True, text=True, env=env)
    assert (out.returncode, out.stderr) == (1, "error: constraints.txt has no '# compat X.Y:' line\n")
    out = subprocess.run([sys.executable, script, "--minor", "1.9"], capture_output=True, text=True, env=env)
    assert out.returncode == 1
    assert out.stderr == "error: no compat line for flytekit 1.9; the ones there are: 1.13, 1.14, 1.15\n"


def test_a_venv_is_current_only_for_the_pins_it_was_built_from(tmp_path):
    pins, minors = venvs.read_constraints()
    text = venvs.derive(pins, minors["1.13"])
    venv = tmp_path / "1.13"
    assert not venvs.is_current(str(venv), text)  # never built
    venv.mkdir()
    assert not venvs.is_current(str(venv), text)  # a build killed before its stamp
    (venv / ".installed").write_text(venvs.fingerprint(text) + "\n")
    assert venvs.is_current(str(venv), text)
    assert not venvs.is_current(str(venv), text.replace("flytekit==1.13.15", "flytekit==1.13.14"))


def test_the_subset_is_the_marked_modules_and_the_closing_line_adds_the_minors_up():
    files = venvs.subset_files()
    assert "tests/unit/test_flytekit_internals.py" in files and "tests/integration/cluster/test_cluster.py" in files
    assert "tests/unit/test_compat_pins.py" not in files
    closing = venvs.total(["113 passed", "110 passed, 2 failed, 1 skipped", "1 error"])
    assert closing == "223 passed, 3 failed, 1 skipped"


def test_print_constraints_writes_a_minor_s_pins_for_an_image():
    script = os.path.join(REPO, "tests", "compat", "venvs.py")
    out = subprocess.run([sys.executable, script, "--print-constraints", "1.15"], capture_output=True, text=True)
    pins, minors = venvs.read_constraints()
    assert out.returncode == 0 and out.stdout == venvs.derive(pins, minors["1.15"])
    assert "flytekit==1.15.4\n" in out.stdout and "protobuf==5.29.6\n" in out.stdout
