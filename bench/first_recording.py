"""Recording one large file, the way a workflow makes it: a one-task workflow returning it as an artifact file.

    python bench/first_recording.py [--mib 256] [--rounds 5]

* first: the workflow call returning a ``--mib`` MiB file as an artifact (its bytes copied into a fresh store and
  made durable) vs the same workflow returning it as a plain ``FlyteFile`` followed by ``cp`` + ``sync`` of the
  file. Aim: at most 1.2x.
* again: the artifact workflow recording the same bytes into a store that keeps them already vs the plain workflow
  followed by one ``openssl dgst -sha256`` of the file (hashlib when openssl is absent). Aim: at most 1.2x.

flytekit is imported and both workflows compiled before anything is timed; the file is written once, up front,
and every side starts with no dirty pages left (``sync``). Medians of ``--rounds`` rounds; the sides alternate.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

FLOW = '''
import os
from flytekit import task, workflow
from flytekit.types.file import FlyteFile
from flytekitplugins.artifacts import Artifact, MODEL

Big = Artifact("Bench Big", MODEL)
SOURCE = {source!r}

@task
def make() -> {kind}:
    return SOURCE

@workflow
def wf() -> {kind}:
    return make()
'''


def sha256_once(path: str) -> None:
    if shutil.which("openssl"):
        subprocess.run(["openssl", "dgst", "-sha256", path], check=True, stdout=subprocess.DEVNULL)
        return
    with open(path, "rb") as f:
        hashlib.file_digest(f, "sha256")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mib", type=int, default=256)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="bench-first-", dir=os.environ.get("BENCH_TMP"))
    sys.path.insert(0, work)
    try:
        source = os.path.join(work, "model.bin")
        with open(source, "wb") as f:
            for _ in range(args.mib):
                f.write(os.urandom(1 << 20))
        mods = {}
        for name, kind in (("first_art_flow", 'Big.File(name="model.bin")'), ("first_plain_flow", "FlyteFile")):
            with open(os.path.join(work, name + ".py"), "w") as f:
                f.write(FLOW.format(source=source, kind=kind))
            mods[name] = importlib.import_module(name)
        stores = []

        def art_fresh() -> None:
            stores.append(os.path.join(work, f"store-{len(stores)}"))
            os.environ["FLYTE_ARTIFACTS_ROOT"] = stores[-1]
            mods["first_art_flow"].wf()

        def plain_cp_sync() -> None:
            mods["first_plain_flow"].wf()
            dst = os.path.join(work, "cp.bin")
            subprocess.run(["cp", source, dst], check=True)
            subprocess.run(["sync"], check=True)
            os.unlink(dst)

        kept = os.path.join(work, "store-kept")

        def art_again() -> None:
            os.environ["FLYTE_ARTIFACTS_ROOT"] = kept
            mods["first_art_flow"].wf()

        def plain_sha() -> None:
            mods["first_plain_flow"].wf()
            sha256_once(source)

        art_again()  # compiles both, and fills the kept store
        mods["first_plain_flow"].wf()
        times = {k: [] for k in ("first", "cp", "again", "sha")}
        for _ in range(args.rounds):
            for key, fn in (("first", art_fresh), ("cp", plain_cp_sync), ("again", art_again), ("sha", plain_sha)):
                subprocess.run(["sync"], check=True)
                t0 = time.perf_counter()
                fn()
                times[key].append(time.perf_counter() - t0)
            shutil.rmtree(stores[-1])
        first, cp, again, sha = (statistics.median(times[k]) for k in ("first", "cp", "again", "sha"))
        print(f"first recording of {args.mib} MiB: {first:.3f}s vs plain workflow + cp + sync {cp:.3f}s: "
              f"ratio {first / cp:.2f} (aim <= 1.2)")
        print(f"recording the same {args.mib} MiB again: {again:.3f}s vs plain workflow + one sha256 {sha:.3f}s: "
              f"ratio {again / sha:.2f} (aim <= 1.2)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
