"""Limits on how much of a file a summary may read, and how long it may take."""

import dataclasses
import time

from flytekitplugins.artifacts.errors import ArtifactTypeError, ArtifactValueError

MiB = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class Budget:
    """Bounds for summarising one file.

    ``max_bytes`` caps the bytes read from text-like files (csv, json lines, text) and the size of files read whole
    (images, feather v1); ``max_rows`` caps the rows of a table sample and ``max_cells`` its values (rows times
    columns, each element of a nested list counted), so a wide or nested table is sampled before it is decoded;
    ``max_seconds`` is checked while rows are read (where a reader goes row by row, as for xlsx) and between steps
    (reading, then each column's statistics), so later steps are skipped, and the summary says so, once it is spent.
    """

    max_bytes: int = 64 * MiB
    max_rows: int = 100_000
    max_seconds: float = 5.0
    max_cells: int = 2_000_000

    def __post_init__(self):
        for field in ("max_bytes", "max_rows", "max_cells"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ArtifactValueError(f"Budget.{field} must be a positive integer, got {value!r}")
        seconds = self.max_seconds
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
            raise ArtifactValueError(f"Budget.max_seconds must be a positive number, got {seconds!r}")

    @classmethod
    def of(cls, budget):
        """Return ``budget`` as a Budget: None gives the defaults, a dict gives those fields over the defaults."""
        if budget is None:
            return cls()
        if isinstance(budget, cls):
            return budget
        if isinstance(budget, dict):
            unknown = sorted(set(budget) - {f.name for f in dataclasses.fields(cls)})
            if unknown:
                raise ArtifactValueError(
                    f"unknown budget field(s) {', '.join(map(repr, unknown))}; "
                    "use max_bytes, max_rows, max_cells, max_seconds"
                )
            return cls(**budget)
        raise ArtifactTypeError(f"budget must be a Budget, a dict or None, got {type(budget).__name__}")

    def rows_for(self, columns):
        """How many rows of a table with ``columns`` columns the sample may hold (at least one)."""
        return max(1, min(self.max_rows, self.max_cells // max(1, columns)))

    def as_dict(self):
        """The limits as a JSON-safe dict."""
        return dataclasses.asdict(self)


class Clock:
    """Wall time spent against a budget's ``max_seconds``."""

    def __init__(self, max_seconds):
        self.max_seconds = max_seconds
        self.start = time.monotonic()

    def elapsed(self):
        """Seconds since the clock started."""
        return time.monotonic() - self.start

    def expired(self):
        """True once the time budget is spent."""
        return self.elapsed() >= self.max_seconds
