"""flytekit's own ``Artifact.query`` with no service: what resolving it costs.

    python bench/native_query.py [--runs 10000] [--values 100] [--rounds 30] [--starts 5]

1. A workflow whose input defaults to ``RideCount.query(region="SEA")`` against the same workflow with the table
   passed explicitly, on a store holding one version:
   * in one process, a call of each workflow (the query node resolves, checks and copies the table; the other
     workflow converts the DataFrame it was given), alternating, ``--rounds`` times;
   * start-up + run: ``pyflyte run`` of each in a new process (``--df table.parquet`` for the explicit one),
     alternating, ``--starts`` times.
   Aim: at most 1.2x.
2. The newest version of one partition (``region=SEA``) as the query node resolves it (``resolve_literal``: the
   partition index, the record, the Literal read and sha256-checked), on a store of ``--runs`` runs over
   ``--values`` regions (the newest run in another region) against a store of one run, alternating, ``--rounds``
   times. The stores are built as the recorder ends a run (Literal, pending record, then ``finish_run``), like
   ``bench/partitions.py``, synced 200 runs at a time. Aim: at most 1.3x.

Medians and ratios are printed; nothing is asserted. Building the big store takes minutes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

FLOW = textwrap.dedent('''
    from typing import Annotated

    import pandas as pd
    from flytekit import Artifact, task, workflow
    from flytekit.core.artifact import Inputs

    RideCount = Artifact(name="ride_count", partition_keys=["region"])


    @task
    def count(region: str) -> Annotated[pd.DataFrame, RideCount(region=Inputs.region)]:
        return pd.DataFrame({"region": [region] * 500, "rides": list(range(500))})


    @task
    def total(df: pd.DataFrame) -> int:
        return int(df["rides"].sum())


    @workflow
    def produce(region: str = "SEA") -> pd.DataFrame:
        return count(region=region)


    @workflow
    def with_default(df: pd.DataFrame = RideCount.query(region="SEA")) -> int:
        return total(df=df)


    @workflow
    def explicit(df: pd.DataFrame) -> int:
        return total(df=df)
''')


def _median_ms(values) -> float:
    return statistics.median(values) * 1000


def bench_defaults(tmp: str, rounds: int, starts: int) -> None:
    import importlib

    os.environ["FLYTE_ARTIFACTS_ROOT"] = os.path.join(tmp, "defaults-store")
    folder = os.path.join(tmp, "flow")
    os.makedirs(folder)
    with open(os.path.join(folder, "bench_rides.py"), "w") as f:
        f.write(FLOW)
    sys.path.insert(0, folder)
    flow = importlib.import_module("bench_rides")
    frame = flow.produce(region="SEA")
    parquet = os.path.join(tmp, "table.parquet")
    frame.to_parquet(parquet)
    expected = int(frame["rides"].sum())
    times = {"default": [], "explicit": []}
    for i in range(rounds):
        for kind in ("default", "explicit") if i % 2 == 0 else ("explicit", "default"):
            start = time.perf_counter()
            got = flow.with_default() if kind == "default" else flow.explicit(df=frame)
            times[kind].append(time.perf_counter() - start)
            assert got == expected, got
    md, me = _median_ms(times["default"]), _median_ms(times["explicit"])
    print(f"run in one process, input defaulting to a query: {md:8.1f} ms (median of {rounds})")
    print(f"run in one process, the table passed explicitly: {me:8.1f} ms (median of {rounds})")
    print(f"ratio query default / explicit: {md / me:.2f} (aim: at most 1.2)")

    pyflyte = os.path.join(os.path.dirname(sys.executable), "pyflyte")
    if starts < 1:
        return
    starts_t = {"default": [], "explicit": []}
    for i in range(starts):
        for kind in ("default", "explicit") if i % 2 == 0 else ("explicit", "default"):
            args = [pyflyte, "run", "bench_rides.py"] + (["with_default"] if kind == "default" else
                                                          ["explicit", "--df", parquet])
            start = time.perf_counter()
            proc = subprocess.run(args, cwd=folder, capture_output=True, text=True, env=dict(os.environ))
            starts_t[kind].append(time.perf_counter() - start)
            assert proc.returncode == 0 and str(expected) in proc.stdout, proc.stdout + proc.stderr
    sd, se = _median_ms(starts_t["default"]), _median_ms(starts_t["explicit"])
    print(f"pyflyte run (start-up + run), query default: {sd:8.1f} ms (median of {starts})")
    print(f"pyflyte run (start-up + run), --df file:     {se:8.1f} ms (median of {starts})")
    print(f"ratio query default / explicit: {sd / se:.2f} (aim: at most 1.2)")


def build_store(root: str, runs: int, values: int) -> None:
    """``runs`` versions of flytekit Artifact ``ride_total`` (an int); run ``i`` has region ``SEA`` when
    ``i % values == 0``, else ``R<i % values>``; the newest run is never SEA (unless there is one run)."""
    from flyteidl.core import literals_pb2

    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore
    from flytekitplugins.artifacts.store.durability import group_commit

    store = ArtifactStore(root)
    src = root + "-value.json"
    with open(src, "w") as f:
        f.write("42\n")
    blob = store.put_local_file(src)  # one blob: the bench measures the index and the Literal, not the bytes
    literal = literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=42)))
    data = literal.SerializeToString()
    for start in range(0, runs, 200):
        with group_commit(store):  # synced 200 runs at a time: the recorder's layout, built faster
            for i in range(start, min(start + 200, runs)):
                n = (i + 1) % values if runs > 1 else 0
                _add_run(store, f"local-bench-{i:06d}", "SEA" if n == 0 else f"R{n:03d}", blob, data)


def _add_run(store, eid: str, region: str, blob: tuple, data: bytes) -> None:
    """One run recording one version, as the recorder writes it: Literal, pending record, then finish_run."""
    from flytekitplugins.artifacts.ops.native_values import FLYTEKIT
    from flytekitplugins.artifacts.store.artifact_store import Record
    from flytekitplugins.artifacts.store.identity import utc_now
    from flytekitplugins.artifacts.store.keys import literal_key

    uri, size, sha = blob
    lsha = hashlib.sha256(data).hexdigest()
    key = literal_key(eid, "ride_total", "ride_total", lsha)
    store.backend.write_once(key, data)
    rec = store.add_record(
        Record(
            execution_id=eid, project="local", domain="local", workflow="bench.rides", node_id="total",
            task="bench.total", output_name="o0", artifact="ride_total", type="DATA", filename="ride_total",
            file_type="json", uri=uri, size=size, sha256=sha, created_at=utc_now(), partitions={"region": region},
            value={"source": FLYTEKIT, "kind": "scalar", "python_type": "int",
                   "literal": {"key": key, "size": len(data), "sha256": lsha}},
        ),
        pending=True,
    )
    store.finish_run(eid, "succeeded", [rec])


def time_resolve(root: str) -> float:
    from flytekitplugins.artifacts.flyte.native_query import resolve_literal
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

    store = ArtifactStore(root)  # a fresh object each time: nothing cached between calls
    query = {"artifact": "ride_total", "partitions": {"region": "SEA"}, "workflow": "bench", "input": "total"}
    start = time.perf_counter()
    literal = resolve_literal(query, store)
    took = time.perf_counter() - start
    assert literal.scalar.primitive.integer == 42
    return took


def bench_partition(tmp: str, runs: int, values: int, rounds: int) -> None:
    one, big = os.path.join(tmp, "one"), os.path.join(tmp, "big")
    start = time.perf_counter()
    build_store(one, 1, values)
    build_store(big, runs, values)
    print(f"built a store of 1 run and one of {runs} runs over {values} regions in {time.perf_counter() - start:.1f}s")
    times = {one: [], big: []}
    for i in range(rounds):
        for root in (one, big) if i % 2 == 0 else (big, one):
            times[root].append(time_resolve(root))
    m1, mb = _median_ms(times[one]), _median_ms(times[big])
    print(f"query region=SEA resolved, one-run store:      {m1:8.2f} ms (median of {rounds})")
    print(f"query region=SEA resolved, {runs}-run store: {mb:8.2f} ms (median of {rounds})")
    print(f"ratio big / one: {mb / m1:.2f} (aim: at most 1.3)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10000)
    parser.add_argument("--values", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-native-query-") as tmp:
        bench_defaults(tmp, args.rounds, args.starts)
        bench_partition(tmp, args.runs, args.values, args.rounds)


if __name__ == "__main__":
    main()
