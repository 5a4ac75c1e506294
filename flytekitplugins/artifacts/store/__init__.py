"""Meaning: what the store's bytes are. The key layout (``keys``), records and runs (``artifact_store``), index
entries, versions and tags, lineage documents, declarations and execution identity; over ``backends/`` only."""

from .artifact_store import ArtifactStore, Record, default_root, store_for_run

__all__ = ["ArtifactStore", "Record", "default_root", "store_for_run"]
