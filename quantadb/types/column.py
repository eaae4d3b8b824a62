"""Column and Batch: the unit of data every layer above storage passes around."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Column:
    """Values of one type: a numpy array in the type's representation plus a NULL mask.

    `valid` is None when no value is NULL, else a bool array of the same length
    (True = not NULL). The representation of each type is documented in types/registry.py.
    """

    data: np.ndarray
    valid: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.data)


@dataclass
class Batch:
    """Rows as columns; every column has `length` values."""

    columns: list[Column]
    length: int
