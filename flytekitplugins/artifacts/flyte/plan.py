"""The artifact plan of a workflow: which node output is which artifact file, and the unique-filename rule.

The plan is derived from the compiled workflow (its nodes' interfaces and its output bindings) while flytekit
compiles it, so a violation stops the workflow before any task runs, and so that the recorder and export nodes
can be wired to exactly the outputs that carry artifact files.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field, replace

from flytekit.core.promise import Promise

from ..errors import ArtifactTypeError, ArtifactValueError, DuplicateArtifactFileError
from ..store.declaration import FileDeclaration, declaration_of, nested_declaration


@dataclass(frozen=True)
class PlanEntry:
    """One artifact file of a workflow: its declaration and the node output that produces it."""

    declaration: FileDeclaration
    node_id: str  # the producing node (``start-node`` for a workflow input)
    task: str  # the producing entity's name
    output_name: str  # the producing node's output
    workflow: str  # the workflow whose recorder records it
    origin: str  # identity of the value across nesting, e.g. "n1/n0.o0"
    site: str  # "task" (a node's output type) or "workflow" (the workflow's return type)
    workflow_output: typing.Optional[str] = None  # for site == "workflow": which workflow output
    recorded_here: bool = True  # False when a sub-workflow's own recorder records it

    def place(self) -> str:
        where = f"node {self.node_id} (task {self.task!r}, output {self.output_name!r})"
        if self.site == "workflow":
            where = f"the return of workflow {self.workflow!r} (output {self.workflow_output!r}) bound to {where}"
        if not self.recorded_here:
            where = f"sub-workflow node {self.origin.split('/', 1)[0]}: {where}"
        return where

    def manifest_item(self) -> dict:
        return {
            **self.declaration.as_dict(),
            "node_id": self.node_id,
            "task": self.task,
            "output_name": self.output_name,
            "workflow": self.workflow,
        }


@dataclass
class Plan:
    """The artifact files of one workflow and how to find their values."""

    workflow: str
    entries: typing.List[PlanEntry] = field(default_factory=list)
    # For every workflow output, the origin of the value it returns (lets a parent see through sub-workflows).
    output_origins: typing.Dict[str, str] = field(default_factory=dict)
    # node id -> (entity name, how many earlier nodes run the same entity): matches local calls to nodes.
    node_keys: typing.Dict[str, typing.Tuple[str, int]] = field(default_factory=dict)
    # The git commit of the workflow's source when it was compiled (None outside a repository).
    code_version: typing.Optional[str] = None
    # Lineage (see graph.py): per recorded origin what it derives from, the code identity, the inputs by kind.
    derived: typing.Dict[str, dict] = field(default_factory=dict)
    code: typing.Optional[dict] = None
    inputs: dict = field(default_factory=dict)
    # The datasets (ids or names) the workflow's export nodes write into: checked before a local run starts.
    export_targets: typing.List[str] = field(default_factory=list)
    # Per recorded origin, where each partition value comes from (``partition_plan.py``).
    partition_sources: typing.Dict[str, dict] = field(default_factory=dict)

    @property
    def recorded(self) -> typing.List[PlanEntry]:
        return [e for e in self.entries if e.recorded_here]

    def artifacts(self) -> typing.Set[str]:
        return {e.declaration.artifact for e in self.entries}


def _entity_name(entity: typing.Any) -> str:
    return getattr(entity, "name", None) or type(entity).__name__


def _check_no_nesting(name: str, node_id: str, out: str, t: typing.Any) -> None:
    decl = nested_declaration(t)
    if decl is not None:
        raise ArtifactTypeError(
            f"node {node_id} ({name!r}) output {out!r} is a collection of {decl.artifact!r}/{decl.filename!r} "
            "(a map task over a task returning an artifact file, or a List/Dict/Optional of Artifact.File). "
            "An artifact holds one file per filename, so N mapped copies cannot all be "
            f"{decl.filename!r}: return a plain FlyteFile from the mapped task and declare the artifact on a "
            "task or workflow output that produces one file (for example one that combines the mapped results)."
        )


def build_plan(workflow: typing.Any, nodes: typing.Sequence[typing.Any], outputs: typing.Any) -> Plan:
    """Derive the plan of ``workflow`` from its compiled ``nodes`` and the promises its function returned."""
    plan = Plan(workflow=_entity_name(workflow))
    sub_plans = _add_node_outputs(plan, nodes)
    _add_workflow_outputs(plan, workflow, outputs, {n.id: n for n in nodes}, sub_plans)
    check_unique(plan)
    return plan


def _add_node_outputs(plan: Plan, nodes: typing.Sequence[typing.Any]) -> typing.Dict[str, Plan]:
    """Add to ``plan`` the artifact outputs of every node (a sub-workflow's entries as its own recorder records
    them) and each node's key; returns the plans of the sub-workflow nodes by node id."""
    seen: typing.Dict[str, int] = {}
    sub_plans: typing.Dict[str, Plan] = {}
    for node in nodes:
        entity = node.flyte_entity
        name = _entity_name(entity)
        plan.node_keys[node.id] = (name, seen.get(name, 0))
        seen[name] = seen.get(name, 0) + 1
        sub = getattr(entity, "_artifact_plan", None)
        if isinstance(sub, Plan):
            sub_plans[node.id] = sub
            plan.entries += [replace(e, origin=f"{node.id}/{e.origin}", recorded_here=False) for e in sub.entries]
            continue
        iface = getattr(entity, "python_interface", None)
        if iface is None:
            continue
        for out, t in iface.outputs.items():
            decl = declaration_of(t)
            if decl is None:
                _check_no_nesting(name, node.id, out, t)
                continue
            plan.entries.append(
                PlanEntry(decl, node.id, name, out, plan.workflow, origin=f"{node.id}.{out}", site="task")
            )
    return sub_plans


