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
* the user-space working directory of the running task is where per-run folders go;
* a dynamic task's body run locally is a local execution: from 1.16 on flytekit runs it in
  ``LOCAL_DYNAMIC_TASK_EXECUTION`` mode, which ``is_local_execution()`` counts; 1.13 to 1.15 run it in
  ``DYNAMIC_TASK_EXECUTION`` mode (the one a pod compiles a dynamic body in), which it does not: ``runs_locally``
  answers the same on all of them;
* a type transformer converts through ``async_to_literal``/``async_to_python_value`` from flytekit 1.14 on
  (``AsyncTypeTransformer``), and through the plain ``to_literal``/``to_python_value`` in 1.13, which has no async
  type engine: ``TransformerBase`` and ``base_to_literal``/``base_to_python_value`` give the plugin's transformer
  one async shape on both;
* flytekit's own ``Artifact`` on an output is the typed interface variable's ``artifact_partial_id`` (an
  ``ArtifactID`` whose partitions and time partition are a static value, an input binding or a run-time binding),
  and ``create_from``'s run-time values are an ``ArtifactID``, base64-encoded, in the output Literal's metadata
  under ``DYNAMIC_PARTITIONS``;
* ``TypeEngine._REGISTRY`` maps a class to its transformer (``register_transformer`` replaces an entry, which
  ``TypeEngine.register`` refuses); ``registered_transformer`` finds one without the pickle fallback
  (``TypeEngine._get_transformer`` from 1.14 on, the registry entry itself in 1.13);
* a module whose tasks pods load by name is imported with no compilation state, or its tasks would take the
  resolver of the workflow being compiled;
