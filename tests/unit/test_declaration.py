import typing

import pytest
from flytekit.core.type_engine import TypeEngine
from flytekit.types.file import FlyteFile

from flytekitplugins.artifacts import (
    DATA,
    MODEL,
    REPORT,
    Artifact,
    ArtifactError,
    ArtifactType,
)
from flytekitplugins.artifacts.flyte.transformer import ANNOTATION_KEY
from flytekitplugins.artifacts.store.declaration import declaration_of


def test_types_and_constants():
    assert [m.name for m in ArtifactType] == ["DATA", "MODEL", "REPORT"]
    assert (DATA, MODEL, REPORT) == (ArtifactType.DATA, ArtifactType.MODEL, ArtifactType.REPORT)


@pytest.mark.parametrize("given", ["data", "DATA", "Data", " model ", ArtifactType.REPORT])
def test_type_by_name_any_case(given):
    a = Artifact("x", given)
    assert a.type.name == (given.name if isinstance(given, ArtifactType) else given.strip().upper())


@pytest.mark.parametrize(
    "bad, exc, words",
    [
        ("dataset", ValueError, ["'dataset'", "DATA, MODEL, REPORT"]),
        ("", ValueError, ["DATA, MODEL, REPORT"]),
        (3, TypeError, ["3", "int"]),
        (None, TypeError, ["None"]),
    ],
)
def test_bad_type(bad, exc, words):
    with pytest.raises(exc) as e:
        Artifact("x", bad)
    assert isinstance(e.value, ArtifactError)
    for w in words:
        assert w in str(e.value)


@pytest.mark.parametrize(
    "bad, exc, word",
    [
        ("", ValueError, "empty"),
        ("   ", ValueError, "empty"),
        ("a/b", ValueError, "'a/b'"),
        ("a\0b", ValueError, "NUL"),
        ("line\nbreak", ValueError, "non-printable"),
        ("x" * 256, ValueError, "256 characters"),
        (42, TypeError, "42"),
        (None, TypeError, "None"),
    ],
)
def test_bad_artifact_name(bad, exc, word):
    with pytest.raises(exc) as e:
        Artifact(bad, DATA)
    assert isinstance(e.value, ArtifactError)
    assert word in str(e.value)


def test_good_artifact_names():
    assert Artifact("x" * 255, DATA).name == "x" * 255
    assert Artifact("Données ADaM (v2)", "data").name == "Données ADaM (v2)"
    assert Artifact("..", DATA).name == ".."


@pytest.mark.parametrize(
    "bad, exc, word",
    [
        ("", ValueError, "not a file name"),
        (".", ValueError, "not a file name"),
        ("..", ValueError, "not a file name"),
        ("dir/data.csv", ValueError, "'/'"),
        ("dir\\data.csv", ValueError, "'\\\\'"),
        ("a\0.csv", ValueError, "'\\x00'"),
        ("é" * 128, ValueError, "256 bytes"),
        (7, TypeError, "7"),
    ],
)
def test_bad_filename(bad, exc, word):
    with pytest.raises(exc) as e:
        Artifact("x", DATA).File(name=bad)
    assert isinstance(e.value, ArtifactError)
    assert word in str(e.value)


def test_file_type_from_extension_or_type():
    a = Artifact("My Data", DATA)
    t = a.File(name="data.csv")
    assert typing.get_origin(t) is typing.Annotated
    base = typing.get_args(t)[0]
    assert issubclass(base, FlyteFile) and base.extension() == "csv"
    assert declaration_of(t).file_type == "csv"
    assert declaration_of(a.File(name="adsl dataset", type="sas7bdat")).file_type == "sas7bdat"
    assert declaration_of(a.File(name="data.csv", type=".txt")).file_type == "txt"
    # No extension and no type: a generic file; neither raises.
    generic = a.File(name="README")
    assert typing.get_args(generic)[0] is FlyteFile
    assert declaration_of(generic).file_type == ""
    assert declaration_of(a.File(name="x" * 255)).filename == "x" * 255


def test_literal_type_carries_declaration():
    lt = TypeEngine.to_literal_type(Artifact("My Model", MODEL).File(name="model.pt"))
    assert lt.blob.format == "pt"
    assert dict(lt.annotation.annotations[ANNOTATION_KEY]) == {
        "artifact": "My Model",
        "type": "MODEL",
        "filename": "model.pt",
        "file_type": "pt",
    }
    # Round trip through the IDL, as a registered interface would travel.
    from flytekit.models.types import LiteralType

    from flytekitplugins.artifacts.flyte.transformer import declaration_from_literal_type

    back = declaration_from_literal_type(LiteralType.from_flyte_idl(lt.to_flyte_idl()))
    assert back == declaration_of(Artifact("My Model", MODEL).File(name="model.pt"))


def test_equal_declarations_compare_equal():
    a = Artifact("My Data", DATA)
    assert declaration_of(a.File(name="data.csv")) == declaration_of(a.File(name="data.csv"))
    assert declaration_of(a.File(name="data.csv")) != declaration_of(a.File(name="other.csv"))
    assert Artifact("My Data", "data") == a and Artifact("My Data", MODEL) != a
