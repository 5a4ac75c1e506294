"""``Trigger`` and ``on_artifact``: declare, next to a workflow, that a new version of an artifact file launches it.

    Trigger(on=on_artifact(ADaM, filename="adsl.xpt"), launch=tfl_reports, input="adsl")

``launch`` is a workflow or a launch plan; ``input`` names its input that receives the triggering file (a
``FlyteFile`` of the recorded bytes, or their URI for a ``str`` input); its other inputs take their defaults. The
sweep itself (``ops/triggers.py``) is plain store logic; this module is the part that knows flytekit: it checks the
declaration against the workflow's interface and runs the workflow locally, under the run id the ledger named.

``on_artifact`` takes this plugin's :class:`~.artifact.Artifact`. It reads only the artifact's name through
:func:`_artifact_name`, the one place that will also accept flytekit's own ``Artifact`` once its versions are kept
in the same store.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass

from flytekit import task
from flytekit.core.launch_plan import LaunchPlan
from flytekit.core.workflow import WorkflowBase
from flytekit.types.file import FlyteFile

from ..ops.trigger_ledger import Declared, TriggerError, TriggerSpec
from ..ops.triggers import validate_name
from ..store.artifact_store import ArtifactStore, Record
from ..store.declaration import validate_filename
from ..store.identity import local_identity, new_local_identity, preset_next_local_run, reset_next_local_run
from ..store.partitions import check_known, normalize
from .artifact import Artifact


@dataclass(frozen=True)
class ArtifactCondition:
    """What :func:`on_artifact` returns: the artifact file whose new versions fire a trigger."""

    artifact: str
    filename: str
    tag: typing.Optional[str] = None
    partitions: typing.Optional[typing.Dict[str, str]] = None


def _artifact_name(artifact: typing.Any) -> str:
    if isinstance(artifact, Artifact):
        return artifact.name
    raise TriggerError(
        f"on_artifact() needs an Artifact of this plugin (Artifact(name, type)), not {artifact!r}: "
        "from flytekitplugins.artifacts import Artifact"
    )


def on_artifact(
    artifact: typing.Any,
    filename: str,
    partitions: typing.Optional[typing.Dict[str, str]] = None,
    tag: typing.Optional[str] = None,
) -> ArtifactCondition:
    """Fire on each new version of ``artifact``/``filename``: only the versions whose file carries every
    ``partitions`` value (``{"study": "MINI01"}``), and only those tagged ``tag``, when given."""
    name = _artifact_name(artifact)
    wanted = normalize(partitions)
    if wanted:
        check_known([k for k, _ in wanted], getattr(artifact, "partition_keys", ()), f"on_artifact({name!r})")
    if tag is not None:
        from ..store.versions import validate_tag

        validate_tag(tag)
    return ArtifactCondition(name, validate_filename(filename), tag, dict(wanted) or None)


def _interface_of(launch: typing.Any) -> typing.Tuple[str, typing.Dict[str, typing.Any]]:
    """(name, input types) of a workflow or launch plan."""
    if isinstance(launch, (LaunchPlan, WorkflowBase)):
        return launch.name, dict(launch.python_interface.inputs)
    raise TriggerError(f"Trigger(launch={launch!r}) needs a workflow or a launch plan to launch")


def _defaults_of(launch: typing.Any) -> typing.Set[str]:
    if isinstance(launch, LaunchPlan):
        return set(launch.fixed_inputs.literals) | set(launch.saved_inputs.literals)
    return set(launch.python_interface.default_inputs_as_kwargs)


class Trigger(Declared):
    """A new version of ``on``'s file launches ``launch`` with the file as its input ``input``."""

    def __init__(self, on: ArtifactCondition, launch: typing.Any, input: str, name: typing.Optional[str] = None):
        if not isinstance(on, ArtifactCondition):
            raise TriggerError(f"Trigger(on={on!r}) needs on_artifact(...): on=on_artifact(MyArtifact, filename=...)")
        wf_name, inputs = _interface_of(launch)
        if input not in inputs:
            raise TriggerError(
                f"Trigger(input={input!r}): {wf_name!r} has no input {input!r} (its inputs: "
                f"{', '.join(sorted(inputs)) or 'none'}): name the input that takes the file"
            )
        missing = sorted(set(inputs) - _defaults_of(launch) - {input})
        if missing:
            raise TriggerError(
                f"Trigger(launch={wf_name!r}): its inputs {', '.join(missing)} have no default, and a trigger fills "
                "only the one it names: give them defaults, or launch a launch plan that fixes them"
            )
        self.launch = launch
        self.input_type = inputs[input]
        self.spec = TriggerSpec(
            name=validate_name(name or f"{wf_name}.{input}"), artifact=on.artifact, filename=on.filename,
            launch=wf_name, input=input, tag=on.tag, partitions=on.partitions,
        )

    def __repr__(self) -> str:
        s = self.spec
        return f"Trigger({s.name!r}: {s.artifact!r}/{s.filename!r} -> {s.launch}({s.input}=...))"

    def new_run_id(self) -> str:
        return new_local_identity().execution_id

    def on_cluster(self, **options: typing.Any) -> Declared:
        """This trigger launching on a cluster through FlyteRemote (``flyte/trigger_remote.py``); ``options`` are
        :class:`~.trigger_remote.RemoteOptions`' fields (config_file, project, domain, version)."""
        from .trigger_remote import RemoteOptions, RemoteTrigger

        return RemoteTrigger(self, RemoteOptions(**{k: v for k, v in options.items() if v is not None}))

    def value_for(self, record: Record) -> typing.Any:
        """The value the launched run's input gets: the recorded file, or its URI for a ``str`` input."""
        if self.input_type is str:
            return record.uri
        return FlyteFile(record.uri, remote_path=False)

    def launch_run(self, record: Record, store: ArtifactStore, run_id: str) -> typing.Callable[[], None]:
        """Run the workflow locally (``pyflyte run`` semantics, same store) as run ``run_id``, when waited for."""

        def wait() -> None:
            token = preset_next_local_run(local_identity(run_id))
            try:
                self.launch(**{self.spec.input: self.value_for(record)})
            finally:
                reset_next_local_run(token)

        return wait


