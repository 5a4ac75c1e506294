"""Where each partition value of a workflow's artifact files comes from, settled while the workflow compiles.

A file declared with ``partitions={"study": Inputs.study}`` takes the value of the producing task's input
``study``. The recorder node sees the workflow's inputs, not a task's, so here each such reference is followed to
what the task's input is bound to: a workflow input (its value is passed to the recorder) or a constant (kept as
the value). Anything else (another task's output) cannot be known by the recorder and is refused at compile time.
"""

from __future__ import annotations

import typing

from flytekit.core.constants import GLOBAL_INPUT_NODE_ID

from ..errors import ArtifactValueError
from ..store.partitions import validate_value
from .graph import INPUT_KINDS


def resolve_partitions(plan: typing.Any, workflow: typing.Any, by_id: typing.Dict[str, typing.Any]) -> None:
    """Fill ``plan.partition_sources``: origin -> {key: {"value": text} or {"input": workflow input}}."""
    wf_inputs = list(workflow.python_interface.inputs)
    for e in plan.recorded:
        if not e.declaration.partitions:
            continue
        out = {}
        for key, kind, text in e.declaration.partitions:
            if kind == "value":
                out[key] = {"value": text}
            elif e.site == "workflow":
                out[key] = {"input": _workflow_input(plan, e, key, text, wf_inputs)}
            else:
                out[key] = _task_input(plan, e, key, text, by_id.get(e.node_id), wf_inputs)
        plan.partition_sources[e.origin] = out


def _workflow_input(plan, entry, key: str, name: str, wf_inputs: typing.List[str]) -> str:
    if name not in wf_inputs:
        raise ArtifactValueError(
            f"partition {key!r} of {entry.declaration.artifact!r}/{entry.declaration.filename!r} takes Inputs.{name}, "
            f"but workflow {plan.workflow!r} has no input {name!r} (its inputs: {', '.join(wf_inputs) or 'none'})"
        )
    captured = [n for kind, names in plan.inputs.items() if kind in INPUT_KINDS and kind != "file" for n in names]
    if name not in captured:
        raise ArtifactValueError(
            f"partition {key!r} of {entry.declaration.artifact!r}/{entry.declaration.filename!r} takes Inputs.{name}, "
            f"an input of workflow {plan.workflow!r} that is not a str, int, float or bool: partition values are text"
        )
    return name


def _task_input(plan, entry, key: str, name: str, node: typing.Any, wf_inputs: typing.List[str]) -> dict:
    where = f"partition {key!r} of {entry.declaration.artifact!r}/{entry.declaration.filename!r} (task {entry.task!r})"
    bindings = {b.var: b.binding for b in getattr(node, "bindings", None) or []}
    if name not in bindings:
        raise ArtifactValueError(
            f"{where} takes Inputs.{name}, but the task has no input {name!r} "
            f"(its inputs: {', '.join(sorted(bindings)) or 'none'})"
        )
    data = bindings[name]
    if data.promise is not None and data.promise.node_id == GLOBAL_INPUT_NODE_ID:
        return {"input": _workflow_input(plan, entry, key, data.promise.var, wf_inputs)}
    primitive = getattr(getattr(data, "scalar", None), "primitive", None)
    if primitive is not None:
        return {"value": validate_value(key, primitive.value)}
    raise ArtifactValueError(
        f"{where} takes Inputs.{name}, which workflow {plan.workflow!r} binds to another task's output: the value "
        f"must come from a workflow input or a constant (pass it as a workflow input)"
    )
