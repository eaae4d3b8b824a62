"""Cumulative statistics, as PostgreSQL's pgstat: the scan and row counters behind
pg_stat_*_tables, pg_stat_*_indexes and pg_stat_database.

A session counts into its own PendingStats (one writer: no lock) and adds them to the node's
CumulativeStats, under its lock, at the end of a transaction at most every FLUSH_INTERVAL_S, as
PostgreSQL flushes at most once a second; also when the session ends, reads a statistics view
or calls pg_stat_force_next_flush(). So other sessions see a busy session's counts within the
interval, an idle one's when it next ends a transaction or ends (PostgreSQL's idle backend
flushes within 10 s). What is counted, as PostgreSQL does:

- a sequential scan: seq_scan + 1, seq_tup_read + the visible rows it read (before its filter);
- an index scan: idx_scan + 1, idx_tup_read + the index entries it found (row versions, visible
  or not: a point read counts the visible ones), idx_tup_fetch + the visible rows among them; a
  table's idx_scan and idx_tup_fetch are its indexes' sums (so pg_stat_reset_single_table_counters
  of the table leaves them);
- n_tup_ins / n_tup_upd / n_tup_del: rows written by INSERT (and COPY), UPDATE, DELETE, counted
  for a transaction that rolled back too;
- per database: xact_commit / xact_rollback, and the sums of its tables' counts (tup_returned,
  tup_fetched, tup_inserted, tup_updated, tup_deleted).

The counts live in memory: they start from zero when the node starts (PostgreSQL keeps them
across a clean shutdown), and pg_stat_reset() / pg_stat_reset_single_table_counters() zero them.
"""

from __future__ import annotations

import threading
import time

# a table's counters, by position in its list
SEQ_SCAN, SEQ_TUP_READ, N_TUP_INS, N_TUP_UPD, N_TUP_DEL = range(5)
TABLE_COUNTERS = ("seq_scan", "seq_tup_read", "n_tup_ins", "n_tup_upd", "n_tup_del")
# an index's
IDX_SCAN, IDX_TUP_READ, IDX_TUP_FETCH = range(3)
INDEX_COUNTERS = ("idx_scan", "idx_tup_read", "idx_tup_fetch")
# a database's
DATABASE_COUNTERS = ("xact_commit", "xact_rollback", "tup_returned", "tup_fetched", "tup_inserted", "tup_updated",
                     "tup_deleted")


FLUSH_INTERVAL_S = 0.5


class PendingStats:
    """One session's counts not yet flushed (relation OID -> counters; transactions ended)."""

    __slots__ = ("commits", "database_oid", "flush_at", "indexes", "rollbacks", "tables")

    def __init__(self, database_oid: int) -> None:
        self.database_oid = database_oid
        self.tables: dict[int, list[int]] = {}
        self.indexes: dict[int, list[int]] = {}
        self.commits = self.rollbacks = 0
        self.flush_at = 0.0  # time.monotonic() from which a transaction's end flushes

    def _table(self, oid: int) -> list[int]:
        counts = self.tables.get(oid)
        if counts is None:
            counts = self.tables[oid] = [0] * len(TABLE_COUNTERS)
        return counts

    def seq_scan(self, table_oid: int) -> None:
        self._table(table_oid)[SEQ_SCAN] += 1

    def seq_tup_read(self, table_oid: int, rows: int) -> None:
        self._table(table_oid)[SEQ_TUP_READ] += rows

    def index_scan(self, index_oid: int, entries: int, fetched: int, scans: int = 1) -> None:
        """A scan of the index (`scans` 0: more of one already counted) found `entries`, `fetched` visible."""
        index = self.indexes.get(index_oid)
        if index is None:
            self.indexes[index_oid] = [scans, entries, fetched]
        else:
            index[0] += scans
            index[1] += entries
            index[2] += fetched

    def wrote(self, table_oid: int, counter: int, rows: int) -> None:
        """`rows` written: counter is N_TUP_INS, N_TUP_UPD or N_TUP_DEL."""
        self._table(table_oid)[counter] += rows


class CumulativeStats:
    """The node's counts, per relation and per database."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.tables: dict[int, list[int]] = {}
        self.indexes: dict[int, list[int]] = {}
        self.databases: dict[int, list[int]] = {}  # database OID -> DATABASE_COUNTERS
        self.reset_at: dict[int, float] = {}  # database OID -> time.time() of its last pg_stat_reset()

    def transaction_ended(self, pending: PendingStats, committed: bool) -> None:
        if committed:
            pending.commits += 1
        else:
            pending.rollbacks += 1
        now = time.monotonic()
        if now >= pending.flush_at:
            pending.flush_at = now + FLUSH_INTERVAL_S
            self.flush(pending)

    def flush(self, pending: PendingStats) -> None:
        """Add a session's pending counts to the node's."""
        tables, indexes = pending.tables, pending.indexes
        with self._lock:
            totals = self.databases.get(pending.database_oid)
            if totals is None:
                totals = self.databases[pending.database_oid] = [0] * len(DATABASE_COUNTERS)
            totals[0] += pending.commits
            totals[1] += pending.rollbacks
            for counts in tables.values():
                totals[2] += counts[SEQ_TUP_READ]
                totals[4] += counts[N_TUP_INS]
                totals[5] += counts[N_TUP_UPD]
                totals[6] += counts[N_TUP_DEL]
            for counts in indexes.values():
                totals[2] += counts[IDX_TUP_READ]
                totals[3] += counts[IDX_TUP_FETCH]
            _add(self.tables, tables)
            _add(self.indexes, indexes)
        pending.commits = pending.rollbacks = 0
        tables.clear()
        indexes.clear()

    def table(self, oid: int, index_oids: list[int]) -> dict[str, int | None]:
        """A table's counts, with idx_scan and idx_tup_fetch summed over its indexes (NULL without one)."""
        row: dict[str, int | None] = dict(zip(TABLE_COUNTERS, self.tables.get(oid) or [0] * len(TABLE_COUNTERS)))
        scans = fetched = None
        for index_oid in index_oids:
            counts = self.indexes.get(index_oid) or (0, 0, 0)
            scans = (scans or 0) + counts[IDX_SCAN]
            fetched = (fetched or 0) + counts[IDX_TUP_FETCH]
        row["idx_scan"], row["idx_tup_fetch"] = scans, fetched
        return row

    def index(self, oid: int) -> dict[str, int]:
        counts = self.indexes.get(oid) or [0] * len(INDEX_COUNTERS)
        return dict(zip(INDEX_COUNTERS, counts))

    def database(self, oid: int) -> dict[str, int]:
        counts = self.databases.get(oid) or [0] * len(DATABASE_COUNTERS)
        return dict(zip(DATABASE_COUNTERS, counts))

    def reset_database(self, database_oid: int, relations: list[int]) -> None:
        """pg_stat_reset(): the database's counters, its tables' and its indexes'."""
        with self._lock:
            self.databases.pop(database_oid, None)
            for oid in relations:
                self.tables.pop(oid, None)
                self.indexes.pop(oid, None)
            self.reset_at[database_oid] = time.time()

    def reset_relation(self, oid: int) -> None:
        """pg_stat_reset_single_table_counters(): a table's or an index's own counters."""
        with self._lock:
            self.tables.pop(oid, None)
            self.indexes.pop(oid, None)


def _add(into: dict[int, list[int]], counts: dict[int, list[int]]) -> None:
    for oid, values in counts.items():
        total = into.get(oid)
        if total is None:
            into[oid] = values
        else:
            for i, v in enumerate(values):
                total[i] += v
