"""How long resolving the newest version of an artifact file takes on a big store, against a store of one run.

    python bench/query.py [--runs 2000] [--rounds 30]

Two local stores are built directly through ``ArtifactStore.add_record`` (as the recorder writes them): one with a
single run recording ``ADaM``/``adsl.xpt``, one with ``--runs`` runs recording it (older runs of other workflows in
between). On each store the script times, in alternating order:

* ``ADaM.query("adsl.xpt").download()`` in this process (resolve the newest succeeded run, download and check
  the bytes), median of ``--rounds`` calls;
* ``flyte-artifacts get ADaM adsl.xpt -o FILE`` as its own process, median of ``--rounds // 3`` calls.

It prints each median and the ratio big store / one-run store (aim: at most 1.3). Nothing here is asserted.
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
sys.path.insert(0, os.path.dirname(HERE))


def build_store(root: str, runs: int) -> None:
    """A store whose newest run (and ``runs - 1`` older ones) recorded ADaM/adsl.xpt."""
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore, Record
    from flytekitplugins.artifacts.store.identity import utc_now

    store = ArtifactStore(root)
    for i in range(runs):
        path = os.path.join(root + "-src", f"adsl-{i}.xpt")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(f"ADSL version {i}\n" * 64)
        uri, size, sha = store.put_local_file(path)
        store.add_record(
            Record(
                execution_id=f"local-bench-{i:06d}",
                project="local",
                domain="local",
                workflow="bench.produce" if i % 2 else "bench.other",
                node_id="n0",
                task="bench.make_adsl",
                output_name="o0",
                artifact="ADaM",
                type="DATA",
                filename="adsl.xpt",
                file_type="xpt",
                uri=uri,
                size=size,
                sha256=sha,
                created_at=utc_now(),
            )
        )
        time.sleep(0.0011)  # index names are in milliseconds: keep runs in order


def time_query(root: str, rounds: int) -> float:
    from flytekitplugins.artifacts import DATA, Artifact, ArtifactStore

    adam = Artifact("ADaM", DATA)
    store = ArtifactStore(root)
    out = tempfile.mkdtemp()
    times = []
    for i in range(rounds):
        t0 = time.perf_counter()
        adam.query("adsl.xpt").download(os.path.join(out, f"{i}.xpt"), store=store)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def time_cli(root: str, rounds: int) -> float:
    exe = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
    out = tempfile.mkdtemp()
    times = []
    for i in range(rounds):
        t0 = time.perf_counter()
        subprocess.run([exe, "--root", root, "get", "ADaM", "adsl.xpt", "-o", os.path.join(out, f"{i}.xpt")],
                       check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small, big = os.path.join(tmp, "one-run"), os.path.join(tmp, "many-runs")
        build_store(small, 1)
        t0 = time.perf_counter()
        build_store(big, args.runs)
        print(f"built a store of {args.runs} runs in {time.perf_counter() - t0:.1f}s")
        results = {}
        for name, fn, rounds in (("query().download()", time_query, args.rounds),
                                 ("flyte-artifacts get", time_cli, max(3, args.rounds // 3))):
            fn(small, 2)  # warm caches and imports
            a = fn(small, rounds)
            b = fn(big, rounds)
            a = statistics.median([a, fn(small, rounds)])  # alternate, so drift hits both sides
            results[name] = (a, b)
        print(f"{'what':<22}{'1 run':>12}{f'{args.runs} runs':>14}{'ratio':>8}")
        for name, (a, b) in results.items():
            print(f"{name:<22}{a * 1000:>10.2f}ms{b * 1000:>12.2f}ms{b / a:>8.2f}")


if __name__ == "__main__":
    main()
