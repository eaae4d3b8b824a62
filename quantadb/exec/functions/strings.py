"""String functions and operators: ||, length family, case, substring, trim/pad, replace,
split_part, concat/format/quote_*, md5/to_hex, chr/ascii (varlena.c, oracle_compat.c)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np

from quantadb.errors import InvalidParameterValue, ProgramLimitExceeded, SubstringError
from quantadb.exec.functions import scalar
from quantadb.exec.functions.support import and_valid, map_rows, obj_array
from quantadb.sql.quoting import quote_ident
from quantadb.types.codecs import format_value
from quantadb.types.column import Column
from quantadb.types.registry import BOOL, SqlType


def rows(fn, dtype=object, fill=None):
    """A strict scalar impl applying fn(*values) to each non-NULL row."""
    def impl(args, n, ctx, call) -> Column:
        return Column(map_rows(fn, args, n, dtype, fill))
    return impl


def as_text(value, t: SqlType, ctx) -> str:
    """A value of type `t` as PostgreSQL's output function prints it."""
    if isinstance(value, str):
        return value
    if isinstance(value, np.generic):  # output functions take Python scalars
        value = value.item()
    return format_value(t, value, ctx.format)


@scalar("anytextcat", "textanycat")
def anytextcat(args, n, ctx, call) -> Column:
    """anynonarray || text and text || anynonarray: the non-text side prints as text first."""
    valid = and_valid(args)
    out = np.full(n, "", dtype=object)
    for i in range(n) if valid is None else np.flatnonzero(valid):
        out[i] = _cast_text(args[0].data[i], call.args[0].type, ctx) + _cast_text(args[1].data[i], call.args[1].type, ctx)
    return Column(out)


def _cast_text(value, t: SqlType, ctx) -> str:
    """The non-text side is cast to text, which spells booleans out ('1' || true is '1true')."""
    if t.pg is BOOL:
        return "true" if value else "false"
    return as_text(value, t, ctx)


scalar("textcat")(rows(lambda a, b: a + b))
scalar("byteacat")(rows(lambda a, b: a + b))

scalar("textlen")(rows(len, np.int32, 0))
scalar("bpcharlen")(rows(lambda s: len(s.rstrip(" ")), np.int32, 0))
scalar("byteaoctetlen")(rows(len, np.int32, 0))
scalar("textoctetlen")(rows(lambda s: len(s.encode()), np.int32, 0))
scalar("bitlength")(rows(lambda s: 8 * len(s.encode()), np.int32, 0))
# The database's LC_CTYPE is C (pg_database.datctype), where PostgreSQL's lower(), upper() and
# initcap() change only ASCII letters and only ASCII letters and digits make words.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
scalar("lower")(rows(lambda s: s.translate(_ASCII_LOWER)))
scalar("upper")(rows(lambda s: s.translate(_ASCII_UPPER)))
scalar("text_reverse")(rows(lambda s: s[::-1]))
scalar("md5_text")(rows(lambda s: hashlib.md5(s.encode()).hexdigest()))
for _bits in (224, 256, 384, 512):
    scalar(f"sha{_bits}")(rows(lambda b, name=f"sha{_bits}": hashlib.new(name, b).digest()))
scalar("unicode_normalize")(rows(lambda s, form="NFC": unicodedata.normalize(form.upper(), s)))
scalar("md5_bytea")(rows(lambda b: hashlib.md5(b).hexdigest()))
scalar("to_hex32")(rows(lambda v: format(int(v) & 0xFFFFFFFF, "x")))
scalar("to_hex64")(rows(lambda v: format(int(v) & 0xFFFFFFFFFFFFFFFF, "x")))
scalar("ascii")(rows(lambda s: ord(s[0]) if s else 0, np.int32, 0))
scalar("starts_with")(rows(lambda s, p: s.startswith(p), bool, False))
scalar("textpos")(rows(lambda s, p: s.find(p) + 1, np.int32, 0))
scalar("replace_text")(rows(lambda s, a, b: s.replace(a, b) if a else s))
scalar("repeat")(rows(lambda s, k: s * max(int(k), 0)))

_WORD = re.compile(r"[A-Za-z0-9]+|[^A-Za-z0-9]+")


def _initcap(s: str) -> str:
    return "".join(w[0].translate(_ASCII_UPPER) + w[1:].translate(_ASCII_LOWER) if w[0].isascii() and w[0].isalnum()
                   else w for w in _WORD.findall(s))


scalar("initcap")(rows(_initcap))


def text_substr(s: str, start: int, count: int | None = None) -> str:
    start = int(start)
    if count is None:
        return s[max(start, 1) - 1:]
    if count < 0:
        raise SubstringError("negative substring length not allowed")
    end = start + int(count) - 1
    return s[max(start, 1) - 1:end] if end > 0 else ""


scalar("text_substr")(rows(text_substr))


def _trim(side: str):
    def trim(s: str, chars: str = " ") -> str:
        return s.strip(chars) if side == "b" else s.lstrip(chars) if side == "l" else s.rstrip(chars)
    return trim


scalar("btrim")(rows(_trim("b")))
scalar("ltrim")(rows(_trim("l")))
scalar("rtrim")(rows(_trim("r")))


