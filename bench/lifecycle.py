"""Durable writes and garbage collection, against baselines measured in the same run. Nothing is asserted.

    python bench/lifecycle.py [--files 200] [--big-mib 256] [--runs 10000] [--rounds 3] [--only small,big,gc]

* ``small``: one local run of a workflow whose task returns ``--files`` small artifact files, vs the same workflow
  returning plain ``FlyteFile`` outputs (which local runs leave where they are); every run writes new bytes, so
  nothing is kept or summarised already. Aim: at most 1.3x. Also printed:
  the same run with summaries off, and a floor: the plain run plus a hand-written loop that copies each file to its
  content address, writes one small record per file and syncs them at once (what any design keeping a copy and a
  record per file must do).
* ``big``: recording a ``--big-mib`` MiB file into a local store (bytes durable) vs ``cp`` + ``sync`` of it
  (aim: at most 1.0x); recording the same bytes again vs ``openssl dgst -sha256`` of them (aim: at most 1.2x).
* ``gc``: ``gc`` over a local store of ``--runs`` runs (a tenth of them pruned first, so there is garbage) vs
  listing the store's objects once (every file, with its size and age). Aim: at most 2x.

Medians of ``--rounds`` rounds; the two sides of each ratio alternate.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

FLOW = '''
import os, tempfile, time, typing
from flytekit import task, workflow
from flytekit.types.file import FlyteFile
from flytekitplugins.artifacts import Artifact, DATA

Data = Artifact("Bench Data", DATA)
N = {n}
Out = typing.NamedTuple("Out", [(f"o{{i}}", {kind}) for i in range(N)])

@task
def make() -> Out:
    d = tempfile.mkdtemp()
    run = time.time_ns()  # new bytes every run: nothing is kept (or summarised) already
    paths = []
    for i in range(N):
        p = os.path.join(d, f"f{{i}}.csv")
        with open(p, "w") as f:
            f.write(f"a,b,run\\n{{i}},{{i * 2}},{{run}}\\n")
        paths.append(p)
    return Out(*paths)

@workflow
def wf() -> Out:
    return make()
'''


def median_pair(a, b, rounds):
    ta, tb = [], []
    for _ in range(rounds):
        for fn, out in ((a, ta), (b, tb)):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return statistics.median(ta), statistics.median(tb)


def floor_loop(n: int, work: str):
    """What any design that keeps a copy and a record per file must do at least, written by hand: copy each of ``n``
    small files to its content address, write one small JSON record per file, sync them all at once."""
    from flytekitplugins.artifacts.backends.durable import syncfs

    src = os.path.join(work, "floor-src")
    os.makedirs(src, exist_ok=True)
    paths = []
    for i in range(n):
        paths.append(os.path.join(src, f"f{i}.csv"))
        with open(paths[-1], "w") as f:
            f.write(f"a,b,run\n{i},{i * 2},")
    rounds = []

    def loop():
        root = os.path.join(work, f"floor-{len(rounds)}")
        rounds.append(root)
        for p in paths:
            with open(p, "rb") as f:
                data = f.read() + str(len(rounds)).encode()  # new bytes every round, like the runs'
            sha = hashlib.sha256(data).hexdigest()
            for key, body in ((f"blobs/{sha[:2]}/{sha}", data),
                              (f"records/{os.path.basename(p)}.json", json.dumps({"sha256": sha}).encode())):
                dst = os.path.join(root, key)
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                with open(dst + ".tmp", "wb") as f:
                    f.write(body)
                os.replace(dst + ".tmp", dst)
        if not syncfs(root):
            os.sync()

    return loop


def bench_small(n: int, rounds: int, work: str) -> None:
    sys.path.insert(0, work)
    mods = {}
    for name, kind in (("art_flow", 'Data.File(name=f"f{i}.csv")'), ("plain_flow", "FlyteFile")):
        with open(os.path.join(work, name + ".py"), "w") as f:
            f.write(FLOW.format(n=n, kind=kind))
        mods[name] = importlib.import_module(name)
    os.environ["FLYTE_ARTIFACTS_ROOT"] = os.path.join(work, "small-store")
    mods["art_flow"].wf()  # compile and warm up both
    mods["plain_flow"].wf()
    floor = floor_loop(n, work)

    def art_without_summaries():
        os.environ["FLYTE_ARTIFACTS_SUMMARIES"] = "0"
        try:
            mods["art_flow"].wf()
        finally:
            del os.environ["FLYTE_ARTIFACTS_SUMMARIES"]

    sides = {"art": mods["art_flow"].wf, "bare": art_without_summaries, "plain": mods["plain_flow"].wf,
             "floor": floor}
    times = {k: [] for k in sides}
    for _ in range(rounds):
        for k, fn in sides.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    art, bare, plain, loop = (statistics.median(times[k]) for k in ("art", "bare", "plain", "floor"))
    print(f"small: {n} artifact files in one local run {art:.3f}s vs plain FlyteFile outputs {plain:.3f}s: "
          f"ratio {art / plain:.2f} (aim <= 1.3)")
    print(f"small: the same with summaries off {bare:.3f}s: ratio {bare / plain:.2f}")
    print(f"small: floor, the plain run plus copying, recording and syncing the files by hand ({loop:.3f}s): "
          f"ratio {(plain + loop) / plain:.2f}")

def bench_big(mib: int, rounds: int, work: str) -> None:
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore
    from flytekitplugins.artifacts.store.durability import group_commit

    src = os.path.join(work, "big.bin")
    with open(src, "wb") as f:
        for _ in range(mib):
            f.write(os.urandom(1 << 20))
    os.sync()
    roots = []

    def record_new():
        root = os.path.join(work, f"big-store-{len(roots)}")
        roots.append(root)
        store = ArtifactStore(root)
        with group_commit(store):
            store.put_local_file(src)

    def cp_sync():
        dst = os.path.join(work, "cp.bin")
        subprocess.run(["cp", src, dst], check=True)
        subprocess.run(["sync"], check=True)
        os.unlink(dst)

    new, cp = [], []
    for _ in range(rounds):
        for fn, out in ((record_new, new), (cp_sync, cp)):
            os.sync()
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
        shutil.rmtree(roots[-1])
    new_t, cp_t = statistics.median(new), statistics.median(cp)
    print(f"big: recording {mib} MiB {new_t:.3f}s vs cp + sync {cp_t:.3f}s: ratio {new_t / cp_t:.2f} (aim <= 1.0)")
    kept = ArtifactStore(os.path.join(work, "big-store-kept"))
    kept.put_local_file(src)

    def again():
        with group_commit(kept):
            kept.put_local_file(src)

    def openssl():
        subprocess.run(["openssl", "dgst", "-sha256", src], check=True, stdout=subprocess.DEVNULL)

    again_t, ssl_t = median_pair(again, openssl, rounds)
    print(f"big: recording the same {mib} MiB again {again_t:.3f}s vs openssl dgst -sha256 {ssl_t:.3f}s: "
          f"ratio {again_t / ssl_t:.2f} (aim <= 1.2)")


def bench_gc(runs: int, rounds: int, work: str) -> None:
    from flytekitplugins.artifacts.ops.lifecycle import collect_garbage, prune_runs
    from flytekitplugins.artifacts.ops.lifecycle.objects import list_files
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore, Record
    from flytekitplugins.artifacts.store.durability import group_commit
    from flytekitplugins.artifacts.store.identity import utc_now

    root = os.path.join(work, "gc-store")
    store = ArtifactStore(root)
    src = os.path.join(work, "gc-src.csv")
    t0 = time.perf_counter()
    with group_commit(store):
        for i in range(runs):
            with open(src, "w") as f:
                f.write(f"a,b\n{i},{i % 7}\n")
            uri, size, sha = store.put_local_file(src)
            store.add_record(Record(
                execution_id=f"run-{i:05d}", project="p", domain="d", workflow=f"wf{i % 10}", node_id="n0",
                task="t", output_name="o0", artifact="Bench", type="DATA", filename="data.csv", file_type="csv",
                uri=uri, size=size, sha256=sha, created_at=utc_now()))
    print(f"gc: made a store of {runs} runs in {time.perf_counter() - t0:.1f}s")
    prune_runs(store, keep_last=max(1, runs // 10 * 9 // 10))
    objects = len(list_files(store.backend, "", include_temp=True))

    def listing():
        list_files(store.backend, "", include_temp=True)

    def gc():
        collect_garbage(store, grace=0)

    gc_t, list_t = median_pair(gc, listing, rounds)
    print(f"gc: gc over {runs} runs ({objects} objects) {gc_t:.3f}s vs listing them once {list_t:.3f}s: "
          f"ratio {gc_t / list_t:.2f} (aim <= 2)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--files", type=int, default=200)
    p.add_argument("--big-mib", type=int, default=256)
    p.add_argument("--runs", type=int, default=10000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--only", default="small,big,gc")
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="bench-lifecycle-", dir=os.environ.get("BENCH_TMP"))
    try:
        only = set(args.only.split(","))
        if "big" in only:
            bench_big(args.big_mib, args.rounds, work)
        if "gc" in only:
            bench_gc(args.runs, args.rounds, work)
        if "small" in only:
            bench_small(args.files, args.rounds, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
