"""Text input and output of the non-datetime scalar types, one value at a time.

Output follows PostgreSQL 15's *out functions: bool `t`/`f`; float8 shortest round-trip
(Ryu) in fixed notation for decimal exponents -4..14 and `1e+15` style otherwise (float4:
-4..5), or `%.{15|6}+extra_float_digits g` when extra_float_digits <= 0; numeric as plain
decimal keeping its scale; bytea `\\x0a0b` (or the escape format); uuid lowercase with hyphens.
Input follows the *in functions, with their SQLSTATEs and message texts.
"""

from __future__ import annotations

import math
import re
import uuid as _uuid
from decimal import Decimal, InvalidOperation

import numpy as np

from quantadb.errors import InvalidParameterValue, InvalidTextRepresentation, NumericValueOutOfRange

INT_RANGES = {"smallint": (-(2**15), 2**15 - 1), "integer": (-(2**31), 2**31 - 1),
              "bigint": (-(2**63), 2**63 - 1), "oid": (-(2**31), 2**32 - 1)}
# int4in's syntax: C's isspace around an optional sign and ASCII digits (leading zeros apart)
_INT_RE = re.compile(r"[ \t\n\v\f\r]*([+-]?)0*([0-9]+)[ \t\n\v\f\r]*\Z")
_SPACES = " \t\n\v\f\r"  # C's isspace: Python's str.strip() and \s take any script's spaces
# numeric_in's and float8in's syntax: ASCII digits only (Python's \d takes any script's)
_NUMERIC_RE = re.compile(r"[ \t\n\v\f\r]*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?[ \t\n\v\f\r]*\Z")
_FLOAT_WORDS = {"nan": math.nan, "-nan": math.nan, "+nan": math.nan,  # strtod takes a signed NaN
                "infinity": math.inf, "+infinity": math.inf, "-infinity": -math.inf,
                "inf": math.inf, "+inf": math.inf, "-inf": -math.inf}
# 32 hex digits, a hyphen allowed after any group of four (as PostgreSQL's string_to_uuid), in braces or not
_UUID_RE = re.compile(r"\{?([0-9a-fA-F]{4}(?:-?[0-9a-fA-F]{4}){7})\}?\Z")


def _bad(type_name: str, text: str) -> InvalidTextRepresentation:
    return InvalidTextRepresentation(f'invalid input syntax for type {type_name}: "{text}"')


# ---- bool ------------------------------------------------------------------------------------

def parse_bool(text: str) -> bool:
    s = text.strip(_SPACES).lower()
    if s:
        if s in ("1", "on") or "true".startswith(s) or "yes".startswith(s):
            return True
        if s in ("0", "of", "off") or "false".startswith(s) or "no".startswith(s):
            return False
    raise _bad("boolean", text)


def format_bool(value: bool) -> str:
    return "t" if value else "f"


# ---- integers --------------------------------------------------------------------------------

def parse_int(text: str, type_name: str = "integer") -> int:
    m = _INT_RE.match(text)
    if not m:
        raise _bad(type_name, text)
    sign, digits = m.groups()
    if len(digits) < 20:  # longer is out of every range (and int() refuses thousands of digits)
        value = int(sign + digits)
        lo, hi = INT_RANGES[type_name]
        if lo <= value <= hi:
            return value
    raise NumericValueOutOfRange(f'value "{text}" is out of range for type {type_name}')


def parse_oid(text: str) -> int:
    """oidin accepts -2147483648..4294967295 and wraps negatives like a uint32 cast."""
    return parse_int(text, "oid") % 2**32


# ---- floats ----------------------------------------------------------------------------------

def parse_float(text: str, type_name: str = "double precision") -> float:
    s = text.strip(_SPACES)
    word = _FLOAT_WORDS.get(s.lower())
    if word is not None:
        return word
    if not _NUMERIC_RE.match(s):
        raise _bad(type_name, text)
    value = float(s)
    if type_name == "real":
        with np.errstate(over="ignore"):
            value32 = np.float32(value)
        if math.isinf(value32) or (value32 == 0 and _has_nonzero_mantissa(s)):
            raise NumericValueOutOfRange(f'"{text}" is out of range for type real')
        return float(value32)
    if math.isinf(value) or (value == 0 and _has_nonzero_mantissa(s)):
        raise NumericValueOutOfRange(f'"{text}" is out of range for type double precision')
    return value


