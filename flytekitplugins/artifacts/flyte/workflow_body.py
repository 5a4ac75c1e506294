"""The workflow body being run right now: what its calls produced and what it asked for.

flytekit runs a workflow's function in two modes (compiling it, and executing it locally); the plugin notes, per
run of the body, the entity calls (so local values can be matched to compiled nodes) and the export requests.
"""

from __future__ import annotations

import contextvars
import typing
from dataclasses import dataclass, field

if typing.TYPE_CHECKING:
    from .plan import Plan


@dataclass
class Frame:
    """What one run of a workflow function saw: entity calls (local mode) and export requests."""

    workflow: typing.Any
    plan: typing.Optional["Plan"] = None
    calls: typing.List[typing.Tuple[str, typing.Any]] = field(default_factory=list)
    exports: typing.List[typing.Any] = field(default_factory=list)
    #: Names handed out to command tasks created in this body (``name`` -> how many so far).
    task_names: typing.Dict[str, int] = field(default_factory=dict)
    #: The body's inputs (promises when compiling, values when running locally) and its query nodes so far.
    inputs: typing.Dict[str, typing.Any] = field(default_factory=dict)
    queries: int = 0
    #: Value nodes added so far (``dataframes.typed_inputs``).
    values: int = 0


# The innermost workflow body being run; None inside a task (so a dynamic task's calls stay its own).
_FRAME: contextvars.ContextVar[typing.Optional[Frame]] = contextvars.ContextVar(
    "flytekitplugins_artifacts_frame", default=None
)


def current_frame() -> typing.Optional[Frame]:
    """The frame of the workflow body being run, or None outside any."""
    return _FRAME.get()


def enter(frame: typing.Optional[Frame]) -> contextvars.Token:
    """Make ``frame`` the current one (None: none) until :func:`leave` is called with the token."""
    return _FRAME.set(frame)


def leave(token: contextvars.Token) -> None:
    """Restore the frame that was current before :func:`enter`."""
    _FRAME.reset(token)
