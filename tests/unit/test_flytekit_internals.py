"""Pins the flytekit behaviour the plugin relies on (everything under flytekitplugins/artifacts/flyte/).

If a flytekit upgrade breaks one of these, the plugin's wiring must be revisited before anything else.
"""


import typing

import pytest
from flows import core
from flytekit import task
from flytekit.core.base_task import Task
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine
from flytekit.core.workflow import PythonFunctionWorkflow, WorkflowBase
from flytekit.types.file import FlyteFile

import flytekitplugins.artifacts  # noqa: F401 - installs the plugin's hooks
from flytekitplugins.artifacts.flyte.transformer import ArtifactFileTransformer

# Run against every supported flytekit minor too (make compat).
pytestmark = pytest.mark.compat


def test_type_engine_uses_transformer_inside_annotated():
    t = core.DataArtifact.File(name="data.csv")
    assert isinstance(TypeEngine.get_transformer(t), ArtifactFileTransformer)


def test_workflow_body_runs_through_workflow_function_in_both_modes():
    seen = []

    def body(x: int) -> int:
        ctx = FlyteContextManager.current_context()
        seen.append("compile" if ctx.compilation_state is not None else "execute")
        return plus_one(x=x)

    @task
    def plus_one(x: int) -> int:
        return x + 1

    wf = PythonFunctionWorkflow(body, metadata=None, default_metadata=None)
    assert hasattr(wf, "_workflow_function") and not wf.compiled
    assert wf(x=1) == 2
    assert seen == ["compile", "execute"]
    assert wf.compiled


def test_local_execute_entry_points_exist_and_are_hooked():
    for cls in (Task, WorkflowBase):
        assert callable(cls.local_execute) and hasattr(cls.local_execute, "__wrapped__")
    assert getattr(PythonFunctionWorkflow, "_flytekitplugins_artifacts", False)


def test_flytekit_local_execution_id_is_shared_across_runs():
    """Why the plugin mints its own ids: flytekit gives every local run the same one."""
    ids = []

    @task
    def who() -> str:
        from flytekit import current_context

        ids.append(current_context().execution_id.name)
        return "x"

    who()
    who()
    assert ids[0] == ids[1]


def test_nodes_and_promises_expose_what_the_plan_reads():
    core.training.compile()
    n0 = core.training.nodes[0]
    assert n0.id == "n0" and n0.flyte_entity is core.prep
    assert "o0" in n0.flyte_entity.python_interface.outputs
    binding = core.training.output_bindings[0]
    assert binding.binding.promise.node_id == "n1"


def test_flyte_file_output_of_local_task_is_not_copied(tmp_path):
    """The floor the registration benchmark measures against: a plain FlyteFile output stays where it is."""
    p = tmp_path / "f.txt"
    p.write_text("x")

    @task
    def give() -> FlyteFile:
        return str(p)

    out = give()
    assert str(out.path) == str(p)


def test_task_name_and_resolver_can_be_set_after_construction():
    """flyte/tasks.name_task: command tasks keep their own name and resolver."""
    from flytekit import PythonInstanceTask
    from flytekit.core.interface import Interface

    from flytekitplugins.artifacts.flyte.command import command_task_resolver
    from flytekitplugins.artifacts.flyte.internals import name_task

    renamed = PythonInstanceTask(name="before", task_config=None, interface=Interface())
    name_task(renamed, "my.name", command_task_resolver)
    assert renamed.name == "my.name" and renamed.task_resolver is command_task_resolver


def test_resolver_location_is_what_pods_are_told():
    """The --resolver argument of a registered task is the resolver's ``location``."""
    import importlib

    from flytekit.configuration import ImageConfig, SerializationSettings

    from flytekitplugins.artifacts.flyte.command import command_task_resolver

    wf = importlib.import_module("examples.training").training_workflow
    wf.compile()
    t = next(n.flyte_entity for n in wf.nodes if n.flyte_entity.task_resolver is command_task_resolver)
    settings = SerializationSettings(image_config=ImageConfig.auto_default_image())
    args = t.get_default_command(settings)
    assert args[args.index("--resolver") + 1] == command_task_resolver.location


