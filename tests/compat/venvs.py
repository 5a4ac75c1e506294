"""Builds one virtualenv per older flytekit minor and runs the compat subset of the suite in each (``make compat``).

The pins come from ``constraints.txt``: every pin there applies, except that the ``# compat X.Y:`` lines at its end
name minor X.Y's flytekit and the few pins that must differ for that flytekit to resolve. This script derives each
minor's constraints file from those two (``.venv-compat/<minor>.constraints.txt``, never committed), and builds
``.venv-compat/<minor>`` only when that file or ``setup.py`` changed since the last build. It needs only the
standard library, so it runs before any virtualenv exists.

    python3 tests/compat/venvs.py                 # every minor: build if needed, run the subset, one line each
    python3 tests/compat/venvs.py --minor 1.14    # one minor
    python3 tests/compat/venvs.py --build-only    # build (or check) the venvs, run nothing
    python3 tests/compat/venvs.py --print-constraints 1.14 > constraints-1.14.txt   # pins for a 1.14 image

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
# What the subset needs besides the package and its summaries (inspect): the test runner and the S3 server the pod
# by pod test talks to. The rest of the test extra (the browser, compare, lint tools) is left out of these venvs.
SUBSET_REQUIRES = ["pytest", "pytest-xdist", "moto[server]"]
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


def install_steps(venv: str, constraints_path: str, uv: typing.Optional[str]) -> typing.List[typing.List[str]]:
    """The commands that make a venv: the venv, pip's own tools, then the package with what the subset needs.

    With ``uv`` (the main venv has it) the packages are linked from uv's cache, so the second and third venvs take
    seconds; without it pip installs them, several times slower."""
    if uv:
        first = [uv, "venv", "--quiet", "--python", sys.executable, venv]
        install = [uv, "pip", "install", "--quiet", "--python", os.path.join(venv, "bin", "python")]
    else:
        first = [sys.executable, "-m", "venv", venv]
        install = [os.path.join(venv, "bin", "python"), "-m", "pip", "install", "--quiet",
                   "--disable-pip-version-check"]
    install += ["-c", constraints_path]
    return [
        first,
        install + ["--upgrade", "pip", "setuptools", "wheel"],
        # Built with the pinned setuptools above instead of an isolated build env fetched anew each time.
        install + ["--no-build-isolation", "-e", ".[inspect]", *SUBSET_REQUIRES],
    ]


def fingerprint(constraints_text: str) -> str:
    """What a venv is built from: its constraints, setup.py, what is installed and this interpreter."""
    h = hashlib.sha256(constraints_text.encode())
    with open(SETUP, "rb") as f:
        h.update(f.read())
    h.update(repr([SUBSET_REQUIRES, "inspect"]).encode())
    h.update(sys.version.encode())
    return h.hexdigest()


def is_current(venv: str, constraints_text: str) -> bool:
    """Whether ``venv`` was completely built from exactly these pins (its stamp is written last)."""
    try:
        with open(os.path.join(venv, ".installed"), encoding="utf-8") as f:
            return f.read().strip() == fingerprint(constraints_text)
    except OSError:
        return False


def build(venv: str, constraints_text: str, log: typing.TextIO, uv: typing.Optional[str] = None) -> bool:
    """Make ``venv`` from scratch; True when every step succeeded (a failed or killed build has no stamp)."""
    shutil.rmtree(venv, ignore_errors=True)
    os.makedirs(os.path.dirname(venv), exist_ok=True)
    constraints_path = venv + ".constraints.txt"
    with open(constraints_path, "w", encoding="utf-8") as f:
        f.write(constraints_text)
    for step in install_steps(venv, constraints_path, uv):
        log.write(f"$ {' '.join(step)}\n")
        log.flush()
        if subprocess.run(step, cwd=REPO, stdout=log, stderr=subprocess.STDOUT).returncode != 0:
            return False
    with open(os.path.join(venv, ".installed"), "w", encoding="utf-8") as f:
        f.write(fingerprint(constraints_text) + "\n")
    return True


def subset_files(tests: str = os.path.join(REPO, "tests")) -> typing.List[str]:
    """The test modules with tests marked ``compat`` (only these are collected, so others' imports never matter)."""
    found = []
    for folder, dirs, files in os.walk(tests):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.startswith("test_") and name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as f:
                    if "pytest.mark.compat" in f.read():
                        found.append(os.path.relpath(path, REPO))
    return found


def run_subset(venv: str, log: typing.TextIO, workers: str) -> typing.Tuple[int, str]:
    """Run the ``compat`` tests with the venv's Python; pytest's exit code and its closing counts."""
    cmd = [os.path.join(venv, "bin", "python"), "-m", "pytest", "-q", "-m", "compat", "-p", "no:cacheprovider"]
    if workers != "0":
        cmd += ["-n", workers]
    cmd += subset_files()
    log.write(f"$ {' '.join(cmd)}\n")
    log.flush()
    proc = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log.write(proc.stdout)
    lines = [ln for ln in proc.stdout.splitlines() if COUNTS.search(ln)]
    counts = ", ".join(f"{n} {word}" for n, word in COUNTS.findall(lines[-1])) if lines else "no test counts"
    return proc.returncode, counts


def installed_flytekit(venv: str) -> str:
    """The flytekit version the venv really has (what the summary line names)."""
    code = "import importlib.metadata as m; print(m.version('flytekit'))"
    out = subprocess.run([os.path.join(venv, "bin", "python"), "-c", code], capture_output=True, text=True)
    return out.stdout.strip() or "?"


def one_minor(minor: str, constraints_text: str, args: argparse.Namespace) -> typing.Tuple[bool, str]:
    """Build (if needed) and test one minor; prints its summary line; whether it passed, and pytest's counts."""
    venv = os.path.join(VENVS, minor)
    log_path = os.path.join(VENVS, f"{minor}.log")
    os.makedirs(VENVS, exist_ok=True)
    start = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log:
        if is_current(venv, constraints_text):
            venv_note = "venv cached"
        elif build(venv, constraints_text, log, args.uv if args.uv and os.path.exists(args.uv) else None):
            venv_note = f"venv built in {time.monotonic() - start:.0f}s"
        else:
            print(f"flytekit {minor}: FAILED: venv build ({time.monotonic() - start:.0f}s; see {rel(log_path)})")
            return False, "1 error"  # counted as a failure in the closing line
        version = installed_flytekit(venv)
        if args.build_only:
            print(f"flytekit {version}: ready ({venv_note})")
            return True, ""
        tests_start = time.monotonic()
        code, counts = run_subset(venv, log, args.workers)
    took = time.monotonic() - tests_start
    verdict = "ok" if code == 0 else f"FAILED (pytest exit {code}; see {rel(log_path)})"
    print(f"flytekit {version}: {verdict}: {counts} in {took:.0f}s ({venv_note})", flush=True)
    return code == 0, counts


def rel(path: str) -> str:
    """``path`` as the repository sees it (summaries name no machine paths)."""
    return os.path.relpath(path, REPO)


def main(argv: typing.Optional[typing.List[str]] = None) -> int:
    """Build and test each minor in turn, one summary line each; exit 1 if any failed."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog="example: python3 tests/compat/venvs.py --minor 1.14"
    )
    parser.add_argument("--minor", action="append", help="only this flytekit minor, e.g. 1.14 (repeatable)")
    parser.add_argument("--build-only", action="store_true", help="build (or check) the venvs, run no test")
    parser.add_argument("-n", "--workers", default=os.environ.get("COMPAT_WORKERS", "2"),
                        help="pytest-xdist workers per run, 0 for none (default 2, or $COMPAT_WORKERS)")
    parser.add_argument("--uv", help="build with this uv (make compat passes the main venv's); default: pip")
    parser.add_argument("--print-constraints", metavar="MINOR",
                        help="print that minor's constraints (for an image on that flytekit), build nothing")
    parser.add_argument("--constraints", default=CONSTRAINTS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        pins, minors = read_constraints(args.constraints)
        if not minors:
            raise CompatError(f"{os.path.basename(args.constraints)} has no '# compat X.Y:' line")
        if args.print_constraints:
            args.minor = [args.print_constraints]
        chosen = args.minor or sorted(minors, key=lambda m: tuple(int(p) for p in m.split(".")))
        missing = [m for m in chosen if m not in minors]
        if missing:
            raise CompatError(
                f"no compat line for flytekit {', '.join(missing)}; the ones there are: {', '.join(sorted(minors))}"
            )
        derived = {m: derive(pins, minors[m]) for m in chosen}
    except (CompatError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if args.print_constraints:
        sys.stdout.write(derived[args.print_constraints])
        return 0
    results = [one_minor(m, derived[m], args) for m in chosen]
    if not args.build_only:
        print(f"compat: {total(counts for _, counts in results)}")
    return 0 if all(ok for ok, _ in results) else 1


def total(counts: typing.Iterable[str]) -> str:
    """The minors' counts added up, as pytest's closing line puts them: ``N passed, N failed[, N skipped]``."""
    sums = {"passed": 0, "failed": 0, "skipped": 0}
    for line in counts:
        for n, word in COUNTS.findall(line):
            key = "failed" if word.startswith("error") else word
            if key in sums:
                sums[key] += int(n)
    text = f"{sums['passed']} passed, {sums['failed']} failed"
    return text + (f", {sums['skipped']} skipped" if sums["skipped"] else "")


if __name__ == "__main__":
    sys.exit(main())
