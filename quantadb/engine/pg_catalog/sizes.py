"""Size functions: pg_relation_size, pg_table_size, pg_indexes_size, pg_total_relation_size,
pg_database_size, pg_size_pretty and pg_size_bytes. Sizes are the bytes the in-memory column segments and
index arrays hold."""

from __future__ import annotations

import decimal
import re
from decimal import Decimal

from quantadb.engine.pg_catalog.functions import define
from quantadb.errors import InvalidParameterValue
from quantadb.types.registry import INT8, NAME, NUMERIC, OID, REGCLASS, TEXT

_UNITS = ("kB", "MB", "GB", "TB", "PB")


def _bytes(session, oid: int) -> int:
    """What a table's segments or an index's arrays hold; 0 for relations without storage."""
    state = session.store.state
    stored = state.tables[oid] if oid in state.tables else state.indexes.get(oid)
    return int(stored.nbytes()) if stored is not None else 0


def _indexes(session, oid: int) -> int:
    return sum(_bytes(session, index.oid) for index in session.catalog().indexes_of(oid))


@define("pg_relation_size", ((REGCLASS,), (REGCLASS, TEXT)), INT8)
@define("pg_table_size", ((REGCLASS,),), INT8)
def pg_relation_size(session, oid, fork="main"):
    return _bytes(session, oid) if fork == "main" else 0


@define("pg_indexes_size", ((REGCLASS,),), INT8)
def pg_indexes_size(session, oid):
    return _indexes(session, oid)


@define("pg_total_relation_size", ((REGCLASS,),), INT8)
def pg_total_relation_size(session, oid):
    return _bytes(session, oid) + _indexes(session, oid)


@define("pg_database_size", ((NAME,), (OID,)), INT8)
def pg_database_size(session, database):
    return int(session.db.stats()["data_dir_bytes"])


@define("pg_size_pretty", ((INT8,), (NUMERIC,)), TEXT)
def pg_size_pretty(session, size):
    """PostgreSQL's rounding: bytes below 10240, then halve-and-round into kB, MB, ..."""
    size = int(size)
    limit = 10 * 1024
    if abs(size) < limit:
        return f"{size} bytes"
    size >>= 9
    for unit in _UNITS:
        if abs(size) < limit * 2 - 1 or unit == _UNITS[-1]:
            return f"{_half_rounded(size)} {unit}"
        size >>= 10
    raise AssertionError("unreachable")


def _half_rounded(x: int) -> int:
    return int((x + (-1 if x < 0 else 1)) / 2)


_SIZE = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*")
_MULTIPLIERS = {"bytes": 1, **{unit.lower(): 1 << (10 * (k + 1)) for k, unit in enumerate(_UNITS)}}


@define("pg_size_bytes", ((TEXT,),), INT8)
def pg_size_bytes(session, text):
    """pg_size_pretty's units read back: a number, then bytes, kB, MB, GB, TB or PB (any case)."""
    m = _SIZE.fullmatch(text)
    if m is None:
        raise InvalidParameterValue(f'invalid size: "{text}"')
    number, unit = m.groups()
    multiplier = _MULTIPLIERS.get(unit.lower(), 0) if unit else 1
    if not multiplier:
        raise InvalidParameterValue(f'invalid size: "{text}"', detail=f'Invalid size unit: "{unit}".',
                                    hint='Valid units are "bytes", "kB", "MB", "GB", "TB", and "PB".')
    value = Decimal(number) * multiplier
    return int(value.to_integral_value(decimal.ROUND_HALF_UP))
