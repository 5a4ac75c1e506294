"""How fast the CLI starts and answers, against baselines measured in the same run.

    python bench/cli.py [--runs 2000] [--repeat 15]

* ``flyte-artifacts --help`` and ``flyte-artifacts list --json`` on an empty local store, each vs
  ``python -c "import click, rich.console"`` (the floor of any click + rich CLI). Aim: at most 2x.
* ``flyte-artifacts get ARTIFACT FILENAME -o OUT`` (the newest version) on a store of ``--runs`` runs vs the same
  command on a store of one run. Aim: at most 1.3x: the index makes a newest-version query independent of the
  store's size.

Every figure is the median wall time of ``--repeat`` fresh processes; the sides alternate so that neither gets
a warmer cache. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")


def wall(cmd, env) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def compare(named_cmds, env, repeat):
    """Median wall time of each command, run in turn ``repeat`` times."""
    times = {name: [] for name, _ in named_cmds}
    for _ in range(repeat):
        for name, cmd in named_cmds:
            times[name].append(wall(cmd, env))
    return {name: statistics.median(ts) for name, ts in times.items()}


def make_store(root: str, runs: int, payload: str) -> None:
    """A store of ``runs`` runs, each recording ``ADaM/adsl.csv`` (and a second artifact), written with the API."""
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore, Record
    from flytekitplugins.artifacts.store.identity import utc_now

    store = ArtifactStore(root)
    uri, size, sha = store.put_local_file(payload)
    for i in range(runs):
        for artifact, filename in (("ADaM", "adsl.csv"), ("TFL", "report.pdf")):
            store.add_record(Record(
                execution_id=f"run-{i:05d}", project="p", domain="d", workflow="wf", node_id="n0", task="t",
                output_name="o0", artifact=artifact, type="DATA", filename=filename, file_type="csv", uri=uri,
                size=size, sha256=sha, created_at=utc_now(),
            ))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2000, help="runs in the large store")
    parser.add_argument("--repeat", type=int, default=15, help="processes per figure")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, FLYTE_ARTIFACTS_ROOT=os.path.join(tmp, "empty"), COLUMNS="80")
        os.makedirs(env["FLYTE_ARTIFACTS_ROOT"])  # an empty store (a root where nothing is would be an error)
        floor = [sys.executable, "-c", "import click, rich.console"]
        t = compare([("floor", floor), ("help", [CLI, "--help"]), ("list", [CLI, "list", "--json"])], env,
                    args.repeat)
        print(f"python -c 'import click, rich.console'   {t['floor'] * 1000:7.1f} ms")
        for key, label in (("help", "flyte-artifacts --help"), ("list", "flyte-artifacts list --json (empty)")):
            print(f"{label:<40} {t[key] * 1000:7.1f} ms   ratio {t[key] / t['floor']:.2f}  (aim <= 2)")

        payload = os.path.join(tmp, "adsl.csv")
        with open(payload, "w") as f:
            f.write("USUBJID,AGE\n" + "".join(f"S{i},{20 + i % 50}\n" for i in range(5000)))
        small, large = os.path.join(tmp, "one"), os.path.join(tmp, "many")
        make_store(small, 1, payload)
        t0 = time.perf_counter()
        make_store(large, args.runs, payload)
        print(f"(built a store of {args.runs} runs in {time.perf_counter() - t0:.1f} s)")
        out = os.path.join(tmp, "out.csv")
        get = ["get", "ADaM", "adsl.csv", "-o", out]
        t = compare([("one", [CLI, "--root", small, *get]), ("many", [CLI, "--root", large, *get])], env, args.repeat)
        print(f"get newest on a store of 1 run           {t['one'] * 1000:7.1f} ms")
        print(f"get newest on a store of {args.runs} runs      {t['many'] * 1000:7.1f} ms   ratio "
              f"{t['many'] / t['one']:.2f}  (aim <= 1.3)")


if __name__ == "__main__":
    main()
