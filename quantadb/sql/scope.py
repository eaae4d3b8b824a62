"""Name scopes for the binder: which columns a FROM clause makes visible, and where.

A Scope is the row an operator sees: an ordered list of columns, each tagged with the range
variable (table alias) it came from. Column references bind to positions in that row.
Scopes chain to their parent for correlated subqueries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from quantadb.errors import AmbiguousAlias, AmbiguousColumn, SqlError, UndefinedColumn, UndefinedTable
from quantadb.sql.plan import PlanColumn
from quantadb.storage.catalog import RelationDef, row_type
from quantadb.types import registry as R
from quantadb.types.registry import SqlType

if TYPE_CHECKING:
    from quantadb.sql.expr import Expr


@dataclass(frozen=True)
class Origin:
    """The relation column a range variable's column is (a table's, a view's output column), and
    the FROM item (a sqlglot Table) that named the relation: what a view's query must follow
    when either is renamed. Columns an alias list renamed have none."""
    rel_oid: int
    attnum: int
    item: object


@dataclass
class ScopeColumn:
    name: str
    alias: str  # range variable ("" for unnamed)
    column: PlanColumn
    hidden: bool = False  # a USING/NATURAL join's duplicate, reachable only qualified
    schema: str = ""
    origin: Origin | None = None


@dataclass(frozen=True)
class RowSystemColumn:
    """A system column a stored row version has of its own (xmin, xmax, ctid): computed from the
    row id its scan passes at position `rowid` of the scope (engine/system.py's row_xmin & co.)."""

    name: str
    rel_oid: int
    rowid: int
    type: SqlType


# a value every row shares, (RETURNING) a column of the row, or the row version's own
SystemColumns = dict[str, "tuple[object, SqlType] | Expr | RowSystemColumn"]
ROW_SYSTEM_COLUMNS = {"xmin": SqlType(R.XID), "xmax": SqlType(R.XID), "ctid": SqlType(R.TID)}


def system_columns(relation_oid: int, generated: bool, rowid: int | None = None) -> SystemColumns:
    """tableoid (no table has children, so it is the relation's OID); the rows of a generated
    catalog relation also read as created by the bootstrap transaction and never changed; a
    stored table's rows, whose scan passes their row ids at `rowid`, have their own xmin, xmax
    and ctid (without it, those are unknown columns)."""
    columns: SystemColumns = {"tableoid": (relation_oid, SqlType(R.OID))}
    if generated:
        columns.update(xmin=(1, SqlType(R.XID)), cmin=(0, SqlType(R.CID)), xmax=(0, SqlType(R.XID)),
                       cmax=(0, SqlType(R.CID)))
    elif rowid is not None:
        columns.update({name: RowSystemColumn(name, relation_oid, rowid, t) for name, t in ROW_SYSTEM_COLUMNS.items()})
    return columns


@dataclass
class Scope:
    columns: list[ScopeColumn] = field(default_factory=list)
    parent: "Scope | None" = None
    # set by the query binder while binding grouped queries
    aliases: set[str] = field(default_factory=set)
    # positions `*` expands to, when not simply the visible columns in order (JOIN USING puts
    # the merged columns first)
    star_order: list[int] | None = None
    # range variable -> the system columns that have one value on every row it yields
    system_columns: dict[str, SystemColumns] = field(default_factory=dict)
    # range variables inside an explicit JOIN: their system columns are reachable qualified only
    # (PostgreSQL looks unqualified names up in the join's columns, which have none)
    joined: set[str] = field(default_factory=set)
    # range variables an outer join may null-extend -> the position of one of their NOT NULL
    # columns, which is NULL exactly on such rows (None: none is known; all NULL decides)
    nullable: dict[str, int | None] = field(default_factory=dict)
    # range variables of a function returning one non-record value: their whole row is that value
    scalar: set[str] = field(default_factory=set)
    # a table name given an alias -> the alias (for the error of a reference by the table's name)
    renamed: dict[str, str] = field(default_factory=dict)
    # range variables of a table, view or materialized view -> its row type (a whole-row reference's)
    row_types: dict[str, SqlType] = field(default_factory=dict)

    def add(self, alias: str, columns: list[PlanColumn], schema: str = "") -> None:
        self.aliases.add(alias)
        for c in columns:
            self.columns.append(ScopeColumn(c.name, alias, c, schema=schema))

    def add_row_type(self, alias: str, rel: RelationDef) -> None:
        """A whole-row reference to range variable `alias` of relation `rel` has its row type, as
        in PostgreSQL (with the fields of the relation's version the statement sees)."""
        if rel.type_oid:
            self.row_types[alias] = row_type(rel).sql_type()

    def extend(self, other: "Scope") -> None:
        offset = len(self.columns)
        self.columns.extend(other.columns)
        self.aliases |= other.aliases
        self.system_columns.update({alias: {name: _shifted(v, offset) for name, v in columns.items()}
                                    for alias, columns in other.system_columns.items()})
        self.joined |= other.joined
        self.nullable.update({a: None if p is None else p + offset for a, p in other.nullable.items()})
        self.scalar |= other.scalar
        self.renamed.update(other.renamed)
        self.row_types.update(other.row_types)

    def system_column(self, name: str, qualifier: list[str]) -> tuple[object, int] | None:
        """(the value, the depth of its scope) of system column `name` of `qualifier` (or of the
        only relation in scope that has one), searching outward."""
        scope, depth = self, 0
        while scope is not None:
            if qualifier and qualifier[-1] in scope.system_columns:
                found = scope.system_columns[qualifier[-1]].get(name)
                return None if found is None else (found, depth)
            if not qualifier and scope.system_columns:
                found = [columns[name] for alias, columns in scope.system_columns.items()
                         if name in columns and alias not in scope.joined]
                if len(found) > 1:
                    raise AmbiguousColumn(f'column reference "{name}" is ambiguous')
                return (found[0], depth) if found else None
            scope, depth = scope.parent, depth + 1
        return None

    def resolve(self, name: str, qualifier: list[str]) -> tuple[int, int, PlanColumn] | None:
        """(depth, index, column) of `qualifier.name`, searching outward; None if unknown."""
        scope, depth = self, 0
        while scope is not None:
            hit = scope._find(name, qualifier)
            if hit is not None:
                return depth, hit, scope.columns[hit].column
            scope, depth = scope.parent, depth + 1
        return None

    def _find(self, name: str, qualifier: list[str]) -> int | None:
        matches = []
        for i, c in enumerate(self.columns):
            if c.name != name:
                continue
            if qualifier:
                if c.alias != qualifier[-1] or (len(qualifier) > 1 and c.schema != qualifier[-2]):
                    continue
            elif c.hidden:
                continue
            matches.append(i)
        if len(qualifier) == 1 and len({c.schema for c in self.columns if c.alias == qualifier[0]}) > 1:
            raise AmbiguousAlias(f'table reference "{qualifier[0]}" is ambiguous')
        if len(matches) > 1:
            raise AmbiguousColumn(f'column reference "{name}" is ambiguous')
        return matches[0] if matches else None

    def has_alias(self, alias: str) -> bool:
        scope = self
        while scope is not None:
            if alias in scope.aliases:
                return True
            scope = scope.parent
        return False

    def star_positions(self) -> list[int]:
        if self.star_order is not None:
            return list(self.star_order)
        return [i for i, c in enumerate(self.columns) if not c.hidden]

    def star(self, qualifier: str | None) -> list[int]:
        """Positions expanded by `*` or `alias.*`."""
        if qualifier is None:
            return self.star_positions()
        out = [i for i, c in enumerate(self.columns) if c.alias == qualifier]
        if self.star_order is not None and set(out) <= set(self.star_order):  # an aliased USING join
            out = [i for i in self.star_order if self.columns[i].alias == qualifier]
        if not out and qualifier not in self.aliases:
            raise UndefinedTable(f'missing FROM-clause entry for table "{qualifier}"')
        return out


def undefined_column(scope: Scope, name: str, qualifier: list[str]) -> SqlError:
    """The error of a column reference nothing in scope resolves, as PostgreSQL words it: a
    qualifier that names no range variable is a missing FROM-clause entry (42P01), one that names
    an aliased table by its own name an invalid reference to it."""
    if qualifier:
        table, s, known = qualifier[-1], scope, False
        while s is not None and not known:
            known = table in s.aliases or any(c.alias == table for c in s.columns)
            if not known and table in s.renamed:
                return UndefinedTable(f'invalid reference to FROM-clause entry for table "{table}"',
                                      hint=f'Perhaps you meant to reference the table alias "{s.renamed[table]}".')
            s = s.parent
        if not known:
            return UndefinedTable(f'missing FROM-clause entry for table "{table}"')
        return UndefinedColumn(f'column {".".join([*qualifier, name])} does not exist')
    return UndefinedColumn(f'column "{name}" does not exist')


def _shifted(value: "tuple[object, SqlType] | Expr | RowSystemColumn", offset: int):
    """A system column of a scope whose columns now start at `offset`."""
    if isinstance(value, RowSystemColumn):
        return RowSystemColumn(value.name, value.rel_oid, value.rowid + offset, value.type)
    return value
