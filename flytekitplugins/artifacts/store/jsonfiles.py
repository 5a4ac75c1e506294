"""Reading the store's small JSON files (records, runs, index entries, manifests) so that one damaged file is
skipped with a one-line warning naming it, instead of breaking a whole listing."""

from __future__ import annotations

import json
import typing
import warnings

from ..errors import ArtifactNotFoundError

if typing.TYPE_CHECKING:
    from ..backends import Backend


class DamagedFileWarning(UserWarning):
    """A JSON file of the store (record, run, index entry, manifest) could not be read and was skipped."""


def read_json_or_warn(backend: Backend, key: str) -> typing.Optional[dict]:
    """The JSON object at ``key``; None (after a one-line :class:`DamagedFileWarning` naming it) when it is damaged.

    A missing key raises ArtifactNotFoundError as ``read_bytes`` does: that is not damage.
    """
    data = backend.read_bytes(key)
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:
        value, why = None, str(e).split("\n")[0]
    else:
        why = "not a JSON object"
    if not isinstance(value, dict):
        warnings.warn(
            DamagedFileWarning(
                f"skipped the damaged file {backend.uri(key)} ({why}): `flyte-artifacts verify` lists all damage"
            ),
            stacklevel=2,
        )
        return None
    return value


def read_optional_json(backend: Backend, key: str) -> typing.Optional[dict]:
    """The JSON object at ``key``, or None when there is none (or it is damaged: warned about as above). One read,
    where an existence check first would cost a second request on an object store."""
    try:
        return read_json_or_warn(backend, key)
    except ArtifactNotFoundError:
        return None
