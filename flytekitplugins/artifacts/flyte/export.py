"""Exporting artifacts into datasets from inside a workflow: the specs and ``run_launch_export_artifacts_task``.

The call only notes the request in the workflow body being run; ``wiring.py`` adds the export node once the body
has returned, so the node can depend on every producer, including outputs the workflow returns after the call.
"""

from __future__ import annotations

import datetime
import json
import typing
from dataclasses import dataclass, field

from ..errors import ArtifactTypeError, ArtifactValueError
from ..ops.datasetjson import json_name
from ..ops.datasets.exports import FORMATS_VERSION, REQUEST_VERSION
from ..store.declaration import declaration_of, validate_artifact_name
from .artifact import Artifact, _flytekit_kind, require_ours

# Imported here, at plugin import, and never first inside a workflow being compiled: flytekit names a task
# after the compilation it is defined in, which would make the loader arguments point at the workflow.
from .nodes.export import export_artifacts
from .workflow_body import current_frame


def _check_dataset_id(dataset_id: typing.Any) -> str:
    if not isinstance(dataset_id, str):
        raise ArtifactTypeError(f"dataset_id must be a string, got {dataset_id!r} of type {type(dataset_id).__name__}")
    if not dataset_id.strip():
        raise ArtifactValueError(
            f"dataset_id must not be empty, got {dataset_id!r}: use `flyte-artifacts datasets list` to find one"
        )
    return dataset_id


#: What ``format=`` may say: each file is written in the snapshot as it is (None), or as Dataset-JSON.
FORMATS = ("dataset-json",)


def _check_format(value: typing.Any) -> None:
    if value is not None and value not in FORMATS:
        raise ArtifactValueError(
            f"format must be None (the file as it is) or one of {', '.join(map(repr, FORMATS))}, got {value!r}"
        )


@dataclass(frozen=True)
class ExportArtifactToDatasetsSpec:
    """Export every file of ``artifact`` into the dataset ``dataset_id`` (an id or a name); with
    ``format="dataset-json"`` each (table) file lands as its CDISC Dataset-JSON (``adsl.xpt`` -> ``adsl.json``)."""

    artifact: Artifact
    dataset_id: str
    format: typing.Optional[str] = None

    def __post_init__(self):
        _check_format(self.format)
        if not isinstance(self.artifact, Artifact):
            if _flytekit_kind(self.artifact) is not None:
                require_ours(self.artifact, "ExportArtifactToDatasetsSpec(artifact=...)")
            raise ArtifactTypeError(
                f"ExportArtifactToDatasetsSpec.artifact must be an Artifact(...), got {self.artifact!r}"
            )
        _check_dataset_id(self.dataset_id)

    def artifact_names(self) -> typing.Set[str]:
        return {self.artifact.name}

    def as_dict(self) -> dict:
        return {"dataset_id": self.dataset_id, "artifact": self.artifact.name, "files": None, "format": self.format}


@dataclass(frozen=True)
class ExportArtifactFilesToDatasetSpec:
    """Export chosen files (``Artifact.File(...)`` types) into the dataset ``dataset_id``; ``format="dataset-json"``
    writes each as its CDISC Dataset-JSON (``adsl.xpt`` -> ``adsl.json``)."""

    files: typing.Sequence[typing.Any]
    dataset_id: str
    format: typing.Optional[str] = None
    _pairs: typing.Tuple[typing.Tuple[str, str], ...] = field(init=False, repr=False, default=())

    def __post_init__(self):
        _check_dataset_id(self.dataset_id)
        _check_format(self.format)
        if isinstance(self.files, (str, bytes)) or not isinstance(self.files, typing.Sequence) or not self.files:
            raise ArtifactValueError(
                "ExportArtifactFilesToDatasetSpec.files must be a non-empty list of Artifact.File(...) types, "
                f"got {self.files!r}"
            )
        pairs = []
        for f in self.files:
            decl = declaration_of(f)
            if decl is None:
                raise ArtifactTypeError(
                    f"{f!r} is not an Artifact.File(...) type: pass e.g. DataArtifact.File(name='data.csv')"
                )
            pairs.append((validate_artifact_name(decl.artifact), decl.filename))
        object.__setattr__(self, "_pairs", tuple(pairs))

    def artifact_names(self) -> typing.Set[str]:
        return {a for a, _ in self._pairs}

    def as_dict(self) -> dict:
        return {"dataset_id": self.dataset_id, "artifact": None, "files": [list(p) for p in self._pairs],
                "format": self.format}