def test_module_and_variable_of_a_task():
    from flytekitplugins.artifacts.flyte.internals import module_and_variable

    assert module_and_variable(core.prep) == ("flows.core", "prep")


def test_promise_class_swap_keeps_the_object():
    from flytekit.core.promise import Promise

    from flytekitplugins.artifacts.flyte.internals import retype_promise

    class Sub(Promise):
        pass

    p = Promise(var="o0", val=None)
    assert retype_promise(p, Sub) is p and isinstance(p, Sub)


def test_interface_can_be_replaced_before_the_first_call():
    import collections

    from flytekit.core.interface import Interface

    from flytekitplugins.artifacts.flyte.internals import replace_interface

    @task
    def later(x: int) -> int:
        return x

    replace_interface(later, Interface(inputs=collections.OrderedDict(y=str), outputs=collections.OrderedDict(o0=str)))
    assert list(later.python_interface.inputs) == ["y"] and list(later.interface.inputs) == ["y"]


def test_unresolved_promises_say_what_they_stand_for():
    from flytekit import workflow

    from flytekitplugins.artifacts.flyte.internals import promised_type

    seen = {}

    @task
    def make(n: int) -> str:
        return str(n)

    @workflow
    def wf(n: int) -> str:
        seen["input"] = promised_type(n, wf_holder[0])
        out = make(n=n)
        seen["output"] = promised_type(out, wf_holder[0])
        return out

    wf_holder = [wf]
    wf.compile()
    assert seen == {"input": int, "output": str}


def test_current_context_has_the_output_prefix():
    """exporter.node_execution_key reads it (None locally)."""
    import flytekit

    assert hasattr(flytekit.current_context(), "output_metadata_prefix")

def test_type_engine_to_html_calls_a_renderable_in_annotated_with_the_value_only():
    # flytekit's Renderable is a runtime protocol that only checks for a ``to_html`` attribute, so the artifact
    # transformer inside Annotated matches it and is called as ``to_html(value)``; ArtifactFileTransformer.to_html
    # answers both that and the transformer call ``to_html(ctx, value, type)``.
    from flytekit.deck.renderer import Renderable

    t = core.DataArtifact.File(name="data.csv")
    transformer = TypeEngine.get_transformer(t)
    assert isinstance(transformer, Renderable)
    calls = []

    class Probe:
        def to_html(self, *args):
            calls.append(args)
            return "probe"

    ctx = FlyteContextManager.current_context()
    assert TypeEngine.to_html(ctx, "/some/path", typing.Annotated[FlyteFile, Probe()]) == "probe"
    assert calls == [("/some/path",)]


def test_structured_dataset_input_does_not_take_a_blob_literal():
    # Why a downstream ``pd.DataFrame`` input bound to an artifact file gets a value node in front of it
    # (flyte/dataframes.py): the StructuredDataset transformer reads a structured_dataset scalar, and a file is a blob.
    import pandas as pd
    from flytekit.models.core.types import BlobType
    from flytekit.models.literals import Blob, BlobMetadata, Literal, Scalar

    lit = Literal(scalar=Scalar(blob=Blob(metadata=BlobMetadata(BlobType("parquet", 0)), uri="/x.parquet")))
    ctx = FlyteContextManager.current_context()
    try:
        TypeEngine.to_python_value(ctx, lit, pd.DataFrame)
    except Exception:
        return
    raise AssertionError("flytekit now converts a blob to a DataFrame: the value nodes may not be needed any more")


# ---- what differs between the supported minors (flyte/internals.py); each test runs on every one (make compat) ----


def test_version_branches_match_the_running_flytekit():
    from flytekit.core import type_engine
    from flytekit.core.context_manager import ExecutionState

    from flytekitplugins.artifacts.flyte import internals

    # The async type engine arrived in 1.14, the local dynamic mode in 1.16: the branches in internals.py say so.
    assert internals.ASYNC_TRANSFORMERS == hasattr(type_engine, "AsyncTypeTransformer") == (
        internals.FLYTEKIT_MINOR >= (1, 14)
    )
    assert internals.LOCAL_DYNAMIC_MODE == hasattr(ExecutionState.Mode, "LOCAL_DYNAMIC_TASK_EXECUTION") == (
        internals.FLYTEKIT_MINOR >= (1, 16)
    )
    assert (1, 13) <= internals.FLYTEKIT_MINOR < (1, 17)


