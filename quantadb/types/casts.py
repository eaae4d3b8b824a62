"""Casts between column types, as PostgreSQL's cast functions and typmod coercions do them.

`cast_column` converts a whole Column; numeric conversions are numpy-vectorized. Rounding
follows PostgreSQL: float -> integer uses rint (half to even), numeric -> integer and
numeric(p,s) round half away from zero; out-of-range values raise 22003 with PG's messages.
Conversions to and from string types go through the text codecs (I/O conversion casts), except
bool -> text ('true'/'false') and bpchar -> text (trailing blanks dropped). `explicit` selects
explicit-cast semantics for length coercion: varchar(n)/bpchar(n) truncate instead of
raising 22001. The cast *contexts* (can_cast) live in pg_cast.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np

from quantadb.errors import (
    CannotCoerce,
    InvalidParameterValue,
    NumericValueOutOfRange,
    StringDataLengthMismatch,
    StringDataRightTruncation,
)
from quantadb.types import codecs, scaled
from quantadb.types import datetime as dt
from quantadb.types import registry as r
from quantadb.types.column import Column
from quantadb.types.composite import holds_composite
from quantadb.types.context import DEFAULT_CONTEXT, FormatContext
from quantadb.types.jsonb import JSON_NULL, format_jsonb, parse_jsonb
from quantadb.types.pg_cast import can_cast
from quantadb.types.registry import SqlType, format_type, numeric_precision_scale
from quantadb.types.rowtypes import is_rowtype, record_fields
from quantadb.types.textio import format_numeric
from quantadb.types.values import (
    DATE_NEG_INFINITY,
    DATE_POS_INFINITY,
    TIMESTAMP_NEG_INFINITY,
    TIMESTAMP_POS_INFINITY,
    USECS_PER_DAY,
    USECS_PER_SEC,
    Interval,
)

__all__ = ["cast_column", "cast_value", "can_cast", "coerce_typmod", "value_converter"]

_INT_OUT_OF_RANGE = {r.INT2.oid: "smallint out of range", r.INT4.oid: "integer out of range",
                     r.INT8.oid: "bigint out of range"}
_INT_BOUNDS = {r.INT2.oid: (-(2**15), 2**15 - 1), r.INT4.oid: (-(2**31), 2**31 - 1),
               r.INT8.oid: (-(2**63), 2**63 - 1)}
_OID_LIKE = {t.oid for t in r.REG_TYPES}
_VECTORS = {r.INT2VECTOR.oid: r.INT2, r.OIDVECTOR.oid: r.OID}  # the array-like catalog types
_INTS = set(_INT_BOUNDS)
_FLOATS = {r.FLOAT4.oid, r.FLOAT8.oid}
_INTS_FLOATS = _INTS | _FLOATS
_STRINGS = {r.TEXT.oid, r.VARCHAR.oid, r.BPCHAR.oid, r.NAME.oid, r.UNKNOWN.oid, r.CHAR.oid}


def cast_column(col: Column, src: SqlType, dst: SqlType, ctx: FormatContext = DEFAULT_CONTEXT,
                explicit: bool = True) -> Column:
    """Convert every value of `col` from `src` to `dst` (NULLs stay NULL)."""
    s, d = src.pg.oid, dst.pg.oid
    valid = col.valid
    if s == d and not src.pg.is_array:
        return coerce_typmod(col, dst, explicit)
    if d == r.NUMERIC.oid and s in _INTS:  # integers are numerics of scale 0
        bits = col.data.dtype.itemsize * 8 - 1
        ints = Column.scaled(_zero_nulls(col).astype(np.int64), 0, valid, 1 << bits if bits < 63 else None)
        return coerce_typmod(ints, dst, explicit)
    data = _numeric_fast_path(col, s, d)
    if data is None:
        data = _vector_path(col, s, d, ctx)
    if data is None:
        convert = _cached_converter(src, dst, ctx, explicit)
        data = np.empty(len(col), dtype=dst.pg.dtype)
        fill = None if dst.pg.dtype.kind == "O" else False if dst.pg.dtype.kind == "b" else 0
        items = col.data.tolist()
        ok = valid.tolist() if valid is not None else None
        nulls = []  # values a converter turned into NULL (an infinite timestamp as a time)
        for i, v in enumerate(items):
            out = convert(v) if ok is None or ok[i] else fill
            if out is None:
                nulls.append(i)
                out = fill
            data[i] = out
        if nulls:
            valid = np.ones(len(col), dtype=np.bool_) if valid is None else valid.copy()
            valid[nulls] = False
        if dst.pg.is_array:  # element typmods were applied by the converter
            return Column(data, valid)
    return coerce_typmod(Column(data, valid), dst, explicit)


def cast_value(value: Any, src: SqlType, dst: SqlType, ctx: FormatContext = DEFAULT_CONTEXT,
               explicit: bool = True) -> Any:
    """One value (None = NULL) through cast_column; for constant folding and literals."""
    col = codecs.values_to_column(src, [value])
    return codecs.column_to_values(dst, cast_column(col, src, dst, ctx, explicit))[0]


# ---- vectorized numeric casts ----------------------------------------------------------------

def _live(col: Column) -> np.ndarray:
    return col.data if col.valid is None else col.data[col.valid]


def _numeric_fast_path(col: Column, s: int, d: int) -> np.ndarray | None:
    if s in _INTS and d in _INTS:
        lo, hi = _INT_BOUNDS[d]
        live = _live(col)
        if live.size and (live.min() < lo or live.max() > hi):
            raise NumericValueOutOfRange(_INT_OUT_OF_RANGE[d])
        return _zero_nulls(col).astype(r.BY_OID[d].dtype)
    if s in _INTS_FLOATS and d in _FLOATS:
        out = col.data.astype(r.BY_OID[d].dtype)
        if s == r.FLOAT8.oid and d == r.FLOAT4.oid:
            live_in, live_out = _live(col), _live(Column(out, col.valid))
            with np.errstate(all="ignore"):
                if np.any(np.isinf(live_out) & ~np.isinf(live_in)):
                    raise NumericValueOutOfRange("value out of range: overflow")
                if np.any((live_out == 0) & (live_in != 0)):
                    raise NumericValueOutOfRange("value out of range: underflow")
        return out
    if s in _FLOATS and d in _INTS:
        live = _live(col).astype(np.float64)
        lo, hi = _INT_BOUNDS[d]
        rounded = np.rint(live)
        # PG's FLOAT8_FITS_IN_INTxx: the upper bound is exclusive at 2^(n-1).
        if live.size and (np.isnan(rounded).any() or (rounded < lo).any() or (rounded >= hi + 1).any()):
            raise NumericValueOutOfRange(_INT_OUT_OF_RANGE[d])
        with np.errstate(invalid="ignore"):
            return np.rint(_zero_nulls(col).astype(np.float64)).astype(r.BY_OID[d].dtype)
    if s == r.BOOL.oid and d == r.INT4.oid:
        return col.data.astype(np.int32)
    if s in _INTS and d == r.BOOL.oid:
        return col.data != 0
    return None


def _vector_path(col: Column, s: int, d: int, ctx: FormatContext) -> np.ndarray | None:
    """Whole-column versions of the hot value-at-a-time casts (same results, NULL slots filled)."""
    if s == r.DATE.oid and d in (r.TIMESTAMP.oid, r.TIMESTAMPTZ.oid):
        days = _zero_nulls(col).astype(np.int64)
        if d == r.TIMESTAMPTZ.oid:
            return _per_distinct(days, _datetime_special(s, d, ctx), np.int64)
        out = days * USECS_PER_DAY
        out[days == DATE_POS_INFINITY] = TIMESTAMP_POS_INFINITY
        out[days == DATE_NEG_INFINITY] = TIMESTAMP_NEG_INFINITY
        return out
    if s == r.TIMESTAMP.oid and d == r.DATE.oid:
        ts = _zero_nulls(col)
        out = (ts // USECS_PER_DAY).astype(np.int32)
        out[ts == TIMESTAMP_POS_INFINITY] = DATE_POS_INFINITY
        out[ts == TIMESTAMP_NEG_INFINITY] = DATE_NEG_INFINITY
        return out
    if d == r.NUMERIC.oid and (s in _INTS or s in _OID_LIKE) and len(col):
        out = _per_distinct(_zero_nulls(col).astype(np.int64), lambda v: Decimal(int(v)), object)
        if col.valid is not None:
            out[~col.valid] = None
        return out
    if s == r.NUMERIC.oid and d in _FLOATS:
        wide = _scaled_to_float(col)
        if wide is None:
            data = col.data
            if col.valid is not None:
                data = data.copy()
                data[~col.valid] = _ZERO
            try:
                wide = data.astype(np.float64) + 0.0  # float(Decimal) per value, in C; numeric has no -0
            except (TypeError, ValueError):
                return None
        if np.isinf(wide).any():
            return None  # an infinity, or a finite numeric beyond float8: the value-at-a-time path decides
        if d == r.FLOAT8.oid:
            return wide
        with np.errstate(over="ignore"):
            narrow = wide.astype(np.float32)
        if np.isinf(narrow).any():
            return None  # the value-at-a-time path decides (and names an offending value)
        return narrow
    return None


_ZERO = Decimal(0)
_FLOAT_EXACT = 1 << 53


def _scaled_to_float(col: Column) -> np.ndarray | None:
    """ints / 10**scale: one correctly rounded division, as float(Decimal), while the ints are
    exact floats."""
    if col.scale is None or (len(col) and max(-int(col.ints.min()), int(col.ints.max())) >= _FLOAT_EXACT):
        return None
    return col.ints.astype(np.float64) / float(10 ** col.scale)


def _per_distinct(values: np.ndarray, convert: Callable[[Any], Any], dtype: Any) -> np.ndarray:
    """`convert` applied once per distinct value and spread back over the rows."""
    uniq, inverse = np.unique(values, return_inverse=True)
    converted = np.empty(len(uniq), dtype=dtype)
    for i, v in enumerate(uniq.tolist()):
        converted[i] = convert(v)
    return converted[inverse.reshape(-1)]


def _zero_nulls(col: Column) -> np.ndarray:
    if col.valid is None:
        return col.data
    out = col.data.copy()
    out[~col.valid] = 0
    return out


# ---- value-at-a-time casts -------------------------------------------------------------------

_MAX_CACHED_CONVERTERS = 1024  # per context; typmods are the client's to vary
# types whose values are held alike (the typmod, applied after, does the rest)
_SAME_VALUES = {(r.BIT.oid, r.VARBIT.oid), (r.VARBIT.oid, r.BIT.oid)}


def value_converter(src: SqlType, dst: SqlType, ctx: FormatContext, explicit: bool = False) -> Callable[[Any], Any]:
    """What cast_column applies to each non-NULL value, when it has no whole-column path for the
    pair: a value as a column of src holds it (its Python form) to dst's. The typmod of dst is
    applied after it (coerce_typmod)."""
    return _cached_converter(src, dst, ctx, explicit)


def _cached_converter(src: SqlType, dst: SqlType, ctx: FormatContext, explicit: bool) -> Callable[[Any], Any]:
    """_value_converter, built once per context and type pair (building one cost more than the
    rest of a one-row cast; a record's fields and a domain's mark are part of the pair). Built
    every time under constant folding's probe, which is no FormatContext and must see every
    read of a setting, and for composite types, whose fields ALTER TYPE changes under the same OID."""
    if not isinstance(ctx, FormatContext) or holds_composite(src) or holds_composite(dst):
        return _value_converter(src, dst, ctx, explicit)
    cache = ctx.casts
    key = (src.pg.oid, src.typmod, dst.pg.oid, dst.typmod, explicit, src.extra, dst.extra)
    convert = cache.get(key)
    if convert is None:
        if len(cache) >= _MAX_CACHED_CONVERTERS:
            cache.clear()
        convert = cache[key] = _value_converter(src, dst, ctx, explicit)
    return convert


def _value_converter(src: SqlType, dst: SqlType, ctx: FormatContext, explicit: bool) -> Callable[[Any], Any]:
    s, d = src.pg.oid, dst.pg.oid
    if s in _VECTORS and dst.pg.is_array:  # int2vector / oidvector: space-separated text
        elem = _value_converter(SqlType(_VECTORS[s]), SqlType(r.element_of(dst.pg)), ctx, explicit)
        return lambda v: [elem(int(x)) for x in str(v).split()]
    if src.pg.is_array and dst.pg.is_array:
        elem_src, elem_dst = SqlType(r.element_of(src.pg)), SqlType(r.element_of(dst.pg), dst.typmod)
        conv = _value_converter(elem_src, elem_dst, ctx, explicit)
        fix = _typmod_fixer(elem_dst, explicit)

        def convert_array(v: list) -> list:
            return [None if x is None else (convert_array(x) if isinstance(x, list) else fix(conv(x)))
                    for x in v]
        return convert_array
    if s == d or (s, d) in _SAME_VALUES or d == r.RECORD.oid and is_rowtype(src.pg):
        return lambda v: v
    if dst.pg.composite is not None and src.pg is r.RECORD:
        return _record_to_composite(src, dst, ctx, explicit)
    if d in _STRINGS and s not in _STRINGS:
        return _to_text(src, ctx)
    if s in _STRINGS:
        if s == r.BPCHAR.oid:
            if d in _STRINGS:
                return lambda v: v.rstrip(" ")
            parse = codecs.text_decoder(dst, ctx)
            return lambda v: parse(v.rstrip(" "))
        if d in _STRINGS:
            return (lambda v: v[:1]) if d == r.CHAR.oid else (lambda v: v)
        return codecs.text_decoder(dst, ctx)
    if _numeric_fast_path(Column(np.zeros(0, dtype=src.pg.dtype)), s, d) is not None:
        src_dtype = src.pg.dtype
        return lambda v: _numeric_fast_path(Column(np.array([v], dtype=src_dtype)), s, d)[0].item()
    special = _special(s, d, ctx)
    if special is not None:
        return special
    raise CannotCoerce(f"cannot cast type {format_type(src.pg)} to {format_type(dst.pg)}")


def _record_to_composite(src: SqlType, dst: SqlType, ctx: FormatContext, explicit: bool) -> Callable[[Any], Any]:
    """coerce_record_to_complex: a row of as many fields as the type's, each cast to its field's
    type (a field of a record whose fields are not known is taken as it is)."""
    targets = [ft for _, ft in record_fields(dst)]
    sources = [ft for _, ft in record_fields(src)]
    if sources and len(sources) != len(targets):
        raise CannotCoerce(f"cannot cast type {format_type(src.pg)} to {format_type(dst.pg)}",
                           detail=f"Input has too {'few' if len(sources) < len(targets) else 'many'} columns.")
    convert = [_field_converter(sources[i] if sources else None, ft, ctx, explicit) for i, ft in enumerate(targets)]

    def to_composite(v: tuple) -> tuple:
        if len(v) != len(convert):
            raise CannotCoerce(f"cannot cast type {format_type(src.pg)} to {format_type(dst.pg)}",
                               detail=f"Input has too {'few' if len(v) < len(convert) else 'many'} columns.")
        return tuple(None if x is None else f(x) for f, x in zip(convert, v))
    return to_composite


def _field_converter(src: SqlType | None, dst: SqlType, ctx: FormatContext, explicit: bool) -> Callable[[Any], Any]:
    fix = _typmod_fixer(dst, explicit)
    if src is None or src.pg.oid == dst.pg.oid:
        return fix
    conv = _value_converter(src, dst, ctx, explicit)
    return lambda x: fix(conv(x))


def _to_text(src: SqlType, ctx: FormatContext) -> Callable[[Any], str]:
    if src.pg.oid == r.BOOL.oid:
        return lambda v: "true" if v else "false"
    return codecs.value_formatter(src, ctx)


def _numeric_to_int(d: int) -> Callable[[Decimal], int]:
    lo, hi = _INT_BOUNDS[d]

    def convert(v: Decimal) -> int:
        if v.is_nan():
            raise InvalidParameterValue(f"cannot convert NaN to {r.BY_OID[d].display_name}")
        if v.is_infinite():
            raise InvalidParameterValue(f"cannot convert infinity to {r.BY_OID[d].display_name}")
        n = int(v.quantize(Decimal(1), ROUND_HALF_UP))
        if not lo <= n <= hi:
            raise NumericValueOutOfRange(_INT_OUT_OF_RANGE[d])
        return n
    return convert


def _float_to_numeric(digits: int) -> Callable[[float], Decimal]:
    def convert(v: float) -> Decimal:
        if v != v:
            return Decimal("NaN")
        if v in (float("inf"), float("-inf")):
            return Decimal(str(v).replace("inf", "Infinity"))
        return codecs.parse_text(r.NUMERIC, f"{v:.{digits}g}")
    return convert


def _special(s: int, d: int, ctx: FormatContext) -> Callable[[Any], Any] | None:
    if d == r.NUMERIC.oid:
        if s in _INTS or s in _OID_LIKE:
            return lambda v: Decimal(int(v))
        if s == r.FLOAT8.oid:
            return _float_to_numeric(15)
        if s == r.FLOAT4.oid:
            return _float_to_numeric(6)
        if s == r.MONEY.oid:
            return lambda v: Decimal(v).scaleb(-2)
    if s == r.NUMERIC.oid:
        if d in _INTS:
            return _numeric_to_int(d)
        if d in _FLOATS:
            return _numeric_to_float(d)
        if d == r.MONEY.oid:
            return lambda v: int((v * 100).quantize(Decimal(1), ROUND_HALF_UP))
    if d == r.MONEY.oid and s in _INTS:
        return lambda v: int(v) * 100
    if s in _INTS and d in _OID_LIKE:
        if s == r.INT8.oid:
            return _int8_to_oid
        return lambda v: int(v) % 2**32
    if s in _OID_LIKE and d in _OID_LIKE:
        return int
    if s == r.XID8.oid and d == r.XID.oid:  # xid(xid8): its low 32 bits
        return lambda v: int(v) % 2**32
    if s in _OID_LIKE and d in _INTS:
        return (lambda v: int(v)) if d == r.INT8.oid else (lambda v: (int(v) + 2**31) % 2**32 - 2**31)
    if s == r.INT4.oid and d == r.CHAR.oid:
        return lambda v: chr(int(v) % 256) if int(v) % 256 else ""
    if s == r.CHAR.oid and d == r.INT4.oid:
        return lambda v: (ord(v) if v else 0) - (256 if v and ord(v) > 127 else 0)
    if s == r.JSON.oid and d == r.JSONB.oid:
        return parse_jsonb
    if s == r.JSONB.oid and d == r.JSON.oid:
        return format_jsonb
    if s == r.JSONB.oid:
        return _jsonb_scalar(d)
    return _datetime_special(s, d, ctx)


def _numeric_to_float(d: int) -> Callable[[Decimal], float]:
    def convert(v: Decimal) -> float:
        out = float(v) + 0.0  # a Decimal -0 (from -(0::numeric)) is numeric's 0
        if d == r.FLOAT4.oid:
            out32 = np.float32(out)
            if np.isinf(out32) and v.is_finite():
                raise NumericValueOutOfRange(f'"{format_numeric(v)}" is out of range for type real')
            return float(out32)
        if math.isinf(out) and v.is_finite():
            raise NumericValueOutOfRange(f'"{format_numeric(v)}" is out of range for type double precision')
        return out
    return convert


def _int8_to_oid(v: int) -> int:
    if not -(2**31) <= v <= 2**32 - 1:
        raise NumericValueOutOfRange("OID out of range")
    return v % 2**32


def _jsonb_scalar(d: int) -> Callable[[Any], Any]:
    target = r.BY_OID[d].display_name

    def kind(v: Any) -> str:
        if isinstance(v, dict):
            return "object"
        if isinstance(v, list):
            return "array"
        if isinstance(v, bool):
            return "boolean"
        if isinstance(v, str):
            return "string"
        return "null" if v is JSON_NULL else "numeric"

    def convert(v: Any) -> Any:
        k = kind(v)
        if d == r.BOOL.oid and k == "boolean":
            return v
        if d != r.BOOL.oid and k == "numeric":
            num = Decimal(v)
            if d in _INTS:
                return _numeric_to_int(d)(num)
            return num if d == r.NUMERIC.oid else _numeric_to_float(d)(num)
        raise InvalidParameterValue(f"cannot cast jsonb {k} to type {target}")
    return convert


def _datetime_special(s: int, d: int, ctx: FormatContext) -> Callable[[Any], Any] | None:
    if r.TIMESTAMPTZ.oid in (s, d) or r.TIMETZ.oid in (s, d):
        zone = ctx.zone  # read only when the cast depends on it (constant folding probes this)
    date_inf = {DATE_POS_INFINITY: TIMESTAMP_POS_INFINITY, DATE_NEG_INFINITY: TIMESTAMP_NEG_INFINITY}
    ts_inf = {TIMESTAMP_POS_INFINITY: DATE_POS_INFINITY, TIMESTAMP_NEG_INFINITY: DATE_NEG_INFINITY}
    if s == r.DATE.oid and d == r.TIMESTAMP.oid:
        return lambda v: date_inf.get(v, v * USECS_PER_DAY)
    if s == r.DATE.oid and d == r.TIMESTAMPTZ.oid:
        return lambda v: date_inf[v] if v in date_inf else dt.local_to_utc_micros(v * USECS_PER_DAY, zone)
    if s == r.TIMESTAMP.oid and d == r.DATE.oid:
        return lambda v: ts_inf.get(v, v // USECS_PER_DAY)
    if s == r.TIMESTAMPTZ.oid and d == r.DATE.oid:
        return lambda v: ts_inf[v] if v in ts_inf else _to_local(v, zone) // USECS_PER_DAY
    if s == r.TIMESTAMP.oid and d == r.TIMESTAMPTZ.oid:
        return lambda v: v if v in ts_inf else dt.local_to_utc_micros(v, zone)
    if s == r.TIMESTAMPTZ.oid and d == r.TIMESTAMP.oid:
        return lambda v: v if v in ts_inf else _to_local(v, zone)
    # an infinite timestamp has no time of day: NULL, as PostgreSQL's timestamp_time returns
    if s == r.TIMESTAMP.oid and d == r.TIME.oid:
        return lambda v: None if v in ts_inf else v % USECS_PER_DAY
    if s == r.TIMESTAMPTZ.oid and d == r.TIME.oid:
        return lambda v: None if v in ts_inf else _to_local(v, zone) % USECS_PER_DAY
    if s == r.TIMESTAMPTZ.oid and d == r.TIMETZ.oid:
        return lambda v: None if v in ts_inf else (_to_local(v, zone) % USECS_PER_DAY, dt.zone_offset_seconds(zone, v))
    if s == r.TIME.oid and d == r.INTERVAL.oid:
        return lambda v: Interval(0, 0, int(v))
    if s == r.TIME.oid and d == r.TIMETZ.oid:
        return lambda v: (int(v), dt.zone_offset_seconds(zone, 0))
    if s == r.TIMETZ.oid and d == r.TIME.oid:
        return lambda v: v[0]
    if s == r.INTERVAL.oid and d == r.TIME.oid:
        return lambda v: v.micros % USECS_PER_DAY
    return None


def _to_local(utc_micros: int, zone: Any) -> int:
    return utc_micros + dt.zone_offset_seconds(zone, utc_micros) * USECS_PER_SEC


# ---- typmod coercion -------------------------------------------------------------------------

def _bit_length_fixer(fixed: bool, length: int, explicit: bool) -> Callable[[str], str]:
    """bit(n) takes exactly n bits, varbit(n) at most n; an explicit cast cuts (and bit(n) pads
    with zeros) where an implicit one fails, as PostgreSQL's bit() and varbit()."""
    def fix(v: str) -> str:
        if len(v) == length or not fixed and len(v) < length:
            return v
        if not explicit:
            if fixed:
                raise StringDataLengthMismatch(f"bit string length {len(v)} does not match type bit({length})")
            raise StringDataRightTruncation(f"bit string too long for type bit varying({length})")
        return v[:length].ljust(length, "0") if fixed else v[:length]
    return fix


