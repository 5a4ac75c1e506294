"""register_handler's own checks, and what a handler that fails gets: one error naming the class and the file."""

import pytest

from flytekitplugins.artifacts import ArtifactTypeError, ArtifactValueError, register_handler
from flytekitplugins.artifacts.flyte.handlers import HandlerError, handler_for

pytestmark = pytest.mark.usefixtures("restore_registry")  # the formats registered here go again after each test


class Model:
    def __init__(self, weights):
        self.weights = weights


def _write(value, path):
    with open(path, "w") as f:
        f.write(",".join(map(str, value.weights)))


def _read(path):
    with open(path) as f:
        return Model([int(x) for x in f.read().split(",")])


@pytest.mark.parametrize(
    "args, error, words",
    [
        (("Model", _write, _read, "wts"), ArtifactTypeError, "needs a class"),
        ((Model, "dump", _read, "wts"), ArtifactTypeError, "serialize must be a function"),
        ((Model, _write, None, "wts"), ArtifactTypeError, "deserialize must be a function"),
        ((Model, _write, _read, ""), ArtifactValueError, "extension must be a file extension"),
        ((Model, _write, _read, "../x"), ArtifactValueError, "'../x'"),
        ((Model, _write, _read, "a\x00b"), ArtifactValueError, "extension must be"),
        ((Model, _write, _read, "x" * 40), ArtifactValueError, "extension must be"),
    ],
)
def test_bad_registrations_are_refused_naming_the_value(args, error, words):
    with pytest.raises(error, match=words.replace(".", r"\.").replace("(", r"\(")):
        register_handler(*args)


def test_handler_round_trip_and_a_reader_that_fails(tmp_path):
    handler = register_handler(Model, _write, _read, extension=".WTS")
    assert handler.extension == "wts" and handler_for(Model) is handler
    path = handler.write(Model([1, 2, 3]), str(tmp_path / "m.wts"))
    assert handler.read(path).weights == [1, 2, 3]
    (tmp_path / "bad.wts").write_text("not numbers")
    with pytest.raises(HandlerError) as info:
        handler.read(str(tmp_path / "bad.wts"))
    assert "the handler of " in str(info.value) and "test_handlers.Model" in str(info.value)
    assert "failed to read 'bad.wts'" in str(info.value) and "ValueError" in str(info.value)


def test_a_serialize_that_writes_nothing_is_an_error(tmp_path):
    handler = register_handler(Model, lambda value, path: None, _read, extension="wts")
    with pytest.raises(HandlerError, match="returned without writing 'm.wts'"):
        handler.write(Model([1]), str(tmp_path / "m.wts"))
    register_handler(Model, _write, _read, extension="wts")
