"""How a command task runs, besides its command, inputs and outputs: where, with which variables, how long, how
often, cached or not, in which image and with which resources.

``CommandTask``, ``run_command_task`` and Domino's ``run_domino_job_task`` take these as keywords; each call
gathers them once into a :class:`TaskOptions` (:meth:`TaskOptions.from_keywords`), which the task then applies.
"""

from __future__ import annotations

import datetime
import os
import typing
from dataclasses import dataclass, fields

from flytekit import TaskMetadata

from ...errors import ArtifactTypeError
from .process import seconds


@dataclass(frozen=True)
class TaskOptions:
    """The options of a command task, as its keywords name them.

    ``cwd`` is the folder the command runs in (relative: to the folder of the file declaring the task);
    ``environment`` the variables set for the command; ``timeout`` (seconds or a ``timedelta``) stops it;
    ``retries``, ``cache``, ``cache_version`` and ``cache_ignore_input_vars`` are Flyte's task metadata;
    ``container_image``, ``requests`` and ``limits`` the pod's image and resources.
    """

    cwd: typing.Union[str, "os.PathLike[str]", None] = None
    environment: typing.Optional[typing.Dict[str, str]] = None
    timeout: typing.Union[datetime.timedelta, int, None] = None
    retries: int = 0
    cache: bool = False
    cache_version: str = ""
    cache_ignore_input_vars: typing.Sequence[str] = ()
    container_image: typing.Any = None
    requests: typing.Any = None
    limits: typing.Any = None

    @classmethod
    def from_keywords(cls, keywords: typing.Mapping[str, typing.Any]) -> typing.Tuple["TaskOptions", dict]:
        """The options among ``keywords`` (the others default), and the keywords that are not options."""
        options = cls(**{k: v for k, v in keywords.items() if k in OPTION_NAMES})
        return options, {k: v for k, v in keywords.items() if k not in OPTION_NAMES}

    # ---- checked as the task applies them --------------------------------------------------------------------------
    def timeout_seconds(self) -> typing.Optional[float]:
        """The timeout in seconds (None: none), checked."""
        return seconds(self.timeout)

    def checked_cwd(self) -> typing.Optional[str]:
        """``cwd`` as a string (None: not given), checked."""
        if self.cwd is None:
            return None
        if not isinstance(self.cwd, (str, os.PathLike)):
            raise ArtifactTypeError(f"cwd must be a path, got {self.cwd!r}")
        return os.fspath(self.cwd)

    # ---- handed to flytekit -------------------------------------------------------------------------------------
    def metadata(self) -> TaskMetadata:
        """Flyte's task metadata of these options: retries, timeout and caching."""
        return TaskMetadata(
            retries=self.retries,
            timeout=self.timeout,
            cache=self.cache,
            cache_version=self.cache_version,
            cache_ignore_input_vars=tuple(self.cache_ignore_input_vars),
        )

    def task_keywords(self) -> typing.Dict[str, typing.Any]:
        """The keywords of flytekit's task these options set: the command's variables, the pod's image and
        resources."""
        return {
            "environment": self.environment,
            "container_image": self.container_image,
            "requests": self.requests,
            "limits": self.limits,
        }


#: The keywords that are options (the fields of :class:`TaskOptions`).
OPTION_NAMES = frozenset(f.name for f in fields(TaskOptions))