def test_a_dynamic_body_run_locally_counts_as_local():
    from flytekit import dynamic, workflow
    from flytekit.core.context_manager import ExecutionState

    from flytekitplugins.artifacts.flyte.internals import LOCAL_DYNAMIC_MODE, runs_locally

    seen = []

    @task
    def one(x: int) -> int:
        return x

    @dynamic
    def dyn(x: int) -> int:
        ctx = FlyteContextManager.current_context()
        seen.append((ctx.execution_state.mode, ctx.execution_state.is_local_execution(), runs_locally(ctx)))
        return one(x=x)

    @workflow
    def wf(x: int) -> int:
        ctx = FlyteContextManager.current_context()
        seen.append(("compile", ctx.compilation_state is not None, runs_locally(ctx)))
        return dyn(x=x)

    assert wf(x=3) == 3
    mode, flytekit_says_local, ours = seen[-1]
    assert seen[0] == ("compile", True, False)  # compiling is not running
    if LOCAL_DYNAMIC_MODE:  # 1.16 on
        assert (mode, flytekit_says_local) == (ExecutionState.Mode.LOCAL_DYNAMIC_TASK_EXECUTION, True)
    else:  # 1.13 to 1.15: the pod's mode, which flytekit does not count as local
        assert (mode, flytekit_says_local) == (ExecutionState.Mode.DYNAMIC_TASK_EXECUTION, False)
    assert ours is True


def test_a_dynamic_body_compiled_as_in_a_pod_is_not_local():
    from flytekit.core.context_manager import CompilationState, ExecutionState

    from flytekitplugins.artifacts.flyte.internals import runs_locally

    ctx = FlyteContextManager.current_context()
    state = ExecutionState(mode=ExecutionState.Mode.DYNAMIC_TASK_EXECUTION, working_dir="/")
    compiling = ctx.with_execution_state(state).with_compilation_state(CompilationState(prefix="")).build()
    assert runs_locally(compiling) is False
    assert runs_locally(ctx.with_execution_state(None).build()) is False


def test_artifact_transformer_round_trips_a_file_through_the_type_engine(tmp_path):
    from flytekit.core.type_engine import TypeTransformer

    from flytekitplugins.artifacts.flyte.internals import ASYNC_TRANSFORMERS

    t = core.DataArtifact.File(name="data.csv")
    transformer = TypeEngine.get_transformer(t)
    assert isinstance(transformer, TypeTransformer)
    assert hasattr(transformer, "async_to_literal") and hasattr(transformer, "to_literal")
    if ASYNC_TRANSFORMERS:
        from flytekit.core.type_engine import AsyncTypeTransformer

        assert isinstance(transformer, AsyncTypeTransformer)
    p = tmp_path / "data.csv"
    p.write_text("a\n1\n")
    ctx = FlyteContextManager.current_context()
    lt = TypeEngine.to_literal_type(t)
    lit = TypeEngine.to_literal(ctx, str(p), t, lt)
    assert lit.scalar.blob.metadata.type.format == "csv"
    back = TypeEngine.to_python_value(ctx, lit, t)
    assert isinstance(back, FlyteFile) and open(back.download()).read() == "a\n1\n"


def test_a_conversion_that_waits_is_refused_where_there_is_no_event_loop():
    import asyncio

    import pytest

    from flytekitplugins.artifacts.flyte.internals import _finish

    async def quick():
        return 7

    async def waits():
        await asyncio.sleep(0)
        return 8

    assert _finish(quick()) == 7
    with pytest.raises(RuntimeError, match="waited on flytekit 1.13"):
        _finish(waits())


