"""What an index records of each key besides its column: COLLATE, the operator class, ASC|DESC
and NULLS FIRST|LAST (pg_index.indcollation, indclass, indoption), checked as PostgreSQL's
CREATE INDEX checks them, and given back as CREATE INDEX names them (an index rebuilt or
copied keeps them).

The ordered index keeps its keys ascending whatever the options: a DESC key is read backwards
(sql/index_order.py), and NULLs are never in it. Classes and collations order strings alike
here (byte order), so they are recorded and shown only.
"""

from __future__ import annotations

from dataclasses import replace

from quantadb.errors import FeatureNotSupported
from quantadb.sql import ddl_stmts as D
from quantadb.sql.bind_support import COLLATIONS, check_collation_name, type_name
from quantadb.sql.opclasses import default_opclass, opclass_name, resolve_opclass
from quantadb.storage.catalog import INDOPTION_DESC, INDOPTION_NULLS_FIRST, RelationDef, key_setting
from quantadb.types import registry as R
from quantadb.types.registry import SqlType

DEFAULT_COLLATION, C_COLLATION = 100, 950
COLLATION_NAMES = {oid: name for name, oid in COLLATIONS.items()}


def with_key_settings(index: RelationDef, types: list[SqlType], elements: tuple[D.IndexElement, ...]) -> RelationDef:
    """`index` with what `elements` (over keys of `types`) say of each key besides its column."""
    method = index.method
    options, opclasses, collations = [], [], []
    for element, t in zip(elements, types):
        if method != "btree" and (element.desc is not None or element.nulls_first):
            what = "ASC/DESC" if element.desc is not None else "NULLS FIRST/LAST"
            raise FeatureNotSupported(f'access method "{method}" does not support {what} options')
        desc = bool(element.desc)
        nulls_first = desc if element.nulls_first is None else element.nulls_first
        options.append(INDOPTION_DESC * desc + INDOPTION_NULLS_FIRST * nulls_first)
        opclass = 0
        if element.opclass is not None:
            opclass = resolve_opclass(element.opclass, t, method, type_name(t))
            opclass = 0 if opclass == default_opclass(t, method) else opclass
        opclasses.append(opclass)
        collation = 0
        if element.collation is not None:
            check_collation_name(element.collation, t)
            collation = 0 if element.collation == "default" else COLLATIONS[element.collation]
        collations.append(collation)
    return replace(index, index_options=_listed(options), index_opclasses=_listed(opclasses),
                   index_collations=_listed(collations))


def _listed(values: list[int]) -> tuple[int, ...]:
    """Per key values, () when all are 0 (the defaults, as an index made before they existed)."""
    return tuple(values) if any(values) else ()


def element_options(index: RelationDef, position: int) -> dict:
    """The IndexElement fields that give key `position` of `index` its settings again."""
    option = key_setting(index.index_options, position)
    opclass = key_setting(index.index_opclasses, position)
    collation = key_setting(index.index_collations, position)
    return {"desc": True if option & INDOPTION_DESC else None, "nulls_first": bool(option & INDOPTION_NULLS_FIRST),
            "opclass": opclass_name(opclass) if opclass else None,
            "collation": COLLATION_NAMES.get(collation) if collation else None}


def collation_of(t: R.PgType) -> int:
    """A type's collation (pg_type.typcollation), which its columns have."""
    if t is R.NAME:
        return C_COLLATION
    return DEFAULT_COLLATION if t.category == "S" and t is not R.CHAR else 0


def key_types(index: RelationDef, table: RelationDef | None) -> list[SqlType | None]:
    """The types of the index's key columns (None for one its table no longer has)."""
    by_num = {c.attnum: c.type for c in table.columns} if table is not None else {}
    return [by_num.get(a) for a in index.index_columns]


def key_opclasses(index: RelationDef, table: RelationDef | None) -> list[int]:
    """pg_index.indclass: each key's operator class, the default of its type where none was named."""
    return [key_setting(index.index_opclasses, i) or (default_opclass(t, index.method) if t is not None else 0)
            for i, t in enumerate(key_types(index, table))]


def key_collations(index: RelationDef, table: RelationDef | None) -> list[int]:
    """pg_index.indcollation: each key's collation, its column's where COLLATE named none."""
    return [key_setting(index.index_collations, i) or (collation_of(t.pg) if t is not None else 0)
            for i, t in enumerate(key_types(index, table))]
