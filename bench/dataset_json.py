"""Writing Dataset-JSON: export-json's writer against dsjframe's, on the same table, in the same run.

    python bench/dataset_json.py [--rows 200000] [--columns 20]

A parquet table of ``--rows`` x ``--columns`` (an ID, then numbers, text and dates) is written as Dataset-JSON v1.1,
each in a fresh process:

* baseline: dsjframe (Arrow based) reads the parquet file with pyarrow and writes it with ``write_dataset``;
* ``write_dataset_json`` (what ``flyte-artifacts export-json`` runs after fetching the file).

Printed: wall seconds, peak memory (max RSS), the output's size and the ratio to the baseline. Both outputs are
checked valid by dsjframe before anything is printed. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

BASELINE = """
import resource, sys, time
import dsjframe, pyarrow.parquet as pq
t = time.perf_counter()
table = pq.read_table(sys.argv[1])
dsjframe.write_dataset(table, sys.argv[2], metadata={"name": "BENCH", "label": "Bench", "itemGroupOID": "IG.BENCH"},
                       json_indent=None)
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

OURS = """
import resource, sys, time
from flytekitplugins.artifacts.ops.datasetjson import write_dataset_json
t = time.perf_counter()
write_dataset_json(sys.argv[1], "parquet", sys.argv[2])
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def make_table(path: str, rows: int, columns: int) -> None:
    import datetime

    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    data = {"ID": [f"S{i:08d}" for i in range(rows)]}
    start = datetime.date(2020, 1, 1)
    for c in range(1, columns):
        kind = c % 4
        if kind == 0:
            data[f"D{c}"] = [start + datetime.timedelta(days=int(d)) for d in rng.integers(0, 3000, rows)]
        elif kind == 1:
            data[f"T{c}"] = rng.choice(["Placebo", "Drug 50 mg", "Drug 100 mg"], rows)
        else:
            data[f"N{c}"] = rng.normal(50, 10, rows).round(3)
    pd.DataFrame(data).to_parquet(path, index=False)


def run(code: str, *args: str):
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(HERE))
    seconds, rss = out.stdout.split()
    return float(seconds), int(rss) / (1 << 20)  # ru_maxrss is KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--columns", type=int, default=20)
    args = parser.parse_args()
    import dsjframe

    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "table.parquet")
        make_table(src, args.rows, args.columns)
        results = {}
        for name, code in (("dsjframe write_dataset", BASELINE), ("write_dataset_json", OURS)):
            out = os.path.join(tmp, name.split()[0] + ".json")
            seconds, gib = run(code, src, out)
            report = dsjframe.validate_dataset(out)
            if not report["ok"]:
                raise SystemExit(f"{name} wrote an invalid file: {report}")
            results[name] = (seconds, gib, os.path.getsize(out))
        base = results["dsjframe write_dataset"][0]
        print(f"Dataset-JSON of {args.rows:,} rows x {args.columns} columns (parquet, "
              f"{os.path.getsize(src) / 1e6:.1f} MB)")
        for name, (seconds, gib, size) in results.items():
            print(f"  {name:24} {seconds:7.2f} s  peak {gib:5.2f} GiB  {size / 1e6:7.1f} MB  "
                  f"{seconds / base:5.2f}x")


if __name__ == "__main__":
    main()
