"""Command tasks: run a script or a shell line as a Flyte task with declared, typed inputs and outputs.

This is how flows that run Python, R or SAS scripts are written (Domino's ``run_domino_job_task`` shape)::

    res = run_command_task(
        flyte_task_name="Prep data",
        command="python scripts/prep_data.py",
        inputs=[Input(name="data_path", type=str, value=data_path)],
        output_specs=[Output(name="processed_data", type=DataArtifact.File(name="data.csv"))],
    )
    train(data=res["processed_data"])

The contract between the task and its command (scripts are written against it; the same locally and in a pod):

=========================== ==================================================================================
``$FLYTE_INPUTS_DIR/<name>``  every input: a copy of the file for a file input, a copy of the folder for a
                              folder input, the value as text for ``str``/``int``/``float``/``bool``
                              (booleans as ``true``/``false``)
``$INPUT_<NAME>``             the same input: the path for files and folders, the value as text otherwise
                              (``<NAME>`` is the input name in upper case)
``$FLYTE_OUTPUTS_DIR/<name>`` where the command must write every declared output: a file for ``FlyteFile`` and
                              ``Artifact.File(...)`` outputs, a folder for ``FlyteDirectory``, the value as text for
                              a primitive (one trailing newline is dropped)
``$OUTPUT_<NAME>``            that path
=========================== ==================================================================================

How the command runs:

* a string runs through ``/bin/sh -c`` (so ``$INPUT_X``, pipes and ``&&`` work); a list runs as an argument vector
  without a shell;
* a command whose first word is a script ending in ``.py``, ``.R``, ``.sh`` or ``.sas`` runs with ``python``,
  ``Rscript``, ``bash`` or ``sas -sysin``, as Domino jobs do (``command="single_adam.py"``);
* the working directory is ``cwd`` when given (a relative ``cwd`` is taken from the folder of the file declaring the
  task), else the folder of the file declaring the task, so ``python scripts/prep.py`` finds scripts next to the
  flow wherever ``pyflyte`` is started and in a pod;
* the folder of the Python running the task comes first on ``PATH``, so ``python`` is that interpreter;
* ``environment`` variables are set for the command, locally as in a pod.

A non-zero exit, a timeout or a declared output the command did not write fails the task with
:class:`CommandFailedError`, whose message holds the end of the command's stderr and the expected path.

Loading in a pod: a command task defined inside a ``@workflow`` body (the usual shape) is found again by compiling
that workflow and looking the task up by name; one defined at module level is found by its variable name. Both are
handled by :data:`command_task_resolver`. Task names are unique per workflow: a repeated ``flyte_task_name`` gets a
``-2``, ``-3``... suffix, in the order the body creates them.
"""

from __future__ import annotations

import collections
import datetime
import importlib
import inspect
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import typing
import warnings
from dataclasses import dataclass

import flytekit
from flytekit.core.base_task import TaskMetadata, TaskResolverMixin
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.interface import Interface
from flytekit.core.promise import Promise
from flytekit.core.python_function_task import PythonInstanceTask
from flytekit.core.tracker import TrackedInstance, extract_task_module
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile

from .errors import ArtifactTypeError, ArtifactValueError

INPUTS_DIR_ENV = "FLYTE_INPUTS_DIR"
OUTPUTS_DIR_ENV = "FLYTE_OUTPUTS_DIR"
INPUT_ENV_PREFIX = "INPUT_"
OUTPUT_ENV_PREFIX = "OUTPUT_"

STDERR_TAIL_LINES = 25
STDERR_TAIL_CHARS = 4000

# Domino runs these script types with their interpreter when the command is just the script.
INTERPRETERS: typing.Dict[str, typing.List[str]] = {
    ".py": ["python"],
    ".r": ["Rscript"],
    ".sh": ["bash"],
    ".sas": ["sas", "-sysin"],
}

# Keywords of Domino's ``run_domino_job_task`` that mean nothing outside Domino; accepted so flows port unchanged.
DOMINO_ONLY_KEYWORDS = frozenset(
    {
        "use_project_defaults_for_omitted",
        "environment_name",
        "environment_id",
        "environment_revision_id",
        "hardware_tier_name",
        "hardware_tier_id",
        "volume_size_gib",
        "dataset_snapshots",
        "external_data_volumes",
        "main_git_repo_ref",
        "git_repos",
        "use_latest",
    }
)

