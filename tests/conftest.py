import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


@pytest.fixture(autouse=True)
def artifacts_root(tmp_path, monkeypatch):
    """Every test gets its own empty artifact store (and never touches the user's home)."""
    root = tmp_path / "artifact-store"
    monkeypatch.setenv("FLYTE_ARTIFACTS_ROOT", str(root))
    monkeypatch.delenv("FLYTE_INTERNAL_EXECUTION_ID", raising=False)
    return str(root)
