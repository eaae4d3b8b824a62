"""Registration of the generated catalog relations.

Every relation in `SHAPES` becomes a `VirtualTable` the binder resolves (pg_catalog first on
the search path) and a row generator the executor calls at run time. A topic module declares
the rows of one relation with `@rows("pg_catalog.pg_class")`: its function returns one dict per
row keyed by column name; columns left out take PostgreSQL's catalog defaults (0 for OIDs and
counts, false for flags, NULL otherwise; always NULL in information_schema). Relations with no
generator are empty.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Callable, Iterable

from quantadb.engine.pg_catalog.shapes import SHAPES
from quantadb.engine.services import VIRTUAL_GENERATORS, virtual_table
from quantadb.sql.catalog import VirtualTable, register_virtual
from quantadb.sql.plan import PlanColumn
from quantadb.sql.typenames import parse_type_name
from quantadb.types import registry as R

if TYPE_CHECKING:
    from quantadb.engine.session import Session

Row = dict[str, object]
_ZERO_DEFAULT = (R.OID, R.INT2, R.INT4, R.INT8, R.FLOAT4, R.FLOAT8, R.XID, R.REGPROC, R.REGCLASS, R.REGTYPE)


def _columns(spec: str) -> tuple[PlanColumn, ...]:
    out = []
    for item in spec.split(", "):
        name, _, type_text = item.partition(" ")
        out.append(PlanColumn(name, parse_type_name(type_text)))
    return tuple(out)


TABLES: dict[str, VirtualTable] = {}
for (_schema, _name), (_oid, _spec) in SHAPES.items():
    TABLES[f"{_schema}.{_name}"] = VirtualTable(_schema, _name, _columns(_spec), _oid)


def _default(table: VirtualTable, column: PlanColumn) -> object:
    if table.schema == "information_schema":
        return None
    if column.type.pg is R.BOOL:
        return False
    if column.type.pg in _ZERO_DEFAULT:
        return 0
    return None


def _tuples(table: VirtualTable, fn: Callable[["Session"], Iterable[Row]]) -> Callable[["Session"], list[tuple]]:
    names = [c.name for c in table.columns]
    defaults = [_default(table, c) for c in table.columns]

    def generate(session: "Session") -> list[tuple]:
        return [tuple(row.get(n, d) for n, d in zip(names, defaults)) for row in fn(session)]
    return generate


def rows(source: str) -> Callable:
    """Declare the row generator of the relation `source` ("schema.name")."""
    table = TABLES[source]

    def register(fn: Callable[["Session"], Iterable[Row]]) -> Callable:
        virtual_table(source)(_tuples(table, fn))
        return fn
    return register


def register_all() -> None:
    """Make every relation resolvable; the ones without a generator yield no rows."""
    for source, table in TABLES.items():
        register_virtual(table)
        if source not in VIRTUAL_GENERATORS:
            virtual_table(source)(_tuples(table, _no_rows))


def _no_rows(session: "Session") -> list[Row]:
    return []


def stable_oid(key: str, taken: set[int], low: int, high: int) -> int:
    """An OID in [low, high) derived from `key`, the same on every start (probing past `taken`)."""
    oid = low + zlib.crc32(key.encode()) % (high - low)
    while oid in taken:
        oid = low if oid + 1 >= high else oid + 1
    taken.add(oid)
    return oid