def test_type_engine_registry_lookup_without_the_pickle_fallback():
    from flytekitplugins.artifacts.flyte.internals import has_own_transformer, register_transformer

    class Plain:
        pass

    from flytekitplugins.artifacts.flyte.internals import registered_transformer

    assert registered_transformer(int) is not None and registered_transformer(Plain) is None
    assert has_own_transformer(int) and has_own_transformer(dict) and not has_own_transformer(Plain)
    assert type(TypeEngine.get_transformer(Plain)).__name__ == "FlytePickleTransformer"  # what we refuse instead
    from flytekit.core.type_engine import SimpleTransformer
    from flytekit.models.types import LiteralType, SimpleType

    first = SimpleTransformer("a", Plain, LiteralType(simple=SimpleType.STRING), lambda v: None, lambda v: None)
    second = SimpleTransformer("b", Plain, LiteralType(simple=SimpleType.STRING), lambda v: None, lambda v: None)
    try:
        register_transformer(first)
        try:
            TypeEngine.register(second)
        except ValueError:
            pass
        else:
            raise AssertionError("TypeEngine.register now replaces a transformer; register_transformer may go")
        register_transformer(second)
        assert TypeEngine.get_transformer(Plain) is second
    finally:
        TypeEngine._REGISTRY.pop(Plain, None)


def test_an_empty_literal_is_refused_by_optional_and_read_as_none_by_given():
    from flytekit.models.literals import Literal

    from flytekitplugins.artifacts.flyte.internals import is_empty_literal
    from flytekitplugins.artifacts.flyte.nodes.given import given

    ctx = FlyteContextManager.current_context()
    try:
        TypeEngine.to_python_value(ctx, Literal(), typing.Optional[FlyteFile])
    except TypeError:
        pass
    else:
        raise AssertionError("flytekit reads an empty literal as None now: nodes/given.py may go")
    assert is_empty_literal(Literal())
    assert TypeEngine.to_python_value(ctx, Literal(), given(FlyteFile)) is None
    assert TypeEngine.to_literal_type(given(FlyteFile)) == TypeEngine.to_literal_type(typing.Optional[FlyteFile])


def test_an_unpassed_input_must_be_optional_outside_annotated():
    # Why query nodes always bind ``given`` (None when nothing was passed): flytekit fills in a missing input's
    # default only when the input is Optional[...] itself, which Annotated[Optional[...], ...] is not.
    from flytekit.core.type_engine import UnionTransformer

    from flytekitplugins.artifacts.flyte.nodes.given import given

    assert UnionTransformer.is_optional_type(typing.Optional[FlyteFile])
    assert not UnionTransformer.is_optional_type(given(FlyteFile))


def test_launch_plans_get_their_parameters_by_keyword_and_a_query_parameter_has_no_default():
    import inspect

    from flyteidl.core import artifact_id_pb2
    from flytekit.core.launch_plan import LaunchPlan
    from flytekit.core.type_engine import TypeEngine as TE
    from flytekit.models.interface import Parameter, Variable
    from flytekit.models.literals import Literal, Scalar, Void

    from flytekitplugins.artifacts.flyte.internals import is_none_default, query_parameter

    assert hasattr(LaunchPlan.__init__, "__wrapped__")
    assert "parameters" in inspect.signature(LaunchPlan.__init__.__wrapped__).parameters
    for fn in (LaunchPlan.get_default_launch_plan, LaunchPlan.create):
        assert "parameters=" in inspect.getsource(fn)  # passed by keyword: the hook finds it there
    var = Variable(type=TE.to_literal_type(typing.Optional[FlyteFile]), description="x")
    old = Parameter(var=var, default=Literal(scalar=Scalar(none_type=Void())), required=False)
    assert is_none_default(old)
    q = artifact_id_pb2.ArtifactQuery(artifact_id=artifact_id_pb2.ArtifactID(
        artifact_key=artifact_id_pb2.ArtifactKey(name="A/f.csv")))
    pb = query_parameter(old, q).to_flyte_idl()
    assert pb.WhichOneof("behavior") == "artifact_query"
    assert pb.artifact_query.artifact_id.artifact_key.name == "A/f.csv"


