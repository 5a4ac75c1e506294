"""The patches that let the plugin see workflows being compiled and run (``tests/unit/test_flytekit_internals.py``
pins the flytekit behaviour used here and in the rest of ``flyte/``).

1. ``PythonFunctionWorkflow.compile`` and ``.execute`` both run ``self._workflow_function``; the plugin wraps it
   for the duration of the call so it can add its nodes once the body has run (``wiring.py``), and clears
   ``compiled`` when compilation fails so the error repeats instead of leaving a half-compiled workflow.
   A dynamic task runs its body through ``execute`` without compiling it first (locally); ``compile(**inputs)``
   with native values is how flytekit compiles it in a pod, and the plugin does the same on a copy.
2. ``Task.local_execute`` and ``WorkflowBase.local_execute`` are the local-execution entry points; the plugin
   wraps them to give each top-level local run its own execution id, and to note which entity produced which
   outputs inside a workflow body (how local values are matched to compiled nodes).
3. ``Task.__call__`` is how a workflow body (compiling or running locally) calls a task; the plugin puts a value
   node in front of an input that takes an artifact file as a DataFrame, Table or dict (``dataframes.py``), and
   refuses its own Artifact used in ``Annotated[...]`` as if it were flytekit's.
4. ``LaunchPlan.__init__`` receives every launch plan's parameters; the plugin puts a query default's query into
   its parameter (``launch_form.py``).
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import typing

from flytekit.core.base_task import Task
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.launch_plan import LaunchPlan
from flytekit.core.workflow import PythonFunctionWorkflow, WorkflowBase

from ..ops.recording import end_local_run
from ..store.identity import current_local_run, reset_local_run, set_local_run, take_next_local_run
from . import native, native_query
from .artifact import check_no_misplaced_artifact
from .dataframes import typed_inputs
from .internals import runs_locally
from .launch_form import with_queries
from .query import apply_query_defaults, rewrite_query_defaults
from .task_run import record_task_run
from .wiring import finish_compile, finish_local
from .workflow_body import Frame, current_frame, enter, leave


def _wrap_body(workflow: PythonFunctionWorkflow, fn: typing.Callable, plan=None) -> typing.Callable:
    @functools.wraps(fn)
    def body(**kwargs):
        frame = Frame(workflow, plan=plan, inputs=dict(kwargs))
        ctx = FlyteContextManager.current_context()
        local = runs_locally(ctx)
        if local:
            _check_targets(plan or getattr(workflow, "_artifact_plan", None))
        token = enter(frame)
        try:
            outputs = fn(**native_query.apply_defaults(workflow, apply_query_defaults(workflow, frame, kwargs)))
        finally:
            leave(token)
        if ctx.compilation_state is not None and ctx.compilation_state.mode == 1:
            finish_compile(workflow, ctx.compilation_state.nodes, frame, outputs)
        elif local:
            finish_local(workflow, frame, outputs)
        return outputs

    return body


def _check_targets(plan) -> None:
    """Before a local run's body runs a task: every dataset its exports write into must exist."""
    if plan is not None and plan.export_targets:
        from ..ops.datasets import check_export_targets
        from ..store.artifact_store import store_for_run

        check_export_targets(store_for_run(True), plan.export_targets, plan.workflow)


def _patch_workflow() -> None:
    original_init = PythonFunctionWorkflow.__init__
    original_compile = PythonFunctionWorkflow.compile
    original_execute = PythonFunctionWorkflow.execute

    @functools.wraps(original_init)
    def __init__(self, *args, **kwargs):  # noqa: N807 - the patched method's own name
        original_init(self, *args, **kwargs)
        check_no_misplaced_artifact(self)
        rewrite_query_defaults(self)  # inputs defaulting to Artifact.query(...) (see query.py)
        native_query.rewrite_defaults(self)  # ... or to flytekit's own Artifact.query(...) (native_query.py)

    @functools.wraps(original_compile)
    def compile(self, **kwargs):
        if self.compiled:
            return original_compile(self, **kwargs)
        fn = self._workflow_function
        self._workflow_function = _wrap_body(self, fn)
        try:
            return original_compile(self, **kwargs)
        except BaseException:
            self.compiled = False
            raise
        finally:
            self._workflow_function = fn

    @functools.wraps(original_execute)
    def execute(self, **kwargs):
        fn = self._workflow_function
        plan = None
        if not self.compiled:
            # Only a dynamic task's body runs locally without being compiled. In a pod flytekit compiles it with
            # the actual inputs; do the same on a copy (the task caches this workflow across calls) for the plan.
            twin = PythonFunctionWorkflow(
                inspect.unwrap(fn), metadata=self.workflow_metadata, default_metadata=self.workflow_metadata_defaults
            )
            twin.compile(**kwargs)
            plan = twin._artifact_plan
        self._workflow_function = _wrap_body(self, fn, plan)
        try:
            return original_execute(self, **kwargs)
        finally:
            self._workflow_function = fn

    PythonFunctionWorkflow.__init__ = __init__
    PythonFunctionWorkflow.compile = compile
    PythonFunctionWorkflow.execute = execute


