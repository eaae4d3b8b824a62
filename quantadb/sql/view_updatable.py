"""Which views are automatically updatable, and which of their columns (PostgreSQL's
view_query_is_auto_updatable and view_col_is_auto_updatable, rewriteHandler.c).

Decided on the view's stored query alone, so that the catalog (information_schema,
pg_relation_is_updatable) answers without binding anything: a view is updatable when it selects
from exactly one table or auto-updatable view with none of DISTINCT, GROUP BY, HAVING, set
operations, WITH, LIMIT/OFFSET, aggregates, window functions or set-returning functions; a view
column is updatable when it is a plain reference to a column of that relation (and, through a
view, to an updatable column of it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from quantadb.errors import FeatureNotSupported, InvalidParameterValue, UndefinedTable
from quantadb.sql import functions as F
from quantadb.sql.catalog import CatalogView
from quantadb.sql.parse import parse_sql
from quantadb.storage.catalog import RelationDef

# pg_relation_is_updatable's bits: 1 << CMD_UPDATE, CMD_INSERT, CMD_DELETE
UPDATE_EVENT, INSERT_EVENT, DELETE_EVENT = 4, 8, 16
ALL_EVENTS = UPDATE_EVENT | INSERT_EVENT | DELETE_EVENT
NOT_A_COLUMN = "View columns that are not columns of their base relation are not updatable."
_SINGLE = "Views that do not select from a single table or view are not automatically updatable."
TABLE_KINDS = ("r", "p")


@dataclass
class ViewQuery:
    """A view's query as the rewrite sees it: why it is not updatable (PostgreSQL's DETAIL), or
    the one relation it selects from and, per view column, its select-list expression."""

    detail: str | None
    select: exp.Select | None = None
    relation: RelationDef | None = None
    schema: str = ""
    alias: str = ""
    items: list[exp.Expression] = field(default_factory=list)  # one per view column
    sources: list[str | None] = field(default_factory=list)  # the relation's column each view column is

    @property
    def where(self) -> exp.Expression | None:
        where = self.select.args.get("where") if self.select is not None else None
        return where.this if where is not None else None


def view_option(rel: RelationDef, name: str) -> str | None:
    """The value of a view's reloption (check_option, security_invoker), None if not set."""
    for option in rel.options:
        key, _, value = option.partition("=")
        if key == name:
            return value.lower()
    return None


def check_option(rel: RelationDef) -> str | None:
    """"local", "cascaded" or None: the view's check_option reloption."""
    return view_option(rel, "check_option")


def security_invoker(rel: RelationDef) -> bool:
    """Does the view read and write its relations with the user's privileges, not its owner's?"""
    return view_option(rel, "security_invoker") in ("", "true", "on", "yes", "1")


def analyze_view(catalog: CatalogView, rel: RelationDef, check_cols: bool) -> ViewQuery:
    """The view's query, its reasons checked in PostgreSQL's order; `check_cols` (INSERT, UPDATE)
    also wants one updatable column."""
    select = _unwrap(parse_sql(rel.view_sql))
    if not isinstance(select, exp.Select):
        return ViewQuery("Views containing UNION, INTERSECT, or EXCEPT are not automatically updatable.")
    reasons = ((select.args.get("distinct"), "DISTINCT"), (select.args.get("group"), "GROUP BY"),
               (select.args.get("having"), "HAVING"), (select.args.get("with_"), "WITH"),
               (select.args.get("limit") or select.args.get("offset"), "LIMIT or OFFSET"))
    for present, what in reasons:
        if present:
            return ViewQuery(f"Views containing {what} are not automatically updatable.")
    kinds = {_kind(node) for item in select.expressions
             for node in item.walk(prune=lambda n: isinstance(n, (exp.Subquery, exp.Select, exp.Window)))}
    for kind, what in (("a", "aggregate functions"), ("w", "window functions"), ("s", "set-returning functions")):
        if kind in kinds:
            return ViewQuery(f"Views that return {what} are not automatically updatable.")
    from_ = select.args.get("from_")
    table = from_.this if from_ is not None else None
    if not isinstance(table, exp.Table) or select.args.get("joins") or not isinstance(table.this, exp.Identifier):
        return ViewQuery(_SINGLE)
    parts = [p.name for p in (table.args.get("db"), table.this) if p is not None]
    hit = catalog.resolve_relation(parts)
    if hit is None:  # its table was dropped (QuantaDB keeps no dependencies of views): as reading it
        raise UndefinedTable(f'relation "{".".join(parts)}" does not exist')
    if hit.relation is None or hit.relation.kind not in TABLE_KINDS + ("v",):
        return ViewQuery(_SINGLE)
    if table.args.get("sample") is not None:
        return ViewQuery("Views containing TABLESAMPLE are not automatically updatable.")
    alias = table.alias or table.name
    items, sources = _view_columns(select, hit.relation, alias)
    width = len([c for c in rel.columns if c.visible])
    query = ViewQuery(None, select, hit.relation, hit.schema, alias, items[:width], sources[:width])
    if check_cols and not any(s is not None for s in query.sources):
        return ViewQuery("Views that have no updatable columns are not automatically updatable.")
    return query


