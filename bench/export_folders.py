"""Exporting into a local dataset whose snapshots are plain folders, against ``cp -r`` measured in the same run.

    python bench/export_folders.py [--size-mib 1024] [--files 200] [--rounds 3]

The files are recorded by a local store first (as a local run keeps its artifact files); each round then exports
all of them into a fresh local dataset (``snapshots/1/<filename>``: a reflink where the filesystem can, otherwise
a real copy, every byte hashed and checked against its record) and, in alternating order, copies the same store
files with ``cp -r``. Printed: the medians and their ratio (aim: at most 1.2), and whether reflinks were used.
Each side is timed twice over: as it returns, and until its bytes are on disk (a ``sync`` at the end), since a
page-cache ``cp`` of files that fit in memory returns before writing anything while the export must also hash
every byte. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import typing

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from export import drop_dest, in_store, make_files  # noqa: E402


def timed(fn) -> typing.Tuple[float, float]:
    """(seconds until ``fn`` returns, seconds until its writes are on disk too), from a clean page cache state."""
    os.sync()
    t0 = time.perf_counter()
    fn()
    t1 = time.perf_counter()
    os.sync()
    return t1 - t0, time.perf_counter() - t0


def reflinks_work(folder: str) -> bool:
    """Whether this filesystem can share blocks between two files (FICLONE)."""
    from flytekitplugins.artifacts.backends.local.copies import reflink

    a, b = os.path.join(folder, "probe-a"), os.path.join(folder, "probe-b")
    with open(a, "wb") as f:
        f.write(b"probe")
    try:
        with open(a, "rb") as s, open(b, "wb") as d:
            return reflink(s.fileno(), d.fileno())
    finally:
        for p in (a, b):
            os.unlink(p)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size-mib", type=int, default=1024)
    p.add_argument("--files", type=int, default=200)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()

    from flytekitplugins.artifacts.ops.datasets import DatasetCatalog, ExportItem
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

    work = tempfile.mkdtemp(prefix="bench-folders-")
    try:
        store = ArtifactStore(os.path.join(work, "store"))
        records = in_store(store, make_files(os.path.join(work, "src"), args.size_mib << 20, args.files))
        # cp -r of exactly the bytes the export reads: the store's copies of these files, in one folder.
        blobs = os.path.join(store.root, "blobs")
        catalog = DatasetCatalog(store)
        ours, base = [], []
        for i in range(args.rounds):
            dest_ds, dest_cp = os.path.join(work, f"ds-{i}"), os.path.join(work, f"cp-{i}")

            def export(i=i, dest_ds=dest_ds):
                ds = catalog.create(f"bench-{i}", dest_ds)
                catalog.export(ds, [ExportItem(r.filename, r) for r in records], run_key=f"bench-{i}", source={})

            sides = [lambda: ours.append(timed(export)),
                     lambda: base.append(timed(lambda: subprocess.run(["cp", "-r", blobs, dest_cp], check=True)))]
            for side in (sides if i % 2 == 0 else sides[::-1]):
                side()
            drop_dest(dest_ds)
            drop_dest(dest_cp)
        how = "reflinks" if reflinks_work(work) else "real copies (no reflinks on this filesystem)"
        print(f"{args.files} files, {args.size_mib} MiB in all, {args.rounds} rounds, dataset files are {how}")
        for i, label in ((0, "as returned"), (1, "until on disk (sync)")):
            o = statistics.median(x[i] for x in ours)
            b = statistics.median(x[i] for x in base)
            print(f"{label}: export median {o:.2f}s, cp -r median {b:.2f}s, ratio {o / b:.2f} (aim <= 1.2)")
            print(f"  rounds export {[round(x[i], 2) for x in ours]} cp -r {[round(x[i], 2) for x in base]}")
    finally:
        drop_dest(work)


if __name__ == "__main__":
    main()
