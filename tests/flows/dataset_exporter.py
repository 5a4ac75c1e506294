"""Shared by the dataset tests: records made the way the recorder makes them, and exporters in other processes."""

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import time
import typing

from flytekitplugins.artifacts.store.artifact_store import ArtifactStore, Record
from flytekitplugins.artifacts.store.identity import utc_now


def make_record(store: ArtifactStore, tmp_dir, execution_id: str, filename: str, data: bytes,
                artifact: str = "My Data", put: bool = True) -> Record:
    """A record of ``data`` in ``store``; its bytes kept by the store like a local run keeps them."""
    os.makedirs(tmp_dir, exist_ok=True)
    src = os.path.join(str(tmp_dir), f"{execution_id}-{filename}")
    with open(src, "wb") as f:
        f.write(data)
    uri, size, sha = store.put_local_file(src) if put else (src, len(data), hashlib.sha256(data).hexdigest())
    rec = Record(
        execution_id=execution_id, project="local", domain="local", workflow="tests.wf", node_id="n0", task="tests.t",
        output_name="o0", artifact=artifact, type="DATA", filename=filename, file_type="", uri=uri, size=size,
        sha256=sha, created_at=utc_now(),
    )
    return store.add_record(rec) if put else rec


EXPORTER = textwrap.dedent(
    """
    import json, os, sys, time
    from flytekitplugins.artifacts.ops.datasets import DatasetCatalog, ExportItem
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore, Record

    args = json.loads(sys.argv[1])
    # Start together: wait for the go file, so the exports really overlap.
    while args.get("go") and not os.path.exists(args["go"]):
        time.sleep(0.005)
    seen = [0]

    def progress(n):
        seen[0] += n
        if args.get("pause_after") is not None and seen[0] >= args["pause_after"]:
            open(args["paused"], "w").close()
            time.sleep(3600)  # the test kills this process here, in the middle of the export

    catalog = DatasetCatalog(ArtifactStore(args["root"]))
    items = [ExportItem(i["path"], Record.from_dict(i["record"])) for i in args["items"]]
    out = catalog.export(args["dataset"], items, run_key=args["run_key"], source={"execution_id": args["run_key"]},
                         progress=progress)
    print(json.dumps({"number": out.snapshot.number, "reused": out.reused}))
    """
)


def exporter_cmd(root: str, dataset: str, items: typing.Sequence[typing.Tuple[str, Record]], run_key: str,
                 **extra) -> typing.List[str]:
    args = {"root": root, "dataset": dataset, "run_key": run_key,
            "items": [{"path": p, "record": r.as_dict()} for p, r in items], **extra}
    return [sys.executable, "-c", EXPORTER, json.dumps(args)]


def run_exporter(root, dataset, items, run_key, env=None) -> dict:
    proc = subprocess.run(
        exporter_cmd(root, dataset, items, run_key), capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def run_released_together(cmds: typing.Sequence[typing.List[str]], go) -> typing.List[int]:
    """Start exporters that wait for the file ``go``, release them at once, and return the snapshot numbers."""
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in cmds]
    time.sleep(1)
    go.touch()
    numbers = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        numbers.append(json.loads(out)["number"])
    return numbers