def _unwrap(node: exp.Expression) -> exp.Expression:
    """The query of a view created with column names (kept as `SELECT * FROM (query) AS v(names)`,
    engine/ddl/objects.py): the names only rename its columns."""
    if isinstance(node, exp.Select) and len(node.expressions) == 1 and isinstance(node.expressions[0], exp.Star):
        from_ = node.args.get("from_")
        inner = from_.this if from_ is not None else None
        if (isinstance(inner, exp.Subquery) and inner.alias == "v" and not node.args.get("where")
                and not node.args.get("joins") and not _clauses(node)):
            return _unwrap(inner.this)
    return node


def _clauses(select: exp.Select) -> bool:
    return any(select.args.get(k) for k in ("distinct", "group", "having", "limit", "offset", "with_", "order"))


def _kind(node: exp.Expression) -> str:
    """"a" for an aggregate call, "w" a window function's, "s" a set-returning function's, else ""
    (the select list's own: not those of its subqueries)."""
    if isinstance(node, exp.Window):
        return "w"
    if isinstance(node, exp.AggFunc):
        return "a"
    if isinstance(node, (exp.GenerateSeries, exp.Unnest, exp.Explode)):  # sqlglot's own classes
        return "s"
    if not isinstance(node, exp.Func):
        return ""
    name = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
    signatures = F.functions_named(name.lower()) if name else []
    return signatures[0].kind if signatures and signatures[0].kind in "asw" else ""


def _view_columns(select: exp.Select, under: RelationDef, alias: str) -> tuple[list[exp.Expression], list]:
    """Each view column's select-list expression (`*` expanded) and the name of the column of
    `under` it plainly is (None: an expression)."""
    visible = [c.name for c in under.columns if c.visible]
    items: list[exp.Expression] = []
    sources: list[str | None] = []
    for item in select.expressions:
        target = item.this if isinstance(item, exp.Alias) else item
        star = isinstance(target, exp.Star) or isinstance(target, exp.Column) and isinstance(target.this, exp.Star)
        if star:
            items += [exp.column(exp.to_identifier(n, quoted=True), table=exp.to_identifier(alias, quoted=True))
                      for n in visible]
            sources += visible
            continue
        items.append(target)
        plain = isinstance(target, exp.Column) and target.table in ("", alias) and target.name in visible
        sources.append(target.name if plain else None)
    return items, sources


def updatable_columns(catalog: CatalogView, rel: RelationDef) -> list[bool] | None:
    """Per visible column of a table or view, whether it can be written through it; None when the
    relation is not auto-updatable even for DELETE."""
    if rel.kind in TABLE_KINDS:
        return [True for c in rel.columns if c.visible]
    if rel.kind != "v":
        return None
    try:
        query = analyze_view(catalog, rel, check_cols=False)
    except UndefinedTable:
        return None
    if query.detail is not None:
        return None
    under = updatable_columns(catalog, query.relation)
    if under is None:
        return None
    names = [c.name for c in query.relation.columns if c.visible]
    return [s is not None and under[names.index(s)] for s in query.sources]


def relation_is_updatable(catalog: CatalogView, rel: RelationDef, attnum: int | None = None,
                          include_triggers: bool = False) -> int:
    """pg_relation_is_updatable's events (of the one column `attnum` for pg_column_is_updatable);
    `include_triggers`: with those a view's INSTEAD OF triggers handle."""
    triggered = instead_of_events(rel) if include_triggers else 0
    columns = updatable_columns(catalog, rel)
    if columns is None:
        return triggered
    if rel.kind in TABLE_KINDS:
        return ALL_EVENTS if attnum is None or attnum > 0 else 0
    visible = [c.attnum for c in rel.columns if c.visible]
    wanted = [ok for a, ok in zip(visible, columns) if attnum is None or a == attnum]
    return (ALL_EVENTS if any(wanted) else DELETE_EVENT) | triggered


EVENT_BITS = {"INSERT": INSERT_EVENT, "UPDATE": UPDATE_EVENT, "DELETE": DELETE_EVENT}


def instead_of_events(rel: RelationDef) -> int:
    """The events (bits as above) a view's enabled INSTEAD OF row triggers handle: a statement
    fires them instead of writing a base table, so the view need not be automatically updatable."""
    events = {e for t in rel.triggers if t.timing == "INSTEAD OF" and t.enabled != "D" for e in t.events}
    return sum(EVENT_BITS[e] for e in events)


def checked_view_options(catalog: CatalogView, rel: RelationDef) -> RelationDef:
    """`rel`, a view being created or altered, once its check_option is known valid: "local" or
    "cascaded" (22023), on an automatically updatable view only (0A000, as DefineView)."""
    option = check_option(rel)
    if option is None:
        return rel
    if option not in ("local", "cascaded"):
        raise InvalidParameterValue(f'invalid value for enum option "check_option": {option}',
                                    detail='Valid values are "local" and "cascaded".')
    detail = analyze_view(catalog, rel, check_cols=True).detail
    if detail is not None:
        raise FeatureNotSupported("WITH CHECK OPTION is supported only on automatically updatable views",
                                  hint=detail)
    return rel
