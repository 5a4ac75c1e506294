"""Command tasks' old import path: their resolver (named in the loader arguments of command tasks registered
before the code moved to ``flyte/command/``) and public names."""

from .flyte.command import *  # noqa: F401,F403
from .flyte.command import __all__  # noqa: F401
