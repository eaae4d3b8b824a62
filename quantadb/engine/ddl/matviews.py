"""Materialized views: a stored query whose rows are kept in a table of their own (relkind 'm'),
filled at CREATE (unless WITH NO DATA) and replaced by REFRESH MATERIALIZED VIEW."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.ddl.common import (
    check_new_name,
    creation_namespace,
    fill_from_query,
    new_relation,
    query_columns,
    require_owner,
    session_txn,
    stored_query,
)
from quantadb.engine.results import Result
from quantadb.errors import FeatureNotSupported, UndefinedTable
from quantadb.sql import ddl_stmts as D

if TYPE_CHECKING:
    from quantadb.engine.session import Session


def create_matview(session: "Session", stmt: D.CreateMatView) -> Result:
    ns, name = creation_namespace(session, stmt.name)
    if not check_new_name(session, ns, name, stmt.if_not_exists):
        return Result(tag="CREATE MATERIALIZED VIEW")
    query = stored_query(session, stmt.query)
    store, txn = session.store, session_txn(session)
    rel = new_relation(session, store.allocate_oid(txn), ns, name, "m",
                       query_columns(session, query, stmt.column_names), view_sql=query, populated=stmt.with_data)
    store.create_relation(txn, rel)
    if not stmt.with_data:
        return Result(tag="CREATE MATERIALIZED VIEW")
    return Result(tag=f"SELECT {fill_from_query(session, rel, query)}")


def refresh_matview(session: "Session", stmt: D.RefreshMatView) -> Result:
    hit = session.catalog().resolve_relation(list(stmt.name))
    if hit is None or hit.relation is None:
        raise UndefinedTable(f'relation "{".".join(stmt.name)}" does not exist')
    rel = hit.relation
    if rel.kind != "m":
        raise FeatureNotSupported(f'"{rel.name}" is not a materialized view')
    require_owner(session, rel)
    if stmt.concurrently and not rel.populated:
        raise FeatureNotSupported("CONCURRENTLY cannot be used when the materialized view is not populated")
    store, txn = session.store, session_txn(session)
    store.truncate(txn, rel.oid)
    if rel.populated != stmt.with_data:
        rel = replace(rel, populated=stmt.with_data)
        store.alter_relation(txn, rel)
    if stmt.with_data:
        fill_from_query(session, rel, rel.view_sql)
    return Result(tag="REFRESH MATERIALIZED VIEW")
