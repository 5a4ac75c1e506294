"""How fast the web page answers over a big store, against the same app's runs page over an empty store.

    python bench/ui.py [--runs 10000] [--files 1000] [--rounds 40] [--keep DIR]

Two servers run ``flyte-artifacts ui`` (uvicorn, one process each) on 127.0.0.1: one over an empty store, one
over a store of ``--runs`` runs of two artifact files each plus one run of ``--files`` files (in 10 artifacts of
the three types, each file with its stored summary, as runs store them). The big run is the oldest, so the first
runs page shows ordinary runs. A client on one keep-alive connection per server asks, in alternating order, for:

* the empty store's runs page (the baseline),
* the big store's first runs page (50 runs, each with its artifact counts),
* the big run's first page of files (100 files with their details and previews).

Printed: the time of the first request of each (a fresh server: nothing kept yet) with its ratio to the baseline's
median and to the baseline's own first request, the median time of each, and the two ratios to the baseline. Aim:
both within 3x. Nothing is asserted. With ``--keep DIR`` the stores are built in DIR and reused by later runs with
the same DIR (building 10,000 runs takes minutes).
The store is written with the store API; fsync is skipped while building it, since durability does not matter here.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def build(root: str, runs: int, files: int) -> str:
    """The big store; returns the execution id of the run with ``files`` files."""
    from flytekitplugins.artifacts.ops.inspection import summarize_recorded
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore, Record

    store = ArtifactStore(root)
    blob = os.path.join(os.path.dirname(root), "blob.csv")
    with open(blob, "w") as f:
        f.write("a,b\n1,2\n")
    real_fsync = os.fsync
    os.fsync = lambda fd: None
    try:
        uri, size, sha = store.put_local_file(blob)

        def record(eid, wf, artifact, type_, filename, when):
            return store.add_record(Record(eid, "bench", "development", wf, "n0", f"{wf}.task", "o0", artifact, type_,
                                    filename, filename.rsplit(".", 1)[-1], uri, size, sha, when))

        big = "big-run-0000"
        types = ("DATA", "MODEL", "REPORT")
        for i in range(files):
            a = i % 10
            rec = record(big, "bench.big", f"Artifact {a}", types[a % 3], f"file-{i:04d}.csv",
                         "2026-01-01T00:00:00.000Z")
            summarize_recorded(store, rec)  # as a run does: the page shows each file's preview from it
        start = time.monotonic()
        for i in range(runs):
            eid = f"run-{i:05d}"
            when = f"2026-02-{1 + i * 27 // runs:02d}T00:00:00.000Z"
            record(eid, f"bench.wf{i % 7}", "My Data", "DATA", "data.csv", when)
            record(eid, f"bench.wf{i % 7}", "My Model", "MODEL", "model.pt", when)
            if (i + 1) % 2000 == 0:
                print(f"  {i + 1} runs written ({time.monotonic() - start:.0f}s)", flush=True)
    finally:
        os.fsync = real_fsync
    return big


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(root: str):
    port = free_port()
    exe = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
    proc = subprocess.Popen([exe, "--root", root, "ui", "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            first = get(conn, "/")
            return proc, conn, first
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"the ui server for {root} did not start")
            time.sleep(0.2)


def get(conn: http.client.HTTPConnection, path: str) -> float:
    t = time.perf_counter()
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    took = time.perf_counter() - t
    if resp.status != 200 or not body:
        raise RuntimeError(f"GET {path}: {resp.status}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10000)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--keep", default=None, metavar="DIR", help="build the stores in DIR, or reuse them from there")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp:
        where = args.keep or tmp
        empty, full = os.path.join(where, "empty"), os.path.join(where, "full")
        os.makedirs(empty, exist_ok=True)
        big = "big-run-0000"
        if not os.path.isdir(os.path.join(full, "executions")):
            print(f"building a store of {args.runs} runs and one run of {args.files} files...", flush=True)
            big = build(full, args.runs, args.files)
        servers = []
        try:
            servers = [start(empty), start(full)]
            (_, e, empty_cold), (_, f, runs_cold) = servers
            run_path = "/run?" + urllib.parse.urlencode({"id": big})
            cases = [("empty store, runs page", e, "/"), (f"{args.runs:,} runs, runs page", f, "/"),
                     (f"run of {args.files} files", f, run_path)]
            # start() asked each server for its runs page once (timed); the big run's page is asked for here.
            cold = {cases[0][0]: empty_cold, cases[1][0]: runs_cold, cases[2][0]: get(f, run_path)}
            for _, conn, path in cases:  # warm up
                for _ in range(3):
                    get(conn, path)
            times = {name: [] for name, _, _ in cases}
            for i in range(args.rounds):
                order = cases if i % 2 == 0 else list(reversed(cases))
                for name, conn, path in order:
                    times[name].append(get(conn, path))
        finally:
            for proc, conn, _ in servers:
                conn.close()
                proc.terminate()
                proc.wait(timeout=20)
            store_only = store_reads(full, big, args.rounds)
    med = {name: statistics.median(ts) for name, ts in times.items()}
    base = med[cases[0][0]]
    print("\nfirst request of each page on a fresh server (nothing kept yet), and its ratio to the empty store's")
    print("runs page: its median, and its own first request")
    for name, t in cold.items():
        print(f"  {name:<28} {t * 1000:8.2f} ms   ratio {t / base:6.2f}   first to first {t / cold[cases[0][0]]:6.2f}")
    print(f"\nmedians of {args.rounds} rounds, over HTTP on 127.0.0.1:")
    for name, _, _ in cases:
        print(f"  {name:<28} {med[name] * 1000:8.2f} ms   ratio {med[name] / base:6.2f}")
    print("aim: runs page and run page within 3x the empty store's runs page")
    print("\nof which the store's own reads (ArtifactStore calls alone, in this process):")
    for name, t in store_only.items():
        print(f"  {name:<44} {t * 1000:8.2f} ms")


def store_reads(root: str, big: str, rounds: int) -> dict:
    """Medians of the store calls each page makes, without the app: what no page can go below."""
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

    store = ArtifactStore(root)

    def runs_page():
        for run in store.executions(offset=0, limit=51)[:50]:
            store.records(run["execution_id"])

    calls = {"runs page: executions(limit=51) + 50 records()": runs_page,
             "run page: records() of the 1,000-file run": lambda: store.records(big)}
    out = {}
    for name, call in calls.items():
        ts = []
        for _ in range(rounds):
            t = time.perf_counter()
            call()
            ts.append(time.perf_counter() - t)
        out[name] = statistics.median(ts)
    return out


if __name__ == "__main__":
    main()