def _typmod_fixer(t: SqlType, explicit: bool) -> Callable[[Any], Any]:
    oid, typmod = t.pg.oid, t.typmod
    if typmod < 0:
        return lambda v: v
    if oid in (r.VARCHAR.oid, r.BPCHAR.oid):
        length = typmod - 4
        pad = oid == r.BPCHAR.oid
        name = format_type(t.pg, typmod)

        def fix_length(v: str) -> str:
            if len(v) > length:
                if not explicit and v[length:].strip(" "):
                    raise StringDataRightTruncation(f"value too long for type {name}")
                v = v[:length]
            return v.ljust(length) if pad else v
        return fix_length
    if oid == r.NUMERIC.oid:
        return _numeric_fixer(typmod)
    if oid in (r.TIMESTAMP.oid, r.TIMESTAMPTZ.oid, r.TIME.oid) and typmod < 6:
        unit = 10 ** (6 - typmod)

        def fix_precision(v: int) -> int:
            if v in (TIMESTAMP_POS_INFINITY, TIMESTAMP_NEG_INFINITY):
                return v
            q, rem = divmod(v, unit)  # round half up, as PG's AdjustTimestampForTypmod
            return (q + (1 if rem * 2 >= unit else 0)) * unit
        return fix_precision
    if oid in (r.BIT.oid, r.VARBIT.oid):
        return _bit_length_fixer(oid == r.BIT.oid, typmod, explicit)
    if oid == r.TIMETZ.oid and typmod < 6:  # (µs of the day, offset): the time part rounds as time's
        fix_time = _typmod_fixer(SqlType(r.TIME, typmod), explicit)
        return lambda v: (fix_time(v[0]), v[1])
    return lambda v: v


