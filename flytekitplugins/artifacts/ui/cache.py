"""What the app may keep between requests: facts of the store that never change once written.

Records are write-once and a succeeded run gets no new files, so a succeeded run's file listing, its records and
the previews rendered from their stored summaries can be kept (keyed by execution id, artifact and filename, and
the sha256 for previews). Index entries are write-once under names that never repeat. The list of runs changes;
it is kept only while the store can vouch that it did not (:func:`run_index.listing_stamp`). Every page still
asks the store whether the run exists and how it ended, so a run removed from the store is gone from the page.
"""

from __future__ import annotations

import collections
import threading
import typing

K = typing.TypeVar("K")
V = typing.TypeVar("V")


class LRU(typing.Generic[K, V]):
    """A thread-safe least-recently-used map holding at most ``max_weight`` (by default: entries)."""

    def __init__(self, max_weight: int, weight: typing.Callable[[V], int] = lambda v: 1):
        self.max_weight = max_weight
        self.weight = weight
        self._data: "collections.OrderedDict[K, typing.Tuple[V, int]]" = collections.OrderedDict()
        self._total = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> typing.Optional[V]:
        """The value kept for ``key``, or None."""
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            self._data.move_to_end(key)
            return item[0]

    def put(self, key: K, value: V) -> V:
        """Keep ``value`` for ``key`` (unless it alone weighs more than the cache may hold); returns it."""
        w = self.weight(value)
        if w > self.max_weight:
            return value
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._total -= old[1]
            self._data[key] = (value, w)
            self._total += w
            while self._total > self.max_weight:
                _, (_, dropped) = self._data.popitem(last=False)
                self._total -= dropped
        return value

    def __len__(self) -> int:
        return len(self._data)
