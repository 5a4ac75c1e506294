"""The recorder task's registered path; it lives in ``flyte/nodes/record.py`` (workflows registered before it moved
name this module in their loader arguments)."""

from .flyte.nodes.record import record_artifacts  # noqa: F401
