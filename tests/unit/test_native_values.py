"""The pure parts of flytekit-Artifact recording: file names, partition values and time partitions as the store
keeps them, the query a default becomes, and a stored Literal read back (checked) from a real store folder."""

import datetime
import hashlib

import pytest

from flytekitplugins.artifacts.backends import IntegrityError
from flytekitplugins.artifacts.errors import ArtifactValueError
from flytekitplugins.artifacts.ops.native_values import checked_partitions, stored_literal, value_filename


@pytest.mark.parametrize("name,expected", [("ride_count", "ride_count"), ("a/b\\c", "a_b_c"), ("..", "_.."),
                                           ("my.artifact.name", "my.artifact.name")])
def test_value_filename(name, expected):
    assert value_filename(name) == expected


@pytest.mark.parametrize("name,problem", [("   ", "blank"), ("x\x07y", "non-printable"), ("é" * 200, "limit")])
def test_a_name_the_store_cannot_hold_is_refused(name, problem):
    with pytest.raises(ArtifactValueError, match=problem):
        value_filename(name)


def test_partition_values_are_text_and_checked():
    assert checked_partitions("a", {"region": "SEA", "n": 3, "ok": True}) == {"region": "SEA", "n": "3", "ok": "true"}
    with pytest.raises(ArtifactValueError, match="flytekit Artifact 'a'.*'bad key'"):
        checked_partitions("a", {"bad key": "x"})
    with pytest.raises(ArtifactValueError, match="flytekit Artifact 'a'.*empty value"):
        checked_partitions("a", {"region": " "})


def test_time_text_follows_flytekits_granularity():
    from flytekitplugins.artifacts.flyte.native import time_text

    when = datetime.datetime(2026, 12, 4, 3, 5, 9)
    assert [time_text(when, g) for g in (0, 1, 2, 3, 4)] == [
        "2026-12-04", "2026-12-04T03:05", "2026-12-04T03", "2026-12-04", "2026-12"]
    aware = datetime.datetime(2026, 12, 4, 1, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=5)))
    assert time_text(aware, 2) == "2026-12-03T20"  # UTC


def test_a_query_default_becomes_its_partitions():
    from flytekit import Artifact

    from flytekitplugins.artifacts.flyte.native_query import query_spec

    A = Artifact(name="rides", partition_keys=["region", "tier"], time_partitioned=True)
    spec = query_spec(A.query(region="SEA", time_partition=datetime.datetime(2026, 1, 2)), "wf", "df")
    assert spec["artifact"] == "rides" and spec["partitions"] == {"ds": "2026-01-02", "region": "SEA"}
    assert query_spec(A.query(), "wf", "df")["partitions"] == {}
    assert query_spec(A, "wf", "df")["partitions"] == {}  # an unversioned Artifact as a default: its newest


def test_a_query_default_bound_to_another_input_is_refused():
    from flytekit import Artifact
    from flytekit.core.artifact import Inputs

    from flytekitplugins.artifacts.flyte.native_query import query_spec

    A = Artifact(name="rides", partition_keys=["region"])
    with pytest.raises(ArtifactValueError, match="Inputs.region.*give the value itself"):
        query_spec(A.query(region=Inputs.region), "wf", "df")


def test_a_stored_literal_is_read_back_only_while_it_matches(tmp_path):
    from flytekitplugins.artifacts.store.artifact_store import ArtifactStore, Record

    store = ArtifactStore(str(tmp_path / "store"))
    data = b"\x0a\x04\x0a\x02\x10\x2a"
    key = "executions/e1/literals/rides/rides/x.pb"
    store.backend.write_once(key, data)
    rec = Record("e1", "p", "d", "wf", "n0", "t", "o0", "rides", "DATA", "rides", "json", "u", 1, "0" * 64, "now",
                 value={"source": "flytekit", "kind": "scalar", "python_type": "int",
                        "literal": {"key": key, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}})
    assert stored_literal(store, rec) == data
    store.backend.write(key, data + b"!")
    with pytest.raises(IntegrityError, match="no longer matches"):
        stored_literal(store, rec)
    plain = Record("e1", "p", "d", "wf", "n0", "t", "o0", "ADaM", "DATA", "adsl.csv", "csv", "u", 1, "0" * 64, "now")
    with pytest.raises(ArtifactValueError, match="plugin's Artifact.File"):
        stored_literal(store, plain)
    assert "value" not in plain.as_dict()  # records of the plugin's own files keep their fields