def _numeric_fixer(typmod: int) -> Callable[[Decimal], Decimal]:
    precision, scale = numeric_precision_scale(typmod)
    quantum = Decimal(1).scaleb(-scale)
    maxdigits = precision - scale

    def fix(v: Decimal) -> Decimal:
        if v.is_nan():
            return v
        if v.is_infinite():
            raise NumericValueOutOfRange(
                "numeric field overflow",
                detail=f"A field with precision {precision}, scale {scale} cannot hold an infinite value.")
        q = v.quantize(quantum, ROUND_HALF_UP)
        if not q.is_zero() and q.adjusted() >= maxdigits:
            bound = f"10^{maxdigits}" if maxdigits else "1"
            raise NumericValueOutOfRange(
                "numeric field overflow",
                detail=f"A field with precision {precision}, scale {scale} must round to an absolute "
                       f"value less than {bound}.")
        return q
    return fix


def coerce_typmod(col: Column, t: SqlType, explicit: bool) -> Column:
    """Apply a type's typmod (length, precision/scale, fractional seconds) to a column."""
    if t.typmod < 0 and not t.pg.is_array:
        return col
    if col.scale is not None and t.pg is r.NUMERIC:
        out = scaled.with_typmod(col, *numeric_precision_scale(t.typmod))
        if out is not None:
            return out
    if t.pg in (r.VARCHAR, r.BPCHAR) and len(col):
        out = _fits_length(col, t.typmod - 4, t.pg is r.BPCHAR)
        if out is not None:
            return out
    fix = _typmod_fixer(t if not t.pg.is_array else SqlType(r.element_of(t.pg), t.typmod), explicit)
    if t.pg.is_array:
        inner = fix
        fix = lambda v: [None if x is None else inner(x) for x in v]  # noqa: E731
    data = col.data.copy()
    ok = col.valid
    for i, v in enumerate(col.data.tolist()):
        if ok is None or ok[i]:
            data[i] = fix(v)
    out = Column(data, col.valid)
    if t.pg is r.NUMERIC:  # every finite value now has the typmod's scale
        return scaled.quantized(out, numeric_precision_scale(t.typmod)[1]) or out
    return out


def _fits_length(col: Column, length: int, pad: bool) -> Column | None:
    """varchar(n)/char(n) when no value is longer than n: unchanged, or blank-padded for char(n);
    None sends longer values to the per-value path (truncation rules and errors)."""
    if col.codes is not None:  # the dictionary's strings, each once
        words = Column(col.dictionary[:-1])
        out = _fits_length(words, length, pad)
        if out is None or out is words:
            return None if out is None else col
        padded = out.data.tolist()
        if len(set(padded)) < len(padded):  # 'a' and 'a ' pad alike: the codes would not be distinct
            return _fits_length(Column(col.data, col.valid), length, pad)
        return Column.coded(col.codes, np.append(out.data, None), col.valid)
    rows = None if col.valid is None else np.flatnonzero(col.valid)
    live = col.data if rows is None else col.data[rows]
    lengths = np.fromiter(map(len, live), dtype=np.int64, count=len(live))
    if len(lengths) and int(lengths.max()) > length:
        return None
    short = np.flatnonzero(lengths < length) if pad else ()
    if not len(short):
        return col
    idx = short if rows is None else rows[short]
    data = col.data.copy()
    data[idx] = [v.ljust(length) for v in col.data[idx].tolist()]
    return Column(data, col.valid)