def _words(text: str) -> typing.List[str]:
    return [w for w in text.replace(",", " ").split() if w]


@task
def triggers_sweep(modules: str, max_launches: int = 10, from_beginning: bool = False, lease_s: float = 300.0,
                   project: str = "", domain: str = "", version: str = "", config_file: str = "") -> str:
    """Sweep the triggers of ``modules`` (module names or files, separated by spaces or commas) once, launching
    their runs on the cluster with FlyteRemote, from a pod: what a scheduled launch plan runs instead of cron.

    The store is the pod's (``FLYTE_ARTIFACTS_ROOT``); ``project``/``domain`` default to the pod's own execution's;
    the FlyteRemote config is ``config_file`` or flytekit's own search (``FLYTE_PLATFORM_URL`` in the pod's
    environment). Returns what each trigger did, as JSON; fails when a launch failed (the ledger keeps it, and a
    retried run launches nothing twice)."""
    import json
    import os

    from ..ops.trigger_files import TriggerSources, sweep_sources

    sources = _words(modules)
    if not sources:
        raise TriggerError(f"triggers_sweep(modules={modules!r}) names no module: give modules='flows.reports'")
    store = ArtifactStore()
    if store.backend.scheme == "file":
        raise TriggerError(f"triggers_sweep needs the cluster's store (s3://...), not the folder {store.root!r}: "
                           "set FLYTE_ARTIFACTS_ROOT in the launch plan's environment")
    remote = {"project": project or os.environ.get("FLYTE_INTERNAL_EXECUTION_PROJECT") or None,
              "domain": domain or os.environ.get("FLYTE_INTERNAL_EXECUTION_DOMAIN") or None,
              "version": version or None, "config_file": config_file or None}
    results = [r.as_dict() for r in sweep_sources(store, TriggerSources(store, sources), max_launches,
                                                   from_beginning, lease_s, remote)]
    failed = [f"{r['trigger']}: {m['error']}" for r in results for m in r["failed"]]
    if failed:
        raise TriggerError(f"{len(failed)} launch(es) failed: {'; '.join(failed)}")
    return json.dumps(results, sort_keys=True)