Spec = typing.Union[ExportArtifactToDatasetsSpec, ExportArtifactFilesToDatasetSpec]


@dataclass
class ExportRequest:
    """One ``run_launch_export_artifacts_task`` call: its specs and the export node's settings."""

    specs: typing.List[Spec]
    retries: int = 0
    timeout: typing.Union[datetime.timedelta, int] = datetime.timedelta(hours=3)
    container_image: typing.Optional[str] = None
    requests: typing.Any = None
    limits: typing.Any = None


def run_launch_export_artifacts_task(
    spec_list: typing.List[Spec],
    retries: int = 0,
    timeout: typing.Union[datetime.timedelta, int] = datetime.timedelta(hours=3),
    container_image: typing.Optional[str] = None,
    requests: typing.Any = None,
    limits: typing.Any = None,
    **ignored: typing.Any,
) -> None:
    """Add an export node to the workflow being defined: after every node producing a file of the listed artifacts,
    it writes one new snapshot per target dataset. Call it inside a ``@workflow`` body.

    Domino-only arguments (``environment_name``, ``hardware_tier_id``, ``use_project_defaults_for_omitted``...)
    are accepted and ignored, so flows port unchanged.
    """
    if not isinstance(spec_list, (list, tuple)) or not spec_list:
        raise ArtifactValueError(
            "spec_list must be a non-empty list of ExportArtifactToDatasetsSpec/ExportArtifactFilesToDatasetSpec, "
            f"got {spec_list!r}"
        )
    for s in spec_list:
        if not isinstance(s, (ExportArtifactToDatasetsSpec, ExportArtifactFilesToDatasetSpec)):
            raise ArtifactTypeError(
                f"spec_list item {s!r} is not an ExportArtifactToDatasetsSpec or ExportArtifactFilesToDatasetSpec"
            )
    if not isinstance(retries, int) or retries < 0:
        raise ArtifactValueError(f"retries must be a whole number >= 0, got {retries!r}")
    if not isinstance(timeout, (datetime.timedelta, int)) or isinstance(timeout, bool):
        raise ArtifactTypeError(f"timeout must be a datetime.timedelta or whole seconds, got {timeout!r}")
    if container_image is not None and (not isinstance(container_image, str) or not container_image.strip()):
        raise ArtifactValueError(
            f"container_image must be an image name such as 'ghcr.io/org/image:tag', got {container_image!r}"
        )
    from flytekit import Resources

    for label, value in (("requests", requests), ("limits", limits)):
        if value is not None and not isinstance(value, Resources):
            raise ArtifactTypeError(f"{label} must be a flytekit.Resources(cpu=..., mem=...), got {value!r}")
    frame = current_frame()
    if frame is None:
        raise ArtifactValueError(
            "run_launch_export_artifacts_task(...) must be called inside a @workflow function body"
        )
    frame.exports.append(ExportRequest(list(spec_list), retries, timeout, container_image, requests, limits))


EXPORT_NODE = "artifacts-export"


def export_node_id(index: int) -> str:
    """The node id of the ``index``-th export node of a workflow."""
    return EXPORT_NODE if index == 0 else f"{EXPORT_NODE}-{index + 1}"


