"""Run a serialized workflow the way a Flyte cluster would, without a cluster.

Test harness only, not part of the plugin. Given what ``pyflyte package`` produced (task templates and workflow
specs, protobuf), it plays flytepropeller: nodes run in dependency order, each node's ``inputs.pb`` is assembled
from upstream ``outputs.pb`` files and constants and written to S3, and each Python task runs as its own
``pyflyte-execute`` process with the container arguments from its template (the real ``--inputs``,
``--output-prefix``, ``--raw-output-data-prefix`` on ``s3://``, resolver and loader arguments) and the environment
propeller gives a pod. Nothing of the test process leaks into a "pod": each one starts from a clean environment and
can only import what the image would have (the installed packages and the flows' source folder).

A raw-container task (``ContainerTask``) runs its command with a local shell, with flytecopilot's job done here:
inputs are downloaded into the input folder, and the output folder is uploaded under the raw-data prefix with an
``outputs.pb`` written to the output prefix. No flytekit code runs for such a node, as in a cluster.

``Cluster.retry`` runs one node of a finished execution again with the next attempt's prefixes, as propeller
does after a lost pod. Not emulated: branches, sub-workflows, launch plans, map and dynamic tasks, caching,
timeouts, and fast registration (the image is this virtualenv plus the source folder on ``PYTHONPATH``).
"""

from __future__ import annotations

import dataclasses
import os
import re
import shlex
import subprocess
import sys
import tarfile
import tempfile
import typing

import boto3
from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2
from flyteidl.core import errors_pb2, literals_pb2, tasks_pb2, types_pb2
from flyteidl.core import workflow_pb2 as core_workflow_pb2

BIN = os.path.dirname(sys.executable)


# ---- packaging ------------------------------------------------------------------------------------------------


