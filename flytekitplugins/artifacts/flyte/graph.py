"""What each artifact file of a workflow is derived from, read off the compiled node graph.

For a file produced by node N: the artifact files produced by nodes upstream of N (same run), the workflow inputs
bound into N or any node upstream of it, and the query nodes upstream of it (versions of other runs). The recorder
receives this in its manifest and writes it as the run's lineage (``../lineage.py``). Also here: which workflow
inputs lineage captures, and how their values are passed to the recorder node.
"""

from __future__ import annotations

import typing

from flytekit.core.constants import GLOBAL_INPUT_NODE_ID
from flytekit.types.file import FlyteFile

from ..store.declaration import declaration_of
from .nodes.record import INPUT_KINDS

QUERY_NODE_PREFIX = "artifacts-query-"

_PRIMITIVES = {str: "str", int: "int", float: "float", bool: "bool"}


def input_kind(t: typing.Any) -> typing.Optional[str]:
    """The lineage kind of a workflow input type (None: not captured)."""
    if t in _PRIMITIVES:
        return _PRIMITIVES[t]
    if declaration_of(t) is not None:
        return "file"
    base = typing.get_origin(t) or t
    if base is typing.Annotated:
        base = typing.get_args(t)[0]
    try:
        if isinstance(base, type) and issubclass(base, FlyteFile):
            return "file"
    except TypeError:
        return None
    return None


def input_kinds(workflow: typing.Any) -> dict:
    """The workflow's inputs by kind: ``{"str": [names], ..., "other": {name: type name}}``."""
    out: dict = {}
    for name, t in workflow.python_interface.inputs.items():
        kind = input_kind(t)
        if kind is None:
            out.setdefault("other", {})[name] = getattr(t, "__name__", None) or str(t)
        else:
            out.setdefault(kind, []).append(name)
    return out


def recorder_inputs(kinds: dict, values: typing.Dict[str, typing.Any]) -> dict:
    """The recorder node's input lists for the workflow inputs (promises when compiling, values when local)."""
    out = {}
    for kind, names in kinds.items():
        if kind == "other" or not all(n in values for n in names):
            continue
        vals = [values[n] for n in names]
        if kind == "file":
            vals = [_unuploaded(v) for v in vals]
        out[INPUT_KINDS[kind]] = vals
    return out


def _unuploaded(v: typing.Any) -> typing.Any:
    # A local run passes the file by reference: the recorder only hashes it, flytekit need not copy it first.
    if isinstance(v, FlyteFile) and not v.remote_source:
        return FlyteFile(str(v.path), remote_path=False)
    return v


def _promised(binding_data: typing.Any) -> typing.Iterator[typing.Tuple[str, str]]:
    if binding_data is None:
        return
    if binding_data.promise is not None:
        yield binding_data.promise.node_id, binding_data.promise.var
    if binding_data.collection is not None:
        for b in binding_data.collection.bindings:
            yield from _promised(b)
    if binding_data.map is not None:
        for b in binding_data.map.bindings.values():
            yield from _promised(b)


def derived_from(plan: typing.Any, nodes: typing.Sequence[typing.Any]) -> typing.Dict[str, dict]:
    """For each artifact file the workflow records (by origin): the files, inputs and queries it derives from."""
    direct: typing.Dict[str, typing.Set[str]] = {}
    reads: typing.Dict[str, typing.Set[str]] = {}
    for n in nodes:
        ups, ins = set(), set()
        for b in n.bindings:
            for node_id, var in _promised(b.binding):
                if node_id == GLOBAL_INPUT_NODE_ID:
                    ins.add(var)
                else:
                    ups.add(node_id)
        ups |= {u.id for u in n.upstream_nodes}
        direct[n.id], reads[n.id] = ups, ins

    def ancestors(node_id: str) -> typing.Set[str]:
        seen: typing.Set[str] = set()
        todo = list(direct.get(node_id, ()))
        while todo:
            x = todo.pop()
            if x not in seen:
                seen.add(x)
                todo.extend(direct.get(x, ()))
        return seen

    out = {}
    for e in plan.recorded:
        if e.node_id not in direct:
            out[e.origin] = {"files": [], "inputs": [], "queries": []}
            continue
        up = ancestors(e.node_id)
        inputs = set(reads[e.node_id]).union(*(reads.get(u, set()) for u in up))
        files = sorted(
            {o.declaration.key for o in plan.entries if o.origin.split("/", 1)[0].split(".", 1)[0] in up}
        )
        out[e.origin] = {
            "files": [list(k) for k in files],
            "inputs": sorted(inputs),
            "queries": sorted(u for u in up if u.startswith(QUERY_NODE_PREFIX)),
        }
    return out
