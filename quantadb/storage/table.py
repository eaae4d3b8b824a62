"""Columnar tables: a list of fixed-capacity segments of numpy arrays, MVCC per row.

Row id = segment_no * capacity + offset; stable until VACUUM compaction, which renumbers rows
(and bumps `Table.generation` and rebuilds the indexes). Segment arrays are preallocated
(1024 rows, doubling up to the capacity) and filled in place; a segment publishes its row
count `n` only after the new rows' values and xmin are written, so scans take no lock: they
read `n` first. Per segment and attnum the values are a `SegColumn` (segcolumn.py); a column
added by ALTER after the segment was filled has none there and reads as NULL.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from quantadb.types.column import Column, null_column
from quantadb.types.registry import BYTEA, INTERVAL, NUMERIC, UUID, SqlType

from .segcolumn import STRING_OIDS, SegColumn
from .txn import ABORTED, COMMITTED, FROZEN_XID, IN_PROGRESS, INVALID_XID, Clog, Snapshot
from .update_chain import UpdateChain

DEFAULT_CAPACITY = 65536
FIRST_ALLOCATION = 1024
# object types whose values records.py encodes as themselves and None never stands for (jsonb's
# JSON null and arrays' lists do not qualify): tables of these and fixed-width types take rows
# as Python values (ROW_INSERT / ROW_UPDATE records)
_ROW_OBJECT_OIDS = STRING_OIDS | {NUMERIC.oid, BYTEA.oid, UUID.oid, INTERVAL.oid}


def ctid_of(rowids: np.ndarray) -> np.ndarray:
    """The tids (types/textio.py's int64 form) that row ids show as ctid: 256 row versions to a
    block, offsets from 1, so ctid order is row id order. A version's row id is its place in the
    table: an UPDATE's new version gets a new one, and VACUUM renumbers (as VACUUM FULL moves)."""
    return (rowids >> 8) << 16 | ((rowids & 255) + 1)


@dataclass
class ScanBatch:
    rowids: np.ndarray | None
    columns: list[Column]
    length: int


class Segment:
    """Arrays start at FIRST_ALLOCATION rows and double up to `capacity` (small tables stay
    small); a reader holding an array from before a growth still sees every row it needs."""

    __slots__ = ("capacity", "cols", "n", "n_unfrozen", "n_xmax", "size", "xmax", "xmin")

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.size = min(capacity, FIRST_ALLOCATION)
        self.n = 0
        self.cols: list[SegColumn | None] = []
        self.xmin = np.zeros(self.size, dtype=np.int64)
        self.xmax = np.zeros(self.size, dtype=np.int64)
        self.n_xmax = 0  # rows whose xmax was ever set (0 = nobody deleted/updated here)
        self.n_unfrozen = 0  # rows whose xmin is not FrozenTransactionId

    def reserve(self, rows: int) -> None:
        if rows <= self.size:
            return
        size = self.size
        while size < rows:
            size *= 2
        size = min(size, self.capacity)
        for name in ("xmin", "xmax"):
            arr = np.zeros(size, dtype=np.int64)
            arr[:self.n] = getattr(self, name)[:self.n]
            setattr(self, name, arr)
        for sc in self.cols:
            if sc is not None:
                sc.grow(size, self.n)
        self.size = size

    def all_visible(self) -> bool:
        return self.n_xmax == 0 and self.n_unfrozen == 0


def _scatter(parts: list[tuple[np.ndarray, Column]], n: int, dtype: np.dtype) -> Column:
    """One column of n rows from pieces placed by masks (scaled when every piece is, alike)."""
    scale = parts[0][1].scale
    same = scale is not None and all(c.scale == scale for _, c in parts)
    data = np.zeros(n, dtype=np.int64) if same else np.empty(n, dtype=dtype)
    valid = None
    for mask, col in parts:
        data[mask] = col.ints if same else col.data
        if col.valid is not None:
            if valid is None:
                valid = np.ones(n, dtype=np.bool_)
            valid[mask] = col.valid
    return Column.scaled(data, scale, valid) if same else Column(data, valid)


def row_form(types: list[SqlType]) -> bool:
    """Values of these types pass as Python values (one row: records.py ROW_INSERT/ROW_UPDATE)."""
    return all(t.pg.dtype != object or t.oid in _ROW_OBJECT_OIDS or t.pg.enum is not None
               for t in types)


class Table:
    """One relation's rows. Mutated only through apply (under the store's write lock)."""

    def __init__(self, oid: int, types: list[SqlType], capacity: int = DEFAULT_CAPACITY) -> None:
        self.oid = oid
        self.types = list(types)  # by attnum - 1
        self.row_form = row_form(self.types)
        self.capacity = capacity
        self.segments: list[Segment] = []
        self.generation = 0  # bumped by compaction: row ids before it are meaningless
        # row id -> the xid that last locked that version (SELECT FOR UPDATE/SHARE; not logged): what
        # its xmax shows while no later xid set one, as PostgreSQL's lock-only xmax stays after the locker
        self.lockers: dict[int, int] = {}
        # row id -> (MultiXactId, its members, the version's xmax then), where several hold it (multixact.py)
        self.multis: dict[int, tuple[int, tuple[tuple[int, str], ...], int]] = {}
        self.chain = UpdateChain()  # updated version -> the version its update made (apply links them)
        self.live_estimate = 0
        self.dead_since_prune = 0  # versions given an xmax since the last index prune
        self.dead_since_vacuum = 0  # versions given an xmax since the last VACUUM
        # what the next index prune looks at (`dead_since_pruned`): every row from `prune_from`
        # on, and the rows below it in `_prune_rows` (none while the table has no index:
        # prune_from stays 0)
        self.prune_from = 0
        self._prune_rows = array("q")

    @property
    def row_count(self) -> int:
        segs = self.segments
        return (len(segs) - 1) * self.capacity + segs[-1].n if segs else 0

    def set_types(self, types: list[SqlType]) -> None:
        """ALTER TABLE: new columns read as NULL in existing rows; a column whose fixed-width
        dtype changed (int4 -> int8, int -> float8) is converted in place. Other type changes
        keep the stored values: the engine rewrites them with UPDATE. Fewer types (an ADD
        COLUMN rolled back) drop the stored columns past them: only aborted versions wrote
        there, and a column added again later must start empty, in its own type."""
        for seg in self.segments:
            del seg.cols[len(types):]
        for i, (old, new) in enumerate(zip(self.types, types)):
            if old.pg.dtype != new.pg.dtype and old.pg.dtype != object and new.pg.dtype != object:
                for seg in self.segments:
                    sc = seg.cols[i] if i < len(seg.cols) else None
                    if sc is not None:
                        sc.data = sc.data.astype(new.pg.dtype)
        self.types = list(types)
        self.row_form = row_form(self.types)

    # -- writes (apply only) ------------------------------------------------------------------
    def append(self, xid: int, columns: list[Column], n: int) -> np.ndarray:
        rowids = np.empty(n, dtype=np.int64)
        done = 0
        while done < n:
            if not self.segments or self.segments[-1].n == self.capacity:
                self.segments.append(Segment(self.capacity))
            seg_no = len(self.segments) - 1
            seg = self.segments[-1]
            at = seg.n
            k = min(n - done, self.capacity - at)
            seg.reserve(at + k)
            for i, t in enumerate(self.types):
                col = columns[i] if i < len(columns) else None
                if col is None:
                    col = null_column(t, n)
                part = col if k == n and len(col) == n else col.rows(slice(done, done + k))
                while len(seg.cols) <= i:
                    seg.cols.append(None)
                if seg.cols[i] is None:
                    seg.cols[i] = SegColumn(t, seg.size, nulls_before=at)
                seg.cols[i].write(at, part, k)
            seg.xmin[at:at + k] = xid
            if xid != FROZEN_XID:
                seg.n_unfrozen += k
            rowids[done:done + k] = np.arange(seg_no * self.capacity + at, seg_no * self.capacity + at + k)
            seg.n = at + k  # publish last
            done += k
        self.live_estimate += n
        return rowids

    def append_row(self, xid: int, values: list | tuple) -> int:
        """append() of one row given as Python values (None = NULL; missing trailing ones too)."""
        segs = self.segments
        if not segs or segs[-1].n == self.capacity:
            segs.append(Segment(self.capacity))
        seg = segs[-1]
        at = seg.n
        if at == seg.size:
            seg.reserve(at + 1)
        cols = seg.cols
        if len(cols) < len(self.types) or None in cols:  # a new segment, or columns added by ALTER
            while len(cols) < len(self.types):
                cols.append(None)
            for i, t in enumerate(self.types):
                if cols[i] is None:
                    cols[i] = SegColumn(t, seg.size, nulls_before=at)
        for sc, v in zip(cols, values):
            sc.put(at, v)
        for sc in cols[len(values):]:
            sc.put(at, None)
        seg.xmin[at] = xid
        if xid != FROZEN_XID:
            seg.n_unfrozen += 1
        seg.n = at + 1  # publish last
        self.live_estimate += 1
        return (len(segs) - 1) * self.capacity + at

    def append_versions(self, columns: list[Column], n: int, xmin: np.ndarray, xmax: np.ndarray) -> None:
        """Append rows with given xmin/xmax (VACUUM compaction)."""
        start = self.row_count
        self.append(FROZEN_XID, columns, n)
        self.set_versions(start, xmin, xmax)

    def set_versions(self, start: int, xmin: np.ndarray, xmax: np.ndarray) -> None:
        """Give the rows from `start` on, appended with FROZEN_XID, these xmin/xmax."""
        cap = self.capacity
        n = len(xmin)
        done = 0
        while done < n:  # the rows are contiguous: segment by segment, as slices
            seg_no, off = divmod(start + done, cap)
            k = min(n - done, cap - off)
            seg = self.segments[seg_no]
            part_xmin, part_xmax = xmin[done:done + k], xmax[done:done + k]
            seg.xmin[off:off + k] = part_xmin
            seg.xmax[off:off + k] = part_xmax
            seg.n_unfrozen += int(np.count_nonzero(part_xmin != FROZEN_XID))
            seg.n_xmax += int(np.count_nonzero(part_xmax))
            done += k
        self.live_estimate -= int(np.count_nonzero(xmax))

    def set_xmax_row(self, rowid: int, xid: int) -> None:
        seg = self.segments[rowid // self.capacity]
        seg.xmax[rowid % self.capacity] = xid
        seg.n_xmax += 1
        if rowid < self.prune_from:
            self._prune_rows.append(rowid)
        self.live_estimate = max(0, self.live_estimate - 1)
        self.dead_since_prune += 1
        self.dead_since_vacuum += 1

    def set_xmax(self, rowids: np.ndarray, xid: int) -> None:
        cap = self.capacity
        if len(rowids) == 1:
            self.set_xmax_row(int(rowids[0]), xid)
            return
        segs = rowids // cap
        for s in np.unique(segs).tolist():
            offs = rowids[segs == s] % cap
            seg = self.segments[s]
            seg.xmax[offs] = xid
            seg.n_xmax += len(offs)
        self._prune_rows.frombytes(rowids[rowids < self.prune_from].astype(np.int64).tobytes())
        self.live_estimate = max(0, self.live_estimate - len(rowids))
        self.dead_since_prune += len(rowids)
        self.dead_since_vacuum += len(rowids)

    def truncate(self, xid: int, status: np.ndarray) -> None:
        """TRUNCATE: every version not already deleted gets xmax = xid (empty once xid commits).
        They count as deleted ones do (set_xmax), so that autovacuum and the next index prune
        reclaim them."""
        cap = self.capacity
        killed = 0
        for seg_no, seg in enumerate(self.segments):
            n = seg.n
            xmax = seg.xmax[:n]
            live = (xmax == 0) | (status[xmax] == ABORTED)
            live &= status[seg.xmin[:n]] != ABORTED
            xmax[live] = xid
            k = int(live.sum())
            seg.n_xmax += k
            killed += k
            first = seg_no * cap
            if first < self.prune_from:
                rowids = np.flatnonzero(live) + first
                self._prune_rows.frombytes(rowids[rowids < self.prune_from].tobytes())
        self.live_estimate = 0
        self.dead_since_prune += killed
        self.dead_since_vacuum += killed

    # -- reads ----------------------------------------------------------------------------
    def xmin_xmax(self, rowid: int) -> tuple[int, int]:
        seg = self.segments[rowid // self.capacity]
        off = rowid % self.capacity
        return seg.xmin.item(off), seg.xmax.item(off)

    def successor(self, rowid: int, clog: Clog) -> int | None:
        """The version the UPDATE that ended version `rowid` made of it (PostgreSQL's t_ctid); None
        when nothing replaced it: no xmax, a DELETE's or TRUNCATE's, or an aborted update's."""
        xmax = self.xmin_xmax(rowid)[1]
        if not xmax or clog.get(xmax) == ABORTED:
            return None
        new = self.chain.newest(rowid)
        return new if new is not None and self.xmin_xmax(new)[0] == xmax else None

    def _column(self, seg: Segment, attnum: int, start: int, stop: int) -> Column:
        i = attnum - 1
        sc = seg.cols[i] if i < len(seg.cols) else None
        if sc is None:
            return null_column(self.types[i], stop - start)
        return sc.read(start, stop)

    def _take(self, seg: Segment, attnum: int, idx: np.ndarray) -> Column:
        i = attnum - 1
        sc = seg.cols[i] if i < len(seg.cols) else None
        if sc is None:
            return null_column(self.types[i], len(idx))
        return sc.take(idx)

    def scan(self, snap: Snapshot, attnums: list[int], with_rowids: bool = False) -> Iterator[ScanBatch]:
        for seg_no, seg in enumerate(list(self.segments)):
            n = seg.n
            if n == 0:
                continue
            if seg.all_visible():
                cols = [self._column(seg, a, 0, n) for a in attnums]
                rowids = np.arange(seg_no * self.capacity, seg_no * self.capacity + n) if with_rowids else None
                yield ScanBatch(rowids, cols, n)
                continue
            # copies: a writer may set xmax meanwhile, and the test reads each array more than
            # once (np.isin against the xip: a range mask, then a gather); one read per row
            vis = snap.visible_array(seg.xmin[:n].copy(), seg.xmax[:n].copy())
            if vis.all():
                cols = [self._column(seg, a, 0, n) for a in attnums]
                rowids = np.arange(seg_no * self.capacity, seg_no * self.capacity + n) if with_rowids else None
                yield ScanBatch(rowids, cols, n)
                continue
            idx = np.flatnonzero(vis)
            if len(idx) == 0:
                continue
            cols = [self._take(seg, a, idx) for a in attnums]
            yield ScanBatch(idx + seg_no * self.capacity if with_rowids else None, cols, len(idx))

    def fetch(self, rowids: np.ndarray, attnums: list[int]) -> list[Column]:
        rowids = np.asarray(rowids, dtype=np.int64)
        cap = self.capacity
        if len(rowids) == 0:  # empty columns in the form the segments hold
            if not self.segments:
                return [null_column(self.types[a - 1], 0) for a in attnums]
            return [self._take(self.segments[0], a, rowids) for a in attnums]
        if len(rowids) == 1:
            return self.fetch_row(rowids.item(0), attnums)
        segs = rowids // cap
        uniq = np.unique(segs)
        if len(uniq) == 1:
            seg = self.segments[int(uniq[0])]
            return [self._take(seg, a, rowids % cap) for a in attnums]
        masks = [(s, segs == s) for s in uniq.tolist()]
        return [_scatter([(mask, self._take(self.segments[s], a, rowids[mask] % cap)) for s, mask in masks],
                         len(rowids), self.types[a - 1].pg.dtype) for a in attnums]

    def fetch_row(self, rowid: int, attnums: list[int] | tuple[int, ...]) -> list[Column]:
        """fetch() of one row: one-row views of the segment's arrays, as scan() gives (published
        rows never change)."""
        seg = self.segments[rowid // self.capacity]
        off = rowid % self.capacity
        cols = seg.cols
        return [cols[a - 1].read_one(off) if a <= len(cols) and cols[a - 1] is not None
                else null_column(self.types[a - 1], 1) for a in attnums]

    def null_rows(self, attnums: tuple[int, ...]) -> np.ndarray:
        """Row ids of the versions (dead ones too) with NULL in one of `attnums`: the rows an index
        on them does not hold. A segment's column without NULLs has no validity mask: it costs nothing."""
        found = []
        for seg_no, seg in enumerate(list(self.segments)):
            n = seg.n
            mask = None
            for a in attnums:
                sc = seg.cols[a - 1] if a <= len(seg.cols) else None
                if sc is None:  # (a column added since: NULL in every row)
                    mask = np.ones(n, dtype=np.bool_)
                elif sc.valid is not None:
                    mask = ~sc.valid[:n] if mask is None else mask | ~sc.valid[:n]
            if mask is not None:
                found.append(np.flatnonzero(mask) + seg_no * self.capacity)
        return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)

    def row_values(self, rowid: int, attnums: list[int]) -> list:
        """fetch() of one row as Python values (None = NULL)."""
        seg = self.segments[rowid // self.capacity]
        off = rowid % self.capacity
        cols = seg.cols
        return [cols[a - 1].value(off) if a <= len(cols) and cols[a - 1] is not None else None for a in attnums]

    def row_visible(self, snap: Snapshot, rowid: int) -> bool:
        seg = self.segments[rowid // self.capacity]
        off = rowid % self.capacity
        return off < seg.n and snap.row_visible(seg.xmin.item(off), seg.xmax.item(off))

    def visible(self, snap: Snapshot, rowids: np.ndarray) -> np.ndarray:
        if len(rowids) <= 16:
            return np.array([self.row_visible(snap, r) for r in rowids.tolist()], dtype=np.bool_)
        xmin, xmax = self.gather_mvcc(rowids)
        return snap.visible_array(xmin, xmax)

    def locker_xids(self, rowids: np.ndarray) -> np.ndarray:
        """The xid that last locked each version (`lockers`), 0 where none did."""
        lockers = dict(self.lockers)  # (a copy: a lock taken meanwhile may add to it)
        keys = np.fromiter(lockers.keys(), dtype=np.int64, count=len(lockers))
        xids = np.fromiter(lockers.values(), dtype=np.int64, count=len(lockers))
        order = np.argsort(keys)
        keys, xids = keys[order], xids[order]
        at = np.minimum(np.searchsorted(keys, rowids), len(keys) - 1)
        return np.where(keys[at] == rowids, xids[at], 0)

    def gather_mvcc(self, rowids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cap = self.capacity
        segs = rowids // cap
        if len(rowids) and segs.min() == segs.max():
            seg = self.segments[int(segs[0])]
            offs = rowids % cap
            return np.where(offs < seg.n, seg.xmin[offs], 0), seg.xmax[offs]
        xmin = np.zeros(len(rowids), dtype=np.int64)
        xmax = np.full(len(rowids), INVALID_XID, dtype=np.int64)
        for s in np.unique(segs).tolist():
            mask = segs == s
            seg = self.segments[s]
            offs = rowids[mask] % cap
            xmin[mask] = np.where(offs < seg.n, seg.xmin[offs], 0)
            xmax[mask] = seg.xmax[offs]
        return xmin, xmax

    # -- index pruning (apply only) -----------------------------------------------------------
    def dead_since_pruned(self, status: np.ndarray, horizon: int) -> np.ndarray:
        """Row ids of the versions that died since the last call (in no order; one can repeat):
        the index entries a prune at `horizon` drops. Dead = no snapshot can see it: inserted by
        an aborted xid, or deleted below the horizon by a committed one (the rule VACUUM uses).

        Looks only at the rows that may have died since: rows appended or given an xmax since the
        last call, and rows that call left undecided (inserted or deleted by a transaction still
        running then, or deleted at or above its horizon), which it keeps for the next call. So
        a prune costs what changed, and drops what a look at every row would."""
        rowids = np.arange(self.prune_from, self.row_count, dtype=np.int64)
        if self._prune_rows:
            rowids = np.concatenate([np.array(self._prune_rows, dtype=np.int64), rowids])
        xmin, xmax = self.gather_mvcc(rowids)
        xmin_status, xmax_status = status[xmin], status[xmax]  # (an empty xmax, 0, reads ABORTED)
        dead = (xmin_status == ABORTED) | ((xmax_status == COMMITTED) & (xmax < horizon))
        undecided = ~dead & ((xmin_status == IN_PROGRESS) | (xmax_status != ABORTED))
        self._prune_rows = array("q", rowids[undecided].tobytes())
        self.prune_from = self.row_count
        return rowids[dead]

    def restart_pruning(self, status: np.ndarray) -> None:
        """Note afresh, for the next prune, every row that is dead or may die other than through
        set_xmax/truncate (which note their rows): inserted by a transaction not committed, or
        given an xmax not aborted. For when the noted rows no longer tell: VACUUM renumbered the
        rows, or a new index holds every version (the others dropped the dead ones). One pass
        over xmin/xmax here, so that prune looks at those rows (after a VACUUM: the deleted
        versions it kept), not at the whole table."""
        cap = self.capacity
        parts = [np.flatnonzero((status[seg.xmin[:seg.n]] != COMMITTED) | (status[seg.xmax[:seg.n]] != ABORTED))
                 + seg_no * cap for seg_no, seg in enumerate(self.segments)]
        self._prune_rows = array("q", np.concatenate(parts).astype(np.int64).tobytes() if parts else b"")
        self.prune_from = self.row_count

    def stop_pruning(self) -> None:
        """Note nothing (no row is below `prune_from` = 0): a table without indexes has nothing
        to prune, and restart_pruning starts again when an index is built."""
        self.prune_from = 0
        self._prune_rows = array("q")

    def all_rows(self, attnums: list[int]) -> Iterator[tuple[int, list[Column], np.ndarray, np.ndarray]]:
        """Every physical row (no visibility): (first rowid, columns, xmin, xmax) per segment."""
        for seg_no, seg in enumerate(list(self.segments)):
            n = seg.n
            yield (seg_no * self.capacity, [self._column(seg, a, 0, n) for a in attnums],
                   seg.xmin[:n], seg.xmax[:n])

    # -- checkpoint form ----------------------------------------------------------------------
    def dump(self) -> dict:
        """Plain values for records.encode: segments with their arrays cut to the row count, a
        column as ("plain", data, valid), ("dict", codes, values, valid) or ("scaled", ints,
        scale, valid) (numeric(p,s), p <= 18; restore also reads such a column from "plain"
        Decimals, the form before it).

        Views, not copies: encode them under the store's write lock."""
        segs = []
        for seg in list(self.segments):
            n = seg.n
            cols = []
            for sc in seg.cols:
                if sc is None:
                    cols.append(None)
                    continue
                valid = None if sc.valid is None else sc.valid[:n]
                if sc.scale is not None:
                    cols.append(("scaled", sc.data[:n], sc.scale, valid))
                elif sc.values is not None:
                    cols.append(("dict", sc.data[:n], list(sc.values), valid))
                else:
                    cols.append(("plain", sc.data[:n], valid))
            segs.append({"n": n, "xmin": seg.xmin[:n], "xmax": seg.xmax[:n],
                         "n_xmax": seg.n_xmax, "cols": cols})
        return {"oid": self.oid, "capacity": self.capacity, "generation": self.generation,
                "live": self.live_estimate, "segments": segs}

    @classmethod
    def restore(cls, d: dict, types: list[SqlType]) -> Table:
        table = cls(d["oid"], types, d["capacity"])
        table.generation = d["generation"]
        table.live_estimate = d["live"]
        for sd in d["segments"]:
            seg = Segment(table.capacity)
            n = sd["n"]
            seg.reserve(n)
            seg.xmin[:n] = sd["xmin"]
            seg.xmax[:n] = sd["xmax"]
            seg.n_xmax = sd["n_xmax"]
            seg.n_unfrozen = int((sd["xmin"] != FROZEN_XID).sum())
            # (checkpoints written before set_types dropped them can hold columns past `types`)
            for i, c in enumerate(sd["cols"][:len(types)]):
                if c is None:
                    seg.cols.append(None)
                    continue
                sc = SegColumn(types[i], seg.size)
                if c[0] == "scaled" or sc.scale is not None:
                    stored = Column.scaled(c[1], c[2]) if c[0] == "scaled" else Column(c[1])
                    valid = c[3] if c[0] == "scaled" else c[2]
                    sc.write(0, stored if valid is None else stored.with_valid(valid), n)
                    seg.cols.append(sc)
                    continue
                if c[0] == "dict":
                    sc.data[:n] = c[1]
                    sc.values = list(c[2])
                    sc.codes_of = {v: k for k, v in enumerate(sc.values)}
                    valid = c[3]
                else:
                    if sc.values is not None:  # stored plain (many distinct values)
                        sc.data = np.empty(seg.size, dtype=object)
                        sc.values = sc.codes_of = None
                    sc.data[:n] = c[1]
                    valid = c[2]
                if valid is not None:
                    sc.valid = np.ones(seg.size, dtype=np.bool_)
                    sc.valid[:n] = valid
                seg.cols.append(sc)
            seg.n = n
            table.segments.append(seg)
        return table

    def nbytes(self) -> int:
        total = 0
        for seg in self.segments:
            total += seg.xmin.nbytes + seg.xmax.nbytes
            total += sum(c.nbytes() for c in seg.cols if c is not None)
        return total