def pyflyte_package(source: str, module: str, output: str, image: str, env: typing.Optional[dict] = None) -> str:
    """Run ``pyflyte package`` as a user would; returns the path of the ``.tgz``."""
    source, output = os.path.abspath(source), os.path.abspath(output)
    cmd = [
        os.path.join(BIN, "pyflyte"),
        "--pkgs",
        module,
        "package",
        "--image",
        image,
        "--source",
        source,
        "--output",
        output,
        "--force",
    ]
    proc = subprocess.run(cmd, cwd=source, env=env, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"pyflyte package failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return output


def packaged(source: str, module: str, output: str, image: str) -> "Package":
    """``pyflyte package`` of ``module`` (without the test's own ``FLYTE_*`` settings), loaded."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLYTE_")}
    pyflyte_package(source, module, output, image, env=env)
    return load_package(output)


def cli(args: typing.Sequence[str], env: typing.Dict[str, str]) -> str:
    """``flyte-artifacts`` in its own process, with only S3 access in common with the run; its output, once it
    succeeded."""
    proc = subprocess.run([os.path.join(BIN, "flyte-artifacts"), *args], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@dataclasses.dataclass
class Package:
    tasks: typing.Dict[str, task_pb2.TaskSpec]
    workflows: typing.Dict[str, workflow_pb2.WorkflowSpec]
    launch_plans: typing.Dict[str, launch_plan_pb2.LaunchPlan]

    def task(self, name: str) -> tasks_pb2.TaskTemplate:
        return self.tasks[name].template

    def workflow(self, name: str) -> core_workflow_pb2.WorkflowTemplate:
        return self.workflows[name].template


def load_package(path: str) -> Package:
    """Read a ``pyflyte package`` archive.

    File names end in ``_1`` (task), ``_2`` (workflow) or ``_3`` (launch plan).
    """
    pkg = Package({}, {}, {})
    with tarfile.open(path, "r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile() or not member.name.endswith(".pb"):
                continue
            data = tar.extractfile(member).read()
            kind = member.name[: -len(".pb")].rsplit("_", 1)[-1]
            if kind == "1":
                spec = task_pb2.TaskSpec.FromString(data)
                pkg.tasks[spec.template.id.name] = spec
            elif kind == "2":
                spec = workflow_pb2.WorkflowSpec.FromString(data)
                pkg.workflows[spec.template.id.name] = spec
            elif kind == "3":
                lp = launch_plan_pb2.LaunchPlan.FromString(data)
                pkg.launch_plans[lp.id.name] = lp
    return pkg


# ---- literals -------------------------------------------------------------------------------------------------


def literal_of(value: typing.Any) -> literals_pb2.Literal:
    """A literal for a plain Python value (the only kind of workflow input the harness is asked to pass)."""
    if isinstance(value, bool):
        prim = literals_pb2.Primitive(boolean=value)
    elif isinstance(value, int):
        prim = literals_pb2.Primitive(integer=value)
    elif isinstance(value, float):
        prim = literals_pb2.Primitive(float_value=value)
    elif isinstance(value, str):
        prim = literals_pb2.Primitive(string_value=value)
    else:
        raise TypeError(f"the harness passes str/int/float/bool workflow inputs, got {value!r}")
    return literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=prim))


def primitive_text(lit: literals_pb2.Literal) -> str:
    prim = lit.scalar.primitive
    kind = prim.WhichOneof("value")
    if kind is None:
        raise TypeError(f"not a primitive literal: {lit}")
    return str(getattr(prim, kind)).lower() if kind == "boolean" else str(getattr(prim, kind))


def blob_uri(lit: literals_pb2.Literal) -> str:
    return lit.scalar.blob.uri


# ---- S3 -------------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class S3:
    """Where the "cluster" keeps its data, and how pods reach it."""

    endpoint: str
    bucket: str
    access_key: str = "testing"
    secret_key: str = "testing"
    region: str = "us-east-1"

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
        )

    def env(self) -> typing.Dict[str, str]:
        # FLYTE_AWS_* is what flytekit's data layer (s3fs) reads, set by the cluster's default pod environment;
        # AWS_* is the standard chain boto3 (the plugin's store) reads.
        return {
            "FLYTE_AWS_ENDPOINT": self.endpoint,
            "FLYTE_AWS_ACCESS_KEY_ID": self.access_key,
            "FLYTE_AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": self.region,
        }

    @staticmethod
    def split(uri: str) -> typing.Tuple[str, str]:
        if not uri.startswith("s3://"):
            raise ValueError(f"not an s3:// uri: {uri!r}")
        bucket, _, key = uri[len("s3://") :].partition("/")
        return bucket, key

    def put(self, uri: str, data: bytes) -> None:
        bucket, key = self.split(uri)
        self.client().put_object(Bucket=bucket, Key=key, Body=data)

    def get(self, uri: str) -> bytes:
        bucket, key = self.split(uri)
        return self.client().get_object(Bucket=bucket, Key=key)["Body"].read()

    def exists(self, uri: str) -> bool:
        bucket, key = self.split(uri)
        return self.client().list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1).get("KeyCount", 0) > 0

    def keys(self, prefix_uri: str) -> typing.List[str]:
        bucket, prefix = self.split(prefix_uri)
        out = []
        for page in self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            out.extend(f"s3://{bucket}/{o['Key']}" for o in page.get("Contents", []))
        return sorted(out)


# ---- running --------------------------------------------------------------------------------------------------


class NodeFailed(RuntimeError):
    pass


@dataclasses.dataclass
class NodeRun:
    node_id: str
    task: str
    inputs_uri: str
    output_prefix: str
    raw_output_prefix: str
    outputs: literals_pb2.LiteralMap
    log: str = ""


@dataclasses.dataclass
class ExecutionResult:
    execution_id: str
    nodes: typing.Dict[str, NodeRun]
    order: typing.List[str]
    outputs: literals_pb2.LiteralMap
    inputs: typing.Optional[literals_pb2.LiteralMap] = None


def dependency_order(wf: core_workflow_pb2.WorkflowTemplate) -> typing.List[core_workflow_pb2.Node]:
    """Nodes sorted so each comes after every node it depends on (declared upstream ids or bound promises)."""
    nodes = {n.id: n for n in wf.nodes}
    deps: typing.Dict[str, typing.Set[str]] = {}
    for n in wf.nodes:
        found = set(n.upstream_node_ids)
        for b in n.inputs:
            found |= _promised_nodes(b.binding)
        deps[n.id] = {d for d in found if d in nodes}
    order: typing.List[str] = []
    done: typing.Set[str] = set()
    while len(order) < len(nodes):
        ready = [i for i in nodes if i not in done and deps[i] <= done]
        if not ready:
            raise ValueError(f"workflow {wf.id.name} has a dependency cycle among {sorted(set(nodes) - done)}")
        for i in ready:  # keep the serialized order among nodes that are ready together
            order.append(i)
            done.add(i)
    return [nodes[i] for i in order]


def _promised_nodes(b: literals_pb2.BindingData) -> typing.Set[str]:
    kind = b.WhichOneof("value")
    if kind == "promise":
        return {b.promise.node_id}
    if kind == "collection":
        return set().union(*[_promised_nodes(x) for x in b.collection.bindings]) if b.collection.bindings else set()
    if kind == "map":
        return set().union(*[_promised_nodes(x) for x in b.map.bindings.values()]) if b.map.bindings else set()
    return set()


class Cluster:
    """One emulated Flyte deployment: a metadata bucket, a project/domain, the image (source folder + this venv)."""

    def __init__(
        self,
        s3: S3,
        source_dir: str,
        env: typing.Optional[typing.Dict[str, str]] = None,
        project: str = "flytesnacks",
        domain: str = "development",
        timeout: int = 300,
    ):
        self.s3 = s3
        self.source_dir = os.path.abspath(source_dir)
        self.extra_env = dict(env or {})
        self.project = project
        self.domain = domain
        self.timeout = timeout

    def pod_env(
        self, execution_id: str, workflow: str, template: tasks_pb2.TaskTemplate, home: str
    ) -> typing.Dict[str, str]:
        env = {
            "PATH": f"{BIN}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin",
            "HOME": home,
            "LANG": "C.UTF-8",
            "PYTHONPATH": self.source_dir,
            # What propeller sets in every task pod.
            "FLYTE_INTERNAL_EXECUTION_ID": execution_id,
            "FLYTE_INTERNAL_EXECUTION_PROJECT": self.project,
            "FLYTE_INTERNAL_EXECUTION_DOMAIN": self.domain,
            "FLYTE_INTERNAL_EXECUTION_WORKFLOW": f"{self.project}:{self.domain}:{workflow}",
            "FLYTE_INTERNAL_TASK_PROJECT": self.project,
            "FLYTE_INTERNAL_TASK_DOMAIN": self.domain,
            "FLYTE_INTERNAL_TASK_NAME": template.id.name,
            "FLYTE_INTERNAL_TASK_VERSION": template.id.version or "v0",
            "FLYTE_ATTEMPT_NUMBER": "0",
            # Without this pyflyte-execute reports a failed task only through error.pb and exits 0.
            "FLYTE_FAIL_ON_ERROR": "true",
            **self.s3.env(),
        }
        env.update(self.extra_env)  # `pyflyte run --remote --env` / the deployment's default pod environment
        for kv in template.container.env:
            env[kv.key] = kv.value
        return env

    def run(
        self,
        pkg: Package,
        workflow: str,
        inputs: typing.Dict[str, typing.Any],
        execution_id: str,
    ) -> ExecutionResult:
        wf = pkg.workflow(workflow)
        start = literals_pb2.LiteralMap(literals={k: literal_of(v) for k, v in inputs.items()})
        # Inputs not passed take their default from the workflow's default launch plan, as flyteadmin does. A
        # parameter carrying an artifact query has no default: flyteadmin without an artifact service puts its
        # (absent) default into the inputs, which reaches the run as a literal with nothing set.
        lp = pkg.launch_plans.get(workflow)
        if lp is not None:
            for name, param in lp.spec.default_inputs.parameters.items():
                if name not in start.literals and param.HasField("default"):
                    start.literals[name].CopyFrom(param.default)
                elif name not in start.literals and param.HasField("artifact_query"):
                    start.literals[name].CopyFrom(literals_pb2.Literal())
        results: typing.Dict[str, literals_pb2.LiteralMap] = {"": start, "start-node": start}
        result = ExecutionResult(execution_id, {}, [], literals_pb2.LiteralMap(), start)
        for node in dependency_order(wf):
            run = self._run_node(pkg, wf, node, results, execution_id, attempt=0)
            results[node.id] = run.outputs
            result.nodes[node.id] = run
            result.order.append(node.id)
        result.outputs = literals_pb2.LiteralMap(
            literals={b.var: self._resolve(b.binding, results, "end-node") for b in wf.outputs}
        )
        self.s3.put(f"{self._meta(execution_id)}/end-node/data/0/outputs.pb", result.outputs.SerializeToString())
        return result

    def retry(self, pkg: Package, workflow: str, result: ExecutionResult, node_id: str, attempt: int = 1) -> NodeRun:
        """Run one node of a finished execution again as propeller's next attempt would: same inputs, same
        execution, the attempt number in its output and raw-data prefixes (as after a pod lost mid-task)."""
        wf = pkg.workflow(workflow)
        (node,) = [n for n in wf.nodes if n.id == node_id]
        results = {"": result.inputs, "start-node": result.inputs, **{k: v.outputs for k, v in result.nodes.items()}}
        return self._run_node(pkg, wf, node, results, result.execution_id, attempt)

    def _meta(self, execution_id: str) -> str:
        return f"s3://{self.s3.bucket}/metadata/propeller/{self.project}-{self.domain}-{execution_id}"

    def _run_node(self, pkg, wf, node, results, execution_id: str, attempt: int) -> NodeRun:
        kind = node.WhichOneof("target")
        if kind != "task_node":
            raise NotImplementedError(f"node {node.id}: the harness runs task nodes only, not {kind}")
        template = pkg.task(node.task_node.reference_id.name)
        node_inputs = literals_pb2.LiteralMap(
            literals={b.var: self._resolve(b.binding, results, node.id) for b in node.inputs}
        )
        meta = self._meta(execution_id)
        output_prefix = f"{meta}/{node.id}/data/{attempt}"
        # Propeller's raw-data layout: a shard, then <execution>-<node>-<attempt>.
        raw_prefix = f"s3://{self.s3.bucket}/raw/{execution_id[:2]}/{execution_id}-{node.id}-{attempt}"
        inputs_uri = f"{meta}/{node.id}/data/inputs.pb"
        self.s3.put(inputs_uri, node_inputs.SerializeToString())
        if template.type == "raw-container" or template.container.data_config.enabled:
            log = self._run_raw_container(template, node_inputs, output_prefix, raw_prefix)
        else:
            log = self._run_python(
                template, wf.id.name, execution_id, inputs_uri, output_prefix, raw_prefix, node.id, attempt
            )
        outputs = literals_pb2.LiteralMap.FromString(self.s3.get(f"{output_prefix}/outputs.pb"))
        return NodeRun(node.id, template.id.name, inputs_uri, output_prefix, raw_prefix, outputs, log)

    def _resolve(self, b: literals_pb2.BindingData, results, node_id: str) -> literals_pb2.Literal:
        kind = b.WhichOneof("value")
        if kind == "scalar":
            return literals_pb2.Literal(scalar=b.scalar)
        if kind == "collection":
            return literals_pb2.Literal(
                collection=literals_pb2.LiteralCollection(
                    literals=[self._resolve(x, results, node_id) for x in b.collection.bindings]
                )
            )
        if kind == "map":
            return literals_pb2.Literal(
                map=literals_pb2.LiteralMap(
                    literals={k: self._resolve(x, results, node_id) for k, x in b.map.bindings.items()}
                )
            )
        if kind == "promise":
            if b.promise.attr_path:
                raise NotImplementedError(f"node {node_id}: attribute paths in bindings are not emulated")
            upstream = results[b.promise.node_id]
            if b.promise.var not in upstream.literals:
                raise NodeFailed(
                    f"node {node_id} needs {b.promise.node_id}.{b.promise.var}, which that node did not output"
                )
            return upstream.literals[b.promise.var]
        raise NotImplementedError(f"node {node_id}: binding of kind {kind} is not emulated")

    def _run_python(
        self, template, workflow, execution_id, inputs_uri, output_prefix, raw_prefix, node_id, attempt: int = 0
    ) -> str:
        subst = {
            "{{.input}}": inputs_uri,
            "{{.Input}}": inputs_uri,
            "{{.outputPrefix}}": output_prefix,
            "{{.rawOutputDataPrefix}}": raw_prefix,
            "{{.checkpointOutputPrefix}}": f"{raw_prefix}/_flytecheckpoints",
            "{{.prevCheckpointPrefix}}": '""',
        }
        args = list(template.container.command) + list(template.container.args)
        args = [subst.get(a, a) for a in args]
        if not args or os.path.basename(args[0]) != "pyflyte-execute":
            raise NotImplementedError(f"node {node_id}: container {args[:1]} is not pyflyte-execute")
        args[0] = os.path.join(BIN, "pyflyte-execute")
        with tempfile.TemporaryDirectory(prefix="pod-") as home:
            env = self.pod_env(execution_id, workflow, template, home)
            env["FLYTE_ATTEMPT_NUMBER"] = str(attempt)
            proc = subprocess.run(args, cwd=home, env=env, capture_output=True, text=True, timeout=self.timeout)
        log = proc.stdout + proc.stderr
        errors = [k for k in self.s3.keys(output_prefix + "/") if k.rsplit("/", 1)[-1].startswith("error")]
        if proc.returncode != 0 or errors:
            detail = ""
            for k in errors:
                doc = errors_pb2.ErrorDocument.FromString(self.s3.get(k))
                detail += f"\n{doc.error.code}: {doc.error.message}"
            raise NodeFailed(
                f"node {node_id} ({template.id.name}) failed, exit {proc.returncode}\n"
                f"$ {shlex.join(args)}\n{log[-6000:]}{detail}"
            )
        return log

    def _run_raw_container(self, template, node_inputs, output_prefix, raw_prefix) -> str:
        cfg = template.container.data_config
        cmd = list(template.container.command) + list(template.container.args)
        iface = template.interface
        with tempfile.TemporaryDirectory(prefix="copilot-") as tmp:
            in_dir, out_dir = os.path.join(tmp, "inputs"), os.path.join(tmp, "outputs")
            os.makedirs(in_dir)
            os.makedirs(out_dir)
            # flytecopilot's downloader: one file per input variable, named after it.
            for var, lit in node_inputs.literals.items():
                dest = os.path.join(in_dir, var)
                if lit.scalar.HasField("blob"):
                    with open(dest, "wb") as f:
                        f.write(self.s3.get(lit.scalar.blob.uri))
                else:
                    with open(dest, "w") as f:
                        f.write(primitive_text(lit))
            with open(os.path.join(in_dir, "inputs.pb"), "wb") as f:
                f.write(node_inputs.SerializeToString())

            def render(arg: str) -> str:
                # Propeller fills {{.inputs.x}} with a primitive's value; the container sees its mounts at
                # input_path/output_path, which live in temp folders here.
                arg = re.sub(
                    r"\{\{\s*\.inputs\.(\w+)\s*\}\}", lambda m: primitive_text(node_inputs.literals[m.group(1)]), arg
                )
                return arg.replace(cfg.input_path, in_dir).replace(cfg.output_path, out_dir)

            proc = subprocess.run(
                [render(a) for a in cmd],
                cwd=tmp,
                capture_output=True,
                text=True,
                timeout=self.timeout,
                env={"PATH": "/usr/bin:/bin", "HOME": tmp},
            )
            if proc.returncode != 0:
                raise NodeFailed(f"raw container {template.id.name} failed ({proc.returncode}): {proc.stderr}")
            # flytecopilot's uploader: blobs go under the raw-data prefix as <prefix>/<var>, simple values are read
            # from their file; then outputs.pb goes to the output prefix.
            out = literals_pb2.LiteralMap()
            for var, v in iface.outputs.variables.items():
                path = os.path.join(out_dir, var)
                if v.type.HasField("blob"):
                    uri = f"{raw_prefix}/{var}"
                    with open(path, "rb") as f:
                        self.s3.put(uri, f.read())
                    out.literals[var].CopyFrom(
                        literals_pb2.Literal(
                            scalar=literals_pb2.Scalar(
                                blob=literals_pb2.Blob(
                                    uri=uri,
                                    metadata=literals_pb2.BlobMetadata(
                                        type=types_pb2.BlobType(dimensionality=types_pb2.BlobType.SINGLE)
                                    ),
                                )
                            )
                        )
                    )
                elif v.type.simple == types_pb2.SimpleType.STRING:
                    with open(path) as f:
                        out.literals[var].CopyFrom(literal_of(f.read()))
                else:
                    raise NotImplementedError(f"raw container output {var} of type {v.type} is not emulated")
            self.s3.put(f"{output_prefix}/outputs.pb", out.SerializeToString())
            return proc.stdout + proc.stderr