def _has_nonzero_mantissa(s: str) -> bool:
    return bool(re.search(r"[1-9]", re.split(r"[eE]", s)[0]))


def _shortest_to_pg(shortest: str, fixed_max_exp: int) -> str:
    """Re-lay a shortest round-trip digit string the way PostgreSQL's Ryu output does."""
    sign, digits, exp = Decimal(shortest).as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    point = len(digits) + exp  # decimal exponent of the first digit is point - 1
    if text == "0":
        return "-0" if sign else "0"
    lead = "-" if sign else ""
    e10 = point - 1
    if -4 <= e10 < fixed_max_exp:
        if point <= 0:
            return f"{lead}0.{'0' * -point}{text}"
        if point >= len(text):
            return lead + text + "0" * (point - len(text))
        return f"{lead}{text[:point]}.{text[point:]}"
    mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
    return f"{lead}{mantissa}e{'-' if e10 < 0 else '+'}{abs(e10):02d}"


def _float_special(value: float) -> str | None:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return None


def format_float8(value: float, extra_float_digits: int = 1) -> str:
    special = _float_special(value)
    if special:
        return special
    if extra_float_digits > 0:
        return _shortest_to_pg(repr(value), 15)
    return _c_g_format(value, 15 + extra_float_digits)


def format_float4(value: float, extra_float_digits: int = 1) -> str:
    special = _float_special(value)
    if special:
        return special
    if extra_float_digits > 0:
        return _shortest_to_pg(np.format_float_scientific(np.float32(value), unique=True), 6)
    return _c_g_format(float(np.float32(value)), 6 + extra_float_digits)


def _c_g_format(value: float, precision: int) -> str:
    text = f"{value:.{max(precision, 1)}g}"
    return "-0" if text == "-0" else text


# ---- numeric ---------------------------------------------------------------------------------

def parse_numeric(text: str) -> Decimal:
    s = text.strip(_SPACES)
    low = s.lower()
    if low == "nan":
        return Decimal("NaN")
    if low in ("infinity", "+infinity", "inf", "+inf"):
        return Decimal("Infinity")
    if low in ("-infinity", "-inf"):
        return Decimal("-Infinity")
    if not _NUMERIC_RE.match(s):
        raise _bad("numeric", text)
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise _bad("numeric", text) from None
    if value.is_finite() and value.adjusted() >= 131072:
        raise NumericValueOutOfRange("value overflows numeric format")
    if value.as_tuple().exponent > 0:  # '1e3' is stored with scale 0: 1000 (exactly, whatever its digits)
        value = Decimal(int(value))
    return value


def format_numeric(value: Decimal) -> str:
    if not value.is_finite():
        return "NaN" if value.is_nan() else ("Infinity" if value > 0 else "-Infinity")
    if value.is_zero() and value.is_signed():
        value = value.copy_abs()
    return format(value, "f")


# ---- bytea -----------------------------------------------------------------------------------

def parse_bytea(text: str) -> bytes:
    if text.startswith("\\x"):
        hexpart = re.sub(r"\s", "", text[2:])
        bad = re.search(r"[^0-9a-fA-F]", hexpart)
        if bad:
            raise InvalidParameterValue(f'invalid hexadecimal digit: "{bad.group()}"')
        if len(hexpart) % 2:
            raise InvalidParameterValue("invalid hexadecimal data: odd number of digits")
        return bytes.fromhex(hexpart)
    out = bytearray()
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "\\":
            out += ch.encode()
            i += 1
        elif text[i + 1:i + 2] == "\\":
            out.append(0x5C)
            i += 2
        elif re.match(r"[0-3][0-7][0-7]", text[i + 1:i + 4]):
            out.append(int(text[i + 1:i + 4], 8))
            i += 4
        else:
            raise _bad("bytea", text)
    return bytes(out)


def format_bytea(value: bytes, bytea_output: str = "hex") -> str:
    if bytea_output == "escape":
        return "".join(
            "\\\\" if b == 0x5C else chr(b) if 0x20 <= b < 0x7F else f"\\{b:03o}" for b in value)
    return "\\x" + value.hex()


# ---- tid -------------------------------------------------------------------------------------
# A tuple identifier (block, offset) is held as one int64, block << 16 | offset: integer order is
# tid order (block first), and a row id maps to one (storage/table.py's ctid).

