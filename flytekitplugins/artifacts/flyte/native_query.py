"""flytekit's own ``A.query(...)`` as a workflow input default, resolved from the store when the run starts.

flytekit leaves such a default to an artifact service (``pyflyte run`` refuses it locally: "Default for 'df' is a
query, which must be specified when running locally"). The plugin rewrites the workflow's interface when it is
defined, as it does for its own queries (``query.py``): the input becomes ``Optional[<its type>] = None``, and the
body gets the output of a node running a :class:`NativeQueryTask` for that input. The node returns the value
passed for the input when there is one, and otherwise the newest version of the artifact that matches the query's
partitions (and time partition), as the input's declared type: the Literal kept when the version was recorded,
its bytes (a file, a folder, a table) copied from the store after their sha256 was checked. The same node runs in
a local run and in a pod, where it is found again by :data:`native_query_resolver`.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import tarfile
import tempfile
import typing

from flyteidl.core import literals_pb2
from flytekit import PythonInstanceTask
from flytekit.core.artifact import Artifact as FlytekitArtifact
from flytekit.core.artifact import ArtifactQuery as FlytekitQuery
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.interface import Interface
from flytekit.extend import TaskResolverMixin
from flytekit.models.literals import Literal, LiteralMap

from ..errors import ArtifactNotFoundError, ArtifactValueError
from ..ops.native_values import TIME_PARTITION_KEY, stored_literal, value_filename
from ..store.artifact_store import ArtifactStore, Record, store_for_run
from ..store.durability import group_commit
from ..store.identity import current_identity
from ..store.lineage import note_query
from ..store.selector import RecordSelector, select_record
from ..store.versions import versions
from .internals import TrackedInstance, module_and_variable, replace_interface
from .native import time_text

__all__ = ["NativeQueryTask", "apply_defaults", "native_query_resolver", "query_spec", "resolve_literal",
           "rewrite_defaults"]

NODE_PREFIX = "artifacts-native-query-"


def is_query(default: typing.Any) -> bool:
    """Whether a default is flytekit's ``Artifact.query(...)`` (or an unversioned flytekit ``Artifact``)."""
    return isinstance(default, FlytekitQuery) or (isinstance(default, FlytekitArtifact) and not default.version)


def _label_text(q_name: str, key: str, lv: typing.Any, granularity: int) -> typing.Optional[str]:
    if lv is None:
        return None  # a key the query leaves open
    if lv.HasField("static_value"):
        return lv.static_value or None
    if lv.HasField("time_value"):
        return time_text(lv.time_value.ToDatetime(), granularity)
    if lv.HasField("input_binding"):
        raise ArtifactValueError(
            f"the query of flytekit Artifact {q_name!r} takes partition {key!r} from Inputs.{lv.input_binding.var}; "
            "a workflow input default cannot depend on another input: give the value itself "
            f"({q_name}.query({key}='...'))"
        )
    return None


def query_spec(q: typing.Any, workflow: str, input_name: str) -> dict:
    """What a flytekit query default asks for, as the query node's ``query`` input (checked now)."""
    if isinstance(q, FlytekitArtifact):
        q = q.query()
    art = q.artifact
    granularity = int(art.time_partition_granularity or 3)
    partitions = {}
    for key, p in ((q.partitions.partitions or {}) if q.partitions else {}).items():
        text = _label_text(q.name, key, p.value, granularity)
        if text is not None:
            partitions[key] = text
    tp = q.time_partition
    if tp is not None and tp.value is not None:
        if tp.op is not None or tp.other is not None:
            raise ArtifactValueError(
                f"the query of flytekit Artifact {q.name!r} shifts its time partition ({tp.op} {tp.other}); give the "
                "time itself (time_partition=datetime(...))"
            )
        text = _label_text(q.name, TIME_PARTITION_KEY, tp.value, granularity)
        if text is not None:
            partitions[TIME_PARTITION_KEY] = text
    value_filename(q.name)  # a name the store cannot hold fails when the workflow is defined
    spec = {"version": 1, "artifact": q.name, "partitions": dict(sorted(partitions.items())),
            "workflow": workflow, "input": input_name}
    if getattr(q, "tag", None):
        spec["tag"] = q.tag  # ArtifactQuery(..., tag="approved"): the version `flyte-artifacts tag` named
    return spec


# ---- serving a recorded value again --------------------------------------------------------------------------


