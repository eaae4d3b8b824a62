"""What depends on a relation or column through views, as PostgreSQL's pg_depend records for a
view's rule: a view (or materialized view) depends on each relation its query names, and on each
column of a table its plan reads. Views keep their query as text, so these are found by reading
the views of the database when a DROP or ALTER needs them, not kept in a table of their own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from quantadb.errors import DependentObjectsStillExist, FeatureNotSupported
from quantadb.sql import plan as P
from quantadb.sql.expr import SubqueryExpr, walk
from quantadb.sql.qualify import referenced_relations
from quantadb.storage.catalog import RelationDef

if TYPE_CHECKING:
    from quantadb.engine.session import Session

_VIEW_KINDS = ("v", "m")
VIEW_WORD = {"v": "view", "m": "materialized view"}
CASCADE_HINT = "Use DROP ... CASCADE to drop the dependent objects too."


def dependent_views(session: "Session", rel_oid: int, attnum: int | None = None) -> list[RelationDef]:
    """The views whose query names `rel_oid` (and, with `attnum`, reads that column of it)."""
    catalog = session.catalog()
    found = []
    for view in catalog.relations():
        if view.kind not in _VIEW_KINDS or view.oid == rel_oid or rel_oid not in named_relations(session, view):
            continue
        if attnum is None or attnum in _columns_read(session, view, rel_oid):
            found.append(view)
    return found


def drop_dependent_views(session: "Session", what: str, rel_oid: int, cascade: bool,
                         attnum: int | None = None, dropping: set[int] = frozenset()) -> None:
    """Before `what` (`table t`, `column b of table t`) goes: without CASCADE, 2BP01 naming the
    views on it; with it, those views and the views on them go first (a NOTICE lists them).
    `dropping`: relations the same statement drops, which need no CASCADE."""
    views = [v for v in dependent_views(session, rel_oid, attnum) if v.oid not in dropping]
    if not views:
        return
    if not cascade:
        raise DependentObjectsStillExist(
            f"cannot drop {what} because other objects depend on it",
            detail="\n".join(f"{VIEW_WORD[v.kind]} {v.name} depends on {what}" for v in views), hint=CASCADE_HINT)
    order = with_their_dependents(session, views)
    from quantadb.engine.ddl.common import notice_cascade
    notice_cascade(session, [f"{VIEW_WORD[v.kind]} {v.name}" for v in order])
    store, txn = session.store, session.state.txn
    for view in reversed(order):  # the views on views first
        store.drop_relation(txn, view.oid)


def refuse_retype(session: "Session", rel: RelationDef, attnum: int, name: str) -> None:
    """ALTER COLUMN TYPE of a column a view reads: 0A000, as PostgreSQL."""
    views = dependent_views(session, rel.oid, attnum)
    if views:
        view = views[0]
        raise FeatureNotSupported("cannot alter type of a column used by a view or rule",
                                  detail=f'rule _RETURN on {VIEW_WORD[view.kind]} {view.name} depends on column "{name}"')


def with_their_dependents(session: "Session", views: list[RelationDef]) -> list[RelationDef]:
    order: list[RelationDef] = []
    pending = list(views)
    while pending:
        view = pending.pop(0)
        if any(v.oid == view.oid for v in order):
            continue
        order.append(view)
        pending.extend(dependent_views(session, view.oid))
    return order


def named_relations(session: "Session", view: RelationDef) -> set[int]:
    """The relations a view's query names (its own WITH queries aside)."""
    catalog = session.catalog()
    hits = (catalog.resolve_relation(parts) for parts in referenced_relations(view.view_sql))
    return {hit.relation.oid for hit in hits if hit is not None and hit.relation is not None}


def _columns_read(session: "Session", view: RelationDef, rel_oid: int) -> set[int]:
    """The columns of `rel_oid` the view's plan reads, its subqueries' and WITH queries' included."""
    from quantadb.engine import statements as S  # statements binds through the ddl package
    read: set[int] = set()
    stack = [S.bind(session, S.Statement(view.view_sql), []).plan]
    while stack:
        node = stack.pop()
        if isinstance(node, (P.TableScan, P.IndexScan)) and node.rel_oid == rel_oid:
            read.update(node.attnums)
        if isinstance(node, P.CteScan) and node.cte.plan is not None:
            stack.append(node.cte.plan)
        stack.extend(node.children())
        stack.extend(sub.plan for e in P.plan_expressions(node) for sub in walk(e) if isinstance(sub, SubqueryExpr))
    return read