def _returned_values(workflow: typing.Any, outputs: typing.Any) -> typing.List[typing.Any]:
    """What the workflow function returned, one value per workflow output."""
    out_names = list(workflow.python_interface.outputs.keys())
    if len(out_names) == 1:
        return [outputs[0] if isinstance(outputs, tuple) and workflow.python_interface.output_tuple_name else outputs]
    return list(outputs) if out_names else []


def _producer_of(
    value: typing.Any,
    out: str,
    wf_name: str,
    by_id: typing.Dict[str, typing.Any],
    sub_plans: typing.Dict[str, Plan],
) -> typing.Tuple[str, str, str, str]:
    """Which node output the value returned as workflow output ``out`` is: (node id, output name, entity name,
    origin), the origin seen through a sub-workflow's own return; the end node itself for a constant or an input."""
    if not (isinstance(value, Promise) and value.ref is not None and not value.ref.attr_path):
        return "end-node", out, wf_name, f"end-node.{out}"
    node_id, var = value.ref.node_id, value.ref.var
    if node_id in sub_plans and var in sub_plans[node_id].output_origins:
        origin = f"{node_id}/{sub_plans[node_id].output_origins[var]}"
    else:
        origin = f"{node_id}.{var}"
    producer = by_id.get(node_id)
    return node_id, var, _entity_name(producer.flyte_entity) if producer is not None else wf_name, origin


def _add_workflow_outputs(
    plan: Plan,
    workflow: typing.Any,
    outputs: typing.Any,
    by_id: typing.Dict[str, typing.Any],
    sub_plans: typing.Dict[str, Plan],
) -> None:
    """Add to ``plan`` the origin of every workflow output, and the artifact files declared on its return type
    (unless the producing node's output already declares the same file)."""
    wf_name = plan.workflow
    for out, value in zip(workflow.python_interface.outputs.keys(), _returned_values(workflow, outputs)):
        t = workflow.python_interface.outputs[out]
        decl = declaration_of(t)
        if decl is None:
            _check_no_nesting(wf_name, "end-node", out, t)
        node_id, var, task, origin = _producer_of(value, out, wf_name, by_id, sub_plans)
        plan.output_origins[out] = origin
        if decl is None:
            continue
        if any(e.declaration == decl and e.origin == origin for e in plan.entries):
            continue  # the same file declared twice (task and workflow return): recorded once
        plan.entries.append(PlanEntry(decl, node_id, task, var, wf_name, origin, site="workflow", workflow_output=out))


def check_unique(plan: Plan) -> None:
    """Refuse one (artifact, filename) from two places, and one artifact with two types."""
    types: typing.Dict[str, PlanEntry] = {}
    first: typing.Dict[typing.Tuple[str, str], PlanEntry] = {}
    for e in plan.entries:
        d = e.declaration
        other = types.setdefault(d.artifact, e)
        if other.declaration.type != d.type:
            raise ArtifactValueError(
                f"artifact {d.artifact!r} is declared as {other.declaration.type.name} at {other.place()} and as "
                f"{d.type.name} at {e.place()}: an artifact has one type; rename one of them"
            )
        prev = first.setdefault(d.key, e)
        if prev is not e and prev.origin != e.origin:
            raise DuplicateArtifactFileError(
                f"workflow {plan.workflow!r}: artifact {d.artifact!r} gets file {d.filename!r} twice, from "
                f"{prev.place()} and from {e.place()}. A filename may appear once per artifact: give one of them "
                "another filename, or put it in another artifact."
            )
