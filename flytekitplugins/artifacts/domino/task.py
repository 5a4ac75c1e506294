"""``DominoJobTask`` and ``DominoJobConfig``: Domino Flows' job task, as a command task of this plugin.

Mirrors Domino's ``flytekitplugins.domino.task`` so that an import line maps one to one::

    from flytekitplugins.artifacts.domino.task import DominoJobConfig, DominoJobTask

    job = DominoJobTask(
        name="Prep data",
        domino_job_config=DominoJobConfig(Command="python prep-data.py"),
        inputs={"data_path": str},
        outputs={"processed_data": DataArtifact.File(name="data.csv")},
        use_latest=True,
    )
    res = job(data_path=data_path)
    res["processed_data"]

The command runs as with ``CommandTask`` (``$FLYTE_INPUTS_DIR``, ``$FLYTE_OUTPUTS_DIR``, in the folder of the flow
file), and also sees Domino's ``/workflow/inputs`` and ``/workflow/outputs`` where they are switched on (see
``paths.py``). Everything in ``DominoJobConfig`` but ``Command`` (and ``Title``, the task name when ``name`` is not
given) describes Domino's own infrastructure; it is accepted and ignored.
"""

from __future__ import annotations

import collections
import enum
import os
import typing
from dataclasses import dataclass, field

from flytekit.extend import Interface, Promise
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile

from ..errors import ArtifactTypeError, ArtifactValueError
from ..flyte.command import DOMINO_ONLY_KEYWORDS, CommandFailedError, CommandTask
from ..flyte.command.spec import base_type, kind_of
from ..flyte.internals import promised_type, replace_interface
from . import paths

# DominoJobConfig fields that name Domino infrastructure (authentication, project, repositories, hardware, compute
# environment, clusters, volumes, dataset snapshots): accepted so configurations port unchanged, then ignored.
IGNORED_CONFIG_FIELDS = (
    "OwnerName",
    "ProjectName",
    "Username",
    "ApiKey",
    "CommitId",
    "MainRepoGitRef",
    "GitRepos",
    "HardwareTierId",
    "HardwareTierName",
    "EnvironmentId",
    "EnvironmentName",
    "EnvironmentRevisionSpec",
    "ComputeClusterProperties",
    "VolumeSizeGiB",
    "DatasetSnapshots",
    "ExternalVolumeMounts",
    "ExternalVolumeMountIds",
    "PipelineConfig",
)
# DominoJobTask keywords with no meaning outside Domino: accepted and ignored.
IGNORED_TASK_KEYWORDS = frozenset({"use_latest", "log_level"}) | DOMINO_ONLY_KEYWORDS

DEFAULT_TASK_NAME = "Domino job"


class DominoJobConfigError(ArtifactValueError):
    """A ``DominoJobConfig`` or ``DominoJobTask`` cannot run as given (no command, unknown field, bad name)."""


class DominoJobConfig:
    """What a Domino job runs. Only ``Command`` matters here (``Title`` names the task when ``DominoJobTask`` gets
    no ``name``); the other Domino fields (:data:`IGNORED_CONFIG_FIELDS`) are accepted and ignored.

    ``Command`` is a string (run through ``/bin/sh``; a first word ending in ``.py``, ``.R``, ``.sh`` or ``.sas``
    runs with its interpreter) or a list of strings (run without a shell).
    """

    def __init__(self, *args: typing.Any, Command: typing.Any = None, Title: typing.Optional[str] = None, **fields):
        if args:
            raise ArtifactTypeError(
                f"DominoJobConfig takes its fields by name, got positional values {args!r}: write "
                "DominoJobConfig(Command='python prep-data.py')"
            )
        unknown = sorted(set(fields) - set(IGNORED_CONFIG_FIELDS))
        if unknown:
            raise DominoJobConfigError(
                f"DominoJobConfig has no field(s) {unknown}: the fields are Command, Title and (accepted and "
                f"ignored) {', '.join(IGNORED_CONFIG_FIELDS)}; check the spelling (field names start with a capital)"
            )
        if Command is None:
            raise DominoJobConfigError(
                "DominoJobConfig needs the command the job runs: pass Command='python prep-data.py' (or a list of "
                "words such as Command=['python', 'prep-data.py'])"
            )
        if isinstance(Command, str):
            if not Command.strip():
                raise DominoJobConfigError(
                    f"DominoJobConfig got an empty Command {Command!r}: pass the command the job runs, such as "
                    "Command='python prep-data.py'"
                )
        elif isinstance(Command, (list, tuple)):
            if not Command or not all(isinstance(w, (str, os.PathLike)) for w in Command):
                raise ArtifactTypeError(
                    f"DominoJobConfig Command {Command!r} must be a non-empty list of strings, or one string such as "
                    "'python prep-data.py'"
                )
        else:
            raise ArtifactTypeError(
                f"DominoJobConfig Command must be a string such as 'python prep-data.py' (or a list of strings), got "
                f"{Command!r} of type {type(Command).__name__}"
            )
        if Title is not None and not isinstance(Title, str):
            raise ArtifactTypeError(f"DominoJobConfig Title must be a string, got {Title!r}")
        self.Command = Command
        self.Title = Title
        self.ignored: typing.Dict[str, typing.Any] = dict(fields)
        for k in IGNORED_CONFIG_FIELDS:
            setattr(self, k, fields.get(k))

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in sorted(self.ignored.items()))
        title = f", Title={self.Title!r}" if self.Title is not None else ""
        return f"DominoJobConfig(Command={self.Command!r}{title}{extra})"


