"""Partitions on an S3 store (moto's server over HTTP): real local runs record into it, the partition index lives
under the store's prefix, and the newest of a partition is selected through it, also by the CLI."""

import json
import os
import subprocess
import sys

from flows import partitioned

from flytekitplugins.artifacts.store.artifact_store import ArtifactStore
from flytekitplugins.artifacts.store.selector import RecordSelector, select_record

CLI = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")


def test_newest_of_a_partition_on_s3(s3_root, moto_client, s3_bucket, tmp_path):
    partitioned.adam(study="MINI01", rows=3)
    partitioned.adam(study="MINI02")
    store = ArtifactStore(s3_root)
    rec = select_record(store, RecordSelector("ADaM", "adsl.csv", partitions={"study": "MINI01"}))
    assert rec.partitions == {"study": "MINI01"}
    keys = [o["Key"] for o in moto_client.list_objects_v2(Bucket=s3_bucket, Prefix="store/index/partitions/")
            .get("Contents", [])]
    assert len(keys) == 2 and all("/study/MINI0" in k for k in keys)
    out = tmp_path / "adsl.csv"
    r = subprocess.run([CLI, "get", "ADaM", "adsl.csv", "-p", "study=MINI01", "-o", str(out), "--json"],
                       capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["execution_id"] == rec.execution_id and len(out.read_text().splitlines()) == 4
