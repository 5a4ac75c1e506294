"""Command tasks: run a script or a shell line as a Flyte task with declared, typed inputs and outputs.

``spec`` says what a command takes and gives, ``options`` how it runs (``TaskOptions``), ``process`` runs it,
``task`` is the task and ``run_command_task``, ``results`` what a call returns, ``resolver`` finds the task again
in a pod. See ``task.py`` for the contract.
"""

from .options import TaskOptions
from .process import INPUTS_DIR_ENV, INTERPRETERS, OUTPUTS_DIR_ENV
from .resolver import CommandTaskResolver, command_task_resolver
from .results import CommandOutput, CommandOutputs
from .spec import CommandFailedError, Input, Output
from .task import DOMINO_ONLY_KEYWORDS, CommandTask, run_command_task

__all__ = [
    "DOMINO_ONLY_KEYWORDS",
    "INPUTS_DIR_ENV",
    "INTERPRETERS",
    "OUTPUTS_DIR_ENV",
    "CommandFailedError",
    "CommandOutput",
    "CommandOutputs",
    "CommandTask",
    "CommandTaskResolver",
    "Input",
    "Output",
    "TaskOptions",
    "command_task_resolver",
    "run_command_task",
]