def build_request(plan, request: ExportRequest, node_id: str, ends_run: bool = False) -> str:
    """The export node's ``request`` input: which recorded files go to which dataset, checked against the plan."""
    by_artifact: typing.Dict[str, list] = {}
    for e in plan.entries:
        by_artifact.setdefault(e.declaration.artifact, []).append(e.declaration)
    targets: typing.Dict[str, typing.Dict[str, typing.Tuple[str, ...]]] = {}
    for spec in request.specs:
        if isinstance(spec, ExportArtifactToDatasetsSpec):
            decls = by_artifact.get(spec.artifact.name, [])
            if decls and decls[0].type != spec.artifact.type:
                raise ArtifactTypeError(
                    f"{spec.artifact!r} is exported to dataset {spec.dataset_id!r}, but workflow {plan.workflow!r} "
                    f"declares artifact {spec.artifact.name!r} as {decls[0].type.name}: use the same Artifact(...) "
                    "object as the outputs do"
                )
            pairs = [d.key for d in decls]
        else:
            pairs = []
            for artifact, filename in spec._pairs:
                if not any(d.filename == filename for d in by_artifact.get(artifact, [])):
                    have = sorted(d.filename for d in by_artifact.get(artifact, []))
                    raise ArtifactValueError(
                        f"workflow {plan.workflow!r} exports file {filename!r} of artifact {artifact!r} to dataset "
                        f"{spec.dataset_id!r}, but no output declares that file (files of {artifact!r} here: "
                        f"{have or 'none'}): export one of those, or declare the file on a task or workflow output"
                    )
                pairs.append((artifact, filename))
        _add_files(targets.setdefault(spec.dataset_id, {}), pairs, spec, plan)
    formats = any(len(f) > 2 for files in targets.values() for f in files.values())
    return json.dumps(
        {
            "version": FORMATS_VERSION if formats else REQUEST_VERSION,
            "workflow": plan.workflow,
            "node_id": node_id,
            **({"ends_run": True} if ends_run else {}),
            "targets": [
                {"dataset": ds, "files": sorted(list(p) for p in files.values())} for ds, files in targets.items()
            ],
        },
        sort_keys=True,
    )


def _add_files(into: dict, pairs, spec: Spec, plan) -> None:
    """Put ``pairs`` into one dataset's files, by the path each takes in the snapshot (its filename, or the name of
    its Dataset-JSON): two files of one path cannot share a snapshot."""
    for artifact, filename in pairs:
        path = json_name(filename) if spec.format else filename
        entry = (artifact, filename, spec.format) if spec.format else (artifact, filename)
        other = into.setdefault(path, entry)
        if other != entry:
            what = (f"file {filename!r} of both {other[0]!r} and {artifact!r}" if other[1] == filename else
                    f"both {other[0]!r}/{other[1]!r} and {artifact!r}/{filename!r} as {path!r}")
            raise ArtifactValueError(
                f"workflow {plan.workflow!r} exports {what} to dataset {spec.dataset_id!r}; a snapshot holds one "
                "file per name: export them to different datasets, or rename one of the files"
            )


def add_export_nodes(plan, requests, recorded, nodes_by_id) -> None:
    """Add one export node per ``run_launch_export_artifacts_task`` call to the workflow being compiled.

    Its ``recorded`` input is bound to the recorder's output, so it runs after every node whose files this
    workflow records (including those its return declares); files a sub-workflow records itself come from that
    sub-workflow node, which is made to run first. The export nodes run one after another, and the last one ends
    the run (``ends_run``): a run is succeeded only once every snapshot it promised is committed.
    """
    previous = None
    for i, request in enumerate(requests):
        node_id = export_node_id(i)
        req = build_request(plan, request, node_id, ends_run=i == len(requests) - 1 and recorded is not None)
        wanted = {tuple(p) for t in json.loads(req)["targets"] for p in t["files"]}
        promise = export_artifacts(request=req, recorded=recorded if recorded is not None else "[]")
        overrides: typing.Dict[str, typing.Any] = {
            "node_name": node_id,
            "retries": request.retries,
            "timeout": request.timeout,
        }
        if request.requests is not None:
            overrides["requests"] = request.requests
        if request.limits is not None:
            overrides["limits"] = request.limits
        if request.container_image is not None:
            overrides["container_image"] = request.container_image
        promise.with_overrides(**overrides)
        node = promise.ref.node
        if previous is not None:
            previous.runs_before(node)
        previous = node
        for e in plan.entries:
            if not e.recorded_here and e.declaration.key in wanted:
                producer = nodes_by_id.get(e.origin.split("/", 1)[0])
                if producer is not None:
                    producer.runs_before(node)


def run_exports_locally(plan, requests, recorded) -> None:
    """Local execution: run the export task right away, with the request the compiled node would get."""
    for i, request in enumerate(requests):
        export_artifacts(
            request=build_request(plan, request, export_node_id(i)), recorded=recorded if recorded is not None else "[]"
        )
