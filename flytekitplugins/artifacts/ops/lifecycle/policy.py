"""Retention written down once, in the store's ``config.json``, and applied by ``flyte-artifacts prune --policy``
(from a cron job or a scheduled Flyte launch plan: docs/lifecycle.md).

    {"retention": {"runs": {"keep_last": 20, "older_than": "30d"},
                   "snapshots": {"keep_last": 10, "older_than": "90d"}}}

``runs`` keeps the newest ``keep_last`` succeeded runs of each workflow, and any run younger than ``older_than``;
``snapshots`` does the same for every dataset's snapshots. Either part (and either rule) may be left out.
"""

from __future__ import annotations

import json
import typing

from ...errors import ArtifactError, ArtifactValueError
from ...store.artifact_store import ArtifactStore
from .report import Outcome, parse_duration

CONFIG_KEY = "config.json"
_EXAMPLE = '{"retention": {"runs": {"keep_last": 20}, "snapshots": {"older_than": "90d"}}}'


def _rule(doc: typing.Any, where: str) -> typing.Optional[typing.Tuple[typing.Optional[int], typing.Optional[float]]]:
    if doc is None:
        return None
    if not isinstance(doc, dict) or not set(doc) <= {"keep_last", "older_than"} or not doc:
        raise ArtifactValueError(f"{where} must be an object with keep_last and/or older_than, e.g. {_EXAMPLE}")
    keep = doc.get("keep_last")
    if keep is not None and (not isinstance(keep, int) or isinstance(keep, bool) or keep < 1):
        raise ArtifactValueError(f"{where}.keep_last must be a whole number >= 1, got {keep!r}")
    age = doc.get("older_than")
    return keep, (parse_duration(age) if age is not None else None)


def load_policy(store: ArtifactStore) -> dict:
    """The retention rules in ``<root>/config.json``: ``{"runs": (keep_last, older_than_s), "snapshots": ...}``."""
    try:
        raw = store.backend.read_bytes(CONFIG_KEY)
    except ArtifactError:
        raise ArtifactValueError(
            f"the store at {store.root!r} has no {CONFIG_KEY}: write one with a retention section, e.g. {_EXAMPLE}"
        ) from None
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise ArtifactValueError(f"{store.backend.uri(CONFIG_KEY)} is not valid JSON ({e}): fix it") from None
    retention = doc.get("retention") if isinstance(doc, dict) else None
    if not isinstance(retention, dict) or not retention or not set(retention) <= {"runs", "snapshots"}:
        raise ArtifactValueError(
            f"{store.backend.uri(CONFIG_KEY)} needs a \"retention\" object with \"runs\" and/or \"snapshots\", "
            f"e.g. {_EXAMPLE}"
        )
    return {k: _rule(retention.get(k), f"retention.{k}") for k in ("runs", "snapshots")}


def apply_policy(store: ArtifactStore, dry_run: bool = False, progress=None) -> Outcome:
    """Prune runs and every dataset's snapshots as ``config.json`` says."""
    from ..datasets import DatasetCatalog
    from .prune import prune_runs
    from .snapshots import prune_snapshots

    policy = load_policy(store)
    out = Outcome(dry_run)
    parts = []
    if policy["runs"] is not None:
        keep, age = policy["runs"]
        parts.append(prune_runs(store, keep_last=keep, older_than=age, dry_run=dry_run, progress=progress))
    if policy["snapshots"] is not None:
        keep, age = policy["snapshots"]
        catalog = DatasetCatalog(store)
        for ds in catalog.list():
            parts.append(prune_snapshots(catalog, ds.id, keep_last=keep, older_than=age, dry_run=dry_run,
                                         progress=progress))
    for p in parts:
        out.removed.extend(p.removed)
        out.kept.extend(p.kept)
        out.released += p.released
    return out
