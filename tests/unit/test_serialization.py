"""What registration sends: declarations in interfaces, and a recorder task a pod can load by name."""

import json
from collections import OrderedDict

import pytest
from flows import core
from flytekit.configuration import Image, ImageConfig, SerializationSettings
from flytekit.tools.translator import get_serializable

from flytekitplugins.artifacts.flyte.transformer import ANNOTATION_KEY

# Run against every supported flytekit minor too (make compat).
pytestmark = pytest.mark.compat


def serialize(entity):
    settings = SerializationSettings(
        project="p",
        domain="d",
        version="v1",
        image_config=ImageConfig(default_image=Image(name="i", fqn="img", tag="t")),
    )
    entities = OrderedDict()
    get_serializable(entities, settings, entity)
    return entities


def test_workflow_spec_carries_declarations_and_recorder():
    entities = serialize(core.training)
    wf_spec = next(v for v in entities.values() if type(v).__name__ == "WorkflowSpec")
    template = wf_spec.template
    out = template.interface.outputs["o0"].type
    assert dict(out.annotation.annotations[ANNOTATION_KEY])["filename"] == "model.pt"

    tasks = {v.template.id.name: v.template for v in entities.values() if type(v).__name__ == "TaskSpec"}
    prep = tasks["flows.core.prep"]
    assert dict(prep.interface.outputs["o0"].type.annotation.annotations[ANNOTATION_KEY])["artifact"] == "My Data"

    recorder = tasks["flytekitplugins.artifacts.flyte.nodes.record.record_artifacts"]
    args = recorder.container.args
    # A pod resolves the plugin's task from its module and name alone.
    assert args[args.index("task-module") + 1] == "flytekitplugins.artifacts.flyte.nodes.record"
    assert args[args.index("task-name") + 1] == "record_artifacts"

    node = next(n for n in template.nodes if n.id == "artifacts-recorder")
    assert {u for u in node.upstream_node_ids} == {"n0", "n1"}
    manifest = next(b for b in node.inputs if b.var == "manifest").binding.scalar.primitive.string_value
    files = json.loads(manifest)["files"]
    assert [(f["artifact"], f["filename"], f["node_id"], f["output_name"]) for f in files] == [
        ("My Data", "data.csv", "n0", "o0"),
        ("My Model", "model.pt", "n1", "o0"),
    ]
    refs = next(b for b in node.inputs if b.var == "files").binding.collection.bindings
    assert [(r.promise.node_id, r.promise.var) for r in refs] == [("n0", "o0"), ("n1", "o0")]
