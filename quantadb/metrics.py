"""Prometheus metrics of a node: the one module that imports prometheus_client.

Everything is pulled at scrape time by a custom collector, so the hot paths only bump plain
counters (wire/stats.py) and the WAL numbers come straight from `db.stats()`.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric

from quantadb.wire.stats import DURATION_BUCKETS_S, WireStats

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class NodeCollector:
    def __init__(self, stats: WireStats, db_stats: Callable[[], dict[str, Any]]) -> None:
        self.stats = stats
        self.db_stats = db_stats

    def collect(self) -> Iterator[Metric]:
        s = self.stats
        yield GaugeMetricFamily("quantadb_connections", "Open client sessions.", value=s.connections)
        statements = CounterMetricFamily("quantadb_statements", "Statements completed, by command.",
                                         labels=["command"])
        for command, n in sorted(s.statements.items()):
            statements.add_metric([command], n)
        yield statements
        errors = CounterMetricFamily("quantadb_errors", "Errors sent to clients, by SQLSTATE.",
                                     labels=["sqlstate"])
        for sqlstate, n in sorted(s.errors.items()):
            errors.add_metric([sqlstate], n)
        yield errors
        buckets, total = [], 0
        for bound, n in zip(list(DURATION_BUCKETS_S) + [float("inf")], s.duration_counts):
            total += n
            buckets.append(("+Inf" if bound == float("inf") else repr(bound), total))
        yield HistogramMetricFamily("quantadb_statement_duration_seconds",
                                    "Statement execution time, from start to CommandComplete.",
                                    buckets=buckets, sum_value=s.duration_sum_s)
        db = self.db_stats()
        yield CounterMetricFamily("quantadb_wal_bytes_written", "Bytes written to the WAL.",
                                  value=db.get("wal_bytes_written", 0))
        fsyncs = db.get("wal_fsync_count", 0)
        yield HistogramMetricFamily("quantadb_wal_fsync_duration_seconds", "Time spent in WAL fsync.",
                                    buckets=[("+Inf", fsyncs)], sum_value=db.get("wal_fsync_seconds", 0.0))
        yield GaugeMetricFamily("quantadb_data_dir_bytes", "Size of the data directory.",
                                value=db.get("data_dir_bytes", 0))


class Metrics:
    def __init__(self, stats: WireStats, db_stats: Callable[[], dict[str, Any]]) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(NodeCollector(stats, db_stats))

    def render(self) -> bytes:
        """The exposition text; blocking (it calls db.stats()), so run it off the event loop."""
        return generate_latest(self.registry)
