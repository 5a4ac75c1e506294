"""``examples/flytekit_artifacts/``, run as a user would (``python file.py`` and ``pyflyte run``, each its own process
with its own store): the producer records flytekit Artifact versions, the consumer's query defaults resolve them."""

import json
import os
import subprocess
import sys

from repo_paths import EXAMPLES

BIN = os.path.dirname(sys.executable)
HERE = os.path.join(EXAMPLES, "flytekit_artifacts")


def run(args, root, ok=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTE_", "PYTEST_"))}
    env["FLYTE_ARTIFACTS_ROOT"] = root
    proc = subprocess.run(args, cwd=HERE, env=env, capture_output=True, text=True, timeout=600)
    if ok:
        assert proc.returncode == 0, f"{args} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def test_producer_then_consumer(tmp_path):
    root = str(tmp_path / "store")
    py, pyflyte, fa = (os.path.join(BIN, n) for n in ("python", "pyflyte", "flyte-artifacts"))

    missing = run([py, "consumer.py"], root, ok=False)
    assert missing.returncode != 0 and "'ride_count' (region=SEA)" in missing.stderr

    assert "busiest hour in SEA on 2026-12-01: 10" in run([py, "producer.py", "SEA", "2026-12-01"], root).stdout
    run([pyflyte, "run", "producer.py", "daily_counts", "--region", "LAX", "--day", "2026-12-02"], root)
    versions = json.loads(run([fa, "versions", "ride_count", "--json"], root).stdout)
    assert [v["partitions"]["ride_count"] for v in versions] == [
        {"ds": "2026-12-02", "region": "LAX"}, {"ds": "2026-12-01", "region": "SEA"}]
    busiest = json.loads(run([fa, "list", "-a", "busiest_hour", "-p", "region=LAX", "--json"], root).stdout)
    assert [r["partitions"] for r in busiest] == [{"region": "LAX"}]

    expected = "SEA: 496 rides over 16 hours, busiest at 10:00"
    assert run([py, "consumer.py"], root).stdout.strip() == expected
    assert expected in run([pyflyte, "run", "consumer.py", "region_report"], root).stdout
    assert "busiest at 7:00" in run([pyflyte, "run", "consumer.py", "region_report", "--hour", "7"], root).stdout
