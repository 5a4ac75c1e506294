"""Domino's fixed paths for job tasks: ``/workflow/inputs/<name>`` and ``/workflow/outputs/<name>``.

A Domino job reads its inputs from ``/workflow/inputs`` and writes its outputs to ``/workflow/outputs``. A command
task keeps them in a private folder per run (``$FLYTE_INPUTS_DIR``, ``$FLYTE_OUTPUTS_DIR``). For the tasks of this
package (:class:`DominoJobTask`, ``run_domino_job_task``), while the command runs, ``<base>/inputs`` and
``<base>/outputs`` are symbolic links to those two folders, so a script written for Domino reads and writes the same
files under either name. ``<base>`` is ``/workflow`` unless ``FLYTE_DOMINO_WORKFLOW_DIR`` names another absolute
folder.

When: ``FLYTE_DOMINO_PATHS`` is ``auto`` (the default: on in a Flyte task pod, where ``FLYTE_INTERNAL_EXECUTION_ID``
is set and a container runs one task; off in local runs), ``on`` or ``off``.

Safety: the links are created atomically and only when absent, so two tasks never share one folder; a second task
that finds the links of a running one fails with an error saying how to give it its own folder. A link left by a
process that was killed is replaced when its target is gone. An empty real folder in its place (as an image may
ship) is replaced; anything else there is an error, never touched.
"""

from __future__ import annotations

import contextlib
import os
import typing
import warnings

from ..errors import ArtifactValueError

MODE_ENV = "FLYTE_DOMINO_PATHS"
BASE_ENV = "FLYTE_DOMINO_WORKFLOW_DIR"
POD_ENV = "FLYTE_INTERNAL_EXECUTION_ID"
DEFAULT_BASE = "/workflow"

_ON = ("1", "on", "true", "yes")
_OFF = ("0", "off", "false", "no")
_AUTO = ("", "auto")


class DominoPathsError(ArtifactValueError):
    """Domino's ``/workflow`` paths are switched on but cannot be set up (bad setting, no permission, in use)."""


def mode() -> str:
    """``"on"``, ``"off"`` or ``"auto"``, from ``FLYTE_DOMINO_PATHS``."""
    raw = os.environ.get(MODE_ENV, "")
    value = raw.strip().lower()
    if value in _ON:
        return "on"
    if value in _OFF:
        return "off"
    if value in _AUTO:
        return "auto"
    raise DominoPathsError(
        f"{MODE_ENV}={raw!r} is not a setting this plugin knows: use 'on', 'off' or 'auto' (the default: on in a "
        "Flyte task pod, off in local runs)"
    )


def enabled() -> bool:
    """Whether the tasks of this package get ``<base>/inputs`` and ``<base>/outputs`` in this process."""
    m = mode()
    return m == "on" or (m == "auto" and bool(os.environ.get(POD_ENV)))


def base_dir() -> str:
    """The folder holding ``inputs`` and ``outputs``: ``FLYTE_DOMINO_WORKFLOW_DIR``, else ``/workflow``."""
    raw = os.environ.get(BASE_ENV) or DEFAULT_BASE
    if not os.path.isabs(raw):
        raise DominoPathsError(
            f"{BASE_ENV}={raw!r} is not an absolute path: set it to an absolute folder such as /tmp/workflow, or "
            f"unset it to use {DEFAULT_BASE}"
        )
    return os.path.normpath(raw)


def _busy(link: str, target: str) -> DominoPathsError:
    return DominoPathsError(
        f"{link} is in use by another task (a link to {target}): two tasks cannot share one Domino folder. Run such "
        f"tasks one at a time, give each process its own folder with {BASE_ENV}=<absolute folder>, or switch the "
        f"paths off with {MODE_ENV}=off and read $FLYTE_INPUTS_DIR and $FLYTE_OUTPUTS_DIR instead. If no task is "
        f"running, the link was left by a killed process: remove it (rm {link})"
    )


def _link(link: str, target: str) -> None:
    """Create ``link`` -> ``target``; replace only what is safe to replace (a dangling link, an empty folder)."""
    for _ in range(2):
        try:
            os.symlink(target, link, target_is_directory=True)
            return
        except FileExistsError:
            pass
        if os.path.islink(link):
            current = os.readlink(link)
            if os.path.exists(link):
                raise _busy(link, current)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(link)  # its task is gone (its folder was removed): the link is stale
        elif os.path.isdir(link) and not os.listdir(link):
            with contextlib.suppress(OSError):
                os.rmdir(link)
        else:
            what = "a folder that is not empty" if os.path.isdir(link) else "a file"
            raise DominoPathsError(
                f"{link} is {what}, where a Domino job task needs to put its own folder: remove it, or point "
                f"{BASE_ENV} at another absolute folder"
            )
    raise _busy(link, os.readlink(link) if os.path.islink(link) else "?")


def _unlink(link: str, target: str) -> None:
    with contextlib.suppress(OSError):
        if os.path.islink(link) and os.readlink(link) == target:
            os.unlink(link)


@contextlib.contextmanager
def workflow_paths(task: typing.Any, inputs_dir: str, outputs_dir: str) -> typing.Iterator[typing.Optional[str]]:
    """While the block runs, ``<base>/inputs`` and ``<base>/outputs`` lead to ``inputs_dir`` and ``outputs_dir``.

    Only for tasks whose ``uses_domino_paths`` is true and only where :func:`enabled`; yields the base folder, or
    ``None`` when nothing was set up. Switched on explicitly (``on``), a failure to set up is an error; in ``auto``
    mode (a pod) it is a warning, and the command still finds everything under ``$FLYTE_INPUTS_DIR`` and
    ``$FLYTE_OUTPUTS_DIR``.
    """
    if not getattr(task, "uses_domino_paths", False) or not enabled():
        yield None
        return
    base = base_dir()
    made: typing.List[typing.Tuple[str, str]] = []
    try:
        try:
            os.makedirs(base, exist_ok=True)
        except OSError as e:
            raise DominoPathsError(
                f"cannot create {base} for Domino's inputs and outputs ({e.strerror or e}): create it where the task "
                f"runs, writable by the task's user (in the image: RUN mkdir -p {base} && chmod 1777 {base}), or set "
                f"{BASE_ENV} to a writable absolute folder"
            ) from None
        for name, target in (("inputs", inputs_dir), ("outputs", outputs_dir)):
            link = os.path.join(base, name)
            try:
                _link(link, target)
            except PermissionError as e:
                raise DominoPathsError(
                    f"cannot create {link} ({e.strerror or e}): make {base} writable by the task's user (in the "
                    f"image: RUN mkdir -p {base} && chmod 1777 {base}), or set {BASE_ENV} to a writable absolute folder"
                ) from None
            made.append((link, target))
    except DominoPathsError as e:
        for link, target in made:
            _unlink(link, target)
        if mode() == "on":
            raise
        warnings.warn(f"Domino paths are not available to task {getattr(task, 'name', task)!r}: {e}", RuntimeWarning)
        yield None
        return
    try:
        yield base
    finally:
        for link, target in made:
            _unlink(link, target)
