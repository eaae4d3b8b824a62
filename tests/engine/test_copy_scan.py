"""engine/copy_scan.py against the types' input functions: on random fields (valid, at the
edges of what the byte decoders take, and invalid), a column decoded from its bytes holds the
same values and display scales as one decoded a value at a time, or the byte decoder declines
(None) and the exact path decides. In-process, no server."""

from __future__ import annotations

import random

import pytest

from quantadb.engine.copy_scan import decode_fields, field_strs, scan_plain
from quantadb.errors import SqlError
from quantadb.exec.columns import from_values
from quantadb.types import registry as R
from quantadb.types.casts import coerce_typmod
from quantadb.types.codecs import text_decoder

ODD_NUMBERS = ["", "-", "+", ".", "1.", ".5", "-.5", "1..2", "1.2.3", " 1", "1 ", "1e5", "NaN", "0x10", "1_000",
               "١", "9223372036854775807", "-9223372036854775808", "2147483648", "-2147483648", "2147483647",
               "32767", "-32769", "00000000000000000001", "1a", "12345678.123456789", "-0.000"]
ODD_DATES = ["2020-02-30", "2021-02-29", "2024-02-29", "0000-01-01", "2020-13-01", "2020-1-01", "20200101",
             "2020/01/01", "infinity", "2020-00-10", "9999-12-31", "0001-01-01", "2020-01-0a", "2020-01-01 BC"]
STRINGS = ["", "a", "ab", "abcdefgh", "abcdefghi", "héllo", "日本語テキスト", "x" * 20, "y" * 130, "a b", "a ", " a"]


NULL = "\\N"


def _number(rnd: random.Random, point: bool) -> str:
    if rnd.random() < 0.05:
        return rnd.choice(ODD_NUMBERS)
    digits = "".join(rnd.choice("0123456789") for _ in range(rnd.randint(1, rnd.choice([3, 9, 12, 17]))))
    sign = rnd.choice(["", "", "-", "+"])
    if point and rnd.random() < 0.6:
        return f"{sign}{digits}.{''.join(rnd.choice('0123456789') for _ in range(rnd.randint(1, 9)))}"
    return sign + digits


def _date(rnd: random.Random) -> str:
    if rnd.random() < 0.1:
        return rnd.choice(ODD_DATES)
    return f"{rnd.randint(1, 9999):04d}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"


def _string(rnd: random.Random) -> str:
    if rnd.random() < 0.7:
        return rnd.choice(STRINGS)
    return "".join(rnd.choice("abc") for _ in range(rnd.randint(0, 20)))


KINDS = [(R.SqlType(R.INT2), lambda r: _number(r, False)), (R.SqlType(R.INT4), lambda r: _number(r, False)),
         (R.SqlType(R.INT8), lambda r: _number(r, False)), (R.SqlType(R.NUMERIC), lambda r: _number(r, True)),
         (R.SqlType(R.NUMERIC, (15 << 16 | 2) + 4), lambda r: _number(r, True)),
         (R.SqlType(R.NUMERIC, (18 << 16 | 9) + 4), lambda r: _number(r, True)),
         (R.SqlType(R.DATE), _date), (R.SqlType(R.TEXT), _string), (R.SqlType(R.BPCHAR, 5 + 4), _string),
         (R.SqlType(R.VARCHAR, 12 + 4), _string)]


def _exact(t: R.SqlType, values: list[str | None]):
    decode = text_decoder(t)
    try:
        return coerce_typmod(from_values([None if v is None else decode(v) for v in values], t), t, False)
    except SqlError as e:
        return e.sqlstate


def _shown(col) -> list:
    """Each value as text (None = NULL): Decimals keep their display scale."""
    return [None if col.valid is not None and not col.valid[i] else str(v) for i, v in enumerate(col.data.tolist())]


@pytest.mark.parametrize("seed", range(4))
def test_byte_decoders_agree_with_input_functions(seed):
    rnd = random.Random(seed)
    decided = 0
    for _ in range(600):
        t, make = rnd.choice(KINDS)
        values = [make(rnd) for _ in range(rnd.randint(1, 40))]
        if t.pg is R.NUMERIC and rnd.random() < 0.4:  # one scale for all, the common case
            values = [f"{rnd.randint(-10 ** 6, 10 ** 6)}.{rnd.randint(0, 99):02d}" for _ in values]
        if rnd.random() < 0.3:
            values = [None if rnd.random() < 0.3 else v for v in values]
        data = "".join(f"{i}\t{NULL if v is None else v}\n" for i, v in enumerate(values)).encode()
        chunk = scan_plain(data, "\t", 2)
        assert chunk is not None
        assert field_strs(chunk, 1) == values
        try:
            got = decode_fields(t, chunk, 1)
            got = got if got is None else coerce_typmod(got, t, False)
        except SqlError as e:
            got = e.sqlstate
        if got is None:
            continue
        decided += 1
        want = _exact(t, values)
        if isinstance(want, str) or isinstance(got, str):  # an error (a typmod's): the same one
            assert got == want, f"{t}: {values}"
        else:
            assert _shown(got) == _shown(want), f"{t}: {values}"
    assert decided > 200


@pytest.mark.parametrize("data, width, csv", [
    (b"1\t2\n3\n", 2, False),  # a short line
    (b"1\t2\n\n", 2, False),  # an empty line
    (b"a\n\nb\n", 1, False),  # an empty line is a row (of one empty field)
    (b"a\\tb\n", 1, False),  # an escape
    (b"\\.\n", 1, False),  # the end marker
    (b"a\r\n", 1, False),
    (b"a\x00b\n", 1, False),
    (b"1\t2", 2, False),  # no newline at the end
    (b'"a",1\n', 2, True),  # a quote in CSV
    (b"a,1\n\\.\n", 2, True),  # CSV's end marker
])
def test_scan_declines_what_needs_the_exact_path(data, width, csv):
    assert scan_plain(data, "," if csv else "\t", width, '"' if csv else None) is None


def test_scan_csv_empty_fields_are_null():
    chunk = scan_plain(b"1,,x\n,\\N,\n", ",", 3, '"')
    assert chunk is not None
    assert [field_strs(chunk, i) for i in range(3)] == [["1", None], [None, "\\N"], ["x", None]]
