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
- rows written go to the transaction's own counts (PendingXact), one level per savepoint, and are
  counted when their (sub)transaction ends, as PostgreSQL's AtEOXact_PgStat: n_tup_ins / upd / del
  and n_ins_since_vacuum committed or not; committed, n_live_tup + inserted - deleted, n_dead_tup +
  updated + deleted, n_mod_since_analyze + all three; rolled back, n_dead_tup + inserted + updated.
  A committed TRUNCATE zeroes n_live_tup, n_dead_tup and n_ins_since_vacuum first and forgets what
  its transaction wrote before it (rolled back, what came after it);
- VACUUM sets n_live_tup and n_dead_tup to what it found (and n_ins_since_vacuum to 0), ANALYZE
  sets them too and zeroes n_mod_since_analyze; both count themselves and their time, apart when
  autovacuum ran them (it chooses tables by n_dead_tup and n_mod_since_analyze, maintenance.py);
- per database: xact_commit / xact_rollback, and the sums of its tables' counts (tup_returned,
  tup_fetched, tup_inserted, tup_updated, tup_deleted).

pg_stat_reset() / pg_stat_reset_single_table_counters() zero them. A clean shutdown keeps them in
the data directory (pgstat_file.py); a crash loses them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# a table's counters, by position in its list
N_TUP_INS, N_TUP_UPD, N_TUP_DEL, SEQ_SCAN, SEQ_TUP_READ, N_LIVE_TUP, N_DEAD_TUP, N_MOD_SINCE_ANALYZE, \
    N_INS_SINCE_VACUUM = range(9)
VACUUM_COUNT, AUTOVACUUM_COUNT, ANALYZE_COUNT, AUTOANALYZE_COUNT, LAST_VACUUM, LAST_AUTOVACUUM, LAST_ANALYZE, \
    LAST_AUTOANALYZE = range(9, 17)
TABLE_COUNTERS = ("n_tup_ins", "n_tup_upd", "n_tup_del", "seq_scan", "seq_tup_read", "n_live_tup", "n_dead_tup",
                  "n_mod_since_analyze", "n_ins_since_vacuum", "vacuum_count", "autovacuum_count", "analyze_count",
                  "autoanalyze_count", "last_vacuum", "last_autovacuum", "last_analyze", "last_autoanalyze")
TABLE_TIMES = frozenset(TABLE_COUNTERS[LAST_VACUUM:])  # time.time() seconds, 0: never
# an index's
IDX_SCAN, IDX_TUP_READ, IDX_TUP_FETCH = range(3)
INDEX_COUNTERS = ("idx_scan", "idx_tup_read", "idx_tup_fetch")
# a database's
DATABASE_COUNTERS = ("xact_commit", "xact_rollback", "tup_returned", "tup_fetched", "tup_inserted", "tup_updated",
                     "tup_deleted")


FLUSH_INTERVAL_S = 0.5

# a session's counts of a table, by position: the rows its committed transactions inserted, updated
# and deleted (N_TUP_INS, N_TUP_UPD, N_TUP_DEL), its scans (SEQ_SCAN, SEQ_TUP_READ), then the rows of
# its rolled-back ones; the flush derives n_live_tup and the others from them (a commit only adds)
ROLLED_BACK_INS = 5
PENDING_COUNTERS = 8


class PendingXact:
    """The rows one (sub)transaction level wrote, per table ([inserted, updated, deleted]), and the
    tables it truncated with what it had written before (restored if it rolls back)."""

    __slots__ = ("truncated", "writes")

    def __init__(self) -> None:
        self.writes: dict[int, list[int]] = {}
        self.truncated: dict[int, list[int]] = {}

    def __bool__(self) -> bool:
        return bool(self.writes or self.truncated)