_PLUGIN_DIR = os.path.dirname(os.path.abspath(__file__))
_FLYTEKIT_DIR = os.path.dirname(os.path.abspath(flytekit.__file__))


class CommandFailedError(ArtifactValueError):
    """A command task's command exited non-zero, timed out, or did not write a declared output."""


_UNSET = object()


@dataclass(frozen=True, eq=False)
class Input:
    """One input of a command task: its name (a Python identifier), its type, and (for ``run_command_task``) its
    value, a constant or the output of another node."""

    name: str
    type: typing.Any
    value: typing.Any = _UNSET


@dataclass(frozen=True, eq=False)
class Output:
    """One declared output of a command task: the command writes it at ``$FLYTE_OUTPUTS_DIR/<name>``."""

    name: str
    type: typing.Any


# ---- types ------------------------------------------------------------------------------------------------------

FILE, DIRECTORY = "file", "directory"
PRIMITIVES: typing.Dict[typing.Any, str] = {str: "str", int: "int", float: "float", bool: "bool"}
SUPPORTED = "str, int, float, bool, FlyteFile (any FlyteFile[...] or Artifact.File(...)) or FlyteDirectory"


def _base_type(t: typing.Any) -> typing.Any:
    if typing.get_origin(t) is typing.Annotated:
        return typing.get_args(t)[0]
    return t


def kind_of(t: typing.Any, what: str) -> str:
    """How a value of type ``t`` is handed to or taken from a command."""
    base = _base_type(t)
    if inspect.isclass(base):
        if issubclass(base, FlyteFile):
            return FILE
        if issubclass(base, FlyteDirectory):
            return DIRECTORY
    if base in PRIMITIVES:
        return PRIMITIVES[base]
    raise ArtifactTypeError(f"{what} has type {t!r}, which a command cannot read or write: use {SUPPORTED}")


def _check_name(name: typing.Any, what: str) -> str:
    if not isinstance(name, str):
        raise ArtifactTypeError(f"{what} name must be a string, got {name!r} of type {type(name).__name__}")
    if not name.isidentifier() or name.startswith("_"):
        raise ArtifactValueError(
            f"{what} name {name!r} is not usable: use a Python identifier not starting with '_' "
            "(letters, digits and '_'), such as 'processed_data'"
        )
    return name


def _specs(items: typing.Any, cls: type, what: str) -> typing.List[typing.Any]:
    """Accept a list of Input/Output specs or a ``{name: type}`` dict (``DominoJobTask`` style)."""
    if items is None:
        return []
    if isinstance(items, dict):
        items = [cls(name=k, type=v) for k, v in items.items()]
    if isinstance(items, (str, bytes)) or not isinstance(items, (list, tuple)):
        raise ArtifactTypeError(f"{what} must be a list of {cls.__name__}(name=..., type=...) or a dict of name -> type, got {items!r}")
    seen: typing.Set[str] = set()
    for item in items:
        if not isinstance(item, cls):
            raise ArtifactTypeError(f"{what} item {item!r} is not a {cls.__name__}(name=..., type=...)")
        _check_name(item.name, cls.__name__.lower())
        if item.name in seen:
            raise ArtifactValueError(f"{what} has two entries named {item.name!r}: give each a distinct name")
        seen.add(item.name)
        kind_of(item.type, f"{cls.__name__.lower()} {item.name!r}")
    return list(items)


def check_value(name: str, t: typing.Any, value: typing.Any) -> None:
    """Reject a constant of the wrong type before anything runs (promises are checked by flytekit)."""
    if isinstance(value, Promise):
        return
    kind = kind_of(t, f"input {name!r}")
    ok: bool
    if kind == FILE:
        ok = isinstance(value, (str, os.PathLike, FlyteFile)) and not isinstance(value, FlyteDirectory)
    elif kind == DIRECTORY:
        ok = isinstance(value, (str, os.PathLike, FlyteDirectory))
    elif kind == "bool":
        ok = isinstance(value, bool)
    elif kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == "float":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    else:
        ok = isinstance(value, str)
    if not ok:
        raise ArtifactTypeError(
            f"input {name!r} is declared as {_type_name(t)} but got {value!r} of type {type(value).__name__}: "
            f"pass a value of type {_type_name(t)} (or the output of a node producing one), or change the declared type"
        )