* a launch plan parameter is a ``Parameter`` whose behaviour is one of a default, ``required`` or an
  ``artifact_query`` (flyteidl's ``ArtifactQuery``), and a literal that arrived with nothing set is empty.

Every difference between the supported flytekit minors (1.13 to 1.16) lives here, each branch pinned by the same
test run on that minor (``make compat``).
"""

from __future__ import annotations

import base64
import importlib
import inspect
import types
import typing

import flytekit
from flyteidl.core import artifact_id_pb2
from flytekit import FlyteContextManager
from flytekit.core import type_engine
from flytekit.core.base_task import DYNAMIC_PARTITIONS
from flytekit.core.constants import GLOBAL_INPUT_NODE_ID
from flytekit.core.context_manager import ExecutionState
from flytekit.core.interface import transform_interface_to_typed_interface
from flytekit.core.tracker import TrackedInstance, extract_task_module
from flytekit.core.type_engine import TypeEngine, TypeTransformer
from flytekit.models.interface import Parameter

__all__ = [
    "ASYNC_TRANSFORMERS",
    "FLYTEKIT_MINOR",
    "TrackedInstance",
    "TransformerBase",
    "base_to_literal",
    "base_to_python_value",
    "DYNAMIC_PARTITIONS",
    "TrackedInstance",
    "artifact_outputs",
    "dynamic_artifact_id",
    "python_type_name",
    "compile_outside_execution",
    "has_own_transformer",
    "import_outside_compilation",
    "is_empty_literal",
    "is_none_default",
    "query_parameter",
    "register_transformer",
    "registered_transformer",
    "module_and_variable",
    "name_task",
    "promised_type",
    "replace_interface",
    "retype_promise",
    "runs_locally",
    "working_directory",
]

P = typing.TypeVar("P")
T = typing.TypeVar("T")


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


#: Whether flytekit has a mode of its own for a dynamic task's body run locally (1.16 on).
LOCAL_DYNAMIC_MODE: bool = hasattr(ExecutionState.Mode, "LOCAL_DYNAMIC_TASK_EXECUTION")


def runs_locally(ctx: typing.Any) -> bool:
    """Whether ``ctx`` executes a local run (not a compilation, not a pod), a dynamic task's body included."""
    state = ctx.execution_state
    if state is None:
        return False
    if state.is_local_execution():
        return True
    # flytekit 1.13-1.15: a local dynamic body runs in DYNAMIC_TASK_EXECUTION mode; a pod only compiles in it.
    return (
        not LOCAL_DYNAMIC_MODE
        and state.mode == ExecutionState.Mode.DYNAMIC_TASK_EXECUTION
        and ctx.compilation_state is None
    )


#: The running flytekit's (major, minor), e.g. ``(1, 13)``.
FLYTEKIT_MINOR: typing.Tuple[int, int] = tuple(int(p) for p in flytekit.__version__.split(".")[:2])  # type: ignore

#: Whether flytekit's type engine converts through ``async_to_literal`` (1.14 on).
ASYNC_TRANSFORMERS: bool = hasattr(type_engine, "AsyncTypeTransformer")


def _finish(coroutine: typing.Coroutine) -> typing.Any:
    """The result of a coroutine that never waits (flytekit 1.13's conversions are all synchronous)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("a type conversion waited on flytekit 1.13, whose type engine has no event loop")


if ASYNC_TRANSFORMERS:
    TransformerBase = type_engine.AsyncTypeTransformer

    async def base_to_literal(transformer, ctx, python_val, python_type, expected):
        """``transformer``'s conversion of a Python value to a literal."""
        return await transformer.async_to_literal(ctx, python_val, python_type, expected)

    async def base_to_python_value(transformer, ctx, lv, python_type):
        """``transformer``'s conversion of a literal to a Python value."""
        return await transformer.async_to_python_value(ctx, lv, python_type)

else:  # flytekit 1.13

    class TransformerBase(type_engine.TypeTransformer[T]):  # type: ignore[no-redef]
        """A transformer written with async conversions, called by a type engine that only knows the sync ones."""

        def to_literal(self, ctx, python_val, python_type, expected):
            return _finish(self.async_to_literal(ctx, python_val, python_type, expected))

        def to_python_value(self, ctx, lv, expected_python_type):
            return _finish(self.async_to_python_value(ctx, lv, expected_python_type))

    async def base_to_literal(transformer, ctx, python_val, python_type, expected):  # type: ignore[misc]
        """``transformer``'s conversion of a Python value to a literal."""
        return transformer.to_literal(ctx, python_val, python_type, expected)

    async def base_to_python_value(transformer, ctx, lv, python_type):  # type: ignore[misc]
        """``transformer``'s conversion of a literal to a Python value."""
        return transformer.to_python_value(ctx, lv, python_type)


def artifact_outputs(task: typing.Any) -> typing.Dict[str, typing.Any]:
    """The outputs of ``task`` declared with a flytekit ``Artifact``: output name -> its partial ``ArtifactID``."""
    iface = getattr(task, "interface", None)
    outputs = getattr(iface, "outputs", None) or {}
    return {name: var.artifact_partial_id for name, var in outputs.items()
            if getattr(var, "artifact_partial_id", None) is not None}


def dynamic_artifact_id(literal: typing.Any) -> typing.Optional[typing.Any]:
    """The partitions ``create_from`` gave an output at run time (an ``ArtifactID``), or None."""
    encoded = (getattr(literal, "metadata", None) or {}).get(DYNAMIC_PARTITIONS)
    if not encoded:
        return None
    return artifact_id_pb2.ArtifactID.FromString(base64.b64decode(encoded))


def python_type_name(t: typing.Any) -> str:
    """A declared Python type as text (``pandas.core.frame.DataFrame``), looking through ``Annotated``."""
    if t is None:
        return ""
    if typing.get_origin(t) is typing.Annotated:
        t = typing.get_args(t)[0]
    if isinstance(t, type):
        return f"{t.__module__}.{t.__qualname__}" if t.__module__ != "builtins" else t.__qualname__
    return repr(t)


def has_own_transformer(t: type) -> bool:
    """True when flytekit converts ``t`` with a transformer of its own (not by pickling it)."""
    import dataclasses

    if dataclasses.is_dataclass(t):
        return True
    return any(registered_transformer(c) is not None for c in inspect.getmro(t) if c is not object)


def registered_transformer(t: type) -> typing.Optional[TypeTransformer]:
    """flytekit's transformer for class ``t`` itself, or None (never the pickle fallback)."""
    if hasattr(TypeEngine, "_get_transformer"):  # flytekit 1.14 on
        return TypeEngine._get_transformer(t)
    # flytekit 1.13: get_transformer ends in the pickle fallback; a class's own transformer is its registry entry.
    import enum

    if isinstance(t, type) and issubclass(t, enum.Enum):
        return TypeEngine._ENUM_TRANSFORMER
    return TypeEngine._REGISTRY.get(t)


def register_transformer(transformer: TypeTransformer) -> None:
    """Make ``transformer`` the one for its Python type, replacing any registered before."""
    TypeEngine._REGISTRY[transformer.python_type] = transformer


def import_outside_compilation(module: str) -> types.ModuleType:
    """Import ``module`` as at plugin import, even from inside a workflow being compiled."""
    ctx = FlyteContextManager.current_context()
    if ctx.compilation_state is None:
        return importlib.import_module(module)
    with FlyteContextManager.with_context(ctx.with_compilation_state(None)):  # type: ignore[arg-type]
        return importlib.import_module(module)


def is_none_default(param: typing.Any) -> bool:
    """True for a parameter whose default is the none literal (an ``Optional`` input defaulting to None)."""
    default = getattr(param, "default", None)
    return default is not None and default.scalar is not None and default.scalar.none_type is not None


def query_parameter(param: typing.Any, query: typing.Any) -> Parameter:
    """``param`` with an artifact query (flyteidl ``ArtifactQuery``) as its behaviour instead of its default."""
    return Parameter(var=param.var, required=False, artifact_query=query)


def is_empty_literal(lv: typing.Any) -> bool:
    """True for a literal with nothing set (what a launch plan input with no default arrives as)."""
    return all(getattr(lv, name, None) is None for name in ("scalar", "collection", "map", "offloaded_metadata"))