def _extract(tar_path: str, dest: str) -> None:
    with tarfile.open(tar_path) as tar:
        for m in tar.getmembers():
            target = os.path.realpath(os.path.join(dest, m.name))
            if not (m.isfile() or m.isdir()) or not target.startswith(os.path.realpath(dest) + os.sep):
                raise ArtifactValueError(f"the stored folder holds {m.name!r}, which is not a plain file inside it")
        tar.extractall(dest)  # noqa: S202 - every member checked above


def _served_bytes(store: ArtifactStore, record: Record, pb: literals_pb2.Literal, local_run: bool) -> None:
    """Point the Literal at a fresh copy of the record's bytes (sha256-checked): in a local run in flytekit's own
    sandbox, in a pod uploaded to the task's raw output prefix."""
    kind = (record.value or {}).get("kind")
    if kind not in ("file", "directory", "table"):
        return
    file_access = FlyteContextManager.current_context().file_access
    folder = file_access.get_random_local_directory() if local_run else tempfile.mkdtemp(prefix="flytekit-artifact-")
    try:
        fetched = os.path.join(folder, "fetched")
        store.download(record, fetched)  # refused, naming the file, when the bytes changed
        if kind == "file":
            ext = f".{record.file_type}" if record.file_type else ""
            name = record.filename if record.filename.endswith(ext) else record.filename + ext
            local = os.path.join(folder, "file", name)
            os.makedirs(os.path.dirname(local))
            os.replace(fetched, local)
        else:
            local = os.path.join(folder, kind)
            os.makedirs(local)
            if kind == "table":
                os.replace(fetched, os.path.join(local, "00000"))
            else:
                _extract(fetched, local)
                os.remove(fetched)
        uri = local if local_run else file_access.put_raw_data(local)
    finally:
        if not local_run:
            shutil.rmtree(folder, ignore_errors=True)
    if kind == "table":
        pb.scalar.structured_dataset.uri = uri
    else:
        pb.scalar.blob.uri = uri


def _why_none(store: ArtifactStore, artifact: str, filename: typing.Optional[str], error: Exception) -> str:
    recent = versions(store, artifact, limit=5)
    if not recent:
        return f"the store at {store.root!r} has no version of {artifact!r} at all"
    files = sorted({f for v in recent for f in v["files"]})
    if filename not in files:
        return (f"{artifact!r} holds files recorded with the plugin's Artifact.File ({', '.join(files)}), not "
                "flytekit values: query them with the plugin's Artifact.query")
    return str(error)


def resolve_literal(query: dict, store: typing.Optional[ArtifactStore] = None, note: bool = True) -> Literal:
    """The Literal of the newest version a query node's ``query`` names (ArtifactNotFoundError naming the
    artifact, the partitions asked for and those that exist, when none matches). ``note``: record the use in the
    current execution's lineage."""
    ident = current_identity()
    store = store or store_for_run(ident.local)
    artifact = query["artifact"]
    selector = RecordSelector(artifact, value_filename(artifact), tag=query.get("tag"),
                              partitions=tuple(sorted(query["partitions"].items())))
    try:
        record = select_record(store, selector)
    except ArtifactNotFoundError as e:
        asked = ", ".join([f"{k}={v}" for k, v in query["partitions"].items()]
                          + ([f"tag {query['tag']}"] if query.get("tag") else [])) or "no partitions"
        why = _why_none(store, artifact, selector.filename, e)
        raise ArtifactNotFoundError(
            f"input {query['input']!r} of workflow {query['workflow']!r} defaults to flytekit Artifact {artifact!r} "
            f"({asked}), and no recorded version matches: {why}. Pass the input explicitly, or run the workflow that "
            "produces it first"
        ) from None
    pb = literals_pb2.Literal.FromString(stored_literal(store, record))
    _served_bytes(store, record, pb, ident.local)
    if note:
        with group_commit(store):  # its documents synced together
            note_query(store, ident.execution_id, query["workflow"], f"{NODE_PREFIX}{query['input']}",
                       selector.version(), record)
    return Literal.from_flyte_idl(pb)


# ---- the query node ------------------------------------------------------------------------------------------