def _type_name(t: typing.Any) -> str:
    base = _base_type(t)
    return getattr(base, "__name__", None) or repr(base)


def _value_text(kind: str, value: typing.Any) -> str:
    if kind == "bool":
        return "true" if value else "false"
    if kind == "float":
        return repr(float(value))
    return str(value)


def _parse_output(kind: str, text: str, name: str, path: str) -> typing.Any:
    if kind == "str":
        return text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith("\n") else text
    s = text.strip()
    try:
        if kind == "int":
            return int(s)
        if kind == "float":
            return float(s)
        if kind == "bool":
            low = s.lower()
            if low in ("true", "1", "yes"):
                return True
            if low in ("false", "0", "no"):
                return False
            raise ValueError(s)
    except ValueError:
        pass
    raise CommandFailedError(
        f"output {name!r} is declared as {kind} but the command wrote {s[:200]!r} to {path}: write a {kind} "
        + ("(true/false)" if kind == "bool" else "as plain text")
    )


# ---- where tasks come from ---------------------------------------------------------------------------------------


def _declaring_file() -> typing.Optional[str]:
    """The user file whose code is creating the task (the first frame outside this plugin and flytekit)."""
    frame = inspect.currentframe()
    try:
        while frame is not None:
            path = frame.f_code.co_filename
            if not path.startswith("<"):
                full = os.path.abspath(path)
                if not (full.startswith(_PLUGIN_DIR + os.sep) or full.startswith(_FLYTEKIT_DIR + os.sep)):
                    return full if os.path.isfile(full) else None
            frame = frame.f_back
        return None
    finally:
        del frame


def _current_frame() -> typing.Any:
    from ._flytekit import current_frame

    return current_frame()


class CommandTaskResolver(TrackedInstance, TaskResolverMixin):
    """Finds a command task again in a pod.

    Loader arguments are ``workflow <module> <workflow variable> <task name>`` for a task created inside a workflow
    body (the workflow is compiled, which runs its body and so recreates the task, and the task is looked up by its
    name among the workflow's nodes), or ``module <module> <variable>`` for a task defined at module level.
    """

    def name(self) -> str:
        return "CommandTaskResolver"

    def loader_args(self, settings, t: "CommandTask") -> typing.List[str]:  # type: ignore[override]
        wf = t.defined_in_workflow
        if wf is not None:
            fn = getattr(wf, "_workflow_function", None) or getattr(wf, "function", None)
            _, module, var, _ = extract_task_module(fn)
            return ["workflow", module, var, t.name]
        _, module, var, _ = extract_task_module(t)
        return ["module", module, var]

    def load_task(self, loader_args: typing.List[str]) -> "CommandTask":
        kind, module_name, var, *rest = loader_args
        module = importlib.import_module(module_name)
        entity = getattr(module, var)
        if kind == "module":
            return entity
        (task_name,) = rest
        # The pod loads tasks inside its task-execution context; compiling there makes flytekit log every node of
        # the body as a nested call, so the body is compiled outside it, as it would be at registration.
        ctx = FlyteContextManager.current_context()
        with FlyteContextManager.with_context(ctx.with_execution_state(None)):  # type: ignore[arg-type]
            entity.compile()
        found = [n.flyte_entity for n in entity.nodes if isinstance(n.flyte_entity, CommandTask) and n.flyte_entity.name == task_name]
        if not found:
            names = sorted(n.flyte_entity.name for n in entity.nodes if isinstance(n.flyte_entity, CommandTask))
            raise ArtifactValueError(
                f"workflow {module_name}.{var} has no command task named {task_name!r} (it has {names}): the code in "
                "the image differs from the registered code; register again"
            )
        return found[0]

    def get_all_tasks(self):  # pragma: no cover - not used by flytekit for execution
        raise NotImplementedError


command_task_resolver = CommandTaskResolver()


# ---- results ---------------------------------------------------------------------------------------------------


class CommandOutput(Promise):
    """The single output of a command task inside a workflow; ``res["<output name>"]`` returns it again, so flows
    written for several outputs and for one read the same."""

    def __getitem__(self, key):
        if key == self.var:
            return self
        raise ArtifactValueError(f"the command task has no output {key!r}: its only output is {self.var!r}")


