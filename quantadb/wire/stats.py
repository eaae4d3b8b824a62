"""Counters the wire layer keeps for /metrics: plain numbers, cheap on the hot path.

quantadb/metrics.py reads them at scrape time; nothing here imports prometheus_client.
"""

from __future__ import annotations

import bisect
from collections import Counter

DURATION_BUCKETS_S = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                      2.5, 5.0, 10.0, 30.0)


class WireStats:
    def __init__(self) -> None:
        self.connections = 0
        self.statements: Counter[str] = Counter()  # by command (first word of the tag)
        self.errors: Counter[str] = Counter()  # by SQLSTATE
        self.duration_counts = [0] * (len(DURATION_BUCKETS_S) + 1)  # last = +Inf
        self.duration_sum_s = 0.0

    def statement(self, tag: str | None, seconds: float) -> None:
        command = tag.partition(" ")[0] if tag else "FETCH"
        self.statements[command] += 1
        self.duration_counts[bisect.bisect_left(DURATION_BUCKETS_S, seconds)] += 1
        self.duration_sum_s += seconds

    def error(self, sqlstate: str) -> None:
        self.errors[sqlstate] += 1