def parse_tid(text: str) -> int:
    """tidin: the numbers after the first "(" (or ",") and the next ",", each read as C's strtol
    reads (leading spaces, a sign), the first ending at the ",", the second at a ")"; the block
    may be negative within int32, which wraps (-1 is 4294967295)."""
    starts = []
    for i, ch in enumerate(text):
        if len(starts) == 2 or ch == ")":
            break
        if ch == "," or (ch == "(" and not starts):
            starts.append(i + 1)
    if len(starts) < 2:
        raise _bad("tid", text)
    block, end = _strtol(text, starts[0])
    offset, end2 = _strtol(text, starts[1])
    if text[end:end + 1] != "," or text[end2:end2 + 1] != ")" or not -2**31 <= block < 2**32 \
            or not 0 <= offset < 2**16:
        raise _bad("tid", text)
    return (block % 2**32) << 16 | offset


_STRTOL = re.compile(r"\s*([-+]?\d+)")


def _strtol(text: str, pos: int) -> tuple[int, int]:
    """C's strtol at `pos`: (the value, where it stopped; `pos` when there is no number)."""
    m = _STRTOL.match(text, pos)
    return (int(m[1]), m.end()) if m else (0, pos)


def format_tid(value: int) -> str:
    return f"({value >> 16},{value & 0xFFFF})"


# ---- pg_snapshot / txid_snapshot: "xmin:xmax:xip,..." -----------------------------------------

def parse_snapshot(text: str, type_name: str = "pg_snapshot") -> tuple[int, int, tuple[int, ...]]:
    """pg_snapshot_in: xmin <= xmax, each running xid in [xmin, xmax), in ascending order (a
    repeated one counts once)."""
    m = re.fullmatch(r"\s*(\d+):(\d+):((?:\d+(?:,\d+)*)?)", text)
    if not m:
        raise _bad(type_name, text)
    xmin, xmax = int(m[1]), int(m[2])
    xip = [int(x) for x in m[3].split(",")] if m[3] else []
    if xmin == 0 or xmax < xmin or any(not xmin <= x < xmax for x in xip) or xip != sorted(xip):
        raise _bad(type_name, text)
    return xmin, xmax, tuple(sorted(set(xip)))


def format_snapshot(value: tuple[int, int, tuple[int, ...]]) -> str:
    return f"{value[0]}:{value[1]}:{','.join(map(str, value[2]))}"


def parse_xid8(text: str) -> int:
    """xid8in: an unsigned 64-bit number."""
    m = re.fullmatch(r"\s*(\d+)\s*", text)
    if not m or int(m[1]) >= 2**64:
        raise _bad("xid8", text)
    return int(m[1])


# ---- uuid, bit, pg_lsn, money ----------------------------------------------------------------

def parse_uuid(text: str) -> _uuid.UUID:
    m = _UUID_RE.match(text)
    if not m or (text.startswith("{") != text.endswith("}")):
        raise _bad("uuid", text)
    return _uuid.UUID(m.group(1).replace("-", ""))


def format_uuid(value: _uuid.UUID) -> str:
    return str(value)


def parse_bit(text: str, type_name: str = "bit") -> str:
    s = text
    if s[:1] in ("x", "X"):
        try:
            return "".join(f"{int(c, 16):04b}" for c in s[1:])
        except ValueError:
            raise InvalidTextRepresentation(f'"{s[1:]}" is not a valid hexadecimal digit') from None
    if s[:1] in ("b", "B"):
        s = s[1:]
    bad = re.search(r"[^01]", s)
    if bad:
        raise InvalidTextRepresentation(f'"{bad.group()}" is not a valid binary digit')
    return s


def parse_pg_lsn(text: str) -> int:
    m = re.fullmatch(r"\s*([0-9a-fA-F]{1,8})/([0-9a-fA-F]{1,8})\s*", text)
    if not m:
        raise _bad("pg_lsn", text)
    return (int(m[1], 16) << 32) | int(m[2], 16)


def format_pg_lsn(value: int) -> str:
    value %= 2**64
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


def parse_money(text: str) -> int:
    s = text.strip().replace(",", "").replace("$", "")
    neg = s.startswith("(") and s.endswith(")")
    s = s.strip("()")
    if not _NUMERIC_RE.match(s):
        raise _bad("money", text)
    cents = int((Decimal(s) * 100).to_integral_value())
    if neg:
        cents = -cents
    if not -(2**63) <= cents < 2**63:
        raise NumericValueOutOfRange(f'value "{text}" is out of range for type money')
    return cents


def format_money(cents: int) -> str:
    whole, frac = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}${whole:,}.{frac:02d}"