class CommandOutputs(tuple):
    """The outputs of a command task: unpack them, or index them by output name (``res["adae"]``) or position."""

    _names: typing.Tuple[str, ...]

    def __new__(cls, values: typing.Iterable[typing.Any], names: typing.Sequence[str]):
        obj = super().__new__(cls, values)
        obj._names = tuple(names)
        return obj

    def __getitem__(self, key):
        if isinstance(key, str):
            if key not in self._names:
                raise ArtifactValueError(f"the command task has no output {key!r}: its outputs are {list(self._names)}")
            key = self._names.index(key)
        return tuple.__getitem__(self, key)

    def __getattr__(self, name: str):
        names = object.__getattribute__(self, "_names")
        if name in names:
            return tuple.__getitem__(self, names.index(name))
        raise AttributeError(name)

    @property
    def ref(self):
        """The node output of the first value: what flytekit reads to order nodes (``a >> b``)."""
        return getattr(tuple.__getitem__(self, 0), "ref", None)

    def with_overrides(self, *args, **kwargs):
        tuple.__getitem__(self, 0).with_overrides(*args, **kwargs)
        return self

    def runs_before(self, other: typing.Any):
        return self

    def __rshift__(self, other: typing.Any):
        first = tuple.__getitem__(self, 0)
        if isinstance(first, Promise):
            first >> other
        return other


def _by_name(result: typing.Any, names: typing.Sequence[str]) -> typing.Any:
    if len(names) == 1 and isinstance(result, Promise) and type(result) is Promise:
        result.__class__ = CommandOutput  # same object, so flytekit's own bookkeeping still sees it
        return result
    if len(names) > 1 and isinstance(result, tuple) and len(result) == len(names):
        return CommandOutputs(result, names)
    return result


# ---- the task ----------------------------------------------------------------------------------------------------


