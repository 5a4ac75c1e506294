"""What a lifecycle command did (or, with ``--dry-run``, would do): each removal, what was kept and why, and the
bytes freed."""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass, field

from ...errors import ArtifactValueError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")


def parse_duration(text: typing.Any) -> float:
    """A duration such as ``30d``, ``12h``, ``90m``, ``2w`` or ``45s`` in seconds."""
    m = _DURATION.match(text) if isinstance(text, str) else None
    if m is None:
        raise ArtifactValueError(
            f"{text!r} is not a duration: write a number and a unit, e.g. 30d (days), 12h, 90m, 2w or 45s"
        )
    return float(m.group(1)) * _UNITS[m.group(2)]


@dataclass(frozen=True)
class Removal:
    """One thing removed: its kind (run, record, snapshot, blob, intent, temp, dataset-file), where, and bytes
    freed."""

    kind: str
    where: str
    bytes: int = 0

    def as_dict(self) -> dict:
        return {"kind": self.kind, "where": self.where, "bytes": self.bytes}


@dataclass
class Outcome:
    """The result of a prune or gc: removals, things kept with the reason, and whether anything was deleted."""

    dry_run: bool
    removed: typing.List[Removal] = field(default_factory=list)
    kept: typing.List[typing.Tuple[str, str]] = field(default_factory=list)
    #: prune: bytes of the removed records' files (``gc`` frees those no other record needs)
    released: int = 0

    @property
    def bytes_freed(self) -> int:
        return sum(r.bytes for r in self.removed)

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "removed": [r.as_dict() for r in self.removed],
            "kept": [{"where": w, "why": why} for w, why in self.kept],
            "bytes_freed": self.bytes_freed,
            "released": self.released,
        }
