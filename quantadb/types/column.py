"""Column and Batch: the unit of data every layer above storage passes around."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from quantadb.types.registry import SqlType


class Column:
    """Values of one type: a numpy array in the type's representation plus a NULL mask.

    `valid` is None when no value is NULL, else a bool array of the same length
    (True = not NULL). The representation of each type is documented in types/registry.py.

    Two compact forms stand in for `data` (kernels that know them use them; anything else reads
    `data`, made from them on first use):
    - *scaled* numeric (`scale` is not None): `ints` holds every value times 10**scale as int64,
      and every value has exactly `scale` digits after the point; `peak`, when known, bounds
      |ints| (types/scaled.py);
    - *coded* (`codes` is not None), as storage keeps strings: `dictionary` is an object array of
      distinct values followed by None, `codes` (int32) index it, -1 (the None) in NULL rows.
    """

    __slots__ = ("_data", "codes", "dictionary", "ints", "peak", "scale", "valid")

    def __init__(self, data: np.ndarray, valid: np.ndarray | None = None) -> None:
        self._data: np.ndarray | None = data
        self.valid = valid
        self.ints: np.ndarray | None = None
        self.scale: int | None = None
        self.peak: int | None = None
        self.codes: np.ndarray | None = None
        self.dictionary: np.ndarray | None = None

    @classmethod
    def scaled(cls, ints: np.ndarray, scale: int, valid: np.ndarray | None = None, peak: int | None = None) -> Column:
        col = cls(None, valid)  # type: ignore[arg-type]
        col.ints, col.scale, col.peak = ints, scale, peak
        return col

    @classmethod
    def coded(cls, codes: np.ndarray, dictionary: np.ndarray, valid: np.ndarray | None = None) -> Column:
        col = cls(None, valid)  # type: ignore[arg-type]
        col.codes, col.dictionary = codes, dictionary
        return col

    @property
    def data(self) -> np.ndarray:
        if self._data is None:
            if self.codes is not None:
                self._data = self.dictionary[self.codes]
            else:
                from quantadb.types.scaled import to_decimals
                self._data = to_decimals(self.ints, self.scale)
        return self._data

    @data.setter
    def data(self, value: np.ndarray) -> None:
        self._data, self.ints, self.scale, self.codes, self.dictionary = value, None, None, None, None

    def with_valid(self, valid: np.ndarray | None) -> Column:
        """The same values under another NULL mask (keeps the form)."""
        return self._like(self._data, self.ints, self.codes, valid)

    def rows(self, idx: np.ndarray | slice) -> Column:
        """The rows picked by an index array, bool mask or slice (keeps the form)."""
        valid = None if self.valid is None else self.valid[idx]
        if self.scale is not None:
            return self._like(None, self.ints[idx], None, valid)
        if self.codes is not None:
            return self._like(None, None, self.codes[idx], valid)
        return Column(self._data[idx], valid)

    def _like(self, data: np.ndarray | None, ints: np.ndarray | None, codes: np.ndarray | None,
              valid: np.ndarray | None) -> Column:
        col = Column(data, valid)  # type: ignore[arg-type]
        if ints is not None:
            col.ints, col.scale, col.peak = ints, self.scale, self.peak  # a bound for any subset too
        col.codes, col.dictionary = codes, self.dictionary if codes is not None else None
        return col

    def __len__(self) -> int:
        for part in (self._data, self.ints, self.codes):
            if part is not None:
                return len(part)
        return 0

    def __repr__(self) -> str:
        if self.scale is not None:
            return f"Column(scaled {self.scale}: {self.ints!r}, valid={self.valid!r})"
        if self.codes is not None:
            return f"Column(coded {self.codes!r} of {self.dictionary!r}, valid={self.valid!r})"
        return f"Column({self._data!r}, valid={self.valid!r})"


@dataclass
class Batch:
    """Rows as columns; every column has `length` values."""

    columns: list[Column]
    length: int


def null_column(t: SqlType, n: int) -> Column:
    """`n` NULLs of type `t`."""
    data = np.empty(n, dtype=object) if t.pg.dtype == object else np.zeros(n, dtype=t.pg.dtype)
    return Column(data, np.zeros(n, dtype=np.bool_))