class CommandTask(PythonInstanceTask[None]):
    """A task that runs ``command`` in a subprocess; see the module documentation for the contract.

    ``inputs``/``outputs`` are lists of :class:`Input`/:class:`Output` or ``{name: type}`` dicts. Output types may be
    ``Artifact.File(...)``: the task's interface carries them unchanged, so the artifact plan and the recorder see them.
    """

    def __init__(
        self,
        name: str,
        command: typing.Union[str, typing.Sequence[str]],
        inputs: typing.Any = None,
        outputs: typing.Any = None,
        cwd: typing.Optional[str] = None,
        environment: typing.Optional[typing.Dict[str, str]] = None,
        timeout: typing.Union[datetime.timedelta, int, None] = None,
        retries: int = 0,
        cache: bool = False,
        cache_version: str = "",
        cache_ignore_input_vars: typing.Sequence[str] = (),
        **kwargs: typing.Any,
    ):
        if not isinstance(name, str) or not name.strip():
            raise ArtifactValueError(f"a command task needs a name, got {name!r}: pass e.g. flyte_task_name='Prep data'")
        self._command = _check_command(command, name)
        in_specs = _specs(inputs, Input, f"inputs of command task {name!r}")
        out_specs = _specs(outputs, Output, f"outputs of command task {name!r}")
        clash = {i.name for i in in_specs} & {o.name for o in out_specs}
        if clash:
            raise ArtifactValueError(
                f"command task {name!r} uses {sorted(clash)} as both an input and an output name: rename one of them"
            )
        for specs, what in ((in_specs, "inputs"), (out_specs, "outputs")):
            upper: typing.Dict[str, str] = {}
            for spec in specs:
                other = upper.setdefault(spec.name.upper(), spec.name)
                if other != spec.name:
                    raise ArtifactValueError(
                        f"command task {name!r} has {what} {other!r} and {spec.name!r}, which would share the variable "
                        f"${'INPUT' if what == 'inputs' else 'OUTPUT'}_{spec.name.upper()}: rename one of them"
                    )
        self._input_kinds = {i.name: kind_of(i.type, f"input {i.name!r}") for i in in_specs}
        self._output_kinds = {o.name: kind_of(o.type, f"output {o.name!r}") for o in out_specs}
        self._timeout_seconds = _seconds(timeout)
        if cwd is not None and not isinstance(cwd, (str, os.PathLike)):
            raise ArtifactTypeError(f"cwd must be a path, got {cwd!r}")
        declared_in = _declaring_file()
        self._declared_dir = os.path.dirname(declared_in) if declared_in else None
        self._cwd = os.fspath(cwd) if cwd is not None else None

        frame = _current_frame()
        self._workflow = frame.workflow if frame is not None else None
        task_name = name
        if self._workflow is not None:
            # Unique per workflow body, and the same in compile mode, local execution and the pod's recompile, which
            # is what lets the plan match local calls to nodes and the resolver find the task again.
            used = frame.__dict__.setdefault("_command_task_names", {})
            used[name] = used.get(name, 0) + 1
            task_name = f"{self._workflow.name}.{name}" + (f"-{used[name]}" if used[name] > 1 else "")

        for k in DOMINO_ONLY_KEYWORDS & set(kwargs):
            del kwargs[k]
        metadata = kwargs.pop("metadata", None) or TaskMetadata(
            retries=retries,
            timeout=timeout,
            cache=cache,
            cache_version=cache_version,
            cache_ignore_input_vars=tuple(cache_ignore_input_vars),
        )
        super().__init__(
            name=task_name,
            task_config=None,
            interface=Interface(
                inputs=collections.OrderedDict((i.name, i.type) for i in in_specs),
                outputs=collections.OrderedDict((o.name, o.type) for o in out_specs),
            ),
            environment=environment,
            metadata=metadata,
            **kwargs,
        )
        self._name = task_name  # a workflow's resolver would rename it; ours keeps the name above
        self._task_resolver = command_task_resolver

    # -- what it is -------------------------------------------------------------------------------------------------
    @property
    def command(self) -> typing.Union[str, typing.List[str]]:
        return self._command

    @property
    def defined_in_workflow(self) -> typing.Any:
        return self._workflow

    @property
    def working_directory(self) -> str:
        base = self._declared_dir or os.getcwd()
        return os.path.join(base, self._cwd) if self._cwd else base

    def __call__(self, *args, **kwargs):
        if args:
            raise ArtifactTypeError(
                f"command task {self.name!r} takes keyword arguments only ({', '.join(self._input_kinds) or 'none'})"
            )
        unknown = sorted(set(kwargs) - set(self._input_kinds))
        missing = sorted(set(self._input_kinds) - set(kwargs))
        if unknown or missing:
            raise ArtifactValueError(
                f"command task {self.name!r} takes inputs {list(self._input_kinds)}; "
                + (f"unknown: {unknown}; " if unknown else "")
                + (f"missing: {missing}; " if missing else "")
                + "pass each declared input once, by name"
            )
        for k, v in kwargs.items():
            check_value(k, self.python_interface.inputs[k], v)
        return _by_name(super().__call__(**kwargs), list(self._output_kinds))

    # -- running ----------------------------------------------------------------------------------------------------
    def execute(self, **kwargs) -> typing.Any:
        ctx = FlyteContextManager.current_context()
        base = None
        if ctx.user_space_params is not None:
            wd = ctx.user_space_params.working_directory
            base = getattr(wd, "name", wd)
        work = tempfile.mkdtemp(prefix="command-", dir=base if base and os.path.isdir(base) else None)
        inputs_dir = os.path.join(work, "inputs")
        outputs_dir = os.path.join(work, "outputs")
        os.makedirs(inputs_dir)
        os.makedirs(outputs_dir)

        env = dict(os.environ)
        env.update(self.environment or {})
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        env[INPUTS_DIR_ENV] = inputs_dir
        env[OUTPUTS_DIR_ENV] = outputs_dir
        for name, kind in self._input_kinds.items():
            env[INPUT_ENV_PREFIX + name.upper()] = _stage_input(kind, kwargs[name], os.path.join(inputs_dir, name))
        for name in self._output_kinds:
            env[OUTPUT_ENV_PREFIX + name.upper()] = os.path.join(outputs_dir, name)

        cwd = self.working_directory
        if not os.path.isdir(cwd):
            raise CommandFailedError(
                f"command task {self.name!r} runs in {cwd}, which is not a folder: pass cwd= a folder that exists "
                "(relative paths are taken from the folder of the file declaring the task)"
            )
        try:
            # -- Domino's /workflow/inputs and /workflow/outputs for tasks that use them (domino/paths.py) --
            from .domino.paths import workflow_paths

            with workflow_paths(self, inputs_dir, outputs_dir):
                code, tail = _run(self._argv(), cwd, env, self._timeout_seconds)
        finally:
            shutil.rmtree(inputs_dir, ignore_errors=True)
        shown = self._shown_command()
        if code is None:
            raise CommandFailedError(
                f"command task {self.name!r}: `{shown}` did not finish within {self._timeout_seconds:g} s and was "
                f"stopped{_tail_text(tail)}\nRaise timeout= or make the command faster."
            )
        if code != 0:
            how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
            raise CommandFailedError(
                f"command task {self.name!r}: `{shown}` {how} (working directory {cwd}){_tail_text(tail)}\n"
                "Fix the command; its inputs are in $FLYTE_INPUTS_DIR/<name> and $INPUT_<NAME>."
            )
        values = [self._collect(name, kind, os.path.join(outputs_dir, name), tail) for name, kind in self._output_kinds.items()]
        if not values:
            return None
        return values[0] if len(values) == 1 else tuple(values)

    def _argv(self) -> typing.Union[str, typing.List[str]]:
        cmd = self._command
        if isinstance(cmd, str):
            words = shlex.split(cmd)
            interp = _interpreter(words[0])
            return " ".join(shlex.quote(w) for w in interp) + " " + cmd if interp else cmd
        interp = _interpreter(cmd[0])
        return (interp or []) + list(cmd)

    def _shown_command(self) -> str:
        argv = self._argv()
        return argv if isinstance(argv, str) else shlex.join(argv)

    def _collect(self, name: str, kind: str, path: str, tail: str) -> typing.Any:
        exists = os.path.isdir(path) if kind == DIRECTORY else os.path.isfile(path)
        if not exists:
            what = "a folder" if kind == DIRECTORY else "a file"
            other = ""
            if os.path.exists(path):
                other = f" (something else is there: {'a folder' if os.path.isdir(path) else 'not a regular file'})"
            raise CommandFailedError(
                f"command task {self.name!r}: `{self._shown_command()}` exited 0 but did not write its output {name!r}: "
                f"expected {what} at {path}{other} ($FLYTE_OUTPUTS_DIR/{name}, also in $OUTPUT_{name.upper()})"
                f"{_tail_text(tail)}\nWrite every declared output there, or remove it from the outputs."
            )
        if kind == FILE:
            return FlyteFile(path)
        if kind == DIRECTORY:
            return FlyteDirectory(path)
        with open(path, encoding="utf-8", errors="replace") as f:
            return _parse_output(kind, f.read(), name, path)


