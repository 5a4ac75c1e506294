"""Handlers that fail and types without one: what a task returning or taking them gets."""

from flytekit import task, workflow

from flytekitplugins.artifacts import MODEL, Artifact, register_handler

Broken = Artifact("Typed Broken", MODEL)


class Fragile:
    """An object whose handler writes half a file, then raises."""


class Unhandled:
    """An object nothing knows how to write into a file."""


def _half_then_fail(value, path):
    with open(path, "wb") as f:
        f.write(b"half")
    raise OSError("disk full")


def _never_read(path):
    raise AssertionError("never read")


register_handler(Fragile, _half_then_fail, _never_read, extension="frag")


@task
def make_fragile() -> Broken.File(name="model.frag"):
    return Fragile()


@task
def make_unhandled() -> Broken.File(name="model.dat"):
    return Unhandled()


@workflow
def fragile_flow():
    make_fragile()


@workflow
def unhandled_flow():
    make_unhandled()
