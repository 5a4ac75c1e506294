"""A workflow whose input defaults to a query, against the same workflow given the value: how much the query adds.

    python bench/query_default.py [--rounds 15] [--rows 10000]

One local store, filled by one real run of a producer (a parquet file of ``--rows`` rows). Then, in alternating
order, ``--rounds`` local runs of each pair:

* ``by_file()`` (the input ``rows: FlyteFile`` defaults to ``Tables.query("rows.parquet")``, resolved when the run
  starts: find the newest version, check its bytes, link it under its filename) against ``by_file(rows=path)``,
  the same workflow given a copy of that file;
* ``by_frame()`` (the input is a ``pd.DataFrame``: the file is also read into one) against
  ``by_frame(rows=frame)``, the same workflow given the DataFrame.

Each pair runs the same nodes. It prints the medians and the ratio query / explicit of each pair (aim: at most
1.2). Nothing here is asserted.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import pandas as pd  # noqa: E402 - after the repository is on the path
from flytekit import task, workflow  # noqa: E402
from flytekit.types.file import FlyteFile  # noqa: E402

from flytekitplugins.artifacts import DATA, Artifact  # noqa: E402

Tables = Artifact("Bench Tables", DATA)


@task
def make(n: int) -> Tables.File(name="rows.parquet"):
    return pd.DataFrame({"i": range(n), "x": [float(i) for i in range(n)]})


@task
def total(rows: pd.DataFrame) -> float:
    return float(rows["x"].sum())


@workflow
def produce(n: int):
    make(n=n)


@task
def size(rows: FlyteFile) -> int:
    return os.path.getsize(rows.download())


@workflow
def by_frame(rows: pd.DataFrame = Tables.query("rows.parquet")) -> float:
    return total(rows=rows)


@workflow
def by_file(rows: FlyteFile = Tables.query("rows.parquet")) -> int:
    return size(rows=rows)


def median_pair(rounds, queried, explicit):
    """Median seconds of ``queried()`` and of ``explicit()``, called in alternating order."""
    q, e = [], []
    for r in range(rounds):
        order = [(q, queried), (e, explicit)]
        for times, call in order if r % 2 == 0 else order[::-1]:
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
    return statistics.median(q), statistics.median(e)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--rows", type=int, default=10000)
    args = parser.parse_args()
    os.environ["FLYTE_ARTIFACTS_ROOT"] = tempfile.mkdtemp(prefix="bench-query-default-")
    os.environ["FLYTE_ARTIFACTS_SUMMARIES"] = "0"

    produce(n=args.rows)
    path = Tables.query("rows.parquet").download()
    frame = pd.read_parquet(path)
    for name, queried, explicit in (
        ("FlyteFile input", lambda: by_file(), lambda: by_file(rows=FlyteFile(path))),
        ("pd.DataFrame input", lambda: by_frame(), lambda: by_frame(rows=frame)),
    ):
        queried(), explicit()  # warm both paths once
        q, e = median_pair(args.rounds, queried, explicit)
        print(f"{name}: from the query default {q * 1000:.0f} ms, given explicitly {e * 1000:.0f} ms "
              f"(medians of {args.rounds}), ratio {q / e:.2f} (aim <= 1.2)")


if __name__ == "__main__":
    main()
