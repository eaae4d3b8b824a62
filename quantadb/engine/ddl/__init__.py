"""DDL: CREATE/DROP/ALTER of tables, indexes, views, sequences and schemas; TRUNCATE;
COMMENT; CREATE/DROP DATABASE. Every change goes through the storage catalog inside the
session's transaction, so it is transactional and WAL-logged like any write.

Names follow PostgreSQL's conventions: t_pkey, t_a_key, t_a_check, t_b_fkey, t_id_seq.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from quantadb.engine.ddl.alter import alter, alter_schema
from quantadb.engine.ddl.extensions import create_extension, drop_extension
from quantadb.engine.ddl.objects import (
    comment_on,
    create_index,
    create_schema,
    create_view,
    database_statement,
    drop,
    truncate,
)
from quantadb.engine.ddl.matviews import create_matview, refresh_matview
from quantadb.engine.ddl.sequences import create_sequence
from quantadb.engine.ddl.tables import create_table, create_table_as
from quantadb.engine.ddl.triggers import create_trigger, drop_trigger
from quantadb.engine.locking import lock_ddl_targets
from quantadb.engine.results import Result
from quantadb.sql import ddl_stmts as D

if TYPE_CHECKING:
    from quantadb.engine.session import Session

_EXECUTORS = {
    D.CreateTable: create_table, D.CreateTableAs: create_table_as, D.CreateIndex: create_index,
    D.CreateView: create_view, D.CreateMatView: create_matview, D.RefreshMatView: refresh_matview,
    D.CreateSequence: create_sequence, D.CreateSchema: create_schema,
    D.CreateExtension: create_extension, D.DropExtension: drop_extension,
    D.CreateTrigger: create_trigger, D.DropTrigger: drop_trigger,
    D.DropObjects: drop, D.Truncate: truncate, D.AlterRelation: alter, D.AlterSchema: alter_schema,
}


def run_ddl(session: "Session", stmt: D.DdlStmt) -> Result:
    lock_ddl_targets(session, stmt)
    return _EXECUTORS[type(stmt)](session, stmt)


__all__ = ["run_ddl", "comment_on", "database_statement"]
