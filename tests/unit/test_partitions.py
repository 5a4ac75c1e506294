"""Partition keys and values: what the declaration, the store and the CLI's --partition accept and refuse."""

import pytest

from flytekitplugins.artifacts.errors import ArtifactTypeError, ArtifactValueError
from flytekitplugins.artifacts.store import partitions as p
from flytekitplugins.artifacts.store.declaration import DATA, FileDeclaration


@pytest.mark.parametrize("key", ["", "1study", "stu dy", "a/b", "../x", "st\x00", "é", "k" * 64, "a-b"])
def test_bad_keys_are_refused_by_name(key):
    with pytest.raises(ArtifactValueError) as e:
        p.validate_key(key)
    assert repr(key) in str(e.value)


def test_a_key_must_be_a_string():
    with pytest.raises(ArtifactTypeError, match="partition key must be a string"):
        p.validate_key(3)


@pytest.mark.parametrize("value, words", [
    ("", "empty value"), ("  ", "empty value"), ("a\x00b", "NUL"), ("a\nb", "non-printable"),
    ("a\u202eb", "non-printable"), ("x" * 256, "256 characters long"),
])
def test_bad_values_are_refused_naming_the_key(value, words):
    with pytest.raises(ArtifactValueError) as e:
        p.validate_value("study", value)
    assert "'study'" in str(e.value) and words in str(e.value)


def test_values_of_other_types():
    assert p.validate_value("n", 3) == "3"
    assert p.validate_value("ok", True) == "true"
    assert p.validate_value("s", "../MINI01") == "../MINI01"  # kept as text: keys encode it as one component
    with pytest.raises(ArtifactTypeError, match="partition 'study' takes a string"):
        p.validate_value("study", ["a"])


def test_partition_keys_list():
    assert p.validate_keys(["study", "site"]) == ("study", "site")
    assert p.validate_keys(None) == ()
    with pytest.raises(ArtifactTypeError, match="list of strings"):
        p.validate_keys("study")
    with pytest.raises(ArtifactValueError, match="names 'study' twice"):
        p.validate_keys(["study", "study"])


def test_unknown_key_names_the_keys_there_are():
    with pytest.raises(ArtifactValueError) as e:
        p.check_known(["stdy"], ("study", "site"), "artifact 'ADaM'")
    assert str(e.value) == "artifact 'ADaM' has no partition key 'stdy' (its partition keys: study, site)"


@pytest.mark.parametrize("text", ["study", "=MINI01", "study=", "st udy=X"])
def test_option_must_be_key_equals_value(text):
    with pytest.raises(ArtifactValueError):
        p.parse_option(text)


def test_option_keeps_equals_signs_in_the_value():
    assert p.parse_option("study=a=b") == ("study", "a=b")


def test_resolve_values_from_inputs_and_constants():
    sources = {"study": {"input": "trial"}, "site": {"value": "A"}}
    got = p.resolve_values(sources, {"trial": {"type": "str", "value": "MINI01"}})
    assert got == {"study": "MINI01", "site": "A"}
    with pytest.raises(ArtifactValueError, match="workflow input 'trial', which the recorder did not get"):
        p.resolve_values(sources, {})


def test_declaration_round_trips_its_partitions():
    decl = FileDeclaration("ADaM", DATA, "adsl.csv", "csv", (("site", "value", "A"), ("study", "input", "study")))
    d = decl.as_dict()
    assert d["partitions"] == {"site": {"value": "A"}, "study": {"input": "study"}}
    assert FileDeclaration.from_dict(d) == decl
    plain = FileDeclaration("ADaM", DATA, "adsl.csv", "csv")
    assert "partitions" not in plain.as_dict()  # interfaces of unpartitioned files are unchanged