def _check_command(command: typing.Any, name: str) -> typing.Union[str, typing.List[str]]:
    if isinstance(command, str):
        if not command.strip():
            raise ArtifactValueError(
                f"command task {name!r} has an empty command {command!r}: pass e.g. command='python scripts/prep.py'"
            )
        try:
            shlex.split(command)
        except ValueError as e:
            raise ArtifactValueError(f"command task {name!r}: cannot read the command {command!r} ({e}): check its quotes") from None
        return command
    if isinstance(command, (list, tuple)):
        if not command or not str(command[0]).strip():
            raise ArtifactValueError(
                f"command task {name!r} has an empty command {command!r}: pass e.g. command=['python', 'scripts/prep.py']"
            )
        bad = [c for c in command if not isinstance(c, (str, os.PathLike))]
        if bad:
            raise ArtifactTypeError(f"command task {name!r}: every word of a command list must be a string, got {bad!r}")
        return [os.fspath(c) for c in command]
    raise ArtifactTypeError(
        f"command task {name!r}: command must be a string (run by /bin/sh) or a list of strings (run directly), "
        f"got {command!r} of type {type(command).__name__}"
    )


def _interpreter(first_word: str) -> typing.Optional[typing.List[str]]:
    ext = os.path.splitext(first_word)[1].lower()
    return list(INTERPRETERS[ext]) if ext in INTERPRETERS else None


def _seconds(timeout: typing.Any) -> typing.Optional[float]:
    if timeout is None:
        return None
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 0:
        return float(timeout)
    raise ArtifactValueError(f"timeout must be a datetime.timedelta or a number of seconds > 0, got {timeout!r}")


