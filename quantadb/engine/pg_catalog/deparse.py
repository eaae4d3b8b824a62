"""SQL text of catalog objects, as pg_get_indexdef / pg_get_constraintdef / pg_get_viewdef and
the pg_indexes view print them (PostgreSQL's ruleutils.c spelling)."""

from __future__ import annotations

import re

from quantadb.engine.catalog_view import RegNames, SessionCatalog
from quantadb.errors import SqlError
from quantadb.storage.catalog import ConstraintDef, RelationDef

_FK_ACTIONS = {"r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
_PLAIN = set("abcdefghijklmnopqrstuvwxyz0123456789_")


def quote_ident(name: str) -> str:
    if name and (name[0].isalpha() or name[0] == "_") and set(name) <= _PLAIN:
        return name
    return '"' + name.replace('"', '""') + '"'


def qualified(catalog: SessionCatalog, rel: RelationDef, *, visible_bare: bool = False) -> str:
    """schema.name, or the bare name when `visible_bare` and the search path finds it."""
    schema = catalog.namespace_name(rel.namespace)
    if visible_bare and is_visible(catalog, rel):
        return quote_ident(rel.name)
    return f"{quote_ident(schema)}.{quote_ident(rel.name)}"


def is_visible(catalog: SessionCatalog, rel: RelationDef) -> bool:
    hit = catalog.resolve_relation([rel.name])
    return hit is not None and hit.relation is not None and hit.relation.oid == rel.oid


def column_names(rel: RelationDef | None, attnums: tuple[int, ...]) -> str:
    by_num = {c.attnum: c.name for c in rel.columns} if rel is not None else {}
    return ", ".join(quote_ident(by_num.get(a, str(a))) for a in attnums)


def index_def(catalog: SessionCatalog, index: RelationDef) -> str:
    table = catalog.relation(index.table_oid)
    unique = "UNIQUE " if index.unique else ""
    target = qualified(catalog, table) if table is not None else str(index.table_oid)
    return (f"CREATE {unique}INDEX {quote_ident(index.name)} ON {target} USING {index.method} "
            f"({column_names(table, index.index_columns)})")


def constraint_def(catalog: SessionCatalog, table: RelationDef, con: ConstraintDef) -> str:
    if con.kind == "p":
        return f"PRIMARY KEY ({column_names(table, con.columns)})"
    if con.kind == "u":
        return f"UNIQUE ({column_names(table, con.columns)})"
    if con.kind == "c":
        text = con.check or ""
        return f"CHECK ({text})" if not (text.startswith("(") and text.endswith(")")) else f"CHECK {text}"
    ref = catalog.relation(con.ref_table)
    target = qualified(catalog, ref, visible_bare=True) if ref is not None else str(con.ref_table)
    out = f"FOREIGN KEY ({column_names(table, con.columns)}) REFERENCES {target}({column_names(ref, con.ref_columns)})"
    if con.on_update in _FK_ACTIONS:
        out += f" ON UPDATE {_FK_ACTIONS[con.on_update]}"
    if con.on_delete in _FK_ACTIONS:
        out += f" ON DELETE {_FK_ACTIONS[con.on_delete]}"
    return out


def find_constraint(catalog: SessionCatalog, oid: int) -> tuple[RelationDef, ConstraintDef] | None:
    for rel in catalog.relations():
        for con in rel.constraints:
            if con.oid == oid:
                return rel, con
    return None


def view_def(view: RelationDef) -> str:
    text = view.view_sql.strip().rstrip(";")
    return f" {text};"


_REGCLASS_LITERAL = re.compile(r"'((?:[^']|'')*)'::regclass")


def stored_expression(session, text: str) -> str:
    """A stored expression (a column default) as pg_get_expr prints it: 'name'::regclass
    constants name their relation qualified only when the search path would not find it."""
    return _REGCLASS_LITERAL.sub(lambda m: _regclass_literal(session, m), text)


def _regclass_literal(session, match: re.Match) -> str:
    try:
        oid = session.catalog().regclass("regclass", match.group(1).replace("''", "'"))
    except SqlError:
        return match.group(0)  # a relation dropped since: printed as stored
    return "'" + RegNames(session).name("regclass", oid).replace("'", "''") + "'::regclass"
