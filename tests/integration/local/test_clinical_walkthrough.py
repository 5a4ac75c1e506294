"""docs/clinical.md's walk through, run as written: its bash blocks, in order, in a scratch copy of the flows and
the SAS data, with a fresh store. What the page shows of each command's output must be what the commands print
(run ids and times aside)."""

import getpass
import os
import re
import shutil
import subprocess
import sys

import dsjframe
from repo_paths import REPO, TESTS

DOC = os.path.join(REPO, "docs", "clinical.md")
IDS = re.compile(r"local-\d{8}T\d{6}-[0-9a-f]{8}|\d{4}-\d\d-\d\d \d\d:\d\d|sha256 [0-9a-f]{12}\.\.\."
                 r"|head sha256 [0-9a-f]+")


def walkthrough():
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    section = text[text.index("## A walk through"):text.index("\n## ", text.index("## A walk through") + 3)]
    return (re.findall(r"```bash\n(.*?)```", section, re.S), re.findall(r"```text\n(.*?)```", section, re.S))


def lines(text):
    return [IDS.sub("<id>", line).rstrip() for line in text.splitlines() if line.strip() and line.strip() != "..."]


def test_the_walkthrough_runs_as_written(tmp_path):
    commands, shown = walkthrough()
    assert len(commands) == 5 and len(shown) == 4
    work = tmp_path / "checkout"
    shutil.copytree(os.path.join(TESTS, "flows"), work / "tests" / "flows")
    shutil.copytree(os.path.join(TESTS, "data", "sas"), work / "tests" / "data" / "sas")
    script = "\n".join(commands).replace("$(mktemp -d)", str(tmp_path))
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    r = subprocess.run(["bash", "-c", script], cwd=work, capture_output=True, text=True, timeout=600, env=env)
    out = lines(r.stdout)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    for block in shown:  # every line the page shows, in the order shown, is in the output
        at = 0
        for line in lines(block):
            if "audit" in block and line[:1] in "┏┃┡│└" and getpass.getuser() != "root":
                continue  # the audit table's widths follow the user's name, which is root on the page
            assert line in out[at:], f"{line!r} not printed (after line {at}):\n" + "\n".join(out)
            at = out.index(line, at) + 1
    doc = work / "tests" / "adtte.json"
    assert dsjframe.validate_dataset(str(doc))["ok"]