def _stage_input(kind: str, value: typing.Any, target: str) -> str:
    """Put one input where the command finds it; returns the text of its ``INPUT_<NAME>`` variable."""
    if kind == FILE:
        src = value.download() if isinstance(value, FlyteFile) else os.fspath(value)
        shutil.copyfile(src, target)
        return target
    if kind == DIRECTORY:
        src = value.download() if isinstance(value, FlyteDirectory) else os.fspath(value)
        shutil.copytree(src, target)
        return target
    text = _value_text(kind, value)
    with open(target, "w", encoding="utf-8") as f:
        f.write(text)
    return text


def _run(argv: typing.Union[str, typing.List[str]], cwd: str, env: typing.Dict[str, str], timeout: typing.Optional[float]):
    """Run the command, passing its output through and keeping the end of its stderr.

    Returns (exit status, or None when it timed out; stderr tail)."""
    try:
        proc = subprocess.Popen(
            argv,
            shell=isinstance(argv, str),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, so a timeout stops the children too
        )
    except OSError as e:
        shown = argv if isinstance(argv, str) else shlex.join(argv)
        raise CommandFailedError(f"cannot start `{shown}` in {cwd}: {e.strerror or e}: check that the program is installed") from e
    tail: typing.Deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)

    def pump(stream, sink, keep):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", errors="replace")
            if keep:
                tail.append(line)
            try:
                sink.write(line)
                sink.flush()
            except (OSError, ValueError):
                pass
        stream.close()

    threads = [
        threading.Thread(target=pump, args=(proc.stdout, sys.stdout, False), daemon=True),
        threading.Thread(target=pump, args=(proc.stderr, sys.stderr, True), daemon=True),
    ]
    for t in threads:
        t.start()
    try:
        code: typing.Optional[int] = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.wait()
        code = None
    except BaseException:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        raise
    for t in threads:
        t.join()
    text = "".join(tail)
    return code, text[-STDERR_TAIL_CHARS:]


def _tail_text(tail: str) -> str:
    if not tail.strip():
        return ". It wrote nothing to stderr."
    lines = tail.rstrip("\n").splitlines()
    return ". The end of its stderr:\n" + "\n".join("  | " + ln for ln in lines)


# ---- the helper --------------------------------------------------------------------------------------------------


def run_command_task(
    flyte_task_name: str,
    command: typing.Union[str, typing.Sequence[str]],
    inputs: typing.Optional[typing.Sequence[Input]] = None,
    output_specs: typing.Optional[typing.Sequence[Output]] = None,
    cwd: typing.Optional[str] = None,
    environment: typing.Optional[typing.Dict[str, str]] = None,
    timeout: typing.Union[datetime.timedelta, int, None] = None,
    retries: int = 0,
    cache: bool = False,
    cache_version: str = "",
    cache_ignore_input_vars: typing.Sequence[str] = (),
    container_image: typing.Any = None,
    requests: typing.Any = None,
    limits: typing.Any = None,
    **domino_only: typing.Any,
) -> typing.Any:
    """Declare a command task and call it with the values of ``inputs``; returns its outputs.

    Call it inside a ``@workflow`` body. With one output the result is that output (``res`` and ``res["name"]`` are
    the same); with several it unpacks in ``output_specs`` order and indexes by name (``res["adae"]``). Domino-only
    keywords (``use_project_defaults_for_omitted``, ``environment_name``, ``hardware_tier_id``...) are accepted and
    ignored, so flows written for Domino run unchanged.
    """
    unknown = sorted(set(domino_only) - DOMINO_ONLY_KEYWORDS)
    if unknown:
        warnings.warn(f"run_command_task ignores the keyword(s) {unknown}: it does not know them", stacklevel=2)
    specs = _specs(inputs, Input, f"inputs of command task {flyte_task_name!r}")
    for i in specs:
        if i.value is _UNSET:
            raise ArtifactValueError(
                f"input {i.name!r} of command task {flyte_task_name!r} has no value: pass Input(name={i.name!r}, "
                "type=..., value=<a constant or another node's output>)"
            )
        check_value(i.name, i.type, i.value)
    task = CommandTask(
        name=flyte_task_name,
        command=command,
        inputs=[Input(name=i.name, type=i.type) for i in specs],
        outputs=output_specs,
        cwd=cwd,
        environment=environment,
        timeout=timeout,
        retries=retries,
        cache=cache,
        cache_version=cache_version,
        cache_ignore_input_vars=cache_ignore_input_vars,
        container_image=container_image,
        requests=requests,
        limits=limits,
    )
    return task(**{i.name: i.value for i in specs})
