"""Adding the plugin's nodes to a workflow: the recorder, and the export nodes asked for in its body.

Called by ``patches.py`` right after a workflow's function has run, in both of flytekit's modes:

* compiling: the plan is derived and checked (duplicate filenames fail here, before anything runs), then the
  recorder node is bound to every output carrying an artifact file, made to run after every node of the workflow,
  and export nodes are bound after it;
* local execution: the same nodes run with the values the function's calls produced.
"""

from __future__ import annotations

import inspect
import json
import typing

from flytekit.core.promise import NodeOutput, Promise

from ..errors import ArtifactValueError
from ..store.lineage import source_identity, version_of
from .export import add_export_nodes, run_exports_locally
from .graph import derived_from, input_kinds, recorder_inputs
from .nodes.export import check_export_targets_task
from .nodes.record import MANIFEST_VERSION, record_artifacts
from .partition_plan import resolve_partitions
from .plan import Plan, PlanEntry, build_plan
from .workflow_body import Frame

RECORDER_NODE = "artifacts-recorder"
#: The first node of a workflow that exports into datasets: it checks they exist.
CHECK_NODE = "artifacts-check-exports"


def _source_file(workflow: typing.Any) -> typing.Optional[str]:
    # The body may be wrapped by the plugin while compiling: look through the wrapper.
    fn = inspect.unwrap(getattr(workflow, "_workflow_function", None))
    return getattr(getattr(fn, "__code__", None), "co_filename", None)


def manifest_for(plan: Plan, entries: typing.Sequence[PlanEntry], ends_run: bool = True) -> str:
    """The recorder node's ``manifest`` input: which declaration each of its files answers. ``ends_run=False``: the
    workflow's last export node ends the run in a pod, not the recorder (its snapshots are part of the run)."""
    return json.dumps(
        {
            "version": MANIFEST_VERSION,
            **({} if ends_run else {"ends_run": False}),
            "workflow": plan.workflow,
            "code_version": plan.code_version,
            "code": plan.code,
            "inputs": plan.inputs,
            "files": [{**e.manifest_item(), "derived_from": plan.derived.get(e.origin),
                       **({"partitions": plan.partition_sources[e.origin]} if e.origin in plan.partition_sources
                          else {})} for e in entries],
        },
        sort_keys=True,
    )


def output_of(result: typing.Any, var: str) -> typing.Any:
    """The promise named ``var`` among a call's results (one promise or a tuple of them), or None."""
    items = result if isinstance(result, tuple) else (result,)
    for p in items:
        if isinstance(p, Promise) and p.var == var:
            return p
    return None


def finish_compile(workflow: typing.Any, nodes: typing.Sequence[typing.Any], frame: Frame, outputs: typing.Any) -> None:
    """After a body was compiled: derive and check the plan, then add the recorder and export nodes."""
    plan = build_plan(workflow, nodes, outputs)
    # Asked of git once per compilation; local runs of the compiled workflow reuse it.
    plan.code = source_identity(_source_file(workflow))
    plan.code_version = version_of(plan.code)
    plan.inputs = input_kinds(workflow)
    plan.derived = derived_from(plan, nodes)
    resolve_partitions(plan, workflow, {n.id: n for n in nodes})
    workflow._artifact_plan = plan
    check_exports(plan, frame)
    plan.export_targets = sorted({spec.dataset_id for request in frame.exports for spec in request.specs})
    by_id = {n.id: n for n in nodes}
    workflow_nodes = list(nodes)
    recorded = None
    if plan.recorded:
        values = []
        for e in plan.recorded:
            if e.site == "workflow":
                values.append(_workflow_output(workflow, outputs, e.workflow_output))
            else:
                values.append(Promise(var=e.output_name, val=NodeOutput(node=by_id[e.node_id], var=e.output_name)))
        recorded = record_artifacts(
            files=values, manifest=manifest_for(plan, plan.recorded, ends_run=not frame.exports),
            **recorder_inputs(plan.inputs, frame.inputs),
        ).with_overrides(node_name=RECORDER_NODE)
        # The recorder runs after every node of the workflow, not only the producers of its files: it marks the run
        # succeeded, so a sibling node that fails must fail the run before anything becomes visible.
        recorder_node = recorded.ref.node
        for n in workflow_nodes:
            if n is not recorder_node:
                n.runs_before(recorder_node)
    if frame.exports:
        add_export_nodes(plan, frame.exports, recorded, by_id)
        first_check(plan, nodes)


def first_check(plan: Plan, nodes: typing.Sequence[typing.Any]) -> None:
    """Add the node that checks the export targets, and make it run before every other node of the workflow: in a
    cluster a dataset that does not exist fails the run at its start, before any task runs (a local run checks
    before its body runs, ``patches.py``)."""
    others = list(nodes)
    check = check_export_targets_task(
        request=json.dumps({"workflow": plan.workflow, "datasets": plan.export_targets}, sort_keys=True)
    ).with_overrides(node_name=CHECK_NODE)
    check_node = check.ref.node
    for n in others:
        if n is not check_node:
            check_node.runs_before(n)


def finish_local(workflow: typing.Any, frame: Frame, outputs: typing.Any) -> None:
    """After a body ran locally: record its artifact files and run its exports, as the added nodes would."""
    plan: typing.Optional[Plan] = frame.plan or getattr(workflow, "_artifact_plan", None)
    if plan is None:
        return
    results: typing.Dict[typing.Tuple[str, int], typing.Any] = {}
    seen: typing.Dict[str, int] = {}
    for name, result in frame.calls:
        results[(name, seen.get(name, 0))] = result
        seen[name] = seen.get(name, 0) + 1
    entries, values = [], []
    for e in plan.recorded:
        if e.site == "workflow":
            value = _workflow_output(workflow, outputs, e.workflow_output)
        else:
            result = results.get(plan.node_keys.get(e.node_id, ("", -1)))
            value = None if result is None else output_of(result, e.output_name)
        if value is None:
            continue  # that node did not run (a branch not taken)
        entries.append(e)
        values.append(value)
    recorded = None
    if entries:
        recorded = record_artifacts(
            files=values, manifest=manifest_for(plan, entries), **recorder_inputs(plan.inputs, frame.inputs)
        )
    if frame.exports:
        run_exports_locally(plan, frame.exports, recorded)


def _workflow_output(workflow: typing.Any, outputs: typing.Any, name: typing.Optional[str]) -> typing.Any:
    names = list(workflow.python_interface.outputs.keys())
    if len(names) == 1 and not (isinstance(outputs, tuple) and workflow.python_interface.output_tuple_name):
        return outputs
    return outputs[names.index(name)]


def check_exports(plan: Plan, frame: Frame) -> None:
    """Refuse an export of an artifact no output of the workflow declares."""
    have = plan.artifacts()
    for request in frame.exports:
        for spec in request.specs:
            missing = spec.artifact_names() - have
            if missing:
                raise ArtifactValueError(
                    f"workflow {plan.workflow!r} exports artifact(s) {sorted(missing)} to dataset "
                    f"{spec.dataset_id!r}, but no output of the workflow declares a file of "
                    f"{'it' if len(missing) == 1 else 'them'} (artifacts here: {sorted(have) or 'none'}): "
                    "declare the file with Artifact.File(...) on a task or workflow output"
                )
