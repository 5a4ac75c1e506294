"""How fast an export lands files in a dataset, against the obvious baseline measured in the same run.

    python bench/export.py [--size-mib 1024] [--files 200] [--rounds 3] [--skip-s3] [--skip-local] [--skip-cli]

* through the CLI, the way a user does it: one run whose one artifact has ``--files`` files (``--size-mib`` in all),
  kept by a local store, exported with ``flyte-artifacts export -a ARTIFACT -e RUN -d DATASET`` (a new process,
  its start included) into a new local dataset vs ``cp -r`` of the same files. Aim: ratio at most 1.2.

* local, from the store: exporting files a local run recorded (kept in the local store, same filesystem) into a
  local dataset vs ``cp -r`` of those same store files. Aim: ratio at most 1.2.
* local, plain files: the same export from files outside the store (each read, hashed and written) vs
  ``cp -r`` of the same files. This is the path for a dataset on another filesystem.
* s3: exporting the same files into a dataset on a local S3 server (moto, started here) vs a serial loop of
  boto3 ``upload_file`` calls into the same server. Aim: ratio at most 0.8 (concurrent transfers should win).

Each round uses a fresh dataset (content-addressed blobs already present would be skipped) and runs the two
sides in alternating order; the figures printed are medians over the rounds. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def make_files(folder: str, total: int, count: int):
    """``count`` files of random bytes adding up to ``total`` bytes, as records pointing at them."""
    from flytekitplugins.artifacts.store.artifact_store import Record
    from flytekitplugins.artifacts.store.identity import utc_now

    os.makedirs(folder)
    size = total // count
    records = []
    for i in range(count):
        data = os.urandom(size)
        path = os.path.join(folder, f"file-{i:04d}.bin")
        with open(path, "wb") as f:
            f.write(data)
        records.append(Record(
            execution_id="bench", project="local", domain="local", workflow="bench", node_id="n0", task="bench",
            output_name="o0", artifact="Bench", type="DATA", filename=os.path.basename(path), file_type="bin",
            uri=path, size=size, sha256=hashlib.sha256(data).hexdigest(), created_at=utc_now(),
        ))
    return records


def timed(fn) -> float:
    # Each side starts with no dirty pages left by the other, so neither pays for the other's writeback.
    os.sync()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def drop_dest(path: str) -> None:
    if os.path.exists(path):
        for dirpath, dirs, _ in os.walk(path):
            os.chmod(dirpath, 0o755)
        shutil.rmtree(path)


def export_fn(catalog, name: str, uri: str, records, run: int):
    from flytekitplugins.artifacts.ops.datasets import ExportItem

    def go():
        ds = catalog.create(f"{name}-{run}", uri)
        catalog.export(ds, [ExportItem(r.filename, r) for r in records], run_key=f"bench-{name}-{run}", source={})

    return go


def in_store(store, records):
    """The same files kept by a local store, as a local run keeps its artifact files."""
    import dataclasses

    out = []
    for r in records:
        uri, size, sha = store.put_local_file(r.uri)
        assert (size, sha) == (r.size, r.sha256)
        out.append(dataclasses.replace(r, uri=uri))
    return out


def bench_local(work: str, src: str, records, rounds: int, label: str):
    from flytekitplugins.artifacts.ops.datasets import DatasetCatalog
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

    catalog = DatasetCatalog(ArtifactStore(os.path.join(work, "store-local")))
    ours, base = [], []
    for i in range(rounds):
        dest_cp = os.path.join(work, f"cp-{i}")
        dest_ds = os.path.join(work, f"ds-{label}-{i}")
        sides = [
            ("export", lambda: ours.append(timed(export_fn(catalog, label, dest_ds, records, i)))),
            ("cp", lambda: base.append(timed(lambda: subprocess.run(["cp", "-r", src, dest_cp], check=True)))),
        ]
        for _, side in (sides if i % 2 == 0 else sides[::-1]):
            side()
        drop_dest(dest_cp)
        drop_dest(dest_ds)
    return ours, base


def bench_cli(work: str, kept, rounds: int):
    """The store's one run of ``kept`` (records of one artifact, bytes in the store) exported by the CLI."""
    import dataclasses

    from flytekitplugins.artifacts.ops.datasets import DatasetCatalog
    from flytekitplugins.artifacts.store.artifact_store import SUCCEEDED, ArtifactStore

    store = ArtifactStore(os.path.join(work, "store-local"))
    records = [dataclasses.replace(r, execution_id="bench-cli") for r in kept]
    for r in records:
        store.add_record(r, pending=True)
    store.finish_run("bench-cli", SUCCEEDED, records)
    catalog = DatasetCatalog(store)
    src = os.path.join(work, "src")
    cli = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
    env = dict(os.environ, FLYTE_ARTIFACTS_ROOT=store.root)
    ours, base = [], []
    for i in range(rounds):
        dest_cp = os.path.join(work, f"cp-cli-{i}")
        dest_ds = os.path.join(work, f"ds-cli-{i}")
        catalog.create(f"cli-{i}", dest_ds)  # made beforehand: the export is what is timed
        command = [cli, "export", "-a", records[0].artifact, "-e", "bench-cli", "-d", f"cli-{i}", "--json"]
        sides = [
            lambda: ours.append(timed(lambda: subprocess.run(command, check=True, env=env,
                                                             stdout=subprocess.DEVNULL))),
            lambda: base.append(timed(lambda: subprocess.run(["cp", "-r", src, dest_cp], check=True))),
        ]
        for side in (sides if i % 2 == 0 else sides[::-1]):
            side()
        drop_dest(dest_cp)
        drop_dest(dest_ds)
    return ours, base


