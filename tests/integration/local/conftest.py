"""Fixtures of the integration tests on a local store: stores filled by real runs, datasets to export into."""

import json
import os
import subprocess
import sys

import pytest


@pytest.fixture
def two_runs():
    """Two real local runs in this test's store: ``flows.core.training`` then ``flows.core.reports``."""
    from flows import core

    core.training(text="first")
    core.reports(a="A", b="B")
    return None


@pytest.fixture
def three_datasets(catalog, tmp_path):
    """The ``catalog`` with three datasets, ``models``, ``reports`` and ``data``, in folders of this test."""
    for name in ("models", "reports", "data"):
        catalog.create(name, str(tmp_path / "datasets" / name))
    return catalog


@pytest.fixture
def ds_uri(store, tmp_path):
    """Where a dataset of ``store`` goes: on the store's own bucket for a store on S3, else a folder of this test."""
    if store.backend.scheme == "s3":
        return f"s3://{store.backend.bucket}/datasets/clean"
    return str(tmp_path / "datasets" / "clean")


@pytest.fixture
def filled(tmp_path):
    """A store with one record, exported into a dataset: two intact copies of the same bytes."""
    from flows.dataset_exporter import make_record

    from flytekitplugins.artifacts.ops.datasets import DatasetCatalog, ExportItem
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore

    store = ArtifactStore()
    rec = make_record(store, tmp_path / "src", "e1", "data.csv", b"a,b\n1,2\n")
    catalog = DatasetCatalog(store)
    ds = catalog.create("clean", str(tmp_path / "datasets" / "clean"))
    snap = catalog.export(ds, [ExportItem("data.csv", rec)], run_key="r1", source={"execution_id": "e1"}).snapshot
    return store, rec, ds, os.path.join(ds.uri, snap.file("data.csv").key)


@pytest.fixture
def workflow_dir(tmp_path, monkeypatch):
    """Domino paths switched on, under a folder of this test instead of the real /workflow."""
    from flytekitplugins.artifacts.domino import paths

    base = tmp_path / "workflow"
    monkeypatch.setenv(paths.MODE_ENV, "on")
    monkeypatch.setenv(paths.BASE_ENV, str(base))
    return base


@pytest.fixture
def models(tmp_path):
    """The dataset ``models``, made by ``flyte-artifacts datasets create``, as its ``--json`` printed it."""
    cli = os.path.join(os.path.dirname(sys.executable), "flyte-artifacts")
    args = [cli, "datasets", "create", "models", "--uri", str(tmp_path / "ds" / "models"), "--json"]
    r = subprocess.run(args, capture_output=True, text=True, env=dict(os.environ), timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(r.stdout)
