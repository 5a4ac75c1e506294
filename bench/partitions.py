"""How long "the newest version where region=SEA" takes on a big store, against the same query on a store of one run.

    python bench/partitions.py [--runs 10000] [--values 100] [--rounds 50]

Two local stores are built through ``ArtifactStore.add_record`` and ``finish_run`` (as the recorder writes a run): one with a single
run recording ``Rides``/``counts.csv`` with ``region=SEA``, one with ``--runs`` runs spread over ``--values``
regions (``SEA`` among them, and the newest run in another region, so the query must not simply take the newest
run). On each store, in alternating order, the script times ``select_record`` of
``RecordSelector("Rides", "counts.csv", partitions={"region": "SEA"})`` (the same path the CLI's ``--partition``
and the page take) and prints the medians and the ratio big store / one-run store (aim: at most 1.3). Building the
big store takes a while; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def build_store(root: str, runs: int, values: int) -> None:
    """``runs`` runs of Rides/counts.csv; run ``i`` has region ``SEA`` when ``i % values == 0``, else ``R<i % values>``;
    the newest run is never SEA (unless there is one run)."""
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore, Record
    from flytekitplugins.artifacts.store.identity import utc_now

    store = ArtifactStore(root)
    src = root + "-src.csv"
    with open(src, "w") as f:
        f.write("region,count\nSEA,1\n")
    uri, size, sha = store.put_local_file(src)  # one blob: the bench measures the index, not the bytes
    for i in range(runs):
        n = (i + 1) % values if runs > 1 else 0
        rec = store.add_record(
            Record(
                execution_id=f"local-bench-{i:06d}", project="local", domain="local", workflow="bench.rides",
                node_id="n0", task="bench.count", output_name="o0", artifact="Rides", type="DATA",
                filename="counts.csv", file_type="csv", uri=uri, size=size, sha256=sha, created_at=utc_now(),
                partitions={"region": "SEA" if n == 0 else f"R{n:03d}"},
            ),
            pending=True,
        )
        store.finish_run(rec.execution_id, "succeeded", [rec])  # as the recorder ends a run


def time_query(root: str) -> float:
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore
    from flytekitplugins.artifacts.store.selector import RecordSelector, select_record

    store = ArtifactStore(root)  # a fresh object each time: nothing cached between calls
    start = time.perf_counter()
    rec = select_record(store, RecordSelector("Rides", "counts.csv", partitions={"region": "SEA"}))
    took = time.perf_counter() - start
    assert rec.partitions == {"region": "SEA"}, rec
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10000)
    parser.add_argument("--values", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-partitions-") as tmp:
        one, big = os.path.join(tmp, "one"), os.path.join(tmp, "big")
        start = time.perf_counter()
        build_store(one, 1, args.values)
        build_store(big, args.runs, args.values)
        print(f"built a store of 1 run and one of {args.runs} runs over {args.values} regions "
              f"in {time.perf_counter() - start:.1f}s")
        times = {one: [], big: []}
        for i in range(args.rounds):
            for root in (one, big) if i % 2 == 0 else (big, one):
                times[root].append(time_query(root))
        m1, mb = statistics.median(times[one]), statistics.median(times[big])
        print(f"newest of region=SEA, one-run store:      {m1 * 1000:8.2f} ms (median of {args.rounds})")
        print(f"newest of region=SEA, {args.runs}-run store: {mb * 1000:8.2f} ms (median of {args.rounds})")
        print(f"ratio big / one: {mb / m1:.2f} (aim: at most 1.3)")


if __name__ == "__main__":
    main()
