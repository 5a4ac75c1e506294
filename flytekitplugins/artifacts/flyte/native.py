"""flytekit's own ``Artifact`` declarations, recorded by the plugin (no artifact service).

A task output annotated with a flytekit ``Artifact`` (``Annotated[T, A]``, ``Annotated[T, A(region=Inputs.region)]``,
``A.create_from(value, region=...)``, ``time_partitioned=True``) carries the artifact's partial id in the task's
typed interface (``Variable.artifact_partial_id``), and run-time partition values in the output Literal's metadata.
The plugin wraps ``PythonTask.dispatch_execute``, which both local runs and ``pyflyte-execute`` in a pod go
through: once a task has turned its outputs into Literals, each declared output becomes one version of its
artifact (``ops/native_values.py``). Locally the versions become visible when the top-level run succeeds, like
every other record; in a pod, when the producing task succeeds (the artifact service behaves that way too).
"""

from __future__ import annotations

import contextvars
import datetime
import functools
import json
import os
import shutil
import tarfile
import tempfile
import typing

from flytekit.core.base_task import PythonTask
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine
from flytekit.core.workflow import WorkflowBase
from flytekit.models.literals import LiteralMap

from ..errors import ArtifactValueError
from ..ops.native_values import TIME_PARTITION_KEY, NativeValue, checked_partitions, record_values
from .internals import artifact_outputs, dynamic_artifact_id, python_type_name

__all__ = ["install", "native_value", "partition_values", "time_text"]

#: flytekit's time partition granularities (``Granularity`` in flyteidl) -> how the time is written as a partition.
TIME_FORMATS = {0: "%Y-%m-%d", 1: "%Y-%m-%dT%H:%M", 2: "%Y-%m-%dT%H", 3: "%Y-%m-%d", 4: "%Y-%m"}


def time_text(when: datetime.datetime, granularity: int = 3) -> str:
    """A time partition as the store keeps it (UTC, to flytekit's granularity: ``2026-12-04`` for a day)."""
    if when.tzinfo is not None:
        when = when.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return when.strftime(TIME_FORMATS.get(granularity, TIME_FORMATS[3]))


def _input_value(artifact: str, key: str, var: str, inputs: LiteralMap, task: str) -> typing.Any:
    lit = inputs.literals.get(var)
    primitive = getattr(getattr(lit, "scalar", None), "primitive", None)
    if primitive is None or primitive.value is None:
        raise ArtifactValueError(
            f"partition {key!r} of flytekit Artifact {artifact!r} takes Inputs.{var}, but task {task!r} got no "
            f"str, int, float, bool or datetime input {var!r} (its inputs: {', '.join(inputs.literals) or 'none'})"
        )
    return primitive.value


def _label(artifact: str, key: str, lv: typing.Any, dynamic: typing.Mapping[str, str], inputs: LiteralMap,
           task: str) -> str:
    if lv.HasField("static_value") and lv.static_value:
        return lv.static_value
    if lv.HasField("input_binding"):
        value = _input_value(artifact, key, lv.input_binding.var, inputs, task)
        return time_text(value) if isinstance(value, datetime.datetime) else value
    if key in dynamic:
        return dynamic[key]
    raise ArtifactValueError(
        f"partition {key!r} of flytekit Artifact {artifact!r} (task {task!r}) has no value: bind it in the "
        f"annotation ({artifact}(...)({key}=Inputs.<input>)) or return {artifact}.create_from(value, {key}=...)"
    )


