"""The system views over relations: pg_tables, pg_views, pg_matviews, pg_indexes, pg_sequences."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from quantadb.engine.pg_catalog.deparse import index_def, view_def
from quantadb.engine.pg_catalog.tables import TABLES, Row, rows

if TYPE_CHECKING:
    from quantadb.engine.session import Session


def _owner_name(session: "Session", oid: int) -> str:
    role = session.store.catalog.role(session.catalog().snap, oid)
    return role.name if role is not None else str(oid)


@rows("pg_catalog.pg_tables")
def pg_tables(session: "Session") -> Iterator[Row]:
    catalog = session.catalog()
    relations = catalog.relations()
    with_index = {r.table_oid for r in relations if r.kind == "i"}
    for rel in relations:
        if rel.kind in ("r", "p"):
            yield {"schemaname": catalog.namespace_name(rel.namespace), "tablename": rel.name,
                   "tableowner": _owner_name(session, rel.owner), "hasindexes": rel.oid in with_index}
    for table in TABLES.values():
        if table.schema == "pg_catalog" and table.oid < 10000:
            yield {"schemaname": table.schema, "tablename": table.name, "tableowner": "postgres"}


@rows("pg_catalog.pg_views")
def pg_views(session: "Session") -> Iterator[Row]:
    catalog = session.catalog()
    for rel in catalog.relations():
        if rel.kind == "v":
            yield {"schemaname": catalog.namespace_name(rel.namespace), "viewname": rel.name,
                   "viewowner": _owner_name(session, rel.owner), "definition": view_def(rel)}
    for table in TABLES.values():
        if table.oid >= 10000:
            yield {"schemaname": table.schema, "viewname": table.name, "viewowner": "postgres"}


@rows("pg_catalog.pg_matviews")
def pg_matviews(session: "Session") -> Iterator[Row]:
    catalog = session.catalog()
    relations = catalog.relations()
    with_index = {r.table_oid for r in relations if r.kind == "i"}
    for rel in relations:
        if rel.kind == "m":
            yield {"schemaname": catalog.namespace_name(rel.namespace), "matviewname": rel.name,
                   "matviewowner": _owner_name(session, rel.owner), "hasindexes": rel.oid in with_index,
                   "ispopulated": rel.populated, "definition": view_def(rel)}


@rows("pg_catalog.pg_indexes")
def pg_indexes(session: "Session") -> Iterator[Row]:
    catalog = session.catalog()
    for rel in catalog.relations():
        if rel.kind != "i":
            continue
        table = catalog.relation(rel.table_oid)
        yield {"schemaname": catalog.namespace_name(rel.namespace),
               "tablename": table.name if table is not None else None, "indexname": rel.name,
               "indexdef": index_def(session, rel)}


@rows("pg_catalog.pg_sequences")
def pg_sequences(session: "Session") -> Iterator[Row]:
    catalog = session.catalog()
    for rel in catalog.relations():
        seq = rel.sequence
        if rel.kind != "S" or seq is None:
            continue
        last, is_called = session.store.sequence_state(rel.oid)
        yield {"schemaname": catalog.namespace_name(rel.namespace), "sequencename": rel.name,
               "sequenceowner": _owner_name(session, rel.owner), "data_type": seq.type_oid,
               "start_value": seq.start, "min_value": seq.min_value, "max_value": seq.max_value,
               "increment_by": seq.increment, "cycle": seq.cycle, "cache_size": seq.cache,
               "last_value": last if is_called else None}

