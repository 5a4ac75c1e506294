"""Summaries hold their limit for any input: hostile files made by a real flow's tasks are summarised in a worker
with a memory cap and a deadline; a file over it gets an ``error`` (or ``sampled``) summary saying why, the next file
is summarised as usual, and the run succeeds."""

import os
import subprocess
import sys

from repo_paths import TESTS

from flytekitplugins.artifacts.ops.inspection import stored_summary
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

MAKE_PARQUET = """
import sys, pyarrow as pa, pyarrow.parquet as pq
n = 3_000_000
table = pa.table({"s": pa.array([f"value-{i:012d}" for i in range(n)])})
pq.write_table(table, sys.argv[1], row_group_size=n, use_dictionary=True, compression="zstd")
"""


def summaries_of_latest():
    store = ArtifactStore()
    (run,) = store.executions()
    assert run["status"] == "succeeded"
    return {r.filename: stored_summary(store, r) for r in store.records(run["execution_id"])}


def over_limit_or_sampled(summary):
    if "error" in summary:
        return summary["error"].startswith("not summarised: reading the file ")
    return summary["sampled"] is True


def test_hostile_files_get_bounded_summaries_and_the_run_succeeds():
    from flows import hostile

    hostile.hostile()
    got = summaries_of_latest()
    assert set(got) == {"wide.csv", "wide.xlsx", "dict.parquet", "ordinary.csv"}
    # 16,384 columns x 80 rows of xlsx takes the parser far past the 5 s budget: stopped, and said so.
    assert got["wide.xlsx"]["error"].startswith("not summarised: reading the file took longer than 10 s")
    assert got["wide.xlsx"]["kind"] == "table" and got["wide.xlsx"]["limits"]["max_seconds"] == 5.0
    assert over_limit_or_sampled(got["wide.csv"]) and over_limit_or_sampled(got["dict.parquet"])
    ordinary = got["ordinary.csv"]
    assert "error" not in ordinary and ordinary["sampled"] is False and ordinary["rows"] == 100


def test_a_file_over_the_memory_cap_gets_an_error_summary_and_the_next_file_a_full_one(tmp_path):
    source = tmp_path / "dict.parquet"
    # Made by another process: the recording process must not have the decoded table's memory mapped already.
    subprocess.run([sys.executable, "-c", MAKE_PARQUET, str(source)], check=True, timeout=300)
    # The run in a process of its own: the cap counts what the worker adds to the recording process's address space,
    # and a process that has decoded large tables before keeps free memory mapped that the worker could reuse.
    run = ("import sys; from flows import hostile; hostile.parquet_then_ordinary(source=sys.argv[1])")
    env = {**os.environ, "FLYTE_ARTIFACTS_SUMMARY_MEMORY_MB": "32", "PYTHONPATH": TESTS}
    done = subprocess.run([sys.executable, "-c", run, str(source)], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    got = summaries_of_latest()
    assert got["dict.parquet"]["error"] == (
        "not summarised: reading the file needed more than the 32 MiB a summary may use "
        "(FLYTE_ARTIFACTS_SUMMARY_MEMORY_MB), so it was stopped")
    assert got["dict.parquet"]["limits"]["max_memory_mb"] == 32
    assert "error" not in got["ordinary.csv"] and got["ordinary.csv"]["rows"] == 100
