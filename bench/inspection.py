"""Cost of inspection, as ratios measured in one run (interleaved rounds, medians):

1. recording ratio = wall time of a local workflow whose task returns a csv of --mib MiB as an artifact with
   record-time summaries on, over the same with ``FLYTE_ARTIFACTS_SUMMARIES=0``. Aim: at most 1.2.
2. show ratio = wall time of ``flyte-artifacts show`` on a recorded parquet of --mib MiB, over
   ``flyte-artifacts --help``. ``show`` reads the stored summary, not the file. Aim: at most 2.

Each recording round gets a fresh store, so no round finds the bytes already kept.

    .venv/bin/python bench/inspection.py [--mib 1024] [--rounds 3]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from flytekit import task, workflow

from flytekitplugins.artifacts import DATA, Artifact

Bench = Artifact("Bench Inspect", DATA)
SOURCE = {"csv": "", "parquet": ""}
CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
MiB = 1024 * 1024


@task
def csv_output() -> Bench.File(name="big.csv"):
    return SOURCE["csv"]


@task
def parquet_output() -> Bench.File(name="big.parquet"):
    return SOURCE["parquet"]


@workflow
def csv_wf() -> Bench.File(name="big.csv"):
    return csv_output()


@workflow
def parquet_wf() -> Bench.File(name="big.parquet"):
    return parquet_output()


def _chunk(rows: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table({
        "id": np.arange(seed * rows, (seed + 1) * rows),
        "value": rng.normal(size=rows),
        "score": rng.random(rows),
        "group": pa.array(rng.choice(["alpha", "beta", "gamma", "delta"], rows)),
        "count": rng.integers(0, 1_000_000, rows),
    })


def make_csv(path: str, mib: int) -> None:
    """A csv of about ``mib`` MiB: the same 64k-row block of varied values, repeated with new ids."""
    import pyarrow.csv as pacsv

    block = _chunk(65536, 0)
    sink = pa.BufferOutputStream()
    pacsv.write_csv(block.drop_columns(["id"]), sink, pacsv.WriteOptions(include_header=False))
    body = sink.getvalue().to_pybytes().splitlines(keepends=True)
    with open(path, "wb") as f:
        f.write(b"id,value,score,group,count\n")
        n = 0
        while f.tell() < mib * MiB:
            f.writelines(b"%d," % (n + i) + line for i, line in enumerate(body))
            n += len(body)


def make_parquet(path: str, mib: int) -> None:
    """An uncompressed parquet file of about ``mib`` MiB of random values, in row groups of 1M rows (~33 MiB)."""
    groups = max(1, -(-mib // 33))
    with pq.ParquetWriter(path, _chunk(1, 0).schema, compression="none") as writer:
        for seed in range(groups):
            writer.write_table(_chunk(1 << 20, seed))


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_recording(work: str, mib: int, rounds: int) -> dict:
    SOURCE["csv"] = os.path.join(work, "big.csv")
    make_csv(SOURCE["csv"], mib)
    times = {"on": [], "off": []}
    for i in range(rounds):
        for mode in ("off", "on") if i % 2 == 0 else ("on", "off"):
            root = os.path.join(work, f"store-{mode}-{i}")
            os.environ["FLYTE_ARTIFACTS_ROOT"] = root
            os.environ["FLYTE_ARTIFACTS_SUMMARIES"] = "1" if mode == "on" else "0"
            times[mode].append(_timed(csv_wf))
            shutil.rmtree(root, ignore_errors=True)
    os.environ.pop("FLYTE_ARTIFACTS_SUMMARIES", None)
    on, off = statistics.median(times["on"]), statistics.median(times["off"])
    return {"size": os.path.getsize(SOURCE["csv"]), "on": on, "off": off, "ratio": on / off, "rounds": times}


def bench_show(work: str, mib: int, rounds: int) -> dict:
    SOURCE["parquet"] = os.path.join(work, "big.parquet")
    make_parquet(SOURCE["parquet"], mib)
    root = os.path.join(work, "store-show")
    os.environ["FLYTE_ARTIFACTS_ROOT"] = root
    parquet_wf()
    env = dict(os.environ, COLUMNS="100")

    def run(*args):
        subprocess.run([CLI, *args], env=env, check=True, capture_output=True)

    run("--help")  # warm the file cache for both
    times = {"show": [], "help": []}
    for i in range(rounds * 2):
        for name in ("show", "help") if i % 2 == 0 else ("help", "show"):
            args = ("show", "Bench Inspect", "big.parquet") if name == "show" else ("--help",)
            times[name].append(_timed(lambda: run(*args)))
    show, helped = statistics.median(times["show"]), statistics.median(times["help"])
    return {"size": os.path.getsize(SOURCE["parquet"]), "show": show, "help": helped, "ratio": show / helped}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024, help="size of the csv and parquet files (default 1024)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per measurement (default 3)")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="bench-inspect-")
    try:
        rec = bench_recording(work, args.mib, args.rounds)
        print(f"recording a {rec['size'] / MiB:.0f} MiB csv: summaries on {rec['on']:.2f} s, off {rec['off']:.2f} s, "
              f"ratio {rec['ratio']:.2f} (aim <= 1.2)")
        for mode in ("on", "off"):
            print(f"  rounds with summaries {mode}: " + ", ".join(f"{t:.2f}" for t in rec["rounds"][mode]))
        os.remove(SOURCE["csv"])
        show = bench_show(work, args.mib, args.rounds)
        print(f"show on a recorded {show['size'] / MiB:.0f} MiB parquet: {show['show']:.3f} s, "
              f"`flyte-artifacts --help` {show['help']:.3f} s, ratio {show['ratio']:.2f} (aim <= 2)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
