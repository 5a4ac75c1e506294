"""What the audit trail costs a real workflow run, against the same run with the trail off, in the same process.

    python bench/audit.py [--rounds 15] [--files 6]

A local workflow whose task writes several artifact files (csv tables and a text report, each summarised as a
real run does) is run ``rounds`` times with ``FLYTE_ARTIFACTS_AUDIT`` on and as many times with it off, in
alternating order, into one store. The figure is the median of each side and their ratio (aim: at most 1.05).
Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import textwrap
import time

FLOW = textwrap.dedent('''
    import os, tempfile, typing
    from flytekit import task, workflow
    from flytekitplugins.artifacts import Artifact, DATA, REPORT

    Data = Artifact("Bench ADaM", DATA)
    Report = Artifact("Bench TFL", REPORT)
    N = {files}

    def _write(name, text):
        path = os.path.join(tempfile.mkdtemp(), name)
        with open(path, "w") as f:
            f.write(text)
        return path

    @task
    def make(seed: int) -> typing.Tuple[{outputs}]:
        rows = "\\n".join(f"{{i}},{{seed}},{{i * 0.5}},SUBJ-{{i:04d}}" for i in range(2000))
        tables = [_write(f"ad{{k}}.csv", "USUBJID,SEED,AVAL,SUBJ\\n" + rows) for k in range(N - 1)]
        return (*tables, _write("summary.txt", f"run {{seed}}\\n" * 200))

    @workflow
    def bench(seed: int) -> typing.Tuple[{outputs}]:
        return make(seed=seed)
''')


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--files", type=int, default=6, help="artifact files per run (at least 2)")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="bench-audit-")
    os.environ["FLYTE_ARTIFACTS_ROOT"] = os.path.join(work, "store")
    outputs = ", ".join([f'Data.File(name="ad{k}.csv")' for k in range(args.files - 1)]
                        + ['Report.File(name="summary.txt")'])
    with open(os.path.join(work, "bench_flow.py"), "w") as f:
        f.write(FLOW.format(files=args.files, outputs=outputs))
    sys.path.insert(0, work)
    import bench_flow

    from flytekitplugins.artifacts.store import audit

    def run(on: bool, seed: int) -> float:
        os.environ[audit.AUDIT_ENV] = "1" if on else "0"
        t0 = time.perf_counter()
        bench_flow.bench(seed=seed)
        return time.perf_counter() - t0

    run(True, -1)  # warm-up: imports, compilation, first store folders
    run(False, -2)
    on, off = [], []
    for i in range(args.rounds):
        sides = [(on, True), (off, False)]
        for times, flag in (sides if i % 2 == 0 else sides[::-1]):
            times.append(run(flag, i * 2 + flag))
    m_on, m_off = statistics.median(on), statistics.median(off)
    entries = len(list(audit.entries(audit_backend())))
    print(f"workflow run with {args.files} artifact files, {args.rounds} rounds each side ({entries} audit entries)")
    print(f"  audit off: median {m_off * 1000:.1f} ms")
    print(f"  audit on:  median {m_on * 1000:.1f} ms")
    print(f"  ratio on/off: {m_on / m_off:.3f} (aim: at most 1.05)")


def audit_backend():
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

    return ArtifactStore().backend


if __name__ == "__main__":
    main()
