"""Builds one virtualenv per older flytekit minor and runs the compat subset of the suite in each (``make compat``).

The pins come from ``constraints.txt``: every pin there applies, except that each ``# compat:`` line at its end
names a minor's flytekit and the few pins that must differ for that flytekit to resolve. This script derives each
minor's constraints file from those two (``.venv-compat/<minor>/constraints.txt``, never committed), and builds
``.venv-compat/<minor>`` only when that file or ``setup.py`` changed since the last build. It needs only the
standard library, so it runs before any virtualenv exists.

    python3 tests/compat/venvs.py                 # every minor: build if needed, run the subset, one line each
    python3 tests/compat/venvs.py --minor 1.14    # one minor
    python3 tests/compat/venvs.py --build-only    # build (or check) the venvs, run nothing

Exit code: 0 when the subset passed on every minor asked for, 1 otherwise (a failed build counts as a failure).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import typing

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONSTRAINTS = os.path.join(REPO, "constraints.txt")
SETUP = os.path.join(REPO, "setup.py")
VENVS = os.path.join(REPO, ".venv-compat")
# "# compat 1.14: name==version name==version ..." (several lines per minor may add to each other).
MARKER = re.compile(r"^# compat (\d+\.\d+):(.*)$")
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$")
# pytest's closing line, e.g. "12 passed, 1 skipped in 30.1s" (the counts are what the summary repeats).
COUNTS = re.compile(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed|deselected)")


class CompatError(Exception):
    """A constraints file this script cannot use, named with the line to fix."""


def normalize(name: str) -> str:
    """A distribution name as pip compares it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_pin(text: str, where: str) -> typing.Tuple[str, str]:
    """``name==version`` as ``(name, version)``; anything else is refused, naming ``where``."""
    m = PIN.match(text)
    if not m:
        raise CompatError(f"{where}: {text!r} is not an exact pin; write it as name==version")
    return m.group(1), m.group(2)


Overrides = typing.Dict[str, typing.Dict[str, str]]


def read_constraints(path: str = CONSTRAINTS) -> typing.Tuple[typing.List[str], Overrides]:
    """The pin lines of ``path`` and, per flytekit minor, its override pins (normalized name -> ``name==version``)."""
    pins: typing.List[str] = []
    minors: Overrides = {}
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = raw.strip()
            where = f"{os.path.basename(path)}:{number}"
            m = MARKER.match(line)
            if m:
                overrides = minors.setdefault(m.group(1), {})
                for item in m.group(2).split():
                    name, version = parse_pin(item, where)
                    if normalize(name) in overrides:
                        raise CompatError(f"{where}: {name} is pinned twice for flytekit {m.group(1)}; keep one")
                    overrides[normalize(name)] = f"{name}=={version}"
            elif line.startswith("# compat"):
                raise CompatError(f"{where}: write compat lines as '# compat X.Y: name==version ...'")
            elif line and not line.startswith("#"):
                parse_pin(line, where)
                pins.append(line)
    for minor, overrides in minors.items():
        flytekit = overrides.get("flytekit", "")
        if not flytekit.startswith(f"flytekit=={minor}."):
            raise CompatError(f"the compat lines of {minor} must pin a flytekit {minor}.N, e.g. flytekit=={minor}.0")
    return pins, minors


def derive(pins: typing.List[str], overrides: typing.Dict[str, str]) -> str:
    """The constraints of one minor: every pin, with the overridden ones replaced in place."""
    names = {normalize(p.split("==", 1)[0]) for p in pins}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise CompatError(
            f"compat override(s) {', '.join(unknown)} pin nothing in constraints.txt; add the base pin first"
        )
    out = [overrides.get(normalize(p.split("==", 1)[0]), p) for p in pins]
    return "".join(line + "\n" for line in out)


def fingerprint(constraints_text: str) -> str:
    """What a built venv was built from: its constraints, setup.py and this interpreter's version."""
    h = hashlib.sha256(constraints_text.encode())
    with open(SETUP, "rb") as f:
        h.update(f.read())
    h.update(sys.version.encode())
    return h.hexdigest()


