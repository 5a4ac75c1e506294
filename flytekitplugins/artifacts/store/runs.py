"""Run statuses, and how a reader tells a local run that is still going from one whose process died.

A run's document (``keys.run_key``) holds its ``status``: ``running`` until it ends, then ``succeeded`` or
``failed`` (absent: succeeded, for stores written before runs had one). A local run's document also names its
``owner`` (host and process), so that on that host a run still ``running`` whose process is gone reads as
``killed``. Re-exported by ``artifact_store``.
"""

from __future__ import annotations

import os
import socket
import typing

from .identity import host_process, pod_execution

#: Run statuses (the run document, ``keys.run_key``, key ``status``; absent means succeeded).
RUNNING, SUCCEEDED, FAILED = "running", "succeeded", "failed"
#: What a local run still marked ``running`` reads as once the process writing it is gone (killed, crashed).
KILLED = "killed"
#: The status shown for a run another document names but the store no longer has (pruned since).
REMOVED = "removed"


def run_owner() -> typing.Optional[dict]:
    """Who writes a local run (this host and process), so a reader on this host can tell a run whose process died
    from one still going. None in a pod (``FLYTE_INTERNAL_EXECUTION_ID`` is set): its recorder node ends the run."""
    if pod_execution():
        return None
    return host_process()


def _gone(pid: typing.Any) -> bool:
    """Whether no process ``pid`` runs on this host (a reused pid counts as alive: the run then stays running)."""
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def status_of(run: dict) -> str:
    """A run document's status: ``killed`` for a local run still marked ``running`` whose process on this host is
    gone (a run on another host, or in a pod, stays ``running``)."""
    status = run.get("status", SUCCEEDED)
    owner = run.get("owner")
    if status == RUNNING and isinstance(owner, dict) and owner.get("host") == socket.gethostname() \
            and _gone(owner.get("pid")):
        return KILLED
    return status
