"""Which execution is running: the pod's Flyte execution, or a fresh id per top-level local run.

flytekit gives every local run the same execution id (``local/local/local``); two runs must never merge in the
store, so each top-level local run gets its own id here (see ``_flytekit.local_run``).
"""

from __future__ import annotations

import contextvars
import datetime
import getpass
import os
import socket
import subprocess
import typing
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class ExecutionIdentity:
    """Which execution records belong to: its id, project and domain, and whether it runs locally."""

    execution_id: str
    project: str
    domain: str
    local: bool


_LOCAL_RUN: contextvars.ContextVar[typing.Optional[ExecutionIdentity]] = contextvars.ContextVar(
    "flytekitplugins_artifacts_local_run", default=None
)


def new_local_identity() -> ExecutionIdentity:
    """A fresh id for a top-level local run (``local-<UTC time>-<random>``)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return ExecutionIdentity(
        execution_id=f"local-{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}", project="local", domain="local", local=True
    )


_NEXT_LOCAL_RUN: contextvars.ContextVar[typing.Optional[ExecutionIdentity]] = contextvars.ContextVar(
    "flytekitplugins_artifacts_next_local_run", default=None
)


def local_identity(execution_id: str) -> ExecutionIdentity:
    """The identity of a local run whose id was chosen before it started (a run a trigger launches)."""
    return ExecutionIdentity(execution_id=execution_id, project="local", domain="local", local=True)


def preset_next_local_run(identity: typing.Optional[ExecutionIdentity]) -> contextvars.Token:
    """Make the next top-level local run started in this context take ``identity`` (instead of a fresh one)."""
    return _NEXT_LOCAL_RUN.set(identity)


def reset_next_local_run(token: contextvars.Token) -> None:
    """Undo :func:`preset_next_local_run`."""
    _NEXT_LOCAL_RUN.reset(token)


def take_next_local_run() -> ExecutionIdentity:
    """The identity the next top-level local run takes: the preset one (used once), else a fresh one."""
    preset = _NEXT_LOCAL_RUN.get()
    if preset is not None:
        _NEXT_LOCAL_RUN.set(None)
        return preset
    return new_local_identity()


def current_local_run() -> typing.Optional[ExecutionIdentity]:
    """The local run the calling code belongs to, if any."""
    return _LOCAL_RUN.get()


def set_local_run(identity: typing.Optional[ExecutionIdentity]) -> contextvars.Token:
    """Make ``identity`` the current local run."""
    return _LOCAL_RUN.set(identity)


def reset_local_run(token: contextvars.Token) -> None:
    """Restore the local run that was current before ``set_local_run``."""
    _LOCAL_RUN.reset(token)


#: Set by Flyte in every task pod: the execution the pod belongs to.
POD_EXECUTION_ENV = "FLYTE_INTERNAL_EXECUTION_ID"


def pod_execution() -> typing.Optional[str]:
    """The Flyte execution id when running in a task pod, else None."""
    return os.environ.get(POD_EXECUTION_ENV) or None


def host_process() -> dict:
    """This host and process: who writes a run or a claim, so a reader on this host can tell whether it is alive."""
    return {"host": socket.gethostname(), "pid": os.getpid()}


def os_user() -> str:
    """The OS user running this process (``uid N`` for a container user with no passwd entry)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


def current_identity() -> ExecutionIdentity:
    """The execution the calling code belongs to."""
    name = pod_execution()
    if name:
        return ExecutionIdentity(
            execution_id=name,
            project=os.environ.get("FLYTE_INTERNAL_EXECUTION_PROJECT", ""),
            domain=os.environ.get("FLYTE_INTERNAL_EXECUTION_DOMAIN", ""),
            local=False,
        )
    return _LOCAL_RUN.get() or new_local_identity()


def utc_now() -> str:
    """The current UTC time as ISO 8601 with milliseconds and a ``Z``."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def code_version(source_file: typing.Optional[str]) -> typing.Optional[str]:
    """The git commit of the repository holding ``source_file`` ('+dirty' when it has local changes)."""
    if not source_file or not os.path.exists(source_file):
        return None
    folder = os.path.dirname(os.path.abspath(source_file))
    try:
        sha = subprocess.run(
            ["git", "-C", folder, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", folder, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{sha}+dirty" if dirty else sha