def test_task_calls_are_hooked_and_a_module_imports_outside_compilation():
    from flytekitplugins.artifacts.flyte.internals import import_outside_compilation

    assert hasattr(Task.__call__, "__wrapped__")
    seen = []

    def body() -> None:
        ctx = FlyteContextManager.current_context()
        assert ctx.compilation_state is not None
        with FlyteContextManager.with_context(ctx.with_compilation_state(None)):  # type: ignore[arg-type]
            seen.append(FlyteContextManager.current_context().compilation_state)
        module = import_outside_compilation("flytekitplugins.artifacts.flyte.nodes.load")
        seen.append(module.load_dataframe.name)

    PythonFunctionWorkflow(body, metadata=None, default_metadata=None).compile()
    assert seen == [None, "flytekitplugins.artifacts.flyte.nodes.load.load_dataframe"]


# ---- flytekit's own Artifact (flyte/native.py, flyte/native_query.py) -----------------------------------------


def test_an_artifact_annotation_is_the_output_variables_partial_id():
    import datetime
    from typing import Annotated

    from flytekit import Artifact
    from flytekit.core.artifact import Inputs

    from flytekitplugins.artifacts.flyte.internals import artifact_outputs

    Rides = Artifact(name="rides", partition_keys=["region", "tier"], time_partitioned=True)

    @task
    def t(region: str, day: datetime.datetime) -> Annotated[int, Rides(region=Inputs.region, tier="gold",
                                                                        time_partition=Inputs.day)]:
        return 1

    (aid,) = artifact_outputs(t).values()
    assert aid.artifact_key.name == "rides"
    assert aid.partitions.value["region"].input_binding.var == "region"
    assert aid.partitions.value["tier"].static_value == "gold"
    assert aid.time_partition.value.input_binding.var == "day"


def test_create_from_puts_run_time_partitions_in_the_output_literals_metadata():
    from typing import Annotated

    from flytekit import Artifact

    from flytekitplugins.artifacts.flyte.internals import DYNAMIC_PARTITIONS, artifact_outputs, dynamic_artifact_id

    Price = Artifact(name="price", partition_keys=["region"])
    seen = {}

    @task
    def t() -> Annotated[float, Price]:
        return Price.create_from(2.5, region="dubai")

    original = type(t).dispatch_execute

    def spy(self, ctx, inputs):
        out = original(self, ctx, inputs)
        seen["literal"] = out.literals["o0"]
        return out

    type(t).dispatch_execute = spy
    try:
        t()
    finally:
        type(t).dispatch_execute = original
    assert DYNAMIC_PARTITIONS in seen["literal"].metadata
    assert dynamic_artifact_id(seen["literal"]).partitions.value["region"].static_value == "dubai"
    assert artifact_outputs(t)["o0"].partitions.value["region"].HasField("runtime_binding")


def test_a_query_default_keeps_its_partitions_as_label_values():
    import datetime

    from flytekit import Artifact
    from flytekit.core.artifact import ArtifactQuery

    Rides = Artifact(name="rides", partition_keys=["region"], time_partitioned=True)
    q = Rides.query(region="SEA", time_partition=datetime.datetime(2026, 1, 2))
    assert isinstance(q, ArtifactQuery) and q.name == "rides" and q.artifact is Rides
    assert q.partitions.partitions["region"].value.static_value == "SEA"
    assert q.time_partition.value.time_value.ToDatetime() == datetime.datetime(2026, 1, 2)
    open_query = Rides.query()
    assert open_query.partitions.partitions["region"].value is None


def test_dispatch_execute_is_what_local_runs_and_pods_go_through():
    from flytekit.bin import entrypoint
    from flytekit.core.base_task import PythonTask

    assert getattr(PythonTask, "_flytekitplugins_artifacts_native", False)
    assert "dispatch_execute" in open(entrypoint.__file__).read()


def test_a_literal_map_returned_by_execute_is_passed_on_unchanged():
    from flytekit.models.literals import Literal, LiteralMap, Primitive, Scalar

    @task
    def t() -> int:
        return 0

    lm = LiteralMap(literals={"o0": Literal(scalar=Scalar(primitive=Primitive(integer=41)))})
    t.execute = lambda **kwargs: lm  # what a native query task's execute returns
    ctx = FlyteContextManager.current_context()
    with FlyteContextManager.with_context(ctx.with_execution_state(ctx.new_execution_state().with_params(
            mode=ctx.execution_state.Mode.LOCAL_TASK_EXECUTION))) as c:
        assert t.dispatch_execute(c, LiteralMap(literals={})) is lm
