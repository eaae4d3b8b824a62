"""One column of one table segment (`SegColumn`), in the form that pays for its type:

- fixed-width types: the type's numpy dtype (registry);
- string types (text, varchar, bpchar, name, "char") and enums (labels, types/enums.py): dictionary-encoded (int32 codes + the
  distinct values; code -1 = NULL) while distinct values stay under `DICT_LIMIT`, then a
  plain object array;
- numeric(p,s) with p <= 18: int64 holding value * 10**s (`scale` = s; types/scaled.py), until a
  value without that form (NaN) arrives: then an object array of Decimal from there on;
- other object types (numeric, jsonb, arrays, ...): an object array;
- `valid` (bool) is allocated at the first NULL.
"""

from __future__ import annotations

from itertools import repeat

import numpy as np

from quantadb.types.column import Column
from quantadb.types.registry import STRING_TYPES, SqlType
from quantadb.types.scaled import as_scale, decimal_of, scaled_int, storage_scale

DICT_LIMIT = 4096
STRING_OIDS = frozenset(t.oid for t in STRING_TYPES)


class SegColumn:
    __slots__ = ("codes_of", "data", "peak", "scale", "valid", "values")

    def __init__(self, t: SqlType, size: int, nulls_before: int = 0) -> None:
        self.values: list | None = None  # dictionary (None = not dictionary-encoded)
        self.codes_of: dict | None = None
        self.scale = storage_scale(t)  # not None: numeric held as scaled int64
        self.peak = 0  # scaled: the largest |int| written (a bound readers pass on)
        if self.scale is not None:
            self.data = np.zeros(size, dtype=np.int64)
        elif t.pg.dtype == object and (t.oid in STRING_OIDS or t.pg.enum is not None):
            self.data = np.full(size, -1, dtype=np.int32)  # code -1 = NULL
            self.values, self.codes_of = [], {}
        elif t.pg.dtype == object:
            self.data = np.empty(size, dtype=object)
        else:
            self.data = np.zeros(size, dtype=t.pg.dtype)
        self.valid: np.ndarray | None = None
        if nulls_before:
            self.valid = np.ones(size, dtype=np.bool_)
            self.valid[:nulls_before] = False

    def grow(self, size: int, filled: int) -> None:
        data = np.empty(size, dtype=self.data.dtype) if self.data.dtype == object else \
            np.zeros(size, dtype=self.data.dtype)
        data[:filled] = self.data[:filled]
        self.data = data
        if self.valid is not None:
            valid = np.ones(size, dtype=np.bool_)
            valid[:filled] = self.valid[:filled]
            self.valid = valid

    def write(self, at: int, col: Column, n: int) -> None:
        ints = None if self.scale is None else as_scale(col, self.scale)
        if ints is None and self.scale is not None:
            self._unscale(at)
        if ints is not None:
            part = ints[:n]
            self.data[at:at + n] = part
            if n:
                self.peak = max(self.peak, -int(part.min()), int(part.max()))
        elif self.values is not None:
            self.data[at:at + n] = self._codes(col, n)
            if len(self.values) > DICT_LIMIT:
                self._undictionary(at + n)
        else:
            self.data[at:at + n] = col.data[:n]
        if col.valid is not None and not col.valid[:n].all():
            if self.valid is None:
                self.valid = np.ones(len(self.data), dtype=np.bool_)
            self.valid[at:at + n] = col.valid[:n]
        elif self.valid is not None:
            self.valid[at:at + n] = True

    def put(self, at: int, v: object) -> None:
        """write() of one row's Python value (the form column_values gives; None = NULL)."""
        data = self.data
        if v is None:
            if self.valid is None:
                self.valid = np.ones(len(data), dtype=np.bool_)
            self.valid[at] = False
            data[at] = -1 if self.values is not None else (None if data.dtype == object else 0)
            return
        if self.valid is not None:
            self.valid[at] = True
        if self.scale is not None:
            ints = scaled_int(v, self.scale)
            if ints is not None:
                data[at] = ints
                self.peak = max(self.peak, abs(ints))
                return
            self._unscale(at)
            data = self.data
        if self.values is not None:
            code = self.codes_of.get(v)
            if code is None:
                code = self.codes_of[v] = len(self.values)
                self.values.append(v)
            data[at] = code
            if len(self.values) > DICT_LIMIT:
                self._undictionary(at + 1)
        else:
            data[at] = v

    def value(self, off: int) -> object:
        """One row's Python value (None = NULL), as column_values(self.take([off])) gives it."""
        if self.valid is not None and not self.valid.item(off):
            return None
        scale, values = self.scale, self.values  # before data (see read)
        v = self.data.item(off)  # (an object array's item is the object itself)
        if type(v) is not int:  # a plain value, whatever the form was a moment ago
            return v
        if scale is not None:
            return decimal_of(v, scale)
        if values is not None:
            return None if v < 0 else values[v]
        return v

    def _codes(self, col: Column, n: int) -> np.ndarray:
        """Our dictionary's codes for the first n rows of `col` (-1 for NULL), adding new values."""
        codes_of, values = self.codes_of, self.values
        coded = col.codes is not None
        if coded:  # the dictionary entries these rows use (the others stay out of ours)
            live = col.codes[:n] if col.valid is None else col.codes[:n][col.valid[:n]]
            used = np.bincount(live[live >= 0], minlength=len(col.dictionary) - 1) > 0
            items = [x if u else None for x, u in zip(col.dictionary[:-1].tolist(), used.tolist())]
        else:
            items = col.data[:n].tolist()
            if col.valid is not None:
                items = [x if ok else None for x, ok in zip(items, col.valid.tolist())]
        for x in dict.fromkeys(items):  # new distinct values, in first-seen order
            if x is not None and x not in codes_of:
                codes_of[x] = len(values)
                values.append(x)
        mine = np.fromiter(map(codes_of.get, items, repeat(-1)), dtype=np.int32, count=len(items))
        if not coded:
            return mine
        codes = np.append(mine, np.int32(-1))[col.codes[:n]]  # theirs through ours; NULL rows -1
        return codes if col.valid is None else np.where(col.valid[:n], codes, -1)

    def _unscale(self, filled: int) -> None:
        plain = np.empty(len(self.data), dtype=object)
        plain[:filled] = Column.scaled(self.data[:filled], self.scale).data
        self.data, self.scale = plain, None  # data first (see read)

    def _undictionary(self, filled: int) -> None:
        plain = np.empty(len(self.data), dtype=object)
        plain[:filled] = _dictionary(self.values)[self.data[:filled]]
        # data first: readers read scale and values before data (see read)
        self.data, self.values, self.codes_of = plain, None, None

    # Readers take no lock while the writer appends values to the dictionary or changes the
    # form (_unscale, _undictionary: data is replaced first, then scale/values cleared). So a
    # reader reads scale and values before data, and an object array is plain whatever they said.
    def read(self, start: int, stop: int) -> Column:
        scale, values = self.scale, self.values
        return self._column(self.data[start:stop], None if self.valid is None else self.valid[start:stop],
                            scale, values)

    def read_one(self, off: int) -> Column:
        """read(off, off + 1), a coded column's one value as a plain one (not its whole dictionary)."""
        scale, values = self.scale, self.values  # before data (see read)
        data = self.data
        if scale is None and values is None:  # plain: the slice as it is (what _column would give)
            return Column(data[off:off + 1], None if self.valid is None else self.valid[off:off + 1])
        if values is None or data.dtype == object:
            return self.read(off, off + 1)
        one = np.empty(1, dtype=object)
        code = int(data[off])
        one[0] = values[code] if code >= 0 else None
        return Column(one, None if self.valid is None else self.valid[off:off + 1])

    def take(self, idx: np.ndarray) -> Column:
        scale, values = self.scale, self.values  # before data (see read)
        return self._column(self.data[idx], None if self.valid is None else self.valid[idx], scale, values)

    def _column(self, data: np.ndarray, valid: np.ndarray | None, scale: int | None, values) -> Column:
        """Read values in the form scale and values (read before data) say, if data still has it."""
        if data.dtype == object:
            return Column(data, valid)
        if scale is not None:
            return Column.scaled(data, scale, valid, self.peak)
        if values is not None:
            return Column.coded(data, _dictionary(values), valid)
        return Column(data, valid)

    def nbytes(self) -> int:
        return self.data.nbytes + (0 if self.valid is None else self.valid.nbytes)


def _dictionary(values: list) -> np.ndarray:
    """A dictionary's distinct values plus a trailing None that code -1 (NULL) picks. Its length
    is read once: the writer may append meanwhile."""
    n = len(values)
    dictionary = np.empty(n + 1, dtype=object)
    dictionary[:n] = values[:n]
    return dictionary
