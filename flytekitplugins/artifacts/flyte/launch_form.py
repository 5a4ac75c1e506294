"""The launch form: a workflow input whose default is ``Artifact(...).query(...)`` shows that query.

Flyte's IDL lets a launch plan parameter carry an ``ArtifactQuery`` where a default would go (flytekit writes its
own ``Artifact.query()`` defaults that way). The plugin does the same for its queries: every launch plan of such a
workflow (the default one, and ``LaunchPlan.create`` / ``get_or_create`` without a default of their own for that
input) gets a parameter whose ``artifact_query`` names the artifact and file, the partitions, and the execution
or tag asked for:

* ``artifact_key.name`` is ``<artifact>/<filename>`` (an artifact name never holds ``/``), project and domain
  empty (the run's own);
* ``partitions`` holds the query's partition values as static values;
* a tag is an ``artifact_tag`` query; an execution is the ``version``.

The query is resolved by the plugin's query node when the run starts, from the input that arrived: with nothing
set (how a launch with no value for such a parameter reaches the run), the query node resolves the query; a value
typed into the form is used as it is.
"""

from __future__ import annotations

import typing

from flyteidl.core import artifact_id_pb2 as idl

from .internals import is_none_default, query_parameter

if typing.TYPE_CHECKING:
    from .query import ArtifactFileQuery


def query_idl(q: "ArtifactFileQuery") -> idl.ArtifactQuery:
    """``q`` as flyteidl's ``ArtifactQuery`` (see the module docstring)."""
    sel = q.selector
    key = idl.ArtifactKey(project="", domain="", name=f"{q.artifact}/{q.filename}")
    if sel.tag:
        return idl.ArtifactQuery(artifact_tag=idl.ArtifactTag(artifact_key=key,
                                                               value=idl.LabelValue(static_value=sel.tag)))
    partitions = idl.Partitions(value={k: idl.LabelValue(static_value=v) for k, v in sel.partitions})
    return idl.ArtifactQuery(artifact_id=idl.ArtifactID(artifact_key=key, version=sel.execution or "",
                                                        partitions=partitions if sel.partitions else None))


def with_queries(workflow: typing.Any, parameters: typing.Any) -> typing.Any:
    """``parameters`` (a flytekit ParameterMap) with each query-default input carrying its query."""
    queries = getattr(workflow, "_artifact_default_queries", None)
    if not queries or parameters is None:
        return parameters
    for name, q in queries.items():
        param = parameters.parameters.get(name)
        if param is not None and is_none_default(param):  # a default the launch plan gives itself stays
            parameters.parameters[name] = query_parameter(param, query_idl(q))
    return parameters
