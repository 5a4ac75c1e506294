"""The query task's registered path; it lives in ``flyte/nodes/resolve.py`` (workflows registered before it moved
name this module in their loader arguments)."""

from .flyte.nodes.resolve import resolve_artifact  # noqa: F401
