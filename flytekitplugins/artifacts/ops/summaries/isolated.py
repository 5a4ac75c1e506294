"""Summaries under a hard limit: the parsers run in a worker process with a cap on its address space and a
wall-clock deadline, so no file (a parquet whose one row group decodes to gigabytes, a csv whose header has millions
of columns, an xlsx of a hundred thousand rows) can take more memory or time than the budget allows. The budget's
own checks (bytes, rows, cells, seconds) stop ordinary files early; this is the limit that holds for any input.

One worker is forked per process the first time a file is summarised (a fork shares the modules already loaded, so
it starts in milliseconds) and reused for every later file (a recorder summarises many), speaking one JSON line each
way over its own pipes. A file that takes longer than the deadline gets its worker killed
(by its pid) and an ``error`` summary saying so; one that runs the worker out of memory gets an ``error`` summary too,
and a fresh worker serves the next file. Either way the run that records the file goes on.

Settings: ``FLYTE_ARTIFACTS_SUMMARY_MEMORY_MB`` (how much more address space than the recording process the worker
may take, default 1536),
``FLYTE_ARTIFACTS_SUMMARY_ISOLATION=0`` (parse in this process instead, without the hard limit).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import json
import os
import select
import signal
import threading
import time
import typing

from .budget import Budget
from .summarize import SUMMARY_VERSION, summarize

MEMORY_ENV = "FLYTE_ARTIFACTS_SUMMARY_MEMORY_MB"
ISOLATION_ENV = "FLYTE_ARTIFACTS_SUMMARY_ISOLATION"
DEFAULT_MEMORY_MB = 1536
#: Beyond the budget's ``max_seconds`` (which the parsers check themselves), the time a worker gets to stop on its
#: own before it is killed.
GRACE_SECONDS = 5.0
#: How long a new worker may take to start and say it is ready.
START_SECONDS = 30.0


def memory_limit_mb() -> int:
    """How many MiB more than the recording process a summary's worker may take (``$FLYTE_ARTIFACTS_SUMMARY_MEMORY_MB``,
    default 1536)."""
    value = os.environ.get(MEMORY_ENV, "").strip()
    if not value:
        return DEFAULT_MEMORY_MB
    try:
        mb = int(value)
    except ValueError:
        mb = 0
    if mb < 16:
        raise ValueError(f"{MEMORY_ENV}={value!r} is not a number of MiB >= 16: e.g. {MEMORY_ENV}=2048")
    return mb


def isolation_enabled() -> bool:
    """False when ``FLYTE_ARTIFACTS_SUMMARY_ISOLATION`` says to parse in this process, without the hard limit."""
    return os.environ.get(ISOLATION_ENV, "1").strip().lower() not in ("0", "false", "off", "no")


class _Worker:
    """A child process, forked from this one, summarising one file at a time (``worker.serve``)."""

    def __init__(self, memory_mb: int, preloaded: typing.FrozenSet[str]):
        from . import worker

        for module in sorted(preloaded):
            with contextlib.suppress(ImportError):
                importlib.import_module(module)  # here, once: the fork shares it, and the cap never pays for it
        self.memory_mb = memory_mb
        self.preloaded = preloaded
        jobs_r, jobs_w = os.pipe()
        answers_r, answers_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: serve, then leave without running the parent's exit handlers
            code = 0
            try:
                os.close(jobs_w)
                os.close(answers_r)
                worker.serve(jobs_r, answers_w, memory_mb << 20)
            except BaseException:  # noqa: BLE001 - whatever happens, the child must not return into the caller
                code = 1
            finally:
                os._exit(code)
        os.close(jobs_r)
        os.close(answers_w)
        self.pid = pid
        self._jobs = os.fdopen(jobs_w, "wb")
        self._answers = answers_r
        self._ended = False
        self.eof = False
        self._buf = b""
        ready = self._line(START_SECONDS)
        if ready is None or json.loads(ready).get("ready") is not True:
            self.stop()
            raise RuntimeError("the summary worker did not start")

    def alive(self) -> bool:
        if self._ended:
            return False
        try:
            done, _ = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            done = self.pid
        if done:
            self._ended = True
        return not self._ended

    def _line(self, timeout: float) -> typing.Optional[bytes]:
        """The next line the worker writes, or None when it is not there in ``timeout`` seconds or the worker ended."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            readable, _, _ = select.select([self._answers], [], [], left)
            if not readable:
                return None
            chunk = os.read(self._answers, 1 << 16)
            if not chunk:
                self.eof = True
                return None
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return line

    def ask(self, job: dict, timeout: float) -> typing.Tuple[typing.Optional[dict], str]:
        """(the summary, "") or (None, why there is none: "timeout" or "died")."""
        try:
            self._jobs.write(json.dumps(job).encode() + b"\n")
            self._jobs.flush()
        except (BrokenPipeError, OSError):
            return None, "died"
        line = self._line(timeout)
        if line is None:
            return None, "died" if self.eof or not self.alive() else "timeout"
        return json.loads(line), ""

    def stop(self) -> None:
        if self.alive():
            try:
                os.kill(self.pid, signal.SIGKILL)  # our own child, by its pid
            except ProcessLookupError:
                pass
        if not self._ended:
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self._ended = True
        for close in (self._jobs.close, lambda: os.close(self._answers)):
            try:
                close()
            except OSError:
                pass


