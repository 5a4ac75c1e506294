"""flytekit internals that command tasks rely on, kept here (pinned by ``tests/unit/test_flytekit_internals.py``).

* ``TrackedInstance`` and ``extract_task_module`` give a resolver its own import path and find the module and
  variable that hold an entity, which is what loader arguments are made of;
* a task's ``_name`` and ``_task_resolver`` are set after construction, so a task created inside a workflow body
  keeps the name the plugin gave it and is loaded in a pod by the command-task resolver;
* a ``Promise`` returned by a call may have its class swapped for a subclass, so flytekit's own bookkeeping still
  holds the same object;
* compiling a workflow inside a pod's task-execution context makes flytekit log each node as a nested call, so
  it is compiled with no execution state, as at registration;
* a task's interface (``_python_interface`` and the typed ``_interface``) may be replaced before it is first
  called, and an unresolved promise's reference says which workflow input or node output it stands for;
* the user-space working directory of the running task is where per-run folders go.
"""

from __future__ import annotations

import typing

from flytekit import FlyteContextManager
from flytekit.core.constants import GLOBAL_INPUT_NODE_ID
from flytekit.core.interface import transform_interface_to_typed_interface
from flytekit.core.tracker import TrackedInstance, extract_task_module

__all__ = [
    "TrackedInstance",
    "compile_outside_execution",
    "module_and_variable",
    "name_task",
    "promised_type",
    "replace_interface",
    "retype_promise",
    "working_directory",
]

P = typing.TypeVar("P")


def module_and_variable(entity: typing.Any) -> typing.Tuple[str, str]:
    """The module and the variable in it that hold ``entity`` (a task, or a workflow's function)."""
    _, module, var, _ = extract_task_module(entity)
    return module, var


def name_task(task: typing.Any, name: str, resolver: typing.Any) -> None:
    """Give ``task`` its final name and the resolver that finds it again in a pod."""
    task._name = name
    task._task_resolver = resolver


def retype_promise(promise: typing.Any, cls: typing.Type[P]) -> P:
    """The same promise object as an instance of ``cls`` (a subclass of Promise)."""
    promise.__class__ = cls
    return promise  # type: ignore[return-value]


def compile_outside_execution(workflow: typing.Any) -> None:
    """Compile ``workflow`` with no execution state, as registration does."""
    ctx = FlyteContextManager.current_context()
    with FlyteContextManager.with_context(ctx.with_execution_state(None)):  # type: ignore[arg-type]
        workflow.compile()


def working_directory() -> typing.Optional[str]:
    """The running task's working directory, if flytekit has set one up."""
    ctx = FlyteContextManager.current_context()
    if ctx.user_space_params is None:
        return None
    wd = ctx.user_space_params.working_directory
    return getattr(wd, "name", wd)


def replace_interface(task: typing.Any, interface: typing.Any) -> None:
    """Give a task that has not been called yet another Python interface (and the typed one derived from it)."""
    task._python_interface = interface
    task._interface = transform_interface_to_typed_interface(interface, allow_partial_artifact_id_binding=True)


def promised_type(promise: typing.Any, workflow: typing.Any) -> typing.Any:
    """The declared type of what an unresolved promise stands for (a workflow input or a node output), or None."""
    ref = promise.ref
    if ref.node_id == GLOBAL_INPUT_NODE_ID and workflow is not None:
        return workflow.python_interface.inputs.get(ref.var)
    entity = getattr(ref.node, "flyte_entity", None)
    return entity.python_interface.outputs.get(ref.var) if entity is not None else None
