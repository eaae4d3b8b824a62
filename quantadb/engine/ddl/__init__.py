"""DDL: CREATE/DROP/ALTER of tables, indexes, views, sequences and schemas; TRUNCATE;
COMMENT; CREATE/DROP DATABASE. Every change goes through the storage catalog inside the
session's transaction, so it is transactional and WAL-logged like any write.

Names follow PostgreSQL's conventions: t_pkey, t_a_key, t_a_check, t_b_fkey, t_id_seq.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from quantadb.engine.ddl.alter import alter
from quantadb.engine.ddl.objects import (
    comment_on,
    create_index,
    create_schema,
    create_sequence,
    create_view,
    database_statement,
    drop,
    truncate,
)
from quantadb.engine.ddl.tables import create_table, create_table_as
from quantadb.engine.results import Result
from quantadb.errors import FeatureNotSupported

if TYPE_CHECKING:
    from quantadb.engine.session import Session


def run_ddl(session: "Session", node: exp.Expression, text: str) -> Result:
    if isinstance(node, exp.Create):
        return _create(session, node)
    if isinstance(node, exp.Drop):
        return drop(session, node)
    if isinstance(node, exp.Alter):
        return alter(session, node)
    if isinstance(node, exp.TruncateTable):
        return truncate(session, node)
    if isinstance(node, exp.Command):
        raise FeatureNotSupported(f"{node.name.upper()} is not supported")
    raise FeatureNotSupported(f"statement not supported: {text.split(None, 2)[:2]}")


def _create(session: "Session", node: exp.Create) -> Result:
    kind = (node.args.get("kind") or "").upper()
    if kind == "TABLE":
        if node.args.get("expression") is not None:
            return create_table_as(session, node)
        return create_table(session, node)
    if kind == "INDEX":
        return create_index(session, node)
    if kind == "VIEW":
        return create_view(session, node)
    if kind == "SEQUENCE":
        return create_sequence(session, node)
    if kind == "SCHEMA":
        return create_schema(session, node)
    raise FeatureNotSupported(f"CREATE {kind} is not supported")


__all__ = ["run_ddl", "comment_on", "database_statement"]
