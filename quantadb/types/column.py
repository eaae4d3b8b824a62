"""Column and Batch: the unit of data every layer above storage passes around."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class Column:
    """Values of one type: a numpy array in the type's representation plus a NULL mask.

    `valid` is None when no value is NULL, else a bool array of the same length
    (True = not NULL). The representation of each type is documented in types/registry.py.

    A numeric column may instead be *scaled* (`scale` is not None): `ints` holds every value
    times 10**scale as int64, and every value has exactly `scale` digits after the point
    (PostgreSQL's display scale). Kernels that know the form use `ints`; anything else reads
    `data`, which turns the ints into Decimals on first use (types/scaled.py).
    """

    __slots__ = ("_data", "valid", "ints", "scale")

    def __init__(self, data: np.ndarray, valid: np.ndarray | None = None) -> None:
        self._data: np.ndarray | None = data
        self.valid = valid
        self.ints: np.ndarray | None = None
        self.scale: int | None = None

    @classmethod
    def scaled(cls, ints: np.ndarray, scale: int, valid: np.ndarray | None = None) -> Column:
        col = cls.__new__(cls)
        col._data, col.valid, col.ints, col.scale = None, valid, ints, scale
        return col

    @property
    def data(self) -> np.ndarray:
        if self._data is None:
            from quantadb.types.scaled import to_decimals
            self._data = to_decimals(self.ints, self.scale)
        return self._data

    @data.setter
    def data(self, value: np.ndarray) -> None:
        self._data, self.ints, self.scale = value, None, None

    def with_valid(self, valid: np.ndarray | None) -> Column:
        """The same values under another NULL mask (keeps the scaled form)."""
        if self.scale is not None:
            return Column.scaled(self.ints, self.scale, valid)
        return Column(self._data, valid)

    def rows(self, idx: np.ndarray | slice) -> Column:
        """The rows picked by an index array, bool mask or slice (keeps the scaled form)."""
        valid = None if self.valid is None else self.valid[idx]
        if self.scale is not None:
            return Column.scaled(self.ints[idx], self.scale, valid)
        return Column(self._data[idx], valid)

    def __len__(self) -> int:
        return len(self._data) if self._data is not None else len(self.ints)

    def __repr__(self) -> str:
        if self.scale is not None:
            return f"Column(scaled {self.scale}: {self.ints!r}, valid={self.valid!r})"
        return f"Column({self._data!r}, valid={self.valid!r})"


@dataclass
class Batch:
    """Rows as columns; every column has `length` values."""

    columns: list[Column]
    length: int
