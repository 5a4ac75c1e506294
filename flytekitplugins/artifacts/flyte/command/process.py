"""Running a command: how its program is chosen, its inputs staged, its output passed through, and its stderr
kept for the error message."""

from __future__ import annotations

import collections
import datetime
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import typing

from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile

from ...errors import ArtifactTypeError, ArtifactValueError
from .spec import DIRECTORY, FILE, CommandFailedError, parse_output, value_text

INPUTS_DIR_ENV = "FLYTE_INPUTS_DIR"
OUTPUTS_DIR_ENV = "FLYTE_OUTPUTS_DIR"
INPUT_ENV_PREFIX = "INPUT_"
OUTPUT_ENV_PREFIX = "OUTPUT_"

STDERR_TAIL_LINES = 25
STDERR_TAIL_CHARS = 4000

# Domino runs these script types with their interpreter when the command is just the script.
INTERPRETERS: typing.Dict[str, typing.List[str]] = {
    ".py": ["python"],
    ".r": ["Rscript"],
    ".sh": ["bash"],
    ".sas": ["sas", "-sysin"],
}


def check_command(command: typing.Any, name: str) -> typing.Union[str, typing.List[str]]:
    """A command as given (a shell line or an argument list), checked; errors name the task."""
    if isinstance(command, str):
        if not command.strip():
            raise ArtifactValueError(
                f"command task {name!r} has an empty command {command!r}: pass e.g. command='python scripts/prep.py'"
            )
        try:
            shlex.split(command)
        except ValueError as e:
            raise ArtifactValueError(
                f"command task {name!r}: cannot read the command {command!r} ({e}): check its quotes"
            ) from None
        return command
    if isinstance(command, (list, tuple)):
        if not command or not str(command[0]).strip():
            raise ArtifactValueError(
                f"command task {name!r} has an empty command {command!r}: "
                "pass e.g. command=['python', 'scripts/prep.py']"
            )
        bad = [c for c in command if not isinstance(c, (str, os.PathLike))]
        if bad:
            raise ArtifactTypeError(
                f"command task {name!r}: every word of a command list must be a string, got {bad!r}"
            )
        return [os.fspath(c) for c in command]
    raise ArtifactTypeError(
        f"command task {name!r}: command must be a string (run by /bin/sh) or a list of strings (run directly), "
        f"got {command!r} of type {type(command).__name__}"
    )


def interpreter(first_word: str) -> typing.Optional[typing.List[str]]:
    """The interpreter Domino would run a script with, from its extension (None for anything else)."""
    ext = os.path.splitext(first_word)[1].lower()
    return list(INTERPRETERS[ext]) if ext in INTERPRETERS else None


def seconds(timeout: typing.Any) -> typing.Optional[float]:
    """A timeout in seconds (None: none), checked."""
    if timeout is None:
        return None
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 0:
        return float(timeout)
    raise ArtifactValueError(f"timeout must be a datetime.timedelta or a number of seconds > 0, got {timeout!r}")


def stage_input(kind: str, value: typing.Any, target: str) -> str:
    """Put one input where the command finds it; returns the text of its ``INPUT_<NAME>`` variable."""
    if kind == FILE:
        src = value.download() if isinstance(value, FlyteFile) else os.fspath(value)
        shutil.copyfile(src, target)
        return target
    if kind == DIRECTORY:
        src = value.download() if isinstance(value, FlyteDirectory) else os.fspath(value)
        shutil.copytree(src, target)
        return target
    text = value_text(kind, value)
    with open(target, "w", encoding="utf-8") as f:
        f.write(text)
    return text


def run_process(
    argv: typing.Union[str, typing.List[str]], cwd: str, env: typing.Dict[str, str], timeout: typing.Optional[float]
):
    """Run the command, passing its output through and keeping the end of its stderr.

    Returns (exit status, or None when it timed out; stderr tail)."""
    try:
        proc = subprocess.Popen(
            argv,
            shell=isinstance(argv, str),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, so a timeout stops the children too
        )
    except OSError as e:
        raise CommandFailedError(
            f"cannot start `{shown(argv)}` in {cwd}: {e.strerror or e}: check that the program is installed"
        ) from e
    tail: typing.Deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)

    def pump(stream, sink, keep):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", errors="replace")
            if keep:
                tail.append(line)
            try:
                sink.write(line)
                sink.flush()
            except (OSError, ValueError):
                pass
        stream.close()

    threads = [
        threading.Thread(target=pump, args=(proc.stdout, sys.stdout, False), daemon=True),
        threading.Thread(target=pump, args=(proc.stderr, sys.stderr, True), daemon=True),
    ]
    for t in threads:
        t.start()
    try:
        code: typing.Optional[int] = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.wait()
        code = None
    except BaseException:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        raise
    for t in threads:
        t.join()
    text = "".join(tail)
    return code, text[-STDERR_TAIL_CHARS:]


def tail_text(tail: str) -> str:
    """The end of a command's stderr, as the last part of an error message."""
    if not tail.strip():
        return ". It wrote nothing to stderr."
    lines = tail.rstrip("\n").splitlines()
    return ". The end of its stderr:\n" + "\n".join("  | " + ln for ln in lines)


def argv_of(command: typing.Union[str, typing.List[str]]) -> typing.Union[str, typing.List[str]]:
    """What is run: the command, with the script's interpreter in front when the first word is a script."""
    if isinstance(command, str):
        words = shlex.split(command)
        interp = interpreter(words[0])
        return " ".join(shlex.quote(w) for w in interp) + " " + command if interp else command
    interp = interpreter(command[0])
    return (interp or []) + list(command)


def shown(argv: typing.Union[str, typing.List[str]]) -> str:
    """A command as one line for messages."""
    return argv if isinstance(argv, str) else shlex.join(argv)


def collect_output(task_name: str, command: str, name: str, kind: str, path: str, tail: str) -> typing.Any:
    """The value of one declared output the command wrote at ``path``; a clear error when it did not."""
    exists = os.path.isdir(path) if kind == DIRECTORY else os.path.isfile(path)
    if not exists:
        what = "a folder" if kind == DIRECTORY else "a file"
        other = ""
        if os.path.exists(path):
            other = f" (something else is there: {'a folder' if os.path.isdir(path) else 'not a regular file'})"
        raise CommandFailedError(
            f"command task {task_name!r}: `{command}` exited 0 but did not write its output {name!r}: "
            f"expected {what} at {path}{other} ($FLYTE_OUTPUTS_DIR/{name}, also in $OUTPUT_{name.upper()})"
            f"{tail_text(tail)}\nWrite every declared output there, or remove it from the outputs."
        )
    if kind == FILE:
        return FlyteFile(path)
    if kind == DIRECTORY:
        return FlyteDirectory(path)
    with open(path, encoding="utf-8", errors="replace") as f:
        return parse_output(kind, f.read(), name, path)
