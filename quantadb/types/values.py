"""Value classes that have no Python builtin counterpart, and the datetime infinity sentinels.

Interval follows PostgreSQL's interval: three independent fields (months, days, microseconds)
that are kept apart for display and calendar arithmetic, but compared (and hashed) as one
span where a month is 30 days and a day is 24 hours (interval_cmp_value in timestamp.c), so
'1 mon' = '30 days' and '1 day' = '24 hours'.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from functools import total_ordering

from quantadb.errors import DivisionByZero, NumericValueOutOfRange

USECS_PER_SEC = 1_000_000
USECS_PER_MINUTE = 60 * USECS_PER_SEC
USECS_PER_HOUR = 60 * USECS_PER_MINUTE
USECS_PER_DAY = 24 * USECS_PER_HOUR
DAYS_PER_MONTH = 30

# PostgreSQL's infinity sentinels (DATEVAL_NOBEGIN/NOEND, DT_NOBEGIN/NOEND).
DATE_NEG_INFINITY = -(2**31)
DATE_POS_INFINITY = 2**31 - 1
TIMESTAMP_NEG_INFINITY = -(2**63)
TIMESTAMP_POS_INFINITY = 2**63 - 1

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


@total_ordering
@dataclass(frozen=True, eq=False)
class Interval:
    """PostgreSQL interval: months, days and microseconds, each signed and independent."""

    months: int = 0
    days: int = 0
    micros: int = 0

    def span_micros(self) -> int:
        """The comparison key: total microseconds with 30-day months and 24-hour days."""
        return (self.months * DAYS_PER_MONTH + self.days) * USECS_PER_DAY + self.micros

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Interval):
            return NotImplemented
        return self.span_micros() == other.span_micros()

    def __lt__(self, other: Interval) -> bool:
        if not isinstance(other, Interval):
            return NotImplemented
        return self.span_micros() < other.span_micros()

    def __hash__(self) -> int:
        return hash(self.span_micros())

    def __neg__(self) -> Interval:
        return _checked(-self.months, -self.days, -self.micros)

    def __add__(self, other: Interval) -> Interval:
        if not isinstance(other, Interval):
            return NotImplemented
        return _checked(self.months + other.months, self.days + other.days, self.micros + other.micros)

    def __sub__(self, other: Interval) -> Interval:
        if not isinstance(other, Interval):
            return NotImplemented
        return _checked(self.months - other.months, self.days - other.days, self.micros - other.micros)

    def __mul__(self, factor: float | int | Decimal) -> Interval:
        if isinstance(factor, Interval) or not isinstance(factor, (int, float, Decimal)):
            return NotImplemented
        return _scaled(self, float(factor))

    __rmul__ = __mul__

    def __truediv__(self, divisor: float | int | Decimal) -> Interval:
        if isinstance(divisor, Interval) or not isinstance(divisor, (int, float, Decimal)):
            return NotImplemented
        if float(divisor) == 0.0:
            raise DivisionByZero("division by zero")
        return _scaled(self, 1.0 / float(divisor))


def _checked(months: int, days: int, micros: int) -> Interval:
    if not (_INT32_MIN <= months <= _INT32_MAX and _INT32_MIN <= days <= _INT32_MAX
            and _INT64_MIN <= micros <= _INT64_MAX):
        raise NumericValueOutOfRange("interval out of range")
    return Interval(months, days, micros)


def _scaled(iv: Interval, factor: float) -> Interval:
    """interval_mul: fractional months spill into days (30/month), fractional days into time."""
    if math.isnan(factor) or math.isinf(factor):
        raise NumericValueOutOfRange("interval out of range")
    result_months = iv.months * factor
    result_days = iv.days * factor
    months = math.trunc(result_months)
    days = math.trunc(result_days)
    month_remainder_days = (result_months - months) * DAYS_PER_MONTH
    whole_remainder = math.trunc(month_remainder_days)
    sec_remainder = (result_days - days + month_remainder_days - whole_remainder) * 86400.0
    # Round the leftover to whole seconds if it is within a microsecond of one, as PG does.
    if abs(sec_remainder - round(sec_remainder)) < 1e-6 and abs(sec_remainder) < 86400 * 1e6:
        sec_remainder = float(round(sec_remainder))
    if abs(sec_remainder) >= 86400:
        extra = math.trunc(sec_remainder / 86400)
        days += extra
        sec_remainder -= extra * 86400
    days += whole_remainder
    micros = iv.micros * factor + sec_remainder * USECS_PER_SEC
    if not math.isfinite(micros):
        raise NumericValueOutOfRange("interval out of range")
    return _checked(months, days, int(round(micros)))
