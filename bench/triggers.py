"""How much a sweep that finds nothing new costs, against baselines measured in the same run.

    python bench/triggers.py [--runs 10000] [--repeat 7]

On a store of ``--runs`` runs of ``ADaM/adsl.csv`` whose trigger has already started:

* ``flyte-artifacts triggers run --once FLOWS`` vs ``flyte-artifacts --help``. Aim: at most 1.5x. The file's
  manifest in the store (its triggers, by the sha256 of its bytes) lets a sweep that finds nothing new skip
  importing the file and flytekit; the figure is also given against ``python -c "import flytekit"``.
* the same sweep right after the file changed (a new sha256: the file is imported, a manifest written), each
  process on a file with another comment line, to show what the manifest saves.
* the sweep alone, in one process (``ops.triggers.sweep``), on the large store vs a store of one run: the ledger
  and the file index make it independent of the store's size.

Every figure is a median; the sides alternate so that neither gets a warmer cache. Nothing here is asserted.
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
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from cli import CLI, compare  # noqa: E402 - the CLI benchmark's helpers

FLOWS = '''
from flytekit import task, workflow
from flytekit.types.file import FlyteFile
from flytekitplugins.artifacts import DATA, Artifact, Trigger, on_artifact

ADaM = Artifact("ADaM", DATA)


@task
def count(adsl: FlyteFile) -> int:
    with open(adsl) as f:
        return len(f.readlines())


@workflow
def tfl(adsl: FlyteFile) -> int:
    return count(adsl=adsl)


on_adsl = Trigger(on=on_artifact(ADaM, filename="adsl.csv"), launch=tfl, input="adsl")
'''


#: Writes the flow file with a fresh comment line (new bytes, so no manifest yet), then sweeps it once.
CHANGED = (
    "import subprocess, sys, uuid\n"
    f"src = {FLOWS!r}\n"
    "open(sys.argv[1], 'w').write(src + '# ' + uuid.uuid4().hex + '\\n')\n"
    "subprocess.run([sys.argv[2], 'triggers', 'run', '--once', sys.argv[1]], check=True, capture_output=True)\n"
)


def make_store(root: str, runs: int, payload: str) -> None:
    """A store of ``runs`` succeeded runs, each recording ``ADaM/adsl.csv``, written with the API."""
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore, Record
    from flytekitplugins.artifacts.store.durability import group_commit
    from flytekitplugins.artifacts.store.identity import utc_now

    store = ArtifactStore(root)
    uri, size, sha = store.put_local_file(payload)
    for start in range(0, runs, 500):
        with group_commit(store):  # one sync per 500 runs: the store is built faster, and reads the same
            for i in range(start, min(runs, start + 500)):
                store.add_record(Record(
                    execution_id=f"run-{i:05d}", project="p", domain="d", workflow="wf", node_id="n0", task="t",
                    output_name="o0", artifact="ADaM", type="DATA", filename="adsl.csv", file_type="csv", uri=uri,
                    size=size, sha256=sha, created_at=utc_now(),
                ))


def in_process(roots, trig, repeat: int) -> dict:
    from flytekitplugins.artifacts.ops.triggers import sweep
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

    times = {name: [] for name in roots}
    for _ in range(repeat):
        for name, root in roots.items():
            store = ArtifactStore(root)
            t0 = time.perf_counter()
            result = sweep(store, trig)
            times[name].append(time.perf_counter() - t0)
            assert not result.launched, "the benchmark's sweep must find nothing new"
    return {name: statistics.median(ts) for name, ts in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10000, help="runs in the large store")
    parser.add_argument("--repeat", type=int, default=7, help="processes per figure")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        payload = os.path.join(tmp, "adsl.csv")
        with open(payload, "w") as f:
            f.write("USUBJID,AGE\n" + "".join(f"S{i},{20 + i % 50}\n" for i in range(100)))
        flows = os.path.join(tmp, "bench_flows.py")
        with open(flows, "w") as f:
            f.write(FLOWS)
        small, large = os.path.join(tmp, "one"), os.path.join(tmp, "many")
        make_store(small, 1, payload)
        t0 = time.perf_counter()
        make_store(large, args.runs, payload)
        print(f"(built a store of {args.runs} runs in {time.perf_counter() - t0:.1f} s)")

        sys.path.insert(0, tmp)
        from flytekitplugins.artifacts.ops.trigger_files import declared_in
        from flytekitplugins.artifacts.ops.triggers import sweep
        from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

        trig = declared_in([flows])[0]
        for root in (small, large):
            sweep(ArtifactStore(root), trig)  # the trigger starts from now: nothing after is new

        env = dict(os.environ, FLYTE_ARTIFACTS_ROOT=large, COLUMNS="80")
        subprocess.run([CLI, "triggers", "run", "--once", flows], env=env, check=True, capture_output=True)
        changed = os.path.join(tmp, "changed.py")
        t = compare([("help", [CLI, "--help"]), ("flytekit", [sys.executable, "-c", "import flytekit"]),
                     ("sweep", [CLI, "triggers", "run", "--once", flows]),
                     ("changed", [sys.executable, "-c", CHANGED, changed, CLI])], env, args.repeat)
        print(f"flyte-artifacts --help                      {t['help'] * 1000:8.1f} ms")
        print(f"python -c 'import flytekit'                 {t['flytekit'] * 1000:8.1f} ms")
        print(f"triggers run --once, {args.runs} runs, nothing new {t['sweep'] * 1000:8.1f} ms   ratio to --help "
              f"{t['sweep'] / t['help']:.2f} (aim <= 1.5), to import flytekit {t['sweep'] / t['flytekit']:.2f}")
        print(f"the same, the file just changed (imported)  {t['changed'] * 1000:8.1f} ms   ratio to --help "
              f"{t['changed'] / t['help']:.2f}")
        t = in_process({"one": small, "many": large}, trig, args.repeat * 3)
        print(f"sweep alone, store of 1 run                 {t['one'] * 1000:8.2f} ms")
        print(f"sweep alone, store of {args.runs} runs          {t['many'] * 1000:8.2f} ms   ratio "
              f"{t['many'] / t['one']:.2f}")


if __name__ == "__main__":
    main()