def build(minor: str, constraints_text: str, log: typing.TextIO) -> bool:
    """Make ``.venv-compat/<minor>`` current; True when it is (built now or already)."""
    venv = os.path.join(VENVS, minor)
    stamp = os.path.join(venv, ".installed")
    want = fingerprint(constraints_text)
    if os.path.exists(stamp) and open(stamp).read().strip() == want:
        return True
    shutil.rmtree(venv, ignore_errors=True)
    os.makedirs(VENVS, exist_ok=True)
    steps = [[sys.executable, "-m", "venv", venv]]
    cfile = os.path.join(venv, "constraints.txt")
    pip = [os.path.join(venv, "bin", "python"), "-m", "pip", "install", "--quiet", "-c", cfile]
    steps.append(pip + ["--upgrade", "pip", "setuptools", "wheel"])
    steps.append(pip + ["--no-build-isolation", "-e", ".[test]"])
    for i, step in enumerate(steps):
        if subprocess.run(step, cwd=REPO, stdout=log, stderr=subprocess.STDOUT).returncode != 0:
            return False
        if i == 0:
            with open(cfile, "w", encoding="utf-8") as f:
                f.write(constraints_text)
    with open(stamp, "w") as f:
        f.write(want + "\n")
    return True


def run_subset(minor: str, log: typing.TextIO, workers: str) -> typing.Tuple[int, str]:
    """Run the ``compat`` tests in the minor's venv; its exit code and pytest's counts."""
    python = os.path.join(VENVS, minor, "bin", "python")
    cmd = [python, "-m", "pytest", "-q", "-m", "compat", "-p", "no:cacheprovider", "tests"]
    if workers != "0":
        cmd += ["-n", workers]
    proc = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log.write(proc.stdout)
    lines = [ln for ln in proc.stdout.splitlines() if COUNTS.search(ln)]
    counts = ", ".join(f"{n} {word}" for n, word in COUNTS.findall(lines[-1])) if lines else "no counts"
    return proc.returncode, counts


def installed_flytekit(minor: str) -> str:
    """The flytekit version the minor's venv really has (what the summary line names)."""
    python = os.path.join(VENVS, minor, "bin", "python")
    out = subprocess.run([python, "-c", "import flytekit; print(flytekit.__version__)"], capture_output=True, text=True)
    return out.stdout.strip() or "?"


def main(argv: typing.Optional[typing.List[str]] = None) -> int:
    """Build and run each minor in turn; one summary line per minor."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minor", action="append", help="only this flytekit minor, e.g. 1.14 (repeatable)")
    parser.add_argument("--build-only", action="store_true", help="build the venvs, run no test")
    parser.add_argument("-n", "--workers", default=os.environ.get("COMPAT_WORKERS", "2"),
                        help="pytest-xdist workers per run (0: none); default 2")
    args = parser.parse_args(argv)
    try:
        pins, minors = read_constraints()
        chosen = args.minor or sorted(minors, key=lambda m: tuple(int(p) for p in m.split(".")))
        missing = [m for m in chosen if m not in minors]
        if missing:
            raise CompatError(f"no compat line for flytekit {', '.join(missing)}; known: {', '.join(minors)}")
        derived = {m: derive(pins, minors[m]) for m in chosen}
    except (CompatError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    ok = True
    for minor in chosen:
        os.makedirs(VENVS, exist_ok=True)
        log_path = os.path.join(VENVS, f"{minor}.log")
        start = time.monotonic()
        with open(log_path, "w", encoding="utf-8") as log:
            built = build(minor, derived[minor], log)
            if not built:
                print(f"flytekit {minor}: venv build FAILED ({time.monotonic() - start:.0f}s; see {log_path})")
                ok = False
                continue
            if args.build_only:
                print(f"flytekit {installed_flytekit(minor)}: venv ready ({time.monotonic() - start:.0f}s)")
                continue
            code, counts = run_subset(minor, log, args.workers)
        verdict = "ok" if code == 0 else "FAILED"
        took = time.monotonic() - start
        print(f"flytekit {installed_flytekit(minor)}: {verdict}: {counts} ({took:.0f}s; log {log_path})")
        ok = ok and code == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
