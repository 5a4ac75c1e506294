"""The summary worker's loop, run in a child forked by ``isolated.py``: it caps its own address space, then reads one
JSON job a line and answers one JSON line (``{"summary": ...}``, ``{"raise": message}`` for a bad argument,
``"restart": true`` after running out of memory). A fork starts in milliseconds and shares the modules the
recording process has loaded already; a parser printing to stdout never reaches the answers (they have their own
pipe)."""

from __future__ import annotations

import json
import os
import resource


def address_space() -> int:
    """The bytes of address space this process uses now (``VmSize``), 0 where that is not known."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _cap(extra_bytes: int) -> None:
    """Allow this process ``extra_bytes`` more address space than it has now."""
    limit = address_space() + extra_bytes
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _answer(job: dict) -> dict:
    from ...errors import ArtifactError
    from .summarize import summarize

    try:
        summary = summarize(job["path"], job.get("file_type"), budget=job.get("budget"))
    except MemoryError:
        return {"summary": {"error": "ran out of memory while reading the file"}, "restart": True}
    except (ArtifactError, TypeError, ValueError) as exc:
        return {"raise": str(exc)}
    out = {"summary": summary}
    if any(sign in str(summary.get("error", "")).lower() for sign in _OUT_OF_MEMORY):
        out["restart"] = True
    return out


#: How parsers say an allocation failed (Python, Arrow, C++, C).
_OUT_OF_MEMORY = ("out of memory", "memoryerror", "malloc", "bad_alloc", "cannot allocate")


def serve(jobs_fd: int, answers_fd: int, extra_bytes: int) -> None:
    """Answer jobs until the jobs pipe closes (the caller then ends the process with ``os._exit``)."""
    _cap(extra_bytes)
    answers = os.fdopen(answers_fd, "w", encoding="utf-8")
    answers.write('{"ready": true}\n')
    answers.flush()
    with os.fdopen(jobs_fd, "r", encoding="utf-8") as jobs:
        for line in jobs:
            try:
                reply = json.dumps(_answer(json.loads(line)))  # NaN passes as in-process (put_summary refuses it)
            except MemoryError:
                reply = json.dumps({"summary": {"error": "ran out of memory while reading the file"},
                                    "restart": True})
            answers.write(reply + "\n")
            answers.flush()
