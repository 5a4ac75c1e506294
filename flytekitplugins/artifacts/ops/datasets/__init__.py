"""Datasets: named collections of files at a folder or S3 prefix, with numbered, immutable snapshots.

``model`` holds what they are made of, ``catalog`` the catalog and snapshots, ``exports`` the export runs.
"""

from .catalog import DatasetCatalog, normalize_dataset_uri
from .exports import check_export_targets, export_recorded, run_export
from .model import (
    Dataset,
    DatasetSnapshot,
    ExportItem,
    ExportOutcome,
    SnapshotFile,
    validate_dataset_name,
    validate_snapshot_path,
)

__all__ = [
    "check_export_targets",
    "Dataset",
    "DatasetCatalog",
    "DatasetSnapshot",
    "ExportItem",
    "ExportOutcome",
    "SnapshotFile",
    "export_recorded",
    "normalize_dataset_uri",
    "run_export",
    "validate_dataset_name",
    "validate_snapshot_path",
]