def _patch_local_execute(cls: type, is_task: bool) -> None:
    original = cls.local_execute

    @functools.wraps(original)
    def local_execute(self, ctx, **kwargs):
        token = None
        if current_local_run() is None and not os.environ.get("FLYTE_INTERNAL_EXECUTION_ID"):
            token = set_local_run(take_next_local_run())
        succeeded = False
        try:
            frame = current_frame()
            inner = enter(None) if is_task else None
            try:
                result = original(self, ctx, **kwargs)
            finally:
                if inner is not None:
                    leave(inner)
            if frame is not None and not getattr(self, "_artifacts_internal", False):
                frame.calls.append((self.name, result))
            elif token is not None and is_task:
                record_task_run(self, result, kwargs)
            succeeded = True
            return result
        finally:
            if token is not None:
                run = current_local_run()
                reset_local_run(token)
                if run is not None:
                    _end_run(run.execution_id, succeeded)

    cls.local_execute = local_execute


def _patch_task_call() -> None:
    original = Task.__call__

    @functools.wraps(original)
    def __call__(self, *args, **kwargs):  # noqa: N807 - the patched method's own name
        if not getattr(self, "_artifacts_checked", False):
            check_no_misplaced_artifact(self)
            self._artifacts_checked = True
        frame = current_frame()
        if frame is not None and kwargs and not getattr(self, "_artifacts_internal", False):
            kwargs = typed_inputs(self, frame, kwargs)
        return original(self, *args, **kwargs)

    Task.__call__ = __call__


def _patch_launch_plan() -> None:
    original = LaunchPlan.__init__

    @functools.wraps(original)
    def __init__(self, *args, **kwargs):  # noqa: N807 - the patched method's own name
        if "parameters" in kwargs and "workflow" in kwargs:
            kwargs["parameters"] = with_queries(kwargs["workflow"], kwargs["parameters"])
        original(self, *args, **kwargs)

    LaunchPlan.__init__ = __init__


def _end_run(execution_id: str, succeeded: bool) -> None:
    if succeeded:
        _say_where(execution_id, end_local_run(execution_id, True), True)
        return
    try:
        _say_where(execution_id, end_local_run(execution_id, False), False)
    except Exception:  # noqa: BLE001 - the run's own error is the one to report
        pass


def _say_where(execution_id: str, count: typing.Optional[int], succeeded: bool) -> None:
    """One line on stderr once a local run that recorded artifact files ends: its id, the count, where to look."""
    if not count:
        return
    files = f"{count} artifact file{'' if count == 1 else 's'}"
    if succeeded:
        line = f"Recorded {files} in run {execution_id} (flyte-artifacts list -e {execution_id})"
    else:
        line = f"Run {execution_id} failed; its {files} are kept hidden (flyte-artifacts list --all -e {execution_id})"
    print(line, file=sys.stderr, flush=True)


def install() -> None:
    """Patch flytekit once per process (idempotent)."""
    if getattr(PythonFunctionWorkflow, "_flytekitplugins_artifacts", False):
        return
    _patch_workflow()
    _patch_local_execute(Task, is_task=True)
    _patch_local_execute(WorkflowBase, is_task=False)
    _patch_task_call()
    _patch_launch_plan()
    native.install()  # outputs declared with flytekit's own Artifact (native.py)
    native_query.install_launch_plans()  # their queries as launch-plan defaults (native_query.py)
    PythonFunctionWorkflow._flytekitplugins_artifacts = True
