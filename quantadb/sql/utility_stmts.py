"""Utility statements as data: what sql/utility.py parses from the leading keywords and the
engine executes directly (see that module for why they bypass sqlglot)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from quantadb.sql.explain_options import ExplainOptions


@dataclass
class TransactionStmt:
    kind: str  # begin commit rollback savepoint release rollback_to prepare commit_prepared rollback_prepared
    name: str = ""
    isolation: str | None = None
    read_only: bool | None = None
    deferrable: bool | None = None
    chain: bool = False


@dataclass
class SetStmt:
    name: str  # lower-cased GUC name; "" with reset_all
    value: list[str] | None  # None = DEFAULT / RESET
    local: bool = False
    reset_all: bool = False


@dataclass
class SetTransactionStmt:
    isolation: str | None
    read_only: bool | None
    deferrable: bool | None
    session_default: bool  # SET SESSION CHARACTERISTICS AS TRANSACTION


@dataclass
class SetConstraintsStmt:
    """SET CONSTRAINTS {ALL | name [, ...]} {DEFERRED | IMMEDIATE}."""

    names: list[list[str]] | None  # None: ALL
    deferred: bool


@dataclass
class SetTransactionSnapshotStmt:
    snapshot_id: str


@dataclass
class ShowStmt:
    name: str  # lower-cased; "all" for SHOW ALL


@dataclass
class CopyStmt:
    table: list[str] | None  # qualified name parts, None for COPY (query)
    columns: list[str] | None
    query: str | None
    is_from: bool
    target: str  # "stdin" | "stdout" | "file" | "program"
    options: dict[str, str | None] = field(default_factory=dict)
    where: str | None = None


@dataclass
class VacuumStmt:
    tables: list[list[str]]
    analyze_only: bool = False
    full: bool = False  # VACUUM FULL: AccessExclusive on each table
    analyze: bool = False  # ANALYZE, or VACUUM ... ANALYZE: statistics counts it (pgstat.py)


@dataclass
class PrepareStmt:
    name: str
    types: list[str]
    query: str


@dataclass
class ExecuteStmt:
    name: str
    args: list[str]  # expression texts


@dataclass
class DeallocateStmt:
    name: str | None  # None = ALL


@dataclass
class DiscardStmt:
    what: str  # all plans sequences temp


@dataclass
class ListenStmt:
    kind: str  # listen unlisten notify
    channel: str | None  # None = UNLISTEN *
    payload: str | None = None


@dataclass
class ExplainStmt:
    query: str
    options: ExplainOptions = field(default_factory=ExplainOptions)


@dataclass
class DeclareStmt:
    name: str
    query: str
    hold: bool = False
    scroll: bool | None = None  # SCROLL, NO SCROLL, neither
    binary: bool = False
    insensitive: bool = False  # (said so: every cursor is, materialized)


@dataclass
class FetchStmt:
    name: str
    count: int | None  # None = ALL; never negative (FETCH -n is FETCH BACKWARD n)
    backward: bool = False
    move: bool = False
    absolute: int | None = None  # the one row at this position (negative: from the end)
    relative: int | None = None  # the one row this far from the current one


@dataclass
class CloseStmt:
    name: str | None  # None = ALL


@dataclass
class RoleStmt:
    kind: str  # create alter drop
    names: list[str]
    options: dict[str, object] = field(default_factory=dict)
    if_exists: bool = False
    is_user: bool = False


@dataclass
class OwnedStmt:
    """REASSIGN OWNED BY roles TO new_owner, or DROP OWNED BY roles [CASCADE | RESTRICT]."""

    kind: str  # reassign drop
    roles: list[str]
    new_owner: str | None = None
    cascade: bool = False


@dataclass
class GrantStmt:
    grant: bool
    text: str


@dataclass
class CommentStmt:
    object_kind: str  # table column index view sequence schema database role function procedure routine
    name: list[str]
    comment: str | None
    routine: Any = None  # a function's name and argument types (sql/bind_routine.RoutineRef)


@dataclass
class DatabaseStmt:
    kind: str  # create drop
    name: str
    if_exists: bool = False
    options: dict[str, str] = field(default_factory=dict)


@dataclass
class CheckpointStmt:
    pass


@dataclass
class LockStmt:
    """LOCK [TABLE] [ONLY] name [*] [, ...] [IN mode MODE] [NOWAIT]."""

    tables: list[list[str]]
    mode: str = "access exclusive"  # the mode's words, lower case
    nowait: bool = False


@dataclass
class NoOpStmt:
    """Accepted and ignored (CHECKPOINT, ANALYZE, SET CONSTRAINTS ...); `tag` is sent."""

    tag: str


UtilityStmt = (TransactionStmt | SetStmt | SetTransactionStmt | SetConstraintsStmt | SetTransactionSnapshotStmt | ShowStmt | CopyStmt | VacuumStmt | PrepareStmt
               | ExecuteStmt | DeallocateStmt | DiscardStmt | ListenStmt | ExplainStmt | DeclareStmt | FetchStmt
               | CloseStmt | RoleStmt | OwnedStmt | GrantStmt | CommentStmt | DatabaseStmt | CheckpointStmt | LockStmt | NoOpStmt)
