"""Finding the triggers a user declared: the module-level ``Trigger`` objects of Python files or modules."""

from __future__ import annotations

import importlib
import os
import sys
import typing

from .triggers import Declared, TriggerError


def _load(source: str) -> typing.Any:
    """Import a module by name (``flows.reports``) or a Python file by path (``flows/reports.py``)."""
    if source.endswith(".py") or os.sep in source or "/" in source:
        path = os.path.abspath(source)
        if not os.path.isfile(path):
            raise TriggerError(f"{source!r} is not a Python file: give a file of triggers (flows.py) or a module name")
        folder, name = os.path.split(os.path.splitext(path)[0])
        while os.path.isfile(os.path.join(folder, "__init__.py")):  # a file inside a package: import it as such
            folder, package = os.path.split(folder)
            name = f"{package}.{name}"
        if folder not in sys.path:
            sys.path.insert(0, folder)
        source = name
    try:
        return importlib.import_module(source)
    except ModuleNotFoundError as e:
        raise TriggerError(f"module {source!r} cannot be imported ({e}): give a file path or an importable module")


def declared_in(sources: typing.Sequence[str]) -> typing.List[Declared]:
    """Every trigger declared at module level in ``sources``, in order, once each; an error when there are none
    or two share a name."""
    if not sources:
        raise TriggerError("no file or module given: name the Python files or modules that declare the triggers")
    found: typing.List[Declared] = []
    names: typing.Dict[str, str] = {}
    for source in sources:
        module = _load(source)
        for value in vars(module).values():
            if isinstance(value, Declared) and all(value is not f for f in found):
                other = names.get(value.spec.name)
                if other is not None:
                    raise TriggerError(
                        f"two triggers are named {value.spec.name!r} (in {other} and {source}): give one "
                        "Trigger(..., name=...) another name"
                    )
                names[value.spec.name] = source
                found.append(value)
    if not found:
        raise TriggerError(
            f"{', '.join(sources)} declare no Trigger at module level: add "
            "Trigger(on=on_artifact(MyArtifact, filename=...), launch=my_workflow, input=...)"
        )
    return found
