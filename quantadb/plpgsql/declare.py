"""DECLARE: a variable's type (a type name, var%TYPE, table.column%TYPE, table%ROWTYPE, a table's
name for its row type, RECORD) and its initial value, evaluated each time the block is entered."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from quantadb.errors import SqlError, UndefinedObject
from quantadb.plpgsql import tree as T
from quantadb.plpgsql.variables import Namespace, Var, assign, check_not_null
from quantadb.sql.typenames import parse_type_name
from quantadb.types import registry as R
from quantadb.types.registry import SqlType
from quantadb.types.rowtypes import record_fields, record_type

if TYPE_CHECKING:
    from quantadb.plpgsql.interp import Execution


def declare(ex: "Execution", decl: T.Decl, ns: Namespace) -> None:
    if decl.alias_of is not None:
        target = ns.find(decl.alias_of)
        if target is None:
            raise UndefinedObject(f'variable "{decl.alias_of}" does not exist')
        ns.vars[decl.name] = target
        return
    vtype, row = variable_type(ex.ctx.session, decl.type_text, ns)
    var = ns.add(Var(decl.name, vtype, None, decl.constant, decl.not_null, row))
    if decl.cursor is not None:
        var.value = decl.name  # a bound cursor's portal is named after it (PostgreSQL 15)
    elif decl.default is not None:
        value, src = ex.value(decl.default, ns, None if var.is_record else vtype)
        assign(var, value, src, ex.ctx)
    else:
        check_not_null(var)


def variable_type(session: Any, text: str, ns: Namespace | None) -> tuple[SqlType, bool]:
    """(type, whether it is a row type of fixed fields) of a declared type."""
    words = text.strip()
    low = words.lower()
    if low == "record":
        return SqlType(R.RECORD), False
    if low.endswith("%type"):
        base = words[:-5].strip()
        var = ns.find(base.lower()) if ns is not None and "." not in base else None
        if var is not None:
            return var.type, var.declared_row
        *table, column = [p.strip().strip('"') for p in base.split(".")]
        columns = _relation_columns(session, table) if table else None
        found = dict(columns or ())
        if column not in found:
            raise UndefinedObject(f'type "{words}" does not exist')
        return found[column], False
    if low.endswith("%rowtype"):
        columns = _relation_columns(session, [p.strip().strip('"') for p in words[:-8].strip().split(".")])
        if columns is None:
            raise UndefinedObject(f'relation "{words[:-8].strip()}" does not exist')
        return record_type(columns), True
    try:
        return _as_row(parse_type_name(words))
    except SqlError:
        parts = [p.strip().strip('"') for p in words.split(".")]
        user = session.resolve_type(parts) if session is not None else None
        if user is not None:
            return _as_row(user)
        columns = _relation_columns(session, parts)
        if columns is None:
            raise
        return record_type(columns), True


def _as_row(t: SqlType) -> tuple[SqlType, bool]:
    """A composite type's variable is a row of its fields, as a table's (field assignment)."""
    return (record_type(record_fields(t)), True) if t.pg.composite is not None else (t, False)


def _relation_columns(session: Any, parts: list[str]) -> list[tuple[str, SqlType]] | None:
    hit = session.catalog().resolve_relation(parts) if session is not None else None
    if hit is None or hit.relation is None:
        return None
    return [(c.name, c.type) for c in hit.relation.columns if not c.dropped]
