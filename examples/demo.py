"""`make demo`: the clinical-study flow end to end on the embedded local store.

SDTM data -> ADaM datasets (SAS transport files) -> a safety TFL report, recorded as DATA and REPORT artifacts;
the ADaM artifact is exported to the dataset "adam", which gains one snapshot per run. Everything lands under
.demo/ in the repository, so it is easy to look at and to remove. FLYTE_ARTIFACTS_ROOT, when set, wins: the dataset
then sits beside that store (in a "datasets" folder next to a local root, or under an S3 root's parent prefix).
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = os.path.join(os.path.dirname(HERE), ".demo")


def main() -> None:
    os.environ.setdefault("FLYTE_ARTIFACTS_ROOT", os.path.join(DEMO, "store"))
    sys.path.insert(0, HERE)
    import clinical_study

    root = os.environ["FLYTE_ARTIFACTS_ROOT"]
    # Beside the store, never in .demo/ when another root was given: one dataset location belongs to one store.
    snapshot = clinical_study.main()
    print()
    print(f"Artifact store: {root}")
    print(f"Dataset 'adam' snapshot {snapshot.number}: {len(snapshot.files)} files")
    print("Try: .venv/bin/flyte-artifacts --root", root, "list --latest --json")
    print("Open the web page: .venv/bin/flyte-artifacts --root", root, "ui --open")


if __name__ == "__main__":
    main()
