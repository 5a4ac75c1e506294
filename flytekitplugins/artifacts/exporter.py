"""The export task's registered path; it lives in ``flyte/nodes/export.py`` (workflows registered before it moved
name this module in their loader arguments)."""

from .flyte.nodes.export import export_artifacts  # noqa: F401
