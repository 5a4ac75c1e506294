"""Keeping the store small: ``prune`` (old runs' records), ``datasets prune`` (old snapshots), ``gc`` (bytes and
temp files nothing needs) and the retention policy in the store's ``config.json``. See docs/lifecycle.md."""

from .gc import DEFAULT_GRACE_SECONDS, collect_garbage
from .policy import apply_policy, load_policy
from .prune import PRUNING, prune_runs
from .report import Outcome, Removal, parse_duration
from .snapshots import prune_snapshots

__all__ = [
    "DEFAULT_GRACE_SECONDS",
    "Outcome",
    "PRUNING",
    "Removal",
    "apply_policy",
    "collect_garbage",
    "load_policy",
    "parse_duration",
    "prune_runs",
    "prune_snapshots",
]
