"""``Artifact(name, type)`` and ``Artifact.File(name, type=None)``: declaring artifact files where a type goes."""

from __future__ import annotations

import typing

from flytekit.types.file import FlyteFile

from ..errors import ArtifactTypeError, ArtifactValueError
from ..store.declaration import ArtifactType, FileDeclaration, file_type_of, validate_artifact_name, validate_filename
from ..store.partitions import check_known, validate_key, validate_keys, validate_value
from .query import query
from .transformer import ArtifactFileTransformer


class InputRef:
    """A partition value taken from an input when the file is recorded: ``Inputs.study``."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self):
        return f"Inputs.{self.name}"


class _Inputs:
    """``Inputs.<name>``: the value of the producing task's (or the workflow's) input ``<name>``."""

    def __getattr__(self, name: str) -> InputRef:
        if name.startswith("__"):
            raise AttributeError(name)
        return InputRef(validate_key(name))


Inputs = _Inputs()


def _partition_spec(artifact: str, key: str, value: typing.Any) -> typing.Tuple[str, str, str]:
    """One partition of a file declaration: (key, "input", name) for ``Inputs.<name>``, else (key, "value", text)."""
    if isinstance(value, InputRef):
        return (key, "input", value.name)
    if type(value).__module__.split(".")[0] in ("flytekit", "flyteidl"):
        raise ArtifactValueError(
            f"partition {key!r} of artifact {artifact!r} got flytekit's {value!r}: use "
            "flytekitplugins.artifacts.Inputs.<name> with this plugin's Artifact"
        )
    return (key, "value", validate_value(key, value))


def _flytekit_kind(value: typing.Any) -> typing.Optional[str]:
    """"Artifact" or "ArtifactQuery" for flytekit's own classes of those names, else None."""
    cls = type(value)
    if cls.__module__.startswith("flytekit.") and cls.__name__ in ("Artifact", "ArtifactQuery"):
        return cls.__name__
    return None


def require_ours(value: typing.Any, where: str) -> "Artifact":
    """``value`` when it is this plugin's Artifact; a flytekit ``Artifact`` or ``ArtifactQuery`` is an error naming
    both APIs, never taken for ours."""
    if isinstance(value, Artifact):
        return value
    kind = _flytekit_kind(value)
    if kind is not None:
        name = getattr(value, "name", None) or getattr(getattr(value, "artifact", None), "name", "?")
        raise ArtifactTypeError(
            f"{where} got flytekit's {kind} {name!r} (flytekit.{kind}), where this plugin's Artifact "
            f"(flytekitplugins.artifacts.Artifact) is expected: declare it with "
            f"flytekitplugins.artifacts.Artifact({name!r}, DATA) and its files with .File(name=...), or keep "
            "flytekit's Artifact for flytekit's own API (Annotated[T, A], A.query())"
        )
    raise ArtifactTypeError(f"{where} needs an Artifact(name, type) of flytekitplugins.artifacts, got {value!r}")


def check_no_misplaced_artifact(entity: typing.Any) -> None:
    """Refuse this plugin's Artifact (or a query of it) used as flytekit's in ``Annotated[T, ...]`` of an entity's
    inputs or outputs: flytekit would ignore it, so nothing would be recorded."""
    iface = getattr(entity, "python_interface", None)
    if iface is None:
        return
    for side, types in (("input", iface.inputs), ("output", iface.outputs)):
        for name, t in types.items():
            if typing.get_origin(t) is not typing.Annotated:
                continue
            for meta in typing.get_args(t)[1:]:
                if isinstance(meta, Artifact) or type(meta).__name__ == "ArtifactFileQuery":
                    raise ArtifactTypeError(
                        f"{side} {name!r} of {getattr(entity, 'name', entity)!r} is annotated with this plugin's "
                        f"{meta!r} as if it were flytekit's Artifact (flytekit.Artifact), which flytekit would "
                        f"ignore: use {_file_hint(meta)} as the type, or flytekit's own Artifact in Annotated[...]"
                    )


def _file_hint(meta: typing.Any) -> str:
    name = getattr(meta, "name", None) or getattr(meta, "artifact", "A")
    return f"Artifact({name!r}, ...).File(name='<file name>')"


