"""Finding a command task again in a pod, from the loader arguments written when it was registered."""

from __future__ import annotations

import importlib
import typing

from flytekit.extend import TaskResolverMixin

from ...errors import ArtifactValueError
from ..internals import TrackedInstance, compile_outside_execution, module_and_variable


class CommandTaskResolver(TrackedInstance, TaskResolverMixin):
    """Finds a command task again in a pod.

    Loader arguments are ``workflow <module> <workflow variable> <task name>`` for a task created inside a workflow
    body (the workflow is compiled, which runs its body and so recreates the task, and the task is looked up by its
    name among the workflow's nodes), or ``module <module> <variable>`` for a task defined at module level.
    """

    @property
    def location(self) -> str:
        """Where a pod imports this resolver from: written into every registered command task, so it stays the
        package's public path whichever module defines it."""
        return "flytekitplugins.artifacts.flyte.command.command_task_resolver"

    def name(self) -> str:
        """The resolver's name in flytekit's messages."""
        return "CommandTaskResolver"

    def loader_args(self, settings, t: typing.Any) -> typing.List[str]:  # type: ignore[override]
        """What a pod needs to find ``t`` again."""
        wf = t.defined_in_workflow
        if wf is not None:
            fn = getattr(wf, "_workflow_function", None) or getattr(wf, "function", None)
            module, var = module_and_variable(fn)
            return ["workflow", module, var, t.name]
        module, var = module_and_variable(t)
        return ["module", module, var]

    def _ours(self, entity: typing.Any) -> bool:
        return getattr(entity, "task_resolver", None) is self

    def load_task(self, loader_args: typing.List[str]) -> typing.Any:
        """The command task named by ``loader_args``."""
        kind, module_name, var, *rest = loader_args
        module = importlib.import_module(module_name)
        entity = getattr(module, var)
        if kind == "module":
            return entity
        (task_name,) = rest
        compile_outside_execution(entity)
        found = [
            n.flyte_entity for n in entity.nodes if self._ours(n.flyte_entity) and n.flyte_entity.name == task_name
        ]
        if not found:
            names = sorted(n.flyte_entity.name for n in entity.nodes if self._ours(n.flyte_entity))
            raise ArtifactValueError(
                f"workflow {module_name}.{var} has no command task named {task_name!r} (it has {names}): the code in "
                "the image differs from the registered code; register again"
            )
        return found[0]

    def get_all_tasks(self):  # pragma: no cover - not used by flytekit for execution
        """Not used by flytekit for execution."""
        raise NotImplementedError


#: The resolver every command task names in its loader arguments.
command_task_resolver = CommandTaskResolver()
