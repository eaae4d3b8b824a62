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
        self.statements: dict[str, int] = {}  # by command (first word of the tag)
        self.errors: dict[str, int] = {}  # by SQLSTATE
        self.duration_counts = [0] * (len(DURATION_BUCKETS_S) + 1)  # last = +Inf
        self.duration_sum_s = 0.0

    def statement(self, tag: str | None, seconds: float) -> None:
        command = _COMMANDS.get(tag)
        if command is None:
            command = tag.partition(" ")[0] if tag else "FETCH"
            if len(_COMMANDS) < MAX_TAGS:
                _COMMANDS[tag] = command
        # plain dicts: a Counter's += costs twice as much
        self.statements[command] = self.statements.get(command, 0) + 1
        # most statements fall in the first bucket: a comparison instead of a bisect
        bucket = 0 if seconds <= _FIRST_BOUND_S else bisect_left(DURATION_BUCKETS_S, seconds)
        self.duration_counts[bucket] += 1
        self.duration_sum_s += seconds

    def error(self, sqlstate: str) -> None:
        self.errors[sqlstate] = self.errors.get(sqlstate, 0) + 1


MAX_TAGS = 4096
_COMMANDS: dict[str | None, str] = {}  # command by tag: a few tags ("SELECT 1", "UPDATE 1") recur
