"""``Artifact.query(...)``: one version of a recorded file, as a workflow value, a workflow input default, or a
local file.

* Inside a ``@workflow`` body the query becomes a node running ``resolve_artifact`` (``../query_task.py``) named
  ``artifacts-query-<n>``; its output is a ``FlyteFile`` promise filled when the run reaches it.
* As a workflow input's default (``def wf(adsl: FlyteFile = ADaM.query("adsl.xpt"))``) a query cannot be a Flyte
  literal, so the plugin rewrites the workflow's interface when it is defined: the input becomes
  ``Optional[<its type>] = None``, and the body gets the output of a query node that returns the passed file when
  there is one and resolves the query otherwise, when the run starts.
* Anywhere else :class:`ArtifactFileQuery` resolves on demand: ``.record()`` and ``.download(path=None)``.
"""

from __future__ import annotations

import json
import os
import tempfile
import typing

from flytekit.core.interface import Interface

from ..store.selector import RecordSelector, select_record
from .graph import QUERY_NODE_PREFIX
from .internals import replace_interface

# Imported at plugin import, never first inside a compilation (see export.py on task naming).
from .nodes.resolve import QUERY_VERSION, resolve_artifact
from .workflow_body import Frame, current_frame

if typing.TYPE_CHECKING:
    from ..store.artifact_store import ArtifactStore, Record


class ArtifactFileQuery:
    """One version of one file of an artifact: the newest, or the one an execution or a tag names.

    ``workflow`` narrows the newest to runs of that workflow. Resolved only when used, so a query made at import
    time (a workflow input default) always means the version current when the run starts.
    """

    def __init__(self, selector: RecordSelector):
        self.selector = selector

    @property
    def artifact(self) -> str:
        """The artifact's name."""
        return typing.cast(str, self.selector.artifact)

    @property
    def filename(self) -> str:
        """The file's name in the artifact."""
        return typing.cast(str, self.selector.filename)

    def record(self, store: typing.Optional["ArtifactStore"] = None) -> "Record":
        """The record of the file this query names (ArtifactNotFoundError, naming what exists, when none)."""
        from ..store.artifact_store import ArtifactStore

        return select_record(store or ArtifactStore(), self.selector)

    def download(self, path: typing.Optional[str] = None, store: typing.Optional["ArtifactStore"] = None) -> str:
        """Write the file's bytes (checked against the recorded sha256) to ``path`` (default: a new temporary
        folder, under the file's name) and return the path."""
        from ..store.artifact_store import ArtifactStore

        store = store or ArtifactStore()
        rec = select_record(store, self.selector)
        if path is None:
            path = os.path.join(tempfile.mkdtemp(prefix="artifact-"), rec.filename)
        store.download(rec, path)
        return path

    def as_query(self, frame: typing.Optional[Frame], node_id: str) -> str:
        """The query node's ``query`` input."""
        workflow = getattr(frame.workflow, "name", "") if frame is not None else ""
        return json.dumps(
            {
                "version": QUERY_VERSION,
                "artifact": self.artifact,
                "filename": self.filename,
                "selector": self.selector.version(),
                "node_id": node_id,
                "workflow": workflow,
            },
            sort_keys=True,
        )

    def node(self, frame: Frame, given: typing.Any = None, as_type: typing.Any = None) -> typing.Any:
        """Add the query node to the workflow body being run; returns its promise: a FlyteFile, or, for an input
        declared ``pd.DataFrame``/``pyarrow.Table`` (``as_type``), that value."""
        frame.queries += 1
        node_id = f"{QUERY_NODE_PREFIX}{frame.queries}"
        # ``given`` always bound (None when nothing was passed): its type is Optional behind Annotated (nodes/given.py)
        kwargs = {"query": self.as_query(frame, node_id), "given": given}
        promise = _resolver_for(as_type)(**kwargs)
        return promise if promise.is_ready else promise.with_overrides(node_name=node_id)

    def to_idl(self) -> typing.Any:
        """This query as flyteidl's ``ArtifactQuery``, as a launch form shows it (see ``launch_form.py``)."""
        from .launch_form import query_idl

        return query_idl(self)

    def __repr__(self):
        return f"ArtifactFileQuery({self.artifact!r}, {self.filename!r}, {self.selector.describe()})"


def _resolver_for(as_type: typing.Any) -> typing.Any:
    """The query node's task for an input of type ``as_type``."""
    from .dataframes import LOAD_MODULE, value_kind
    from .internals import import_outside_compilation

    kind = value_kind(as_type) if as_type is not None else None
    if kind == "dataframe":
        return import_outside_compilation(LOAD_MODULE).resolve_dataframe
    if kind == "arrow":
        return import_outside_compilation(LOAD_MODULE).resolve_arrow_table
    if kind == "structured":
        return import_outside_compilation(LOAD_MODULE).resolve_structured_dataset
    return resolve_artifact


def query(artifact: str, filename: str, execution=None, tag=None, workflow=None, partitions=None) -> typing.Any:
    """``Artifact.query``: a FlyteFile promise inside a workflow body, else an :class:`ArtifactFileQuery`."""
    q = ArtifactFileQuery(RecordSelector(artifact, filename, execution=execution, tag=tag, workflow=workflow,
                                     partitions=partitions or ()))
    frame = current_frame()
    return q.node(frame) if frame is not None else q


# ---- workflow input defaults ------------------------------------------------------------------------------------


def rewrite_query_defaults(workflow: typing.Any) -> None:
    """Make every input whose default is an ArtifactFileQuery ``Optional[...] = None`` (see the module docstring)."""
    iface = workflow.python_interface
    defaults = iface.inputs_with_defaults
    queries = {n: d for n, (_, d) in defaults.items() if isinstance(d, ArtifactFileQuery)}
    if not queries:
        return
    inputs: typing.Dict[str, typing.Any] = {}
    for name, (t, default) in defaults.items():
        inputs[name] = (typing.Optional[t], None) if name in queries else (t, default)
    new = Interface(inputs=inputs, outputs=iface.outputs, output_tuple_name=iface.output_tuple_name,
                    docstring=iface.docstring)
    replace_interface(workflow, new)
    workflow._artifact_default_queries = queries
    workflow._artifact_default_types = {n: defaults[n][0] for n in queries}


def apply_query_defaults(workflow: typing.Any, frame: Frame, kwargs: dict) -> dict:
    """The body's inputs with each query-default input replaced by its query node's output."""
    queries = getattr(workflow, "_artifact_default_queries", None)
    if not queries:
        return kwargs
    out = dict(kwargs)
    declared = getattr(workflow, "_artifact_default_types", {})
    for name, q in queries.items():
        # flytekit may leave out an input whose value is None; the function's own default must not be used then.
        out[name] = q.node(frame, given=out.get(name), as_type=declared.get(name))
    return out


def __getattr__(name: str) -> typing.Any:
    """``ArtifactQuery``, the old name of :class:`ArtifactFileQuery`, with a DeprecationWarning."""
    if name == "ArtifactQuery":
        import warnings

        warnings.warn("flytekitplugins.artifacts.flyte.query.ArtifactQuery is deprecated, use ArtifactFileQuery "
                      "(flytekit has its own ArtifactQuery, a different class)", DeprecationWarning, stacklevel=2)
        return ArtifactFileQuery
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
