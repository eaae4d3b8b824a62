"""INSERT, UPDATE and DELETE on an automatically updatable view, rewritten into the same
statement on its base table (PostgreSQL's rewriteTargetView).

A ViewTarget is the view (and the views under it) seen from the base table: each view column
as an expression over the base row (ColumnRef i = position i of the table's columns), the
views' WHERE conditions (added to UPDATE and DELETE), their check options (checked on the rows
written) and column defaults. DmlBinder binds the statement's names in a scope made from it
(`scope_parts`), so the plan it builds writes the base table only: the WAL carries base-table
writes, and indexes and constraints are maintained as for any write.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from quantadb.errors import FeatureNotSupported, ObjectNotInPrerequisiteState, SyntaxError as SqlSyntaxError
from quantadb.sql import plan as P
from quantadb.sql.bind_support import INT8
from quantadb.sql.expr import ColumnRef, Const, Expr, SubqueryExpr, conjoin, conjuncts, transform, walk
from quantadb.sql.scope import Scope, ScopeColumn
from quantadb.sql.view_updatable import (EVENT_BITS, NOT_A_COLUMN, TABLE_KINDS, analyze_view, check_option,
                                         instead_of_events, security_invoker)
from quantadb.storage.catalog import ColumnDef, RelationDef

if TYPE_CHECKING:
    from quantadb.sql.bind_query import QueryBinder

_VERB = {"INSERT": ("insert into", "inserting into"), "UPDATE": ("update", "updating"),
         "DELETE": ("delete from", "deleting from")}


@dataclass
class ViewTarget:
    view: RelationDef
    base: RelationDef
    names: list[str]
    exprs: list[Expr]  # over the base row
    blame: list[tuple[str, str] | None]  # (view, column) that makes a column not updatable
    quals: list[Expr] = field(default_factory=list)
    checks: list[tuple[str, Expr]] = field(default_factory=list)  # (view name, condition), lowest view first
    defaults: dict[int, str] = field(default_factory=dict)  # base position -> a view column's DEFAULT
    # the relations written, top view first, each with the role whose privileges count for it
    # (0: the user's; below a view, the view's owner's, as PostgreSQL checks them)
    chain: list[tuple[int, int]] = field(default_factory=list)

    def privileges(self, letter: str) -> list[tuple[int, str]]:
        """What a statement through the view needs for `letter` (engine/privileges.py's pairs)."""
        return [(oid, f"{letter}@{owner}" if owner else letter) for oid, owner in self.chain]

    def base_columns(self) -> list[ColumnDef]:
        """The base table's columns (by position), with the views' defaults in place of theirs."""
        cols = sorted(self.base.columns, key=lambda c: c.attnum)
        return [replace(c, default=self.defaults[i]) if i in self.defaults else c for i, c in enumerate(cols)]

    def position(self, name: str, command: str) -> int | None:
        """The base position written through view column `name` (None: no such column);
        0A000 for a column that is not a plain base column."""
        if name not in self.names:
            return None
        i = self.names.index(name)
        if self.blame[i] is not None:
            view, column = self.blame[i]
            verb = "insert into" if command == "INSERT" else "update"
            raise FeatureNotSupported(f'cannot {verb} column "{column}" of view "{view}"', detail=NOT_A_COLUMN)
        return self.exprs[i].index

    def insert_positions(self, names: list[str]) -> list[int]:
        """The base positions an INSERT's view columns `names` write (42601 for one written twice)."""
        positions: list[int] = []
        for name in names:
            p = self.position(name, "INSERT")
            if p in positions:
                column = sorted(self.base.columns, key=lambda c: c.attnum)[p].name
                raise SqlSyntaxError(f'multiple assignments to same column "{column}"')
            positions.append(p)
        return positions

    def _shown(self) -> dict[int, int]:
        """Base position -> the view column that first shows it plainly."""
        shown: dict[int, int] = {}
        for i, e in enumerate(self.exprs):
            if isinstance(e, ColumnRef) and e.index not in shown:
                shown[e.index] = i
        return shown

    def scope_parts(self, alias: str, schema: str) -> tuple[list[ScopeColumn], list[ScopeColumn], list[Expr]]:
        """Scope columns for the base row (the columns the view shows plainly named as it names
        them, the others hidden), and after it, for the view's other columns, with their values."""
        shown = self._shown()
        row = []
        for p, c in enumerate(sorted(self.base.columns, key=lambda c: c.attnum)):
            i = shown.get(p)
            column = P.PlanColumn(self.names[i] if i is not None else c.name, c.type, self.base.oid, c.attnum)
            row.append(ScopeColumn(column.name, alias, column, schema=schema) if i is not None
                       else ScopeColumn("", "", column, hidden=True))
        computed = [i for i, e in enumerate(self.exprs) if not (isinstance(e, ColumnRef) and shown[e.index] == i)]
        return (row, [ScopeColumn(self.names[i], alias, P.PlanColumn(self.names[i], self.exprs[i].type), schema=schema)
                      for i in computed], [self.exprs[i] for i in computed])

    def star_order(self, gap: int) -> list[int]:
        """Where each view column is in a scope of scope_parts with `gap` columns between its parts."""
        shown = self._shown()
        order, computed = [], len(self.base.columns) + gap
        for i, e in enumerate(self.exprs):
            if isinstance(e, ColumnRef) and shown[e.index] == i:
                order.append(e.index)
            else:
                order.append(computed)
                computed += 1
        return order


def substitute(e: Expr, first_extra: int, extras: list[Expr]) -> Expr:
    """`e`, bound in a scope of scope_parts whose computed columns start at `first_extra`, as an
    expression over the base row alone."""
    if not extras:
        return e
    if any(isinstance(n, SubqueryExpr) and n.correlated for n in walk(e)):
        raise FeatureNotSupported("correlated subqueries over a view's computed columns are not supported here")
    return transform(e, lambda n: extras[n.index - first_extra] if isinstance(n, ColumnRef)
                     and first_extra <= n.index < first_extra + len(extras) else None)


def view_scope(target: ViewTarget, alias: str, schema: str, gap: int) -> tuple[Scope, list[Expr]]:
    """A scope of the base row, `gap` hidden slots (a row id), then the view's
    computed columns, whose values are returned."""
    row, extra_cols, extras = target.scope_parts(alias, schema)
    scope = Scope(star_order=target.star_order(gap))
    scope.aliases.add(alias)
    slots = [ScopeColumn("", "", P.PlanColumn("", row[0].column.type), hidden=True) for _ in range(gap)]
    scope.columns = row + slots + extra_cols
    return scope, extras


def not_updatable(view: RelationDef, command: str, detail: str) -> ObjectNotInPrerequisiteState:
    verb, doing = _VERB[command]
    return ObjectNotInPrerequisiteState(
        f'cannot {verb} view "{view.name}"', detail=detail,
        hint=f"To enable {doing} the view, provide an INSTEAD OF {command} trigger or an unconditional "
             f"ON {command} DO INSTEAD rule.")


def instead_of(rel: RelationDef, command: str) -> bool:
    """`rel` is a view with an INSTEAD OF trigger for `command` (view_updatable.instead_of_events):
    DmlBinder binds the statement as if the view were a table, and exec/modify.py fires the
    triggers with the view's rows."""
    return rel.kind == "v" and bool(instead_of_events(rel) & EVENT_BITS[command])


def instead_rows(queries: QueryBinder, view: RelationDef, alias: str) -> tuple[P.Plan, Scope]:
    """The rows of a view an UPDATE or DELETE with INSTEAD OF triggers reads (OLD), each followed
    by a row id as a table's scan has; a view row has none (0): the triggers get the rows."""
    parts = [queries.catalog.namespace_name(view.namespace), view.name]
    plan, scope = queries._bind_relation(parts, "" if alias == view.name else alias, [], None)
    refs: list[Expr] = [ColumnRef(i, c.type, c.name) for i, c in enumerate(plan.columns)]
    rowid = P.PlanColumn("ctid", INT8)
    return P.Project(plan, refs + [Const(0, INT8)], [*plan.columns, rowid], estimated_rows=plan.estimated_rows), scope


def resolve_view(queries: QueryBinder, view: RelationDef, command: str, cascaded: bool = False) -> ViewTarget:
    """The ViewTarget of `view` for `command` (55000 if it is not automatically updatable);
    `cascaded`: a view above it has a CASCADED check option, which then applies to it too."""
    query = analyze_view(queries.catalog, view, check_cols=command != "DELETE")
    if query.detail is not None:
        raise not_updatable(view, command, query.detail)
    under, option = query.relation, check_option(view)
    if under.kind in TABLE_KINDS or instead_of(under, command):  # (its triggers write what reaches it)
        cols = sorted(under.columns, key=lambda c: c.attnum)
        inner = ViewTarget(under, under, [c.name for c in cols if c.visible],
                           [ColumnRef(i, c.type, c.name) for i, c in enumerate(cols) if c.visible],
                           [None for c in cols if c.visible])
    else:
        inner = resolve_view(queries, under, command, cascaded or option == "cascaded")
    scope, extras = view_scope(inner, query.alias, query.schema, 0)
    first_extra = len(inner.base.columns)
    binder = queries.expr_binder(scope)
    exprs = [substitute(binder.bind(item), first_extra, extras) for item in query.items]
    where = query.where
    quals = [substitute(binder.bind_bool(where, "WHERE"), first_extra, extras)] if where is not None else []
    names = [c.name for c in view.columns if c.visible]
    blame = [inner.blame[inner.names.index(source)] if source is not None else (view.name, name)
             for name, source in zip(names, query.sources)]
    defaults = dict(inner.defaults)
    for c, e in zip([c for c in view.columns if c.visible], exprs):
        if c.default is not None and isinstance(e, ColumnRef):
            defaults[e.index] = c.default
    checks = list(inner.checks)
    if (option is not None or cascaded) and quals:
        checks.append((view.name, conjoin(quals)))
    below = inner.chain or [(under.oid, 0)]
    chain = [(view.oid, 0), (below[0][0], 0 if security_invoker(view) else view.owner)] + below[1:]
    return ViewTarget(view, inner.base, names, exprs, blame, inner.quals + quals, checks, defaults, chain)


def insert_columns(target: ViewTarget) -> list[ColumnDef]:
    """The view's columns as an INSERT names them: a plainly shown base column (its type, flags
    and the view's default), else a stand-in of the computed column's type (written to: 55000)."""
    cols = target.base_columns()
    return [replace(cols[e.index], name=name) if blame is None else ColumnDef(0, name, e.type)
            for name, e, blame in zip(target.names, target.exprs, target.blame)]


def view_rows(target: ViewTarget, scan: P.Plan, alias: str, schema: str) -> tuple[P.Plan, Scope]:
    """UPDATE's and DELETE's rows of the view: the base table's rows (`scan`, with row ids; a view's
    with INSTEAD OF triggers: instead_rows) that
    meet the views' conditions, then the view's computed columns if it has any, and the scope
    naming them."""
    scan.via_view = True  # the view's owner's access counts for the base table
    plan: P.Plan = scan
    if target.quals:
        plan = P.Filter(plan, conjoin(target.quals), plan.columns, estimated_rows=max(plan.estimated_rows / 3, 1))
    scope, computed = view_scope(target, alias, schema, 1)
    if not computed:
        return plan, scope
    columns = list(plan.columns) + [P.PlanColumn(c.name, c.column.type) for c in scope.columns[len(plan.columns):]]
    exprs = [ColumnRef(i, c.type) for i, c in enumerate(plan.columns)] + computed
    return P.Project(plan, exprs, columns, estimated_rows=plan.estimated_rows), scope


def filter_view_rows(plan: P.Plan, predicate: Expr) -> P.Plan:
    """`plan` of view_rows filtered by a WHERE: the conditions on base columns alone under the
    computed columns, where the planner can use them (an index scan), the others over them."""
    width = len(plan.child.columns) if isinstance(plan, P.Project) else 0
    below, above = [], []
    for part in conjuncts(predicate):
        on_base = not any(isinstance(n, SubqueryExpr) or isinstance(n, ColumnRef) and n.index >= width
                          for n in walk(part))
        (below if on_base and width else above).append(part)
    if below:
        plan.child = P.Filter(plan.child, conjoin(below), plan.child.columns,
                              estimated_rows=max(plan.child.estimated_rows / 3, 1))
    if above:
        plan = P.Filter(plan, conjoin(above), plan.columns, estimated_rows=max(plan.estimated_rows / 3, 1))
    return plan
