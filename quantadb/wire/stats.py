"""Counters the wire layer keeps for /metrics: plain numbers, cheap on the hot path.

quantadb/metrics.py reads them at scrape time; nothing here imports prometheus_client.
"""

from __future__ import annotations

from bisect import bisect_left

DURATION_BUCKETS_S = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                      2.5, 5.0, 10.0, 30.0)
_FIRST_BOUND_S = DURATION_BUCKETS_S[0]


class WireStats:
    def __init__(self) -> None:
        self.connections = 0
        # by tag, grouped by command only when read: a few tags ("SELECT 1", "UPDATE 1") recur
        self._by_tag: dict[str | None, int] = {}
        self._by_command: dict[str, int] = {}  # statements of the tags past MAX_TAGS
        self.errors: dict[str, int] = {}  # by SQLSTATE
        self.duration_counts = [0] * (len(DURATION_BUCKETS_S) + 1)  # last = +Inf
        self.duration_sum_s = 0.0

    def statement(self, tag: str | None, seconds: float) -> None:
        # plain dicts: a Counter's += costs twice as much
        n = self._by_tag.get(tag)
        if n is not None:
            self._by_tag[tag] = n + 1
        elif len(self._by_tag) < MAX_TAGS:
            self._by_tag[tag] = 1
        else:  # row counts vary: a new tag past the limit is counted by its command
            command = _command(tag)
            self._by_command[command] = self._by_command.get(command, 0) + 1
        # most statements fall in the first bucket: a comparison instead of a bisect
        bucket = 0 if seconds <= _FIRST_BOUND_S else bisect_left(DURATION_BUCKETS_S, seconds)
        self.duration_counts[bucket] += 1
        self.duration_sum_s += seconds

    @property
    def statements(self) -> dict[str, int]:
        """Statements by command. Read by /metrics on another thread: each count only grows,
        and the dicts are copied whole (one C call) before they are walked."""
        out = self._by_command.copy()
        for tag, n in self._by_tag.copy().items():
            command = _command(tag)
            out[command] = out.get(command, 0) + n
        return out

    def error(self, sqlstate: str) -> None:
        self.errors[sqlstate] = self.errors.get(sqlstate, 0) + 1


def _command(tag: str | None) -> str:
    """The command of a CommandComplete tag: its first word (FETCH for a PortalSuspended)."""
    return tag.partition(" ")[0] if tag else "FETCH"


MAX_TAGS = 4096