def start_moto(work: str):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    log = open(os.path.join(work, "moto.log"), "wb")
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with opener.open(url + "/moto-api/", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("moto server did not start")


def empty_bucket(client, bucket: str) -> None:
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        objs = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if objs:
            client.delete_objects(Bucket=bucket, Delete={"Objects": objs})


def bench_s3(work: str, records, rounds: int):
    import boto3

    from flytekitplugins.artifacts.ops.datasets import DatasetCatalog
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

    proc, url = start_moto(work)
    try:
        os.environ.update({
            "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1", "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1",
        })
        client = boto3.session.Session().client("s3")
        client.create_bucket(Bucket="bench-data")
        catalog = DatasetCatalog(ArtifactStore(os.path.join(work, "store-s3")))
        ours, base = [], []

        def serial(i):
            for r in records:
                client.upload_file(r.uri, "bench-data", f"serial-{i}/{r.filename}")

        for i in range(rounds):
            sides = [
                lambda: ours.append(timed(export_fn(catalog, "s3", f"s3://bench-data/ds-{i}", records, i))),
                lambda: base.append(timed(lambda: serial(i))),
            ]
            for side in (sides if i % 2 == 0 else sides[::-1]):
                side()
            empty_bucket(client, "bench-data")  # moto keeps objects in memory
        return ours, base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def report(label: str, ours, base, aim: str) -> None:
    o, b = statistics.median(ours), statistics.median(base)
    print(f"{label}: export median {o:.2f}s, baseline median {b:.2f}s, ratio {o / b:.2f} ({aim})")
    print(f"  rounds export {[round(x, 2) for x in ours]} baseline {[round(x, 2) for x in base]}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size-mib", type=int, default=1024)
    p.add_argument("--files", type=int, default=200)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--skip-s3", action="store_true")
    p.add_argument("--skip-local", action="store_true")
    p.add_argument("--skip-cli", action="store_true")
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="bench-export-")
    try:
        src = os.path.join(work, "src")
        records = make_files(src, args.size_mib << 20, args.files)
        print(f"{args.files} files, {args.size_mib} MiB in all, {args.rounds} rounds")
        if not args.skip_local:
            from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

            store = ArtifactStore(os.path.join(work, "store-local"))
            kept = in_store(store, records)
            ours, base = bench_local(work, os.path.join(store.root, "blobs"), kept, args.rounds, "stored")
            report("local dataset from the store vs cp -r", ours, base, "aim <= 1.2")
            ours, base = bench_local(work, src, records, args.rounds, "plain")
            report("local dataset from plain files (copy + sha256) vs cp -r", ours, base,
                   "no aim: sha256 of every byte")
        if not args.skip_cli:
            from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

            kept = in_store(ArtifactStore(os.path.join(work, "store-local")), records)
            ours, base = bench_cli(work, kept, args.rounds)
            report(f"flyte-artifacts export of one artifact of {args.files} files into a local dataset vs cp -r",
                   ours, base, "aim <= 1.2")
        if not args.skip_s3:
            ours, base = bench_s3(work, records, args.rounds)
            report("S3 dataset (moto) vs serial upload_file", ours, base, "aim <= 0.8")
    finally:
        drop_dest(work)


if __name__ == "__main__":
    main()
