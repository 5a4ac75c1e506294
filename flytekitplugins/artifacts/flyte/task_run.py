"""A task run on its own (``pyflyte run file.py my_task``, or calling it outside a workflow) has no recorder
node: its artifact outputs are recorded right after it returns, through the same ``record_files``."""

from __future__ import annotations

import typing

from ..ops.recording import record_files
from ..store.declaration import declaration_of
from .plan import PlanEntry
from .wiring import output_of


def _primitive_inputs(kwargs: typing.Mapping[str, typing.Any]) -> typing.Dict[str, dict]:
    """The task's str, int, float and bool inputs (literals or promises of them), as lineage describes inputs."""
    out = {}
    for name, v in kwargs.items():
        if isinstance(v, (str, int, float, bool)):  # called with plain values
            out[name] = {"type": type(v).__name__, "value": v}
            continue
        lit = getattr(v, "val", v)
        primitive = getattr(getattr(lit, "scalar", None), "primitive", None)
        if primitive is not None and primitive.value is not None:
            out[name] = {"type": type(primitive.value).__name__, "value": primitive.value}
    return out


def record_task_run(task: typing.Any, result: typing.Any,
                    kwargs: typing.Optional[typing.Mapping[str, typing.Any]] = None) -> None:
    """Record the artifact outputs of a task that ran on its own (``result`` is what its call returned, ``kwargs``
    its inputs: ``Inputs.<name>`` partitions take their values from them)."""
    items, uris = [], []
    for out, t in task.python_interface.outputs.items():
        decl = declaration_of(t)
        p = output_of(result, out)
        if decl is None or p is None or not p.is_ready or p.val.scalar is None or p.val.scalar.blob is None:
            continue
        entry = PlanEntry(decl, "n0", task.name, out, task.name, origin=f"n0.{out}", site="task")
        items.append(entry.manifest_item())
        uris.append(p.val.scalar.blob.uri)
    if items:
        record_files({"files": items, "code_version": None}, uris, inputs=_primitive_inputs(kwargs or {}))