class NativeQueryResolver(TrackedInstance, TaskResolverMixin):
    """Finds a workflow's query-default task again in a pod: loader arguments ``workflow <module> <variable>
    <input>`` (importing the module defines the workflow, which creates the task)."""

    @property
    def location(self) -> str:
        """Where a pod imports this resolver from."""
        return "flytekitplugins.artifacts.flyte.native_query.native_query_resolver"

    def name(self) -> str:
        """The resolver's name in flytekit's messages."""
        return "NativeQueryResolver"

    def loader_args(self, settings, t: typing.Any) -> typing.List[str]:  # type: ignore[override]
        """What a pod needs to find ``t`` again."""
        fn = getattr(t.workflow, "_workflow_function", None)
        module, var = module_and_variable(fn)
        return ["workflow", module, var, t.input_name]

    def load_task(self, loader_args: typing.List[str]) -> typing.Any:
        """The query task named by ``loader_args``."""
        _, module_name, var, input_name = loader_args
        workflow = getattr(importlib.import_module(module_name), var)
        queries = getattr(workflow, "_artifact_native_queries", None) or {}
        if input_name not in queries:
            raise ArtifactValueError(
                f"workflow {module_name}.{var} has no input {input_name!r} defaulting to a flytekit Artifact query "
                f"(it has {sorted(queries) or 'none'}): the code in the image differs from the registered code"
            )
        return queries[input_name][1]

    def get_all_tasks(self):  # pragma: no cover - not used by flytekit for execution
        """Not used by flytekit for execution."""
        raise NotImplementedError


native_query_resolver = NativeQueryResolver()


class NativeQueryTask(PythonInstanceTask[None]):
    """The node that gives a workflow input its flytekit-query default (see the module docstring)."""

    def __init__(self, workflow: typing.Any, input_name: str, value_type: typing.Any):
        self.workflow = workflow
        self.input_name = input_name
        super().__init__(
            name=f"{workflow.name}.{NODE_PREFIX}{input_name}",
            task_config=None,
            task_resolver=native_query_resolver,
            interface=Interface(inputs={"query": str, "given": typing.Optional[value_type]},
                                outputs={"o0": value_type}),
        )
        self._artifacts_internal = True

    def execute(self, **kwargs: typing.Any) -> typing.Any:
        """The passed value, else the resolved version's Literal (flytekit hands a LiteralMap on unchanged)."""
        if kwargs.get("given") is not None:
            return kwargs["given"]
        return LiteralMap(literals={"o0": resolve_literal(json.loads(kwargs["query"]))})


def rewrite_defaults(workflow: typing.Any) -> None:
    """Make every input defaulting to a flytekit query ``Optional[...] = None`` and create its query task."""
    iface = workflow.python_interface
    defaults = iface.inputs_with_defaults
    found = {n: d for n, (_, d) in defaults.items() if is_query(d)}
    if not found:
        return
    specs = {n: json.dumps(query_spec(q, workflow.name, n), sort_keys=True) for n, q in found.items()}
    inputs: typing.Dict[str, typing.Any] = {}
    for name, (t, default) in defaults.items():
        inputs[name] = (typing.Optional[t], None) if name in found else (t, default)
    new = Interface(inputs=inputs, outputs=iface.outputs, output_tuple_name=iface.output_tuple_name,
                    docstring=iface.docstring)
    replace_interface(workflow, new)
    workflow._artifact_native_queries = {n: (specs[n], NativeQueryTask(workflow, n, defaults[n][0])) for n in found}


def apply_defaults(workflow: typing.Any, kwargs: dict) -> dict:
    """The body's inputs with each flytekit-query input replaced by its query node's output."""
    queries = getattr(workflow, "_artifact_native_queries", None)
    if not queries:
        return kwargs
    out = dict(kwargs)
    for name, (spec, task) in queries.items():
        out[name] = task(query=spec, given=out.get(name)).with_overrides(node_name=f"{NODE_PREFIX}{name}")
    return out


# ---- launch plans ------------------------------------------------------------------------------------------


def install_launch_plans() -> None:
    """A launch plan called locally whose ``default_inputs`` hold flytekit queries: each one not given in the call
    is resolved and passed to the workflow as its value (idempotent)."""
    from flytekit.core.launch_plan import LaunchPlan
    from flytekit.core.type_engine import TypeEngine

    if getattr(LaunchPlan, "_flytekitplugins_artifacts_native", False):
        return
    original = LaunchPlan.__call__

    def __call__(self, *args, **kwargs):  # noqa: N807 - the patched method's own name
        ctx = FlyteContextManager.current_context()
        if ctx.compilation_state is None:
            for name, q in self.saved_inputs.items():
                if name in kwargs or not is_query(q):
                    continue
                literal = resolve_literal(query_spec(q, self.name, name), note=False)
                kwargs[name] = TypeEngine.to_python_value(ctx, literal, self.workflow.python_interface.inputs[name])
        return original(self, *args, **kwargs)

    LaunchPlan.__call__ = __call__
    LaunchPlan._flytekitplugins_artifacts_native = True
