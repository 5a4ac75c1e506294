"""What running summaries under a hard limit costs ordinary small files, against summarising them in the process.

    python bench/summary_limits.py [--rounds 10] [--files 8]

Each round makes ``files`` ordinary small files (csv, tsv, json lines, parquet, text) and summarises each of them
twice: in this process (``summarize``, the parsers' imports already warm) and in the limited worker
(``summarize_limited``: a child process with a memory cap and a deadline, reused for every file). A recorder starts
one worker per process, so each round also measures a run's whole cost with a fresh worker (its start and imports
included). Figures: medians per file and per run, and their ratios against the in-process path of the same round.
Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def make_files(folder: str, count: int):
    import pyarrow as pa
    import pyarrow.parquet as pq

    paths = []
    for i in range(count):
        kind = i % 5
        if kind == 0:
            path = os.path.join(folder, f"t{i}.csv")
            with open(path, "w") as f:
                f.write("USUBJID,AVAL,SITE\n" + "".join(f"S-{r:04d},{r * 0.5},{r % 7}\n" for r in range(2000)))
        elif kind == 1:
            path = os.path.join(folder, f"t{i}.tsv")
            with open(path, "w") as f:
                f.write("a\tb\n" + "".join(f"{r}\t{r * r}\n" for r in range(1000)))
        elif kind == 2:
            path = os.path.join(folder, f"t{i}.jsonl")
            with open(path, "w") as f:
                f.write("".join(f'{{"id": {r}, "name": "n{r}"}}\n' for r in range(500)))
        elif kind == 3:
            path = os.path.join(folder, f"t{i}.parquet")
            pq.write_table(pa.table({"x": list(range(3000)), "y": [str(r) for r in range(3000)]}), path)
        else:
            path = os.path.join(folder, f"t{i}.txt")
            with open(path, "w") as f:
                f.write("a line of a report\n" * 300)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--files", type=int, default=8)
    args = parser.parse_args()

    from flytekitplugins.artifacts.ops.summaries import isolated, summarize

    folder = tempfile.mkdtemp(prefix="bench-summary-limits-")
    paths = make_files(folder, args.files)
    for p in paths:  # warm both paths: imports in this process, and a first worker
        summarize(p)
        isolated.summarize_limited(p)
    inproc, limited, runs_inproc, runs_fresh = [], [], [], []
    for _ in range(args.rounds):
        start = time.perf_counter()
        for p in paths:
            t = time.perf_counter()
            summarize(p)
            inproc.append(time.perf_counter() - t)
        runs_inproc.append(time.perf_counter() - start)
        for p in paths:
            t = time.perf_counter()
            isolated.summarize_limited(p)
            limited.append(time.perf_counter() - t)
        isolated._stop_worker()  # the next run starts its own worker
        start = time.perf_counter()
        for p in paths:
            isolated.summarize_limited(p)
        runs_fresh.append(time.perf_counter() - start)
    med = statistics.median
    print(f"{args.files} ordinary files, {args.rounds} rounds")
    print(f"per file, in process      {med(inproc) * 1000:8.2f} ms")
    print(f"per file, limited worker  {med(limited) * 1000:8.2f} ms   ratio {med(limited) / med(inproc):5.2f}x")
    print(f"per run, in process       {med(runs_inproc) * 1000:8.1f} ms")
    ratio = med(runs_fresh) / med(runs_inproc)
    print(f"per run, fresh worker     {med(runs_fresh) * 1000:8.1f} ms   ratio {ratio:5.2f}x  (a new fork per run)")


if __name__ == "__main__":
    main()