class Artifact:
    """A named, typed artifact. Files are added to it with :meth:`File` wherever a type goes.

    ``partition_keys`` names the partitions each file of it carries (``["study"]``); every ``File(...)`` then gives
    each key a value, a literal or ``Inputs.<name>``.
    """

    def __init__(self, name: str, type: typing.Union[ArtifactType, str],
                 partition_keys: typing.Optional[typing.Sequence[str]] = None):
        if _flytekit_kind(name) is not None:
            require_ours(name, "Artifact(name=...)")
        self.name = validate_artifact_name(name)
        self.type = ArtifactType.parse(type)
        self.partition_keys = validate_keys(partition_keys)

    def File(self, name: str, type: typing.Optional[str] = None,  # noqa: N802 - the name matches Domino's API
             partitions: typing.Optional[typing.Mapping[str, typing.Any]] = None):
        """The Flyte type of one file of this artifact: ``Annotated[FlyteFile[<file type>], <transformer>]``.

        The file type is ``type`` when given, else the extension of ``name``. ``partitions`` gives each of the
        artifact's partition keys a value: a string, number or bool, or ``Inputs.<name>`` (the value of that input
        of the task, or of the workflow when the file is declared on its return).
        """
        filename = validate_filename(name)
        specs = self._partition_specs(filename, partitions)
        decl = FileDeclaration(self.name, self.type, filename, file_type_of(name, type), specs)
        base = FlyteFile[decl.file_type] if decl.file_type else FlyteFile
        return typing.Annotated[base, ArtifactFileTransformer(decl, base)]

    def _partition_specs(self, filename: str, partitions: typing.Any) -> typing.Tuple[typing.Tuple[str, str, str], ...]:
        given = dict(partitions or {}) if isinstance(partitions, (dict, type(None))) else None
        if given is None:
            raise ArtifactValueError(
                f"partitions of {self.name!r} file {filename!r} must be a dict such as {{'study': Inputs.study}}, "
                f"got {partitions!r}"
            )
        check_known(given, self.partition_keys, f"artifact {self.name!r}")
        missing = [k for k in self.partition_keys if k not in given]
        if missing:
            raise ArtifactValueError(
                f"file {filename!r} of artifact {self.name!r} gives no value for partition key(s) "
                f"{', '.join(map(repr, missing))}: add partitions={{{', '.join(f'{k!r}: ...' for k in missing)}}}"
            )
        return tuple(sorted(_partition_spec(self.name, k, v) for k, v in given.items()))

    def query(
        self,
        filename: str,
        *,
        execution: typing.Optional[str] = None,
        tag: typing.Optional[str] = None,
        workflow: typing.Optional[str] = None,
        partitions: typing.Optional[typing.Mapping[str, typing.Any]] = None,
        **partition_values: typing.Any,
    ):
        """One recorded version of ``filename`` of this artifact: the newest succeeded run's, unless ``execution``
        or ``tag`` names another (``workflow`` narrows "newest" to that workflow's runs).

        Inside a ``@workflow`` body this is a ``FlyteFile`` promise filled at run time by a query node; as a workflow
        input's default it is resolved when the run starts unless a file is passed; elsewhere it is an
        :class:`~flytekitplugins.artifacts.flyte.query.ArtifactFileQuery` (``.download()``, ``.record()``).

        Partition values narrow it to the versions whose file carries them, as ``partitions={"study": "MINI01"}``
        or as keywords (``ADaM.query("adsl.csv", study="MINI01")``); a key the artifact does not declare is an
        error naming the keys it has.
        """
        wanted = {**dict(partitions or {}), **partition_values}
        check_known(wanted, self.partition_keys, f"artifact {self.name!r}")
        for key, value in wanted.items():
            if type(value).__module__.split(".")[0] in ("flytekit", "flyteidl"):
                raise ArtifactTypeError(
                    f"{self.name!r}.query(): partition {key!r} got flytekit's {value!r}; this plugin's queries take "
                    f"values ({key}='MINI01'), resolved when the run starts"
                )
        return query(self.name, validate_filename(filename), execution=execution, tag=tag, workflow=workflow,
                     partitions=wanted)

    def __call__(self, *args: typing.Any, **kwargs: typing.Any) -> typing.NoReturn:
        raise ArtifactTypeError(
            f"{self!r} was called like flytekit's Artifact (A(region=Inputs.region)); this plugin's Artifact "
            f"binds partitions per file: {self.name!r}'s .File(name='<file name>', partitions={{...}}), or use "
            "flytekit.Artifact for flytekit's API"
        )

    def __eq__(self, other):
        return isinstance(other, Artifact) and (self.name, self.type) == (other.name, other.type)

    def __hash__(self):
        return hash((self.name, self.type))

    def __repr__(self):
        keys = f", partition_keys={list(self.partition_keys)}" if self.partition_keys else ""
        return f"Artifact(name={self.name!r}, type={self.type.name}{keys})"