_lock = threading.Lock()
_worker: typing.Optional[_Worker] = None


def _stop_worker() -> None:
    global _worker
    if _worker is not None:
        _worker.stop()
        _worker = None


atexit.register(_stop_worker)


#: The libraries each kind of file is parsed with, imported before the worker is forked (as the in-process path
#: imported them on its first file of that kind), so the child shares them and its cap is left to the parsing.
PRELOAD = {
    "table": ("numpy", "pandas", "pyarrow", "pyarrow.parquet", "pyarrow.ipc", "pyarrow.feather"),
    "image": ("PIL.Image",),
    "pdf": ("pypdf",),
}


def _take_worker(memory_mb: int, kind: str) -> _Worker:
    global _worker
    wanted = frozenset(PRELOAD.get(kind, ()))
    if _worker is not None and (not _worker.alive() or _worker.memory_mb != memory_mb
                                or not wanted <= _worker.preloaded):
        wanted |= _worker.preloaded
        _stop_worker()  # a fork is cheap: a new one that shares what this file's parser needs
    if _worker is None:
        _worker = _Worker(memory_mb, wanted)
    return _worker


def summarize_limited(path: str, file_type: typing.Optional[str] = None,
                      budget: typing.Optional[Budget] = None) -> dict:
    """:func:`summarize` in the worker, under its memory cap and a deadline of the budget's ``max_seconds`` plus
    ``GRACE_SECONDS``. Never raises for what a file holds: a file over the limit gets an ``error`` summary."""
    budget = Budget.of(budget)
    if not isolation_enabled():
        return summarize(path, file_type, budget=budget)
    memory_mb = memory_limit_mb()
    if not os.path.isfile(path):
        return summarize(path, file_type, budget=budget)  # raises the usual error, naming the path
    deadline = budget.max_seconds + GRACE_SECONDS
    job = {"path": os.path.abspath(path), "file_type": file_type, "budget": budget.as_dict()}
    from .filetypes import SNIFF_BYTES, kind_of, normalize_file_type

    with open(path, "rb") as f:
        kind = kind_of(normalize_file_type(file_type, path), f.read(SNIFF_BYTES))
    with _lock:
        worker = _take_worker(memory_mb, kind)
        answer, problem = worker.ask(job, deadline)
        if answer is not None and answer.get("restart"):
            _stop_worker()  # it ran out of memory once: a fresh one for the next file
        if problem:
            _stop_worker()
    memory_why = f"needed more than the {memory_mb} MiB a summary may use ({MEMORY_ENV}), so it was stopped"
    if answer is not None and answer.get("restart"):
        return _over_limit(path, file_type, budget, memory_why)
    if answer is not None:
        if "raise" in answer:
            return summarize(path, file_type, budget=budget)  # a bad argument: the same error, raised here
        return answer["summary"]
    why = (f"took longer than {deadline:g} s (the budget's {budget.max_seconds:g} s and {GRACE_SECONDS:g} s more), "
           "so it was stopped" if problem == "timeout" else memory_why)
    return _over_limit(path, file_type, budget, why)


def _over_limit(path: str, file_type: typing.Optional[str], budget: Budget, why: str) -> dict:
    from .filetypes import SNIFF_BYTES, kind_of, normalize_file_type

    ftype = normalize_file_type(file_type, path)
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    return {"version": SUMMARY_VERSION, "kind": kind_of(ftype, head), "file_type": ftype,
            "size": os.path.getsize(path), "sampled": False, "error": f"not summarised: reading the file {why}",
            "limits": {**budget.as_dict(), "max_memory_mb": memory_limit_mb()}}
