"""What follows a rename. PostgreSQL's views, defaults and the like hold OIDs, so renaming a
relation, a column or a schema changes nothing in them but how they print. QuantaDB keeps them
as SQL text, so a rename rewrites the texts that name what it renames:

- views and materialized views: their query, bound while the old names still resolve, is
  rewritten from what its names resolved to (sql/view_refs.py);
- column defaults: the relation a regclass constant names (`nextval('s'::regclass)`);
- the expressions of the renamed table itself (CHECK, generation and index expressions,
  triggers' WHEN) name only its columns: RENAME COLUMN rewrites them (generated.py).

`following(...)` is computed before the rename, while the old names resolve; `store_followed`
keeps it after.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from quantadb.engine.ddl.view_deps import named_relations
from quantadb.errors import SqlError
from quantadb.sql.bind_query import QueryBinder
from quantadb.sql.quoting import quote_ident
from quantadb.sql.stored_exprs import rename_regclass
from quantadb.sql.typenames import user_types
from quantadb.sql.view_refs import RecordedQuery, recorded_query
from quantadb.storage.catalog import RelationDef
from quantadb.types.enums import uncommitted_labels

if TYPE_CHECKING:
    from quantadb.engine.session import Session

Followed = dict[int, dict[str, Any]]  # relation oid -> the fields of its RelationDef that change


def recorded_view_query(session: "Session", text: str) -> RecordedQuery:
    """A view's query bound as the session sees the catalog now, noting what its names are."""
    queries = QueryBinder(session.catalog(), [], session.format_context)
    with user_types(session.resolve_type), uncommitted_labels(session.state.new_enum_labels):
        return recorded_query(queries, text)


def following(session: "Session", relations: dict[int, tuple[str, str]] | None = None,
              columns: dict[tuple[int, int], str] | None = None,
              output: tuple[int, int, str] | None = None, schema: tuple[str, str] | None = None) -> Followed:
    """Before a rename of relations ({oid: (schema, new name)}) or columns ({(oid, attnum): new
    name}); `output` (view oid, position, name): a view's own column renamed (ALTER VIEW RENAME
    COLUMN); `schema` (old, new): a schema renamed, which its functions' calls follow. The
    changes of the relations whose texts name them."""
    relations, columns = relations or {}, columns or {}
    changes: Followed = {}
    for rel in session.catalog().relations():
        if rel.kind in ("v", "m"):
            text = _view_following(session, rel, relations, columns, output, schema)
            if text is not None:
                changes[rel.oid] = {"view_sql": text}
        elif relations and rel.kind in ("r", "p"):
            defaults = _defaults_following(session, rel, relations)
            if defaults != rel.columns:
                changes[rel.oid] = {"columns": defaults}
    return changes


def store_followed(session: "Session", changes: Followed) -> None:
    """Keep the changes `following` found, after the rename itself."""
    store, txn = session.store, session.state.txn
    for oid, fields in changes.items():
        store.alter_relation(txn, replace(store.catalog.relation(store.snapshot(txn), oid), **fields))


def _view_following(session: "Session", view: RelationDef, relations: dict[int, tuple[str, str]],
                    columns: dict[tuple[int, int], str], output: tuple[int, int, str] | None,
                    schema: tuple[str, str] | None) -> str | None:
    own = output is not None and output[0] == view.oid
    affected = set(relations) | {oid for oid, _ in columns}
    if not (own or affected & named_relations(session, view) or schema is not None and schema[0] in view.view_sql):
        return None
    try:
        query = recorded_view_query(session, view.view_sql)
    except SqlError:  # a view that no longer binds keeps its text
        return None
    query.expand_stars()
    query.rename(relations, columns)
    if schema is not None:
        query.rename_schema(*schema)
    if own:
        query.rename_output(output[1], output[2])
    return query.text()


def _defaults_following(session: "Session", table: RelationDef, relations: dict[int, tuple[str, str]]):
    catalog = session.catalog()

    def renamed(name: str) -> str | None:
        try:
            oid = catalog.regclass("regclass", name)
        except SqlError:
            return None
        if oid not in relations:
            return None
        schema, new = relations[oid]
        return f"{quote_ident(schema)}.{quote_ident(new)}"
    return tuple(replace(c, default=rename_regclass(c.default, renamed))
                 if c.default and not c.generated and not c.dropped else c for c in table.columns)
