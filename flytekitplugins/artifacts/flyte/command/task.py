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
import contextlib
import inspect
import os
import shutil
import sys
import tempfile
import typing
import warnings

import flytekit
from flytekit import PythonInstanceTask
from flytekit.extend import Interface

from ...errors import ArtifactTypeError, ArtifactValueError
from ..internals import name_task, working_directory
from ..workflow_body import current_frame
from .options import OPTION_NAMES, TaskOptions
from .process import (
    INPUT_ENV_PREFIX,
    INPUTS_DIR_ENV,
    OUTPUT_ENV_PREFIX,
    OUTPUTS_DIR_ENV,
    argv_of,
    check_command,
    collect_output,
    run_process,
    shown,
    stage_input,
    tail_text,
)
from .resolver import command_task_resolver
from .results import by_name
from .spec import UNSET, CommandFailedError, Input, Output, check_value, kind_of, parse_specs

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

_PLUGIN_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the package folder
_FLYTEKIT_DIR = os.path.dirname(os.path.abspath(flytekit.__file__))


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


def _options_of(
    name: str, options: typing.Optional[TaskOptions], kwargs: typing.Dict[str, typing.Any]
) -> typing.Tuple[TaskOptions, typing.Dict[str, typing.Any]]:
    """A command task's options (given as one object, or gathered from its keywords) and its other keywords."""
    if options is None:
        return TaskOptions.from_keywords(kwargs)
    if not isinstance(options, TaskOptions):
        raise ArtifactTypeError(f"options of command task {name!r} must be a TaskOptions, got {options!r}")
    twice = sorted(OPTION_NAMES & set(kwargs))
    if twice:
        raise ArtifactTypeError(
            f"command task {name!r} got options= and also {twice} as keywords: give each option once"
        )
    return options, kwargs


def _parse_command(name: str, command: typing.Any) -> typing.Union[str, typing.List[str]]:
    """The task's command, checked, after its name."""
    if not isinstance(name, str) or not name.strip():
        raise ArtifactValueError(
            f"a command task needs a name, got {name!r}: pass e.g. flyte_task_name='Prep data'"
        )
    return check_command(command, name)


def _check_names(name: str, in_specs: typing.Sequence[Input], out_specs: typing.Sequence[Output]) -> None:
    """Refuse a name used for an input and an output, and two inputs (or outputs) sharing one variable."""
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
        *,
        options: typing.Optional[TaskOptions] = None,
        **kwargs: typing.Any,
    ):
        """``kwargs`` are the options (``cwd``, ``environment``, ``timeout``, ``retries``, ``cache``... see
        :class:`TaskOptions`), or all of them at once as ``options=TaskOptions(...)``, and flytekit's task keywords
        (``secret_requests``, ``metadata``...); Domino-only keywords are dropped."""
        options, kwargs = _options_of(name, options, kwargs)
        self._command = _parse_command(name, command)
        interface = self._declare_interface(name, inputs, outputs)
        self._apply_options(options)
        task_name = self._name_in_workflow(name)
        for k in DOMINO_ONLY_KEYWORDS & set(kwargs):
            del kwargs[k]
        metadata = kwargs.pop("metadata", None) or options.metadata()
        super().__init__(
            name=task_name,
            task_config=None,
            interface=interface,
            metadata=metadata,
            **options.task_keywords(),
            **kwargs,
        )
        # A workflow's resolver would rename it; ours keeps the name above.
        name_task(self, task_name, command_task_resolver)

    def _declare_interface(self, name: str, inputs: typing.Any, outputs: typing.Any) -> Interface:
        """The task's typed interface, from the declared inputs and outputs (checked), and how each is handed to
        the command."""
        in_specs = parse_specs(inputs, Input, f"inputs of command task {name!r}")
        out_specs = parse_specs(outputs, Output, f"outputs of command task {name!r}")
        _check_names(name, in_specs, out_specs)
        self._input_kinds = {i.name: kind_of(i.type, f"input {i.name!r}") for i in in_specs}
        self._output_kinds = {o.name: kind_of(o.type, f"output {o.name!r}") for o in out_specs}
        return Interface(
            inputs=collections.OrderedDict((i.name, i.type) for i in in_specs),
            outputs=collections.OrderedDict((o.name, o.type) for o in out_specs),
        )

    def _apply_options(self, options: TaskOptions) -> None:
        """What the task keeps of its options to run the command: the timeout, and the folder to run in."""
        self._timeout_seconds = options.timeout_seconds()
        cwd = options.checked_cwd()
        declared_in = _declaring_file()
        self._declared_dir = os.path.dirname(declared_in) if declared_in else None
        self._cwd = cwd

    def _name_in_workflow(self, name: str) -> str:
        """The task's name: unique per workflow body when it is created in one (noted as its workflow), and the same
        in compile mode, local execution and the pod's recompile, which is what lets the plan match local calls to
        nodes and the resolver find the task again."""
        frame = current_frame()
        self._workflow = frame.workflow if frame is not None else None
        if frame is None:
            return name
        used = frame.task_names
        used[name] = used.get(name, 0) + 1
        return f"{self._workflow.name}.{name}" + (f"-{used[name]}" if used[name] > 1 else "")

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
        return by_name(super().__call__(**kwargs), list(self._output_kinds))

    # -- running ----------------------------------------------------------------------------------------------------
    def command_context(self, inputs_dir: str, outputs_dir: str) -> typing.ContextManager[typing.Any]:
        """What surrounds the command while it runs, given its inputs and outputs folders (nothing, here;
        Domino job tasks link Domino's fixed folders to them)."""
        return contextlib.nullcontext()

    def execute(self, **kwargs) -> typing.Any:
        base = working_directory()
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
            env[INPUT_ENV_PREFIX + name.upper()] = stage_input(kind, kwargs[name], os.path.join(inputs_dir, name))
        for name in self._output_kinds:
            env[OUTPUT_ENV_PREFIX + name.upper()] = os.path.join(outputs_dir, name)

        cwd = self.working_directory
        if not os.path.isdir(cwd):
            raise CommandFailedError(
                f"command task {self.name!r} runs in {cwd}, which is not a folder: pass cwd= a folder that exists "
                "(relative paths are taken from the folder of the file declaring the task)"
            )
        argv = argv_of(self._command)
        try:
            with self.command_context(inputs_dir, outputs_dir):
                code, tail = run_process(argv, cwd, env, self._timeout_seconds)
        finally:
            shutil.rmtree(inputs_dir, ignore_errors=True)
        command = shown(argv)
        if code is None:
            raise CommandFailedError(
                f"command task {self.name!r}: `{command}` did not finish within {self._timeout_seconds:g} s and was "
                f"stopped{tail_text(tail)}\nRaise timeout= or make the command faster."
            )
        if code != 0:
            how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
            raise CommandFailedError(
                f"command task {self.name!r}: `{command}` {how} (working directory {cwd}){tail_text(tail)}\n"
                "Fix the command; its inputs are in $FLYTE_INPUTS_DIR/<name> and $INPUT_<NAME>."
            )
        values = [
            collect_output(self.name, command, name, kind, os.path.join(outputs_dir, name), tail)
            for name, kind in self._output_kinds.items()
        ]
        if not values:
            return None
        return values[0] if len(values) == 1 else tuple(values)