class PendingStats:
    """One session's counts not yet flushed (relation OID -> counters; transactions ended), and
    its running transaction's writes (`levels`: the transaction's, then one per savepoint)."""

    __slots__ = ("commits", "database_oid", "flush_at", "indexes", "levels", "rollbacks", "tables", "xact")

    def __init__(self, database_oid: int) -> None:
        self.database_oid = database_oid
        self.tables: dict[int, list[int]] = {}
        self.indexes: dict[int, list[int]] = {}
        self.commits = self.rollbacks = 0
        self.flush_at = 0.0  # time.monotonic() from which a transaction's end flushes
        self.levels: list[PendingXact] = [PendingXact()]
        self.xact = self.levels[0].writes  # the innermost level's: what wrote() counts into

    def _table(self, oid: int) -> list[int]:
        counts = self.tables.get(oid)
        if counts is None:
            counts = self.tables[oid] = [0] * PENDING_COUNTERS
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
        """`rows` written by the running transaction: counter is N_TUP_INS, N_TUP_UPD or N_TUP_DEL."""
        counts = self.xact.get(table_oid)
        if counts is None:
            counts = self.xact[table_oid] = [0, 0, 0]
        counts[counter] += rows

    def truncate(self, table_oid: int) -> None:
        """TRUNCATE in the running transaction (PostgreSQL's pgstat_count_truncate)."""
        level = self.levels[-1]
        counts = self.xact.pop(table_oid, [0, 0, 0])
        level.truncated.setdefault(table_oid, counts)

    def xact_tables(self) -> set[int]:
        """The tables the running transaction wrote (savepoints rolled back aside)."""
        return {oid for level in self.levels for oid in (*level.writes, *level.truncated)}

    # -- savepoints: a level per subtransaction ----------------------------------------------------
    def subxact_begin(self) -> None:
        self.levels.append(PendingXact())
        self.xact = self.levels[-1].writes

    def subxact_end(self, depth: int, committed: bool) -> None:
        """The levels from `depth` (1: the first savepoint's) end: committed, they become the level
        below's (RELEASE); rolled back, they are counted so (ROLLBACK TO)."""
        while len(self.levels) > depth:
            level = self.levels.pop()
            if committed:
                _merge_into(self.levels[-1], level)
            elif level:
                self.count(level, committed=False)
        self.xact = self.levels[-1].writes

    def subxact_discard(self) -> None:
        """The innermost level is undone as if never run (a statement's attempt, run again after a wait)."""
        self.levels.pop()
        self.xact = self.levels[-1].writes

    def xact_end(self, committed: bool) -> PendingXact | None:
        """The transaction ended: its writes are counted, except a committed one's that truncated
        tables, returned (CumulativeStats.transaction_ended counts them after zeroing the tables)."""
        if len(self.levels) > 1:
            self.subxact_end(1, committed=True)  # a subtransaction still open ends with its transaction
        level = self.levels[0]
        if level.truncated:
            self.levels[0] = PendingXact()
            self.xact = self.levels[0].writes
            if committed:
                return level
            self.count(level, committed=False)
        elif level.writes:  # (most transactions of a read-only session: none)
            _count(self.tables, level.writes, 0 if committed else ROLLED_BACK_INS)
            level.writes.clear()  # self.xact stays this dict
        return None

    def count(self, level: PendingXact, committed: bool) -> None:
        """Count what a (sub)transaction level wrote, as PostgreSQL's AtEOXact_PgStat: a rolled-back
        TRUNCATE's level counts what it had written before it, a committed one what came after."""
        if not committed:
            for oid, before in level.truncated.items():
                level.writes[oid] = before
        _count(self.tables, level.writes, 0 if committed else ROLLED_BACK_INS)


def _count(tables: dict[int, list[int]], writes: dict[int, list[int]], at: int) -> None:
    """Add a level's [inserted, updated, deleted] per table to the session's counts from `at`."""
    for oid, (ins, upd, dels) in writes.items():
        counts = tables.get(oid)
        if counts is None:
            counts = tables[oid] = [0] * PENDING_COUNTERS
        counts[at] += ins
        counts[at + 1] += upd
        counts[at + 2] += dels


def _merge_into(parent: PendingXact, child: PendingXact) -> None:
    """A subtransaction's counts become its parent's (PostgreSQL's AtEOSubXact_PgStat on commit)."""
    for oid in child.truncated:  # the parent forgets what it wrote too, and keeps it for a rollback
        before = parent.writes.pop(oid, [0, 0, 0])
        parent.truncated.setdefault(oid, before)
    _add(parent.writes, child.writes)


def _add(into: dict[int, list[int]], counts: dict[int, list[int]]) -> None:
    for oid, values in counts.items():
        total = into.get(oid)
        if total is None:
            into[oid] = values
        else:
            for i, v in enumerate(values):
                total[i] += v


