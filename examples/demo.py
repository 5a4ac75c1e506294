"""`make demo`: the clinical-study flow end to end on the embedded local store.

SDTM data -> ADaM datasets (SAS transport files) -> a safety TFL report, recorded as DATA and REPORT artifacts;
the ADaM artifact is exported to the dataset "adam", which gains one snapshot per run. Everything lands under
.demo/ in the repository (FLYTE_ARTIFACTS_ROOT, when set, wins), so it is easy to look at and to remove.
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
    dataset_uri = None if "://" in root else os.path.join(DEMO, "datasets", "adam")
    snapshot = clinical_study.main(dataset_uri=dataset_uri)
    print()
    print(f"Artifact store: {root}")
    print(f"Dataset 'adam' snapshot {snapshot.number}: {len(snapshot.files)} files")
    print("Try: .venv/bin/flyte-artifacts --root", root, "list --latest --json")
    print("Open the web page: .venv/bin/flyte-artifacts --root", root, "ui --open")


if __name__ == "__main__":
    main()
