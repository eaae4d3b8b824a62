"""Bit string operators and functions (varbit.c): a bit(n) or varbit value is a str of '0' and
'1' characters, first bit first, so comparison is string comparison and the operators work on
the text; one Python step per row."""

from __future__ import annotations

import numpy as np

from quantadb.errors import StringDataLengthMismatch
from quantadb.exec.functions import scalar
from quantadb.exec.functions.strings import rows


def _bitwise(name: str, fn):
    def apply(a: str, b: str) -> str:
        if len(a) != len(b):
            raise StringDataLengthMismatch(f"cannot {name} bit strings of different sizes")
        return "".join("1" if fn(x == "1", y == "1") else "0" for x, y in zip(a, b))
    return rows(apply)


def _shift_left(bits: str, n: int) -> str:
    if n < 0:
        return _shift_right(bits, -n)
    n = min(int(n), len(bits))
    return bits[n:] + "0" * n


def _shift_right(bits: str, n: int) -> str:
    if n < 0:
        return _shift_left(bits, -n)
    n = min(int(n), len(bits))
    return "0" * n + bits[:len(bits) - n]


scalar("bitor")(_bitwise("OR", lambda x, y: x or y))
scalar("bitand")(_bitwise("AND", lambda x, y: x and y))
scalar("bitxor")(_bitwise("XOR", lambda x, y: x != y))
scalar("bitnot")(rows(lambda a: a.translate(str.maketrans("01", "10"))))
scalar("bitshiftleft")(rows(_shift_left))
scalar("bitshiftright")(rows(_shift_right))
scalar("bitcat")(rows(lambda a, b: a + b))
scalar("varbit_length")(rows(len, np.int32, 0))
scalar("varbit_octet_length")(rows(lambda a: (len(a) + 7) // 8, np.int32, 0))
