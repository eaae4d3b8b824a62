"""Binding names: column references, system columns (constant or the row version's own), a
range variable's whole row, and field selection from rows. A mixin of ExprBinder (it provides
scope, recorder, call and uses_outer)."""

from __future__ import annotations

from sqlglot import exp

from quantadb.errors import DatatypeMismatch, FeatureNotSupported, UndefinedColumn
from quantadb.sql.bind_support import BOOL, type_name
from quantadb.sql.expr import BoolOp, Call, Case, ColumnRef, Const, Expr, NullTest, OuterRef
from quantadb.sql.functions.user import named_parameter
from quantadb.sql.scope import RowSystemColumn, undefined_column
from quantadb.types import registry as R
from quantadb.types.registry import SqlType
from quantadb.types.rowtypes import is_rowtype, record_fields, record_type


class ColumnBinder:
    def _Column(self, node: exp.Column) -> Expr:
        qualifier = [p for p in (node.args.get("catalog"), node.args.get("db"), node.args.get("table")) if p]
        qualifier = [q.name for q in qualifier]
        if isinstance(node.this, exp.Star):  # t.* as a value: the whole row of t
            whole = self._whole_row(qualifier[-1], node) if qualifier else None
            if whole is None:
                raise FeatureNotSupported("row expansion via \"*\" is not supported here")
            return whole
        name = node.name
        hit = self.scope.resolve(name, qualifier)
        if (param := named_parameter(self, name, qualifier, hit is not None)) is not None:
            return param
        if hit is None:
            if not qualifier and name in ("user", "current_role"):
                return self.call("current_user", [], node)
            system = self.scope.system_column(name, qualifier)
            if system is not None:
                return self._system_column(*system)
            whole = None if qualifier else self._whole_row(name, node)  # a bare table name is its whole row
            if whole is None:
                raise undefined_column(self.scope, name, qualifier)
            return whole
        depth, index, col = hit
        if self.recorder is not None:
            self.recorder.column(node, self.scope, depth, index)
        if depth == 0:
            return ColumnRef(index, col.type, name)
        self.uses_outer = True
        return OuterRef(depth, index, col.type, name)

    def _system_column(self, value, depth: int) -> Expr:
        """A system column (sql/scope.py's SystemColumns) as an expression at this scope."""
        if isinstance(value, Expr):
            return value
        if not isinstance(value, RowSystemColumn):
            return Const(*value)
        if depth:
            self.uses_outer = True
        rowid_type = SqlType(R.INT8)
        rowid = OuterRef(depth, value.rowid, rowid_type) if depth else ColumnRef(value.rowid, rowid_type)
        return Call(value.name, "row_" + value.name, [Const(value.rel_oid, SqlType(R.OID)), rowid], value.type)

    def _whole_row(self, alias: str, node: exp.Column) -> Expr | None:
        """The record of all columns of range variable `alias` (nearest scope that has it)."""
        scope, depth = self.scope, 0
        while scope is not None and alias not in scope.aliases:
            scope, depth = scope.parent, depth + 1
        if scope is None:
            return None
        if self.recorder is not None:
            self.recorder.whole_row(node, scope, alias)
        def ref(i: int) -> Expr:
            col = scope.columns[i]
            return ColumnRef(i, col.column.type, col.name) if depth == 0 else OuterRef(depth, i, col.column.type,
                                                                                       col.name)
        refs = [ref(i) for i in scope.star(alias)]
        if alias in scope.scalar:  # `SELECT g FROM generate_series(1, 3) AS g(n)`: the values
            self.uses_outer = self.uses_outer or depth > 0
            return refs[0]
        self.uses_outer = self.uses_outer or depth > 0
        row_type = scope.row_types.get(alias)
        if row_type is None or len(record_fields(row_type)) != len(refs):
            row_type = record_type([(r.name, r.type) for r in refs])
        row = Call("row", "row", refs, row_type, strict=False)
        if alias not in scope.nullable:
            return row
        # a row an outer join null-extended is NULL as a whole, not a row of NULLs (count(t.*))
        present = scope.nullable[alias]
        tests = [NullTest(r, False, BOOL) for r in ([ref(present)] if present is not None else refs)]
        absent = tests[0] if len(tests) == 1 else BoolOp("and", tests, BOOL)
        return Case([(absent, Const(None, row.type))], row, row.type)

    def bind_row_items(self, items: list[exp.Expression]) -> list[Expr]:
        """A row constructor's items, bound; an item `t.*` stands for t's columns."""
        out: list[Expr] = []
        for item in items:
            if isinstance(item, exp.Column) and isinstance(item.this, exp.Star) and item.table:
                out += [e for _, e in self.expand_fields(self.bind(item))]
            else:
                out.append(self.bind(item))
        return out

    def expand_fields(self, base: Expr) -> list[tuple[str, Expr]]:
        """(row).*: one output column per field."""
        fields = record_fields(base.type)
        if not fields and not is_rowtype(base.type.pg):
            raise DatatypeMismatch(f"type {type_name(base.type)} is not composite")
        return [(name, self._field_select(base, name)) for name, _ in fields]

    def _field_select(self, base: Expr, name: str) -> Expr:
        names = [n for n, _ in record_fields(base.type)]
        if name not in names:
            if base.type.pg is R.RECORD:
                raise UndefinedColumn(f'could not identify column "{name}" in record data type')
            if base.type.pg.composite is not None:
                raise UndefinedColumn(f'column "{name}" not found in data type {type_name(base.type)}')
            raise DatatypeMismatch(f'column notation .{name} applied to type {type_name(base.type)}, '
                                   'which is not a composite type')
        index = names.index(name)
        if isinstance(base, Call) and base.impl == "row":  # ROW(a, b).f2 is b
            return base.args[index]
        return Call("record_field", "record_field", [base, Const(index, SqlType(R.INT4))],
                    record_fields(base.type)[index][1], strict=False)