def _time_partition(artifact: str, tp: typing.Any, dynamic_id: typing.Any, inputs: LiteralMap, task: str) -> str:
    granularity = int(tp.granularity)
    lv = tp.value
    if lv.HasField("time_value"):
        return time_text(lv.time_value.ToDatetime(), granularity)
    if lv.HasField("input_binding"):
        value = _input_value(artifact, TIME_PARTITION_KEY, lv.input_binding.var, inputs, task)
        if not isinstance(value, datetime.datetime):
            raise ArtifactValueError(
                f"the time partition of flytekit Artifact {artifact!r} takes Inputs.{lv.input_binding.var}, which is "
                f"{value!r}, not a datetime: declare that input as datetime.datetime"
            )
        return time_text(value, granularity)
    if dynamic_id is not None and dynamic_id.HasField("time_partition"):
        dtp = dynamic_id.time_partition
        return time_text(dtp.value.time_value.ToDatetime(), int(dtp.granularity) or granularity)
    raise ArtifactValueError(
        f"flytekit Artifact {artifact!r} (task {task!r}) is time partitioned, but no time was given: bind it "
        f"(time_partition=Inputs.<datetime input>) or return {artifact}.create_from(value, time_partition=...)"
    )


def partition_values(artifact_id: typing.Any, literal: typing.Any, inputs: LiteralMap, task: str
                     ) -> typing.Dict[str, str]:
    """The partition values of one output: static, from the task's inputs, or given at run time (``create_from``);
    a time partition is the partition ``ds``."""
    name = artifact_id.artifact_key.name
    dynamic_id = dynamic_artifact_id(literal)
    dynamic = {}
    if dynamic_id is not None and dynamic_id.HasField("partitions"):
        dynamic = {k: v.static_value for k, v in dynamic_id.partitions.value.items()}
    out = {}
    if artifact_id.HasField("partitions"):
        for key, lv in artifact_id.partitions.value.items():
            out[key] = _label(name, key, lv, dynamic, inputs, task)
    if artifact_id.HasField("time_partition"):
        out[TIME_PARTITION_KEY] = _time_partition(name, artifact_id.time_partition, dynamic_id, inputs, task)
    return checked_partitions(name, out)


# ---- the value's bytes --------------------------------------------------------------------------------------


