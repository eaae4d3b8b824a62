"""A view's query follows renames, as PostgreSQL's stored query tree does by holding OIDs.

QuantaDB keeps a view's query as SQL text. Binding that text with a `References` recorder
notes what each name in it resolved to: the relation of each FROM item, the relation column of
each column reference, the columns each `*` expanded to. From those the text is rewritten to
name the objects anew after a rename, the way pg_get_viewdef prints PostgreSQL's tree:

- `*` is expanded when the view is created (PostgreSQL's tree has no stars either), so a
  column added to a table later is not a column of the view;
- a renamed table column is named anew, and a select-list item that took its output name from
  it keeps that name (`SELECT a FROM t` becomes `SELECT t.b AS a FROM t`);
- a renamed relation, or one moved to another schema, is named anew, and so are the
  qualifiers of its columns where they named it;
- a relation in a USING or NATURAL join, whose column names the join matches on, or in an
  aliased join, whose columns take their names, keeps its old column names through a column
  alias list instead (`JOIN t t(a, b) USING (a)`), as PostgreSQL prints such a join.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from quantadb.sql.parse import parse_sql, to_sql
from quantadb.sql.quoting import ident
from quantadb.sql.scope import Origin, Scope, ScopeColumn


@dataclass
class References:
    """What a query's names resolved to, recorded by the binder (QueryBinder.recorder)."""

    relations: list[tuple[exp.Table, int, list[str]]] = field(default_factory=list)  # item, OID, column names
    columns: list[tuple[exp.Column, Origin]] = field(default_factory=list)
    stars: list[tuple[exp.Expression, list[ScopeColumn]]] = field(default_factory=list)
    rows: list[tuple[exp.Column, object]] = field(default_factory=list)  # `t` or `t.*` as a value, t's item

    def column(self, node: exp.Column, scope: Scope, depth: int, index: int) -> None:
        for _ in range(depth):
            scope = scope.parent
        origin = scope.columns[index].origin
        if origin is not None:
            self.columns.append((node, origin))

    def whole_row(self, node: exp.Column, scope: Scope, alias: str) -> None:
        origin = next((c.origin for c in scope.columns if c.alias == alias and c.origin is not None), None)
        if origin is not None:
            self.rows.append((node, origin.item))


@dataclass
class RecordedQuery:
    """A view's query parsed, with what binding it recorded."""

    tree: exp.Expression
    refs: References

    def expand_stars(self) -> None:
        """Each `*` and `t.*` of a select list replaced by the columns it stands for."""
        for star, columns in self.refs.stars:
            items = []
            for c in columns:
                ref = exp.Column(this=ident(c.name), table=ident(c.alias) if c.alias else None)
                if c.origin is not None:
                    self.refs.columns.append((ref, c.origin))
                items.append(ref)
            select = star.parent
            position = select.expressions.index(star)
            select.set("expressions", select.expressions[:position] + items + select.expressions[position + 1:])
        self.refs.stars = []

    def rename(self, relations: dict[int, tuple[str, str]], columns: dict[tuple[int, int], str]) -> None:
        """Name relations anew ({oid: (schema, name)}) and columns ({(oid, attnum): name})."""
        pinned = _pinned_items(self.tree)
        renamed_items: dict[int, str] = {}  # FROM item -> the name its columns are qualified by now
        for item, oid, names in self.refs.relations:
            if oid in relations:
                schema, name = relations[oid]
                item.set("db", ident(schema))
                item.set("this", ident(name))
                if item.args.get("alias") is None:
                    renamed_items[id(item)] = name
            if id(item) in pinned and any(o == oid for o, _ in columns):
                alias = item.args.get("alias")
                given = [c.name for c in alias.columns] if alias is not None else []
                alias_name = alias.name if alias is not None else item.name
                item.set("alias", exp.TableAlias(this=ident(alias_name), columns=[
                    ident(n) for n in given + names[len(given):]]))
        for node, item in self.refs.rows:
            if id(item) in renamed_items:
                node.set("table" if node.table else "this", ident(renamed_items[id(item)]))
        for node, origin in self.refs.columns:
            item = origin.item
            if id(item) in renamed_items and node.table:
                node.set("table", ident(renamed_items[id(item)]))
                if node.args.get("db") is not None:
                    node.set("db", item.args["db"].copy())
            new = columns.get((origin.rel_oid, origin.attnum))
            if new is None or id(item) in pinned:
                continue
            old = node.name
            node.set("this", ident(new))
            select = node.parent
            if isinstance(select, exp.Select) and any(e is node for e in select.expressions):
                node.replace(exp.Alias(this=node.copy(), alias=ident(old)))

    def rename_schema(self, old: str, new: str) -> None:
        """The calls of functions qualified by schema `old` (stored_query qualifies user functions'
        calls) qualified by `new`: PostgreSQL's tree holds the function's OID."""
        for dot in self.tree.find_all(exp.Dot):
            if isinstance(dot.this, exp.Identifier) and dot.this.name == old and isinstance(dot.expression, exp.Anonymous):
                dot.set("this", ident(new))

    def rename_output(self, position: int, name: str) -> None:
        """The query's `position`th output column (from 0) named `name` (ALTER VIEW RENAME COLUMN)."""
        select = self.tree
        while isinstance(select, exp.SetOperation):
            select = select.this
        if isinstance(select, exp.Subquery):
            select = select.unnest()
        if not isinstance(select, exp.Select) or position >= len(select.expressions):
            return
        item = select.expressions[position]
        target = item.this if isinstance(item, exp.Alias) else item
        item.replace(exp.Alias(this=target.copy(), alias=ident(name)))

    def text(self) -> str:
        return to_sql(self.tree)


def recorded_query(queries, text: str) -> RecordedQuery:
    """`text` parsed and bound by `queries` (a QueryBinder), recording what its names resolve to."""
    tree = parse_sql(text)
    refs = References()
    queries.recorder = refs
    try:
        queries.bind_query(tree)
    finally:
        queries.recorder = None
    # only this tree's nodes: not those of the SQL functions' bodies the binder inlined
    inside = {id(node) for node in tree.walk()}
    return RecordedQuery(tree, References([r for r in refs.relations if id(r[0]) in inside],
                                          [c for c in refs.columns if id(c[0]) in inside],
                                          [s for s in refs.stars if id(s[0]) in inside],
                                          [r for r in refs.rows if id(r[0]) in inside]))


def _pinned_items(tree: exp.Expression) -> set[int]:
    """The FROM items (ids) whose column names matter beyond the references to them: those of
    the join lists that have a USING or NATURAL join, and those of a parenthesized join with an
    alias, whose columns take their names (sqlglot hangs the joins off the first item)."""
    containers = {id(j.parent) for j in tree.find_all(exp.Join)
                  if j.args.get("using") or (j.args.get("method") or "").upper() == "NATURAL"}
    containers |= {id(sub.this) for sub in tree.find_all(exp.Subquery)
                   if isinstance(sub.this, exp.Table) and sub.args.get("alias") is not None}
    pinned = set()
    for item in tree.find_all(exp.Table):
        parent = item.parent
        container = parent.parent if isinstance(parent, (exp.From, exp.Join)) else None
        if id(item) in containers or (container is not None and id(container) in containers):
            pinned.add(id(item))
    return pinned
