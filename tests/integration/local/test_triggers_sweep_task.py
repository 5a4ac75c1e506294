"""The ready ``triggers_sweep`` task refuses what it cannot do before it sweeps anything (run as a local task)."""

import pytest

from flytekitplugins.artifacts import triggers_sweep
from flytekitplugins.artifacts.store import keys


def test_no_module_and_a_local_store_are_refused(store):
    with pytest.raises(Exception, match="triggers_sweep\\(modules=' , '\\) names no module"):
        triggers_sweep(modules=" , ")
    with pytest.raises(Exception, match="needs the cluster's store \\(s3://...\\).*FLYTE_ARTIFACTS_ROOT"):
        triggers_sweep(modules="flows.triggers")
    assert store.backend.list_children(keys.TRIGGERS) == []  # nothing was started