def run_command_task(
    flyte_task_name: str,
    command: typing.Union[str, typing.Sequence[str]],
    inputs: typing.Optional[typing.Sequence[Input]] = None,
    output_specs: typing.Optional[typing.Sequence[Output]] = None,
    **keywords: typing.Any,
) -> typing.Any:
    """Declare a command task and call it with the values of ``inputs``; returns its outputs.

    Call it inside a ``@workflow`` body. With one output the result is that output (``res`` and ``res["name"]`` are
    the same); with several it unpacks in ``output_specs`` order and indexes by name (``res["adae"]``). The other
    keywords are the task's options (``cwd``, ``environment``, ``timeout``, ``retries``, ``cache``,
    ``cache_version``, ``cache_ignore_input_vars``, ``container_image``, ``requests``, ``limits``: see
    :class:`TaskOptions`). Domino-only keywords (``use_project_defaults_for_omitted``, ``environment_name``,
    ``hardware_tier_id``...) are accepted and ignored, so flows written for Domino run unchanged.
    """
    options, domino_only = TaskOptions.from_keywords(keywords)
    unknown = sorted(set(domino_only) - DOMINO_ONLY_KEYWORDS)
    if unknown:
        warnings.warn(f"run_command_task ignores the keyword(s) {unknown}: it does not know them", stacklevel=2)
    what = f"command task {flyte_task_name!r}"
    return call_with_inputs(
        lambda declared: CommandTask(
            name=flyte_task_name, command=command, inputs=declared, outputs=output_specs, options=options
        ),
        inputs,
        what,
    )


def call_with_inputs(
    make_task: typing.Callable[[typing.List[Input]], typing.Any],
    inputs: typing.Optional[typing.Sequence[Input]],
    what: str,
    missing_value_error: typing.Type[ArtifactValueError] = ArtifactValueError,
) -> typing.Any:
    """Check ``inputs`` (``Input`` specs with values), make the task from their names and types, and call it with
    their values: what ``run_command_task`` and Domino's ``run_domino_job_task`` share."""
    specs = parse_specs(inputs, Input, f"inputs of {what}")
    for i in specs:
        if i.value is UNSET:
            raise missing_value_error(
                f"input {i.name!r} of {what} has no value: pass Input(name={i.name!r}, "
                "type=..., value=<a constant or another node's output>)"
            )
        check_value(i.name, i.type, i.value)
    task = make_task([Input(name=i.name, type=i.type) for i in specs])
    return task(**{i.name: i.value for i in specs})