def _json_file(folder: str, value: typing.Any) -> str:
    path = os.path.join(folder, "value.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, sort_keys=True, default=str)
        f.write("\n")
    return path


def _table_file(folder: str, literal: typing.Any) -> str:
    """The table as one Parquet file: flytekit's folder of Parquet parts fetched (from S3 in a pod) and read whole."""
    import pyarrow.parquet as pq

    ctx = FlyteContextManager.current_context()
    parts = os.path.join(folder, "table-parts")
    ctx.file_access.get_data(literal.scalar.structured_dataset.uri, parts, is_multipart=True)
    path = os.path.join(folder, "table.parquet")
    pq.write_table(pq.read_table(parts), path)
    return path


def _directory_tar(folder: str, literal: typing.Any) -> str:
    from flytekit.types.directory import FlyteDirectory

    ctx = FlyteContextManager.current_context()
    local = TypeEngine.to_python_value(ctx, literal, FlyteDirectory).download()
    path = os.path.join(folder, "directory.tar")

    def same_every_time(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
        return info

    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for dirpath, dirnames, filenames in os.walk(local):
            dirnames.sort()
            for name in sorted(filenames):
                full = os.path.join(dirpath, name)
                tar.add(full, arcname=os.path.relpath(full, local), filter=same_every_time)
    return path


def _scalar_json(scalar: typing.Any) -> typing.Tuple[str, typing.Any]:
    """(kind, JSON-able value) of a primitive, a dataclass/dict (msgpack or Struct) or nothing."""
    if scalar.primitive is not None:
        v = scalar.primitive.value
        if isinstance(v, datetime.timedelta):
            v = v.total_seconds()
        return "scalar", v.isoformat() if isinstance(v, datetime.datetime) else v
    if scalar.binary is not None:
        import msgpack

        return "json", msgpack.unpackb(scalar.binary.value, raw=False, strict_map_key=False)
    if scalar.generic is not None:
        from google.protobuf.json_format import MessageToDict

        return "json", MessageToDict(scalar.generic)
    return "scalar", None


def _value_bytes(literal: typing.Any, folder: str) -> typing.Tuple[str, str, str]:
    """(kind, file type, uri of the bytes) of an output Literal; files it writes go into ``folder``."""
    scalar = literal.scalar
    if scalar is not None and scalar.blob is not None:
        blob = scalar.blob
        if int(blob.metadata.type.dimensionality) == 1:
            return "directory", "tar", _directory_tar(folder, literal)
        ext = os.path.splitext(blob.uri.rstrip("/"))[1].lstrip(".")
        return "file", (blob.metadata.type.format or ext or "bin").lower(), blob.uri
    if scalar is not None and scalar.structured_dataset is not None:
        return "table", "parquet", _table_file(folder, literal)
    if scalar is not None and (scalar.primitive is not None or scalar.binary is not None or scalar.generic is not None
                               or scalar.none_type is not None):
        kind, value = _scalar_json(scalar)
        return kind, "json", _json_file(folder, value)
    path = os.path.join(folder, "literal.pb")
    with open(path, "wb") as f:
        f.write(literal.to_flyte_idl().SerializeToString())
    return "literal", "pb", path


# The outermost workflow of a local run (a pod knows its workflow from propeller's environment).
_LOCAL_WORKFLOW: contextvars.ContextVar[typing.Optional[str]] = contextvars.ContextVar(
    "flytekitplugins_artifacts_native_workflow", default=None
)


def _workflow_name(task: typing.Any) -> str:
    wf = os.environ.get("FLYTE_INTERNAL_EXECUTION_WORKFLOW", "")
    return wf.rsplit(":", 1)[-1] if wf else (_LOCAL_WORKFLOW.get() or task.name)


def native_value(task: typing.Any, out: str, artifact_id: typing.Any, literal: typing.Any, inputs: LiteralMap,
                 folder: str) -> NativeValue:
    """The version one declared output of ``task`` makes (its bytes written into ``folder`` where needed)."""
    kind, file_type, uri = _value_bytes(literal, folder)
    return NativeValue(
        artifact=artifact_id.artifact_key.name,
        task=task.name,
        workflow=_workflow_name(task),
        output_name=out,
        kind=kind,
        python_type=python_type_name(task.python_interface.outputs.get(out)),
        file_type=file_type,
        uri=uri,
        literal=literal.to_flyte_idl().SerializeToString(),
        partitions=partition_values(artifact_id, literal, inputs, task.name),
        node_id=task.name.rsplit(".", 1)[-1],
    )


def record_outputs(task: typing.Any, inputs: LiteralMap, outputs: LiteralMap) -> None:
    """Record every output of ``task`` declared with a flytekit Artifact (nothing when there is none)."""
    declared = artifact_outputs(task)
    if not declared:
        return
    folder = tempfile.mkdtemp(prefix="flytekit-artifact-")
    try:
        values = [native_value(task, out, aid, outputs.literals[out], inputs, folder)
                  for out, aid in declared.items() if out in outputs.literals]
        record_values(values)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def install() -> None:
    """Wrap ``PythonTask.dispatch_execute`` once per process (idempotent)."""
    if getattr(PythonTask, "_flytekitplugins_artifacts_native", False):
        return
    original = PythonTask.dispatch_execute

    @functools.wraps(original)
    def dispatch_execute(self, ctx, input_literal_map):
        result = original(self, ctx, input_literal_map)
        if isinstance(result, LiteralMap) and not getattr(self, "_artifacts_internal", False):
            record_outputs(self, input_literal_map, result)
        return result

    original_local = WorkflowBase.local_execute

    @functools.wraps(original_local)
    def local_execute(self, ctx, **kwargs):
        token = _LOCAL_WORKFLOW.set(self.name) if _LOCAL_WORKFLOW.get() is None else None
        try:
            return original_local(self, ctx, **kwargs)
        finally:
            if token is not None:
                _LOCAL_WORKFLOW.reset(token)

    PythonTask.dispatch_execute = dispatch_execute
    WorkflowBase.local_execute = local_execute
    PythonTask._flytekitplugins_artifacts_native = True