class CumulativeStats:
    """The node's counts, per relation and per database."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.tables: dict[int, list] = {}  # TABLE_COUNTERS
        self.indexes: dict[int, list[int]] = {}
        self.databases: dict[int, list[int]] = {}  # database OID -> DATABASE_COUNTERS
        self.reset_at: dict[int, float] = {}  # database OID -> time.time() of its last pg_stat_reset()

    def transaction_ended(self, pending: PendingStats, committed: bool) -> None:
        if committed:
            pending.commits += 1
        else:
            pending.rollbacks += 1
        truncating = pending.xact_end(committed)
        if truncating is not None:  # what was counted before goes, what it wrote after counts
            self.flush(pending)
            with self._lock:
                for oid in truncating.truncated:
                    total = self._table(oid)
                    total[N_LIVE_TUP] = total[N_DEAD_TUP] = total[N_INS_SINCE_VACUUM] = 0
            pending.count(truncating, committed=True)
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
            for oid, (ins, upd, dels, scans, read, ins_rb, upd_rb, dels_rb) in tables.items():
                total = self._table(oid)
                total[N_TUP_INS] += ins + ins_rb
                total[N_TUP_UPD] += upd + upd_rb
                total[N_TUP_DEL] += dels + dels_rb
                total[SEQ_SCAN] += scans
                total[SEQ_TUP_READ] += read
                total[N_LIVE_TUP] += ins - dels  # committed: inserts live, deletes dead, updates both
                total[N_DEAD_TUP] += upd + dels + ins_rb + upd_rb  # rolled back: new versions dead
                total[N_MOD_SINCE_ANALYZE] += ins + upd + dels
                total[N_INS_SINCE_VACUUM] += ins + ins_rb
                totals[2] += read
                totals[4] += ins + ins_rb
                totals[5] += upd + upd_rb
                totals[6] += dels + dels_rb
            for counts in indexes.values():
                totals[2] += counts[IDX_TUP_READ]
                totals[3] += counts[IDX_TUP_FETCH]
            _add(self.indexes, indexes)
        pending.commits = pending.rollbacks = 0
        tables.clear()
        indexes.clear()

    def _table(self, oid: int) -> list:
        total = self.tables.get(oid)
        if total is None:
            total = self.tables[oid] = [0] * len(TABLE_COUNTERS)
        return total

    def vacuum_candidates(self, min_dead: int, fraction: float) -> list[int]:
        """Tables whose n_dead_tup passed autovacuum's threshold (min_dead + fraction * n_live_tup),
        as PostgreSQL's autovacuum chooses them."""
        with self._lock:
            return [oid for oid, t in self.tables.items() if t[N_DEAD_TUP] > min_dead + fraction * t[N_LIVE_TUP]]

    def report_vacuum(self, oid: int, live: int, dead: int, auto: bool) -> None:
        """A VACUUM of the table found `live` rows and `dead` versions it could not remove yet."""
        self._report(oid, live, dead, N_INS_SINCE_VACUUM, AUTOVACUUM_COUNT if auto else VACUUM_COUNT,
                     LAST_AUTOVACUUM if auto else LAST_VACUUM)

    def analyze_candidates(self, min_changed: int, fraction: float) -> list[int]:
        """Tables whose n_mod_since_analyze passed autoanalyze's threshold (min_changed + fraction *
        n_live_tup), as PostgreSQL's autovacuum chooses them."""
        with self._lock:
            return [oid for oid, t in self.tables.items()
                    if t[N_MOD_SINCE_ANALYZE] > min_changed + fraction * t[N_LIVE_TUP]]

    def report_analyze(self, oid: int, live: int, dead: int, auto: bool) -> None:
        self._report(oid, live, dead, N_MOD_SINCE_ANALYZE, AUTOANALYZE_COUNT if auto else ANALYZE_COUNT,
                     LAST_AUTOANALYZE if auto else LAST_ANALYZE)

    def _report(self, oid: int, live: int, dead: int, zeroed: int, counter: int, last: int) -> None:
        with self._lock:
            total = self._table(oid)
            total[N_LIVE_TUP], total[N_DEAD_TUP], total[zeroed] = live, dead, 0
            total[counter] += 1
            total[last] = time.time()

    def table(self, oid: int, index_oids: list[int]) -> dict[str, int | float | None]:
        """A table's counts, with idx_scan and idx_tup_fetch summed over its indexes (NULL without one)."""
        row: dict[str, int | float | None] = dict(zip(TABLE_COUNTERS, self.tables.get(oid) or
                                                      [0] * len(TABLE_COUNTERS)))
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

    def export(self) -> dict[str, dict]:
        """Copies of the counts (pgstat_file.py saves them)."""
        with self._lock:
            return {"tables": {oid: list(v) for oid, v in self.tables.items()},
                    "indexes": {oid: list(v) for oid, v in self.indexes.items()},
                    "databases": {oid: list(v) for oid, v in self.databases.items()}, "reset_at": dict(self.reset_at)}

    def reset_database(self, database_oid: int, relations: list[int]) -> None:
        """pg_stat_reset(): the database's counters, its tables' and its indexes'."""
        with self._lock:
            self.databases.pop(database_oid, None)
            for oid in relations:
                self.tables.pop(oid, None)
                self.indexes.pop(oid, None)
            self.reset_at[database_oid] = time.time()

    def forget_others(self, existing: Callable[[], set[int]]) -> None:
        """Only the existing relations' counts are kept: the others were dropped (PostgreSQL drops
        a relation's entry with it). Asked under the lock, so that no flush meanwhile adds counts
        of a relation made after the question."""
        with self._lock:
            relations = existing()
            for counts in (self.tables, self.indexes):
                for oid in [oid for oid in counts if oid not in relations]:
                    del counts[oid]

    def reset_relation(self, oid: int) -> None:
        """pg_stat_reset_single_table_counters(): a table's or an index's own counters."""
        with self._lock:
            self.tables.pop(oid, None)
            self.indexes.pop(oid, None)
