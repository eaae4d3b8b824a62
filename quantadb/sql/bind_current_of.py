"""UPDATE/DELETE ... WHERE CURRENT OF cursor: the target's row is the one the cursor stands on.

The target's scan becomes a CurrentOfScan, which asks the session's cursors at run time (the
cursor need not exist when the statement is prepared, as in PostgreSQL). In PL/pgSQL the name may
be a refcursor variable: then its value names the cursor (PostgreSQL's transformCurrentOfExpr).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from quantadb.errors import FeatureNotSupported
from quantadb.sql import plan as P
from quantadb.sql.expr import Const, Expr, Param
from quantadb.sql.parse import CurrentOf
from quantadb.storage.catalog import RelationDef
from quantadb.types import registry as R
from quantadb.types.registry import SqlType


def current_of_scan(queries: Any, scan: P.TableScan, node: CurrentOf, rel: RelationDef,
                    view: Any) -> P.CurrentOfScan:
    """The target's scan `scan`, reading only the row of the cursor `node` names."""
    if view is not None or rel.kind == "v":
        raise FeatureNotSupported("WHERE CURRENT OF on a view is not implemented")
    parts = {f.name: getattr(scan, f.name) for f in fields(scan) if f.init}
    return P.CurrentOfScan(**parts, cursor=_cursor_name(queries, node.this.name))


def _cursor_name(queries: Any, name: str) -> Expr:
    variables = getattr(queries, "variables", None)  # a PL/pgSQL body's (plpgsql/exprs.py)
    if variables is not None:
        param = variables(None, name, [], False)
        if isinstance(param, Param) and param.type.pg is R.REFCURSOR:
            return param
    return Const(name, SqlType(R.TEXT))
