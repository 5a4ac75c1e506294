"""The audit trail's hash chain (store/audit.py): entries link by sha256, and every kind of tampering is named."""

import hashlib
import json
import os

import pytest

from flytekitplugins.artifacts.store import audit
from flytekitplugins.artifacts.store.artifact_store import ArtifactStore
from flytekitplugins.artifacts.store.keys import AUDIT_HEAD, audit_entry_key


@pytest.fixture
def backend(artifacts_root):
    os.makedirs(artifacts_root, exist_ok=True)
    return ArtifactStore(artifacts_root).backend


def path_of(backend, seq):
    return backend.uri(audit_entry_key(seq))


def fill(backend, n):
    return [audit.append(backend, "tag", reason=f"step {i}", artifact="A", tag=f"t{i}") for i in range(1, n + 1)]


def test_each_entry_names_the_sha256_of_the_bytes_before_it(backend):
    docs = fill(backend, 4)
    assert [d["seq"] for d in docs] == [1, 2, 3, 4]
    assert docs[0]["prev"] == audit.GENESIS
    for n in range(2, 5):
        with open(path_of(backend, n - 1), "rb") as f:
            assert json.loads(open(path_of(backend, n), "rb").read())["prev"] == hashlib.sha256(f.read()).hexdigest()
    listed = list(audit.entries(backend))
    assert [e["reason"] for e in listed] == ["step 1", "step 2", "step 3", "step 4"]
    assert listed[0]["who"]["user"] and listed[0]["target"] == {"artifact": "A", "tag": "t1"}
    report = audit.verify_chain(backend)
    assert report.ok and report.entries == 4 and report.head == listed[-1]["sha256"]


def test_a_changed_entry_is_named(backend):
    fill(backend, 5)
    p = path_of(backend, 2)
    os.chmod(p, 0o644)
    doc = json.loads(open(p, "rb").read())
    doc["reason"] = "something else"
    with open(p, "w") as f:
        f.write(json.dumps(doc, sort_keys=True, separators=(",", ":")))
    report = audit.verify_chain(backend)
    assert not report.ok and report.entry == 2 and "entry 2 was changed" in report.problem


def test_a_removed_entry_is_named(backend):
    fill(backend, 5)
    os.remove(path_of(backend, 3))
    report = audit.verify_chain(backend)
    assert report.entry == 3 and "entry 3 was removed" in report.problem


def test_swapped_entries_are_named_as_reordered(backend):
    fill(backend, 5)
    a, b = path_of(backend, 2), path_of(backend, 3)
    os.rename(a, a + ".x")
    os.rename(b, a)
    os.rename(a + ".x", b)
    report = audit.verify_chain(backend)
    assert report.entry == 2 and "reordered" in report.problem and "number 3" in report.problem


def test_the_last_entry_removed_or_changed_is_named_from_the_head(backend):
    fill(backend, 3)
    p = path_of(backend, 3)
    os.chmod(p, 0o644)
    with open(p, "ab") as f:
        f.write(b" ")
    report = audit.verify_chain(backend)
    assert report.entry == 3 and "entry 3 was changed" in report.problem
    os.remove(p)
    report = audit.verify_chain(backend)
    assert report.entry == 3 and "entry 3 was removed" in report.problem


def test_a_damaged_head_hint_is_not_trusted(backend):
    fill(backend, 2)
    backend.write(AUDIT_HEAD, b"{not json")
    doc = audit.append(backend, "gc")
    assert doc["seq"] == 3 and audit.verify_chain(backend).ok
    backend.write(AUDIT_HEAD, json.dumps({"seq": 1, "sha256": "0" * 64}).encode())  # behind: entries follow it
    assert audit.append(backend, "gc")["seq"] == 4 and audit.verify_chain(backend).ok


def test_the_trail_can_be_switched_off(backend, monkeypatch):
    monkeypatch.setenv(audit.AUDIT_ENV, "0")
    assert audit.append(backend, "tag") is None
    assert list(audit.entries(backend)) == []


def test_who_names_the_pod_execution_and_its_principal(monkeypatch):
    monkeypatch.setenv("FLYTE_INTERNAL_EXECUTION_ID", "a1b2c3")
    monkeypatch.setenv(audit.PRINCIPAL_ENV, "jane@example.com")
    actor = audit.who()
    assert actor["execution"] == "a1b2c3" and actor["principal"] == "jane@example.com" and actor["user"]