def _pad(left: bool):
    def pad(s: str, length: int, fill: str = " ") -> str:
        length = int(length)
        if length <= 0:
            return ""
        if len(s) >= length or not fill:
            return s[:length]
        need = length - len(s)
        filler = (fill * (need // len(fill) + 1))[:need]
        return filler + s if left else s + filler
    return pad


scalar("lpad")(rows(_pad(True)))
scalar("rpad")(rows(_pad(False)))


def _translate(s: str, src: str, dst: str) -> str:
    table: dict[int, str | None] = {}
    for i, ch in enumerate(src):
        table.setdefault(ord(ch), dst[i] if i < len(dst) else None)
    return s.translate(table)


scalar("translate")(rows(_translate))


def _split_part(s: str, delim: str, field: int) -> str:
    field = int(field)
    if field == 0:
        raise InvalidParameterValue("field position must not be zero")
    parts = s.split(delim) if delim else [s]
    if field < 0:
        field += len(parts) + 1
        if field <= 0:
            return ""
    return parts[field - 1] if field <= len(parts) else ""


scalar("split_part")(rows(_split_part))
scalar("text_left")(rows(lambda s, k: s[:int(k)] if k >= 0 else s[:max(len(s) + int(k), 0)]))
scalar("text_right")(rows(lambda s, k: (s[-int(k):] if k > 0 else "") if k >= 0 else s[min(-int(k), len(s)):]))


def _chr(code: int) -> str:
    code = int(code)
    if code == 0:
        raise ProgramLimitExceeded("null character not permitted")
    if code < 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise ProgramLimitExceeded("requested character too large for encoding: %d" % code if code > 0
                                   else "character number must be positive")
    return chr(code)


scalar("chr")(rows(_chr))


# --- quoting and formatting -------------------------------------------------------------------

def quote_literal(s: str) -> str:
    body = s.replace("'", "''")
    if "\\" in s:
        return "E'" + body.replace("\\", "\\\\") + "'"
    return "'" + body + "'"


scalar("quote_ident")(rows(quote_ident))


def _quote_any(nullable: bool):
    def impl(args, n, ctx, call) -> Column:
        col = args[0]
        out = np.empty(n, dtype=object)
        for i in range(n):
            ok = col.valid is None or col.valid[i]
            out[i] = quote_literal(as_text(col.data[i], call.args[0].type, ctx)) if ok else "NULL" if nullable else None
        valid = None if nullable or col.valid is None else col.valid.copy()
        return Column(out, valid)
    return impl


scalar("quote_literal")(_quote_any(False))
scalar("quote_nullable")(_quote_any(True))


def _texts(args, call, ctx, i: int) -> list:
    """Row i's arguments as text (None for NULL)."""
    return [None if a.valid is not None and not a.valid[i] else as_text(a.data[i], e.type, ctx)
            for a, e in zip(args, call.args)]


@scalar("concat")
def concat(args, n, ctx, call) -> Column:
    return Column(obj_array(["".join(v for v in _texts(args, call, ctx, i) if v is not None) for i in range(n)]))


@scalar("concat_ws")
def concat_ws(args, n, ctx, call) -> Column:
    out, valid = [], np.ones(n, dtype=bool)
    for i in range(n):
        vals = _texts(args, call, ctx, i)
        if vals[0] is None:
            valid[i] = False
            out.append(None)
        else:
            out.append(vals[0].join(v for v in vals[1:] if v is not None))
    return Column(obj_array(out), None if valid.all() else valid)


_SPEC = re.compile(r"%(?:(\d+)\$)?(-)?(\d+|\*)?([sIL%])?")


def format_text(fmt: str, values: list) -> str:
    """format(): %s, %I, %L with optional argument position n$, '-' flag and width."""
    out, pos, nextarg = [], 0, 0
    while True:
        j = fmt.find("%", pos)
        if j < 0:
            out.append(fmt[pos:])
            return "".join(out)
        out.append(fmt[pos:j])
        m = _SPEC.match(fmt, j)
        if m.group(4) == "%" and not any(m.group(k) for k in (1, 2, 3)):
            out.append("%")
            pos = m.end()
            continue
        if m.group(4) is None:
            raise InvalidParameterValue("unterminated format() type specifier" if m.end() >= len(fmt)
                                        else f'unrecognized format() type specifier "{fmt[m.end()]}"',
                                        hint="For a single \"%\" use \"%%\".")
        idx = int(m.group(1)) - 1 if m.group(1) else nextarg
        if idx >= len(values):
            raise InvalidParameterValue("too few arguments for format()")
        nextarg = idx + 1
        value, kind = values[idx], m.group(4)
        if kind == "s":
            piece = "" if value is None else value
        elif kind == "I":
            if value is None:
                raise InvalidParameterValue("null values cannot be formatted as an SQL identifier")
            piece = quote_ident(value)
        else:
            piece = "NULL" if value is None else quote_literal(value)
        width = int(m.group(3)) if m.group(3) and m.group(3) != "*" else 0
        out.append(piece.ljust(width) if m.group(2) else piece.rjust(width))
        pos = m.end()


@scalar("format")
def format_(args, n, ctx, call) -> Column:
    out, valid = [], np.ones(n, dtype=bool)
    for i in range(n):
        vals = _texts(args, call, ctx, i)
        if vals[0] is None:
            valid[i] = False
            out.append(None)
        else:
            out.append(format_text(vals[0], vals[1:]))
    return Column(obj_array(out), None if valid.all() else valid)
