"""Launching a trigger's runs on a Flyte cluster with ``FlyteRemote`` (``triggers run --remote``).

The sweep and its ledger are the same as for local runs; only the launch differs: the run id the ledger names is
the execution's name on the cluster, so submitting it twice (a sweeper that died after submitting, taken over by
the next) returns the execution already there instead of making a second one (FlyteRemote treats "already exists"
as that execution). The execution is not waited for: the ledger keeps its id (``started.json``'s ``remote``), and
the run records its artifacts in the store like any cluster run.

:func:`make_remote` is the one place a ``FlyteRemote`` is built, from the user's config (``--config``, else
flytekit's own search: ``FLYTECTL_CONFIG``, ``~/.flyte/config.yaml``, ``FLYTE_PLATFORM_*`` variables).
"""

from __future__ import annotations

import typing
import uuid
from dataclasses import dataclass

from ..ops.trigger_launch import Launch
from ..ops.trigger_ledger import Declared, TriggerError
from ..store.artifact_store import ArtifactStore, Record

#: Flyte execution names: a letter first, then letters and digits, at most 20 characters here (``t`` + 19 hex).
_NAME_LENGTH = 20


@dataclass(frozen=True)
class RemoteOptions:
    """Where and how ``--remote`` launches: the flytekit config file, project, domain, and the registered version
    of the workflow or launch plan (None: FlyteRemote's own choice, registering a local workflow if needed)."""

    config_file: typing.Optional[str] = None
    project: str = "flytesnacks"
    domain: str = "development"
    version: typing.Optional[str] = None


def make_remote(options: RemoteOptions) -> typing.Any:
    """A ``FlyteRemote`` from the user's config."""
    from flytekit.configuration import Config
    from flytekit.remote import FlyteRemote

    try:
        config = Config.auto(config_file=options.config_file)
        return FlyteRemote(config, default_project=options.project, default_domain=options.domain)
    except Exception as e:  # noqa: BLE001 - flytekit's own error, named with the fix
        raise TriggerError(
            f"cannot reach a Flyte cluster with config {options.config_file or '(flytekit default)'!r} ({e}): "
            "give --config FILE (or set FLYTECTL_CONFIG) naming the cluster's endpoint"
        ) from e


def _remote_value(trig: typing.Any, record: Record) -> typing.Any:
    scheme = record.uri.split("://", 1)[0] if "://" in record.uri else "file"
    if scheme in ("file", ""):
        raise TriggerError(
            f"version {record.execution_id} of {record.artifact}/{record.filename} is at {record.uri!r}, which a "
            "cluster cannot read: sweep with --remote over the cluster's store (--root s3://bucket/prefix)"
        )
    return trig.value_for(record)


class RemoteTrigger(Declared):
    """A declared trigger whose runs start on a cluster: the same spec (and so the same ledger)."""

    def __init__(self, trig: typing.Any, options: RemoteOptions,
                 remote_factory: typing.Optional[typing.Callable[[RemoteOptions], typing.Any]] = None):
        self.trigger = trig
        self.spec = trig.spec
        self.options = options
        self._factory = remote_factory
        self._remote: typing.Any = None

    def __repr__(self) -> str:
        return f"RemoteTrigger({self.trigger!r} on {self.options.project}/{self.options.domain})"

    def new_run_id(self) -> str:
        return "t" + uuid.uuid4().hex[: _NAME_LENGTH - 1]

    def remote(self) -> typing.Any:
        if self._remote is None:
            self._remote = (self._factory or make_remote)(self.options)
        return self._remote

    def launch_run(self, record: Record, store: ArtifactStore, run_id: str) -> Launch:
        """Submit the execution ``run_id`` with the new version as its input; the ledger keeps its id."""
        remote = self.remote()
        value = _remote_value(self.trigger, record)
        execution = remote.execute(
            self.trigger.launch, inputs={self.spec.input: value}, project=self.options.project,
            domain=self.options.domain, version=self.options.version, execution_name=run_id, wait=False,
        )
        ident = getattr(execution, "id", None)
        details = {"name": getattr(ident, "name", run_id), "project": getattr(ident, "project", self.options.project),
                   "domain": getattr(ident, "domain", self.options.domain)}
        try:
            details["url"] = remote.generate_console_url(execution)
        except Exception:  # noqa: BLE001, S110 - a console link is a convenience
            pass
        return Launch(lambda: None, {"remote": details})
