"""The relations a stored query names: schema-qualified once when it is stored, and listed for
pg_depend.

PostgreSQL binds a view to the relations its definition named at CREATE VIEW time; a later
search_path does not change what it reads, and pg_get_viewdef prints names that restore under
pg_dump's empty search_path. QuantaDB keeps view definitions as SQL text, so the text is
rewritten once with every relation qualified by the schema it resolved to."""

from __future__ import annotations

from typing import Callable

from sqlglot import exp

from quantadb.sql.parse import parse_sql, to_sql


def qualify_relations(query: str, schema_of: Callable[[list[str]], str | None],
                      function_schema: Callable[[str], str | None] = lambda name: None) -> str:
    """`query` with each unqualified relation name replaced by schema.name; `schema_of` gives the
    schema a name resolves to (None: leave it, e.g. an error the binder reports anyway). Calls of
    user functions are qualified likewise by `function_schema`."""
    tree = parse_sql(query)
    for call in list(tree.find_all(exp.Anonymous)):
        schema = None if isinstance(call.parent, exp.Dot) else function_schema(call.name.lower())
        if schema is not None:
            call.replace(exp.Dot(this=exp.to_identifier(schema, quoted=schema != schema.lower()),
                                 expression=call.copy()))
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if table.args.get("db") is not None or not isinstance(table.this, exp.Identifier) or table.name in ctes:
            continue
        schema = schema_of([table.name])
        if schema is not None:
            table.set("db", exp.to_identifier(schema, quoted=schema != schema.lower() or not schema.isidentifier()))
    return to_sql(tree)


def referenced_relations(query: str) -> list[list[str]]:
    """The relation names (as written, qualified or not) a query reads, CTE names left out."""
    tree = parse_sql(query)
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    return [[p.name for p in (t.args.get("db"), t.this) if p is not None]
            for t in tree.find_all(exp.Table)
            if isinstance(t.this, exp.Identifier) and not (t.args.get("db") is None and t.name in ctes)]
