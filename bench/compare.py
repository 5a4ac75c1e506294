"""Value-level compare of two large tables against the plain pandas way, in the same run.

    python bench/compare.py [--rows 1000000] [--columns 20] [--changed 0.01]

Two parquet versions of a ``--rows`` x ``--columns`` table (an ID column, then numbers and text) whose second
version has ``--changed`` of its values changed. Measured, each in a fresh process:

* baseline: read both with pyarrow, convert to pandas, ``DataFrame.compare`` (aligned by row);
* ``compare_files`` (what ``flyte-artifacts compare`` runs after fetching the files), keyed on ID;
* the same, matched by observation number (no key).

Printed: wall seconds, peak memory (max RSS) and each ratio to the baseline. Aim: at most 3x, under 4 GiB.
Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

BASELINE = """
import resource, sys, time
import pyarrow.parquet as pq
t = time.perf_counter()
a = pq.read_table(sys.argv[1]).to_pandas()
b = pq.read_table(sys.argv[2]).to_pandas()
d = a.compare(b)
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, int(d.notna().sum().sum() // 2))
"""

OURS = """
import resource, sys, time
from flytekitplugins.artifacts.ops.compare import CompareOptions, compare_files
t = time.perf_counter()
key = tuple(k for k in sys.argv[3].split(",") if k)
doc = compare_files(sys.argv[1], sys.argv[2], CompareOptions(key=key))
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
      sum(v["unequal"] for v in doc["values"]))
"""


def make_tables(folder: str, rows: int, columns: int, changed: float):
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(1)
    data = {"ID": np.arange(rows)}
    for i in range(columns - 1):
        data[f"C{i:02d}"] = (rng.normal(size=rows) if i % 4 else
                             rng.choice(np.array(["Placebo", "Drug 50 mg", "Drug 100 mg"]), rows))
    base = pa.table(data)
    for i in range(1, columns):
        name = f"C{i - 1:02d}"
        hit = rng.random(rows) < changed
        values = data[name].copy()
        values[hit] = (values[hit] + 1.0) if values.dtype.kind == "f" else "Changed"
        data[name] = values
    pq.write_table(base, os.path.join(folder, "a.parquet"))
    pq.write_table(pa.table(data), os.path.join(folder, "b.parquet"))
    return os.path.join(folder, "a.parquet"), os.path.join(folder, "b.parquet")


def measure(script: str, *args: str):
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True)
    seconds, rss_kib, unequal = out.stdout.splitlines()[-1].split()
    return float(seconds), int(rss_kib) / 1024 / 1024, int(float(unequal))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument("--changed", type=float, default=0.01)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        a, b = make_tables(folder, args.rows, args.columns, args.changed)
        results = {"pyarrow + pandas DataFrame.compare": measure(BASELINE, a, b),
                   "compare_files, --key ID": measure(OURS, a, b, "ID"),
                   "compare_files, by observation": measure(OURS, a, b, "")}
    base = results["pyarrow + pandas DataFrame.compare"][0]
    print(f"{args.rows:,} rows x {args.columns} columns, {args.changed:.0%} of values changed")
    for name, (seconds, gib, unequal) in results.items():
        print(f"{name:36s} {seconds:7.2f} s  {seconds / base:5.2f}x  peak {gib:5.2f} GiB  {unequal:,} unequal")
    print(json.dumps({k: {"seconds": v[0], "peak_gib": v[1], "ratio": v[0] / base} for k, v in results.items()}))


if __name__ == "__main__":
    main()
