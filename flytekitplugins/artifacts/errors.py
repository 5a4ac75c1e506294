"""Errors a user can cause. Each message names the offending value and how to fix it."""


class ArtifactError(Exception):
    """Base class of every error this plugin raises on purpose."""


class ArtifactValueError(ArtifactError, ValueError):
    """A value is outside what the plugin accepts (bad name, unknown dataset, bad store root...)."""


class ArtifactTypeError(ArtifactError, TypeError):
    """A value has the wrong Python type, or an artifact type is used where Flyte cannot carry it."""


class DuplicateArtifactFileError(ArtifactValueError):
    """One (artifact, filename) pair is produced by more than one node output of a workflow."""


class StoredBytesMismatchError(ArtifactError):
    """A stored copy is no longer what its record says (another size, a link in its place, other bytes)."""


class ArtifactNotFoundError(ArtifactValueError):
    """A lookup (execution, artifact file, dataset, snapshot) matched nothing."""