# Domino's helper types for DominoJobConfig fields, so their import lines port too; held, never used.


@dataclass
class GitRef:
    """A git reference of Domino's main repository (accepted and ignored)."""

    Type: typing.Any = None
    Value: typing.Optional[str] = None


class EnvironmentRevisionType(enum.Enum):
    """Which revision of a Domino compute environment to use (accepted and ignored)."""

    ActiveRevision = "ActiveRevision"
    LatestRevision = "LatestRevision"
    SomeRevision = "SomeRevision"


@dataclass
class EnvironmentRevisionSpecification:
    """A Domino compute environment revision (accepted and ignored)."""

    EnvironmentRevisionType: typing.Any = None
    EnvironmentRevisionId: typing.Optional[str] = None


@dataclass
class DatasetSnapshot:
    """A Domino dataset snapshot mounted into a job (accepted and ignored)."""

    DatasetId: typing.Optional[str] = None
    SnapshotVersion: typing.Optional[int] = None
    DatasetName: typing.Optional[str] = None
    extra: typing.Dict[str, typing.Any] = field(default_factory=dict)


# ---- inputs declared by the call -----------------------------------------------------------------------------


def _type_of_literal(lit: typing.Any) -> typing.Any:
    scalar = getattr(lit, "scalar", None)
    if scalar is None:
        return None
    if scalar.primitive is not None:
        p = scalar.primitive
        for attr, t in (("boolean", bool), ("integer", int), ("float_value", float), ("string_value", str)):
            if getattr(p, attr, None) is not None:
                return t
    if scalar.blob is not None:
        return FlyteDirectory if scalar.blob.metadata.type.dimensionality == 1 else FlyteFile
    return None


def infer_input_type(task_name: str, name: str, value: typing.Any, workflow: typing.Any) -> typing.Any:
    """The type of an undeclared input from the value passed for it: a workflow input's or an upstream output's
    declared type while a workflow compiles, the literal's kind while it runs locally, else the value's class."""
    t = None
    if isinstance(value, Promise):
        if not value.is_ready:
            t = promised_type(value, workflow)
        else:
            t = _type_of_literal(value.val)
    elif isinstance(value, bool):
        t = bool
    elif isinstance(value, (int, float, str)):
        t = type(value)
    elif isinstance(value, FlyteDirectory):
        t = FlyteDirectory
    elif isinstance(value, (FlyteFile, os.PathLike)):
        t = FlyteFile
    if t is None:
        raise ArtifactTypeError(
            f"DominoJobTask {task_name!r} got input {name!r} without a declared type, and its type cannot be told "
            f"from {value!r}: declare it, e.g. inputs={{{name!r}: str}}"
        )
    return base_type(t)


def _kind(task_name: str, name: str, t: typing.Any) -> str:
    """How the command task hands an inferred input of type ``t`` to its command."""
    try:
        return kind_of(t, f"input {name!r}")
    except ArtifactTypeError:
        raise ArtifactTypeError(
            f"DominoJobTask {task_name!r} got input {name!r} of type {t!r}, which a command cannot read: pass a str, "
            "int, float, bool, FlyteFile or FlyteDirectory, or declare inputs={...}"
        ) from None


# ---- the task -------------------------------------------------------------------------------------------------


