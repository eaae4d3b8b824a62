"""The scaled int64 numeric kernels (types/scaled.py) never give a wrong answer: a result they
return is exact, and whatever could overflow int64 comes back as None (the Decimal path)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from quantadb.types import scaled
from quantadb.types.column import Column

LIMIT = (1 << 63) - 1
EDGES = [0, 1, -1, 5, -5, 10 ** 9, -(10 ** 9), 3037000499, -3037000499, 3037000500, LIMIT // 2, -(LIMIT // 2),
         LIMIT // 2 + 1, LIMIT - 1, LIMIT, -LIMIT, -LIMIT - 1, 10 ** 18 - 1, -(10 ** 18) + 1]


def _col(values: list[int], scale: int, peak: int | None = None) -> Column:
    return Column.scaled(np.array(values, dtype=np.int64), scale, None, peak)


def _exact(col: Column) -> list[Decimal]:
    return [Decimal(v).scaleb(-col.scale) for v in col.ints.tolist()]


@pytest.mark.parametrize("sa,sb", [(0, 0), (2, 0), (0, 3), (4, 2)])
def test_add_sub_mul_are_exact_or_decline(sa, sb):
    rng = np.random.default_rng(7)
    for _ in range(200):
        xs = [int(v) for v in rng.choice(EDGES, 4)]
        ys = [int(v) for v in rng.choice(EDGES, 4)]
        a, b = _col(xs, sa), _col(ys, sb)
        for op, kernel in (("+", scaled.add), ("-", lambda p, q: scaled.add(p, q, subtract=True)),
                           ("*", scaled.mul)):
            out = kernel(_col(xs, sa), _col(ys, sb))
            want = [x + y if op == "+" else x - y if op == "-" else x * y for x, y in zip(_exact(a), _exact(b))]
            if out is not None:
                assert _exact(out) == want, (op, xs, ys)
                assert out.scale == (sa + sb if op == "*" else max(sa, sb))
                assert out.peak is None or out.peak >= max(abs(int(v)) for v in out.ints)
            else:  # declining only near int64's limits: a result or an aligned operand
                s = sa + sb if op == "*" else max(sa, sb)
                aligned = [] if op == "*" else [abs(x) * 10 ** (s - sa) for x in xs] + [abs(y) * 10 ** (s - sb) for y in ys]
                assert max([abs(w.scaleb(s)) for w in want] + aligned) >= 1 << 62, (op, xs, ys)


def test_negate_and_abs_decline_on_the_most_negative_int():
    assert scaled.negate(_col([-LIMIT - 1], 0)) is None
    assert scaled.absolute(_col([-LIMIT - 1, 3], 2)) is None
    assert scaled.negate(_col([-LIMIT, 7], 1)).ints.tolist() == [LIMIT, -7]


def test_compare_aligns_scales():
    a, b = _col([150, -125, 10 ** 17 + 1], 2), _col([15, -13, 10 ** 16], 1)
    assert scaled.compare(a, b, "eq").tolist() == [True, False, False]
    assert scaled.compare(a, b, "lt").tolist() == [False, False, False]
    assert scaled.compare(_col([LIMIT], 0), _col([1], 18), "gt") is None  # cannot align: Decimal path


def test_typmod_rounds_half_away_from_zero_and_checks_precision():
    col = _col([12345, -12345, 12344, -5, 5, -4, 0], 4)
    out = scaled.with_typmod(col, 6, 3)
    assert out.ints.tolist() == [1235, -1235, 1234, -1, 1, 0, 0] and out.scale == 3
    assert scaled.with_typmod(_col([99995], 3), 4, 2) is None  # 100.00 needs precision 5
    assert scaled.with_typmod(_col([99994], 3), 4, 2).ints.tolist() == [9999]
    assert scaled.with_typmod(_col([7], 0), 18, 2).ints.tolist() == [700]


def test_peak_is_kept_as_a_bound_through_rows_and_arithmetic():
    col = _col([3, -9, 4], 1, peak=100)
    assert col.rows(np.array([0, 2])).peak == 100
    assert scaled.add(col, _col([1, 1, 1], 0, peak=1)).peak == 110
    assert scaled.peak(_col([3, -9, 4], 1)) == 9
