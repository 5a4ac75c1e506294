"""Many small artifact files, the way a workflow makes them: one task per file.

    python bench/small_files.py [--tasks 200] [--rounds 5] [--profile OUT.txt]

A workflow of ``--tasks`` tasks, each returning one small csv declared as an artifact file
(``Data.File(name="fNNN.csv")``), against the same workflow whose tasks return plain ``FlyteFile`` outputs. Each
call of the workflow is timed in-process (flytekit imported and both workflows compiled first), each artifact run
goes into a fresh store, and summaries are on, as they are by default. Every run writes new bytes, so nothing is
kept or summarised already. Aim: at most 1.3x.

Medians of ``--rounds`` rounds; the two sides alternate. ``--profile`` writes a cProfile of one more artifact run
(cumulative time, top 60 entries). Summaries are computed by a background process after the records are written
(``ops/background_summaries.py``): the bench waits for them after each artifact run, outside the timed call, so
the next side never shares the CPU with them, and prints how long they took to land too. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import io
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

FLOW = '''
import os, tempfile, time
from flytekit import task, workflow
from flytekit.types.file import FlyteFile
from flytekitplugins.artifacts import Artifact, DATA

Data = Artifact("Bench Small", DATA)
N = {n}

def _write(i: int) -> str:
    path = os.path.join(tempfile.mkdtemp(), f"f{{i:03d}}.csv")
    with open(path, "w") as f:
        f.write(f"a,b,run\\n{{i}},{{i * 2}},{{time.time_ns()}}\\n")  # new bytes every run
    return path

{tasks}

@workflow
def wf():
{calls}
'''


def flow_source(n: int, artifact: bool) -> str:
    tasks, calls = [], []
    for i in range(n):
        kind = f'Data.File(name="f{i:03d}.csv")' if artifact else "FlyteFile"
        tasks.append(f"@task\ndef t{i}() -> {kind}:\n    return _write({i})\n")
        calls.append(f"    t{i}()")
    return FLOW.format(n=n, tasks="\n".join(tasks), calls="\n".join(calls))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tasks", type=int, default=200)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--profile", default=None)
    args = p.parse_args()
    from flytekitplugins.artifacts.ops.background_summaries import wait_for_summaries
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

    work = tempfile.mkdtemp(prefix="bench-small-", dir=os.environ.get("BENCH_TMP"))
    sys.path.insert(0, work)
    try:
        mods = {}
        for name, artifact in (("small_art_flow", True), ("small_plain_flow", False)):
            with open(os.path.join(work, name + ".py"), "w") as f:
                f.write(flow_source(args.tasks, artifact))
            mods[name] = importlib.import_module(name)
        stores = []

        def fresh_store() -> None:
            stores.append(os.path.join(work, f"store-{len(stores)}"))
            os.environ["FLYTE_ARTIFACTS_ROOT"] = stores[-1]

        def art() -> None:
            mods["small_art_flow"].wf()

        def plain() -> None:
            mods["small_plain_flow"].wf()

        def landed() -> float:
            """Wait (untimed by the caller) until the newest run's background summaries are stored; returns when
            they landed, on the perf_counter clock."""
            store = ArtifactStore(stores[-1])
            wait_for_summaries(store, store.latest_execution(include_all=True))
            return time.perf_counter()

        fresh_store()
        art()  # compile and warm up both
        landed()
        plain()
        times = {"art": [], "plain": [], "summaries": []}
        for _ in range(args.rounds):
            for key, fn in (("art", art), ("plain", plain)):
                fresh_store()
                os.sync()
                t0 = time.perf_counter()
                fn()
                times[key].append(time.perf_counter() - t0)
                if key == "art":  # the summaries land before the next side starts: it never shares the CPU
                    times["summaries"].append(landed() - t0)
        a, b = statistics.median(times["art"]), statistics.median(times["plain"])
        s = statistics.median(times["summaries"])
        print(f"small files: {args.tasks} tasks x 1 artifact csv {a:.3f}s vs plain FlyteFile outputs {b:.3f}s: "
              f"ratio {a / b:.2f} (aim <= 1.3); {(a - b) / args.tasks * 1000:.2f} ms extra per file")
        print(f"small files: until every summary has landed (background) {s:.3f}s: ratio {s / b:.2f}")
        if args.profile:
            fresh_store()
            prof = cProfile.Profile()
            prof.runcall(art)
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(60)
            with open(args.profile, "w") as f:
                f.write(out.getvalue())
            print(f"profile of one artifact run: {args.profile}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