class DominoJobTask(CommandTask):
    """A task that runs ``domino_job_config.Command`` with typed ``inputs`` and ``outputs`` (dicts of name -> type;
    outputs may be ``Artifact.File(...)``). Call it like a task; index the result by output name.

    ``name`` defaults to the config's ``Title``, else ``"Domino job"``. Without ``inputs`` the inputs are declared
    by the first call, their types taken from the values passed. Without ``domino_job_config`` the workflow still
    compiles (the artifact rules are checked), but running the task fails and says what to add. ``use_latest``,
    ``log_level`` and Domino's scheduling keywords are accepted and ignored; ``cwd``, ``environment``, ``timeout``,
    ``retries``, ``cache``... are those of ``CommandTask``.
    """

    uses_domino_paths = True

    def __init__(
        self,
        name: typing.Optional[str] = None,
        domino_job_config: typing.Optional[DominoJobConfig] = None,
        inputs: typing.Optional[typing.Any] = None,
        outputs: typing.Optional[typing.Any] = None,
        **kwargs: typing.Any,
    ):
        alias = kwargs.pop("task_config", None)  # the keyword of Domino's earliest releases
        config = domino_job_config if domino_job_config is not None else alias
        if config is not None and not isinstance(config, DominoJobConfig):
            raise ArtifactTypeError(
                f"domino_job_config must be a DominoJobConfig, got {config!r} of type {type(config).__name__}: pass "
                "domino_job_config=DominoJobConfig(Command='python prep-data.py')"
            )
        if name is None:
            name = (config.Title if config is not None else None) or DEFAULT_TASK_NAME
        if not isinstance(name, str) or not name.strip():
            raise DominoJobConfigError(f"DominoJobTask needs a name, got {name!r}: pass e.g. name='Prep data'")
        for k in IGNORED_TASK_KEYWORDS & set(kwargs):
            del kwargs[k]
        super().__init__(
            name=name,
            command=config.Command if config is not None else ["true"],
            inputs=inputs,
            outputs=outputs,
            **kwargs,
        )
        self._config = config
        self._inputs_from_call = inputs is None
        if config is None:
            self._command = None  # type: ignore[assignment]

    def command_context(self, inputs_dir: str, outputs_dir: str) -> typing.ContextManager[typing.Any]:
        """Domino's fixed ``/workflow/inputs`` and ``/workflow/outputs`` point at this run's folders while the
        command runs, where they are on (``domino/paths.py``)."""
        return paths.workflow_paths(self, inputs_dir, outputs_dir)

    @property
    def domino_job_config(self) -> typing.Optional[DominoJobConfig]:
        """The config this task was built with (``None`` when none was given)."""
        return self._config

    def __call__(self, *args, **kwargs):
        if self._inputs_from_call and kwargs and not self._input_kinds and not args:
            self._declare_inputs(kwargs)
        return super().__call__(*args, **kwargs)

    def _declare_inputs(self, kwargs: typing.Dict[str, typing.Any]) -> None:
        """Give the task the inputs of its first call (it was created without ``inputs``)."""
        workflow = self.defined_in_workflow
        types = {k: infer_input_type(self.name, k, v, workflow) for k, v in kwargs.items()}
        outputs = self.python_interface.outputs
        clash = sorted(set(types) & set(outputs))
        if clash:
            raise DominoJobConfigError(
                f"DominoJobTask {self.name!r} got input(s) {clash} with the name of an output: rename the input, or "
                "declare inputs={...} with other names"
            )
        kinds = {k: _kind(self.name, k, t) for k, t in types.items()}
        interface = Interface(inputs=collections.OrderedDict(types), outputs=collections.OrderedDict(outputs))
        replace_interface(self, interface)
        self._input_kinds = kinds

    def execute(self, **kwargs) -> typing.Any:
        if self._command is None:
            raise DominoJobConfigError(
                f"DominoJobTask {self.name!r} has no command to run: pass "
                "domino_job_config=DominoJobConfig(Command='python prep-data.py') when creating it"
            )
        try:
            return super().execute(**kwargs)
        except CommandFailedError as e:
            try:
                base, on = paths.base_dir(), paths.enabled()
            except paths.DominoPathsError:
                raise e from None
            if base + "/" in str(e) and not on:
                raise CommandFailedError(
                    f"{e}\nThe command uses Domino's {base}/inputs or {base}/outputs, which are off in this process: "
                    f"set {paths.MODE_ENV}=on (and {paths.BASE_ENV}=<a writable absolute folder> if {base} cannot be "
                    "created here), or make the script read $FLYTE_INPUTS_DIR and write $FLYTE_OUTPUTS_DIR"
                ) from None
            raise
