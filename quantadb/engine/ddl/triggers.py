"""CREATE/DROP TRIGGER, ALTER TABLE ENABLE/DISABLE TRIGGER, and the triggers' part in DROP
FUNCTION. A trigger lives on its table's RelationDef (storage TriggerDef), so creating one is an
ALTER of the table in the catalog: transactional, WAL-logged, checkpointed, dropped with it."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.ddl.common import notice_cascade, require_owner, session_txn
from quantadb.engine.results import Result
from quantadb.errors import (DependentObjectsStillExist, DuplicateObject, FeatureNotSupported, InvalidObjectDefinition,
                             UndefinedColumn, UndefinedFunction, UndefinedObject, UndefinedTable, WrongObjectType)
from quantadb.sql import ddl_stmts as D
from quantadb.storage.catalog import FunctionDef, RelationDef, TriggerDef
from quantadb.types import registry as R

if TYPE_CHECKING:
    from quantadb.engine.session import Session


def create_trigger(session: "Session", stmt: D.CreateTrigger) -> Result:
    rel = _table(session, stmt.table)
    _check_kind(rel, stmt)
    require_owner(session, rel)
    fn = _trigger_function(session, stmt.function)
    columns = []
    for name in stmt.columns:
        col = rel.column(name)
        if col is None:
            raise UndefinedColumn(f'column "{name}" of relation "{rel.name}" does not exist')
        columns.append(col.attnum)
    if stmt.when is not None and not stmt.row:
        raise FeatureNotSupported("statement trigger's WHEN condition cannot reference column values")
    if stmt.when is not None:
        _check_when(stmt)
    old = next((t for t in rel.triggers if t.name == stmt.name), None)
    if old is not None and not stmt.replace:
        raise DuplicateObject(f'trigger "{stmt.name}" for relation "{rel.name}" already exists')
    store, txn = session.store, session_txn(session)
    trigger = TriggerDef(old.oid if old is not None else store.allocate_oid(txn), stmt.name, fn.oid, stmt.timing,
                         stmt.events, stmt.row, tuple(columns), stmt.when, stmt.args)
    kept = tuple(t for t in rel.triggers if t.name != stmt.name)
    store.alter_relation(txn, replace(rel, triggers=kept + (trigger,)))
    return Result(tag="CREATE TRIGGER")


def _check_kind(rel: RelationDef, stmt: D.CreateTrigger) -> None:
    """Row-level INSTEAD OF triggers on views, BEFORE and AFTER ones on tables (and statement-level
    ones on views, which fire around their INSTEAD OF triggers), as PostgreSQL."""
    instead = stmt.timing == "INSTEAD OF"
    if rel.kind == "v" and stmt.row and not instead:
        raise WrongObjectType(f'"{rel.name}" is a view', detail="Views cannot have row-level BEFORE or AFTER triggers.")
    if rel.kind == "r" and instead:
        raise WrongObjectType(f'"{rel.name}" is a table', detail="Tables cannot have INSTEAD OF triggers.")
    if rel.kind not in ("r", "v"):
        raise WrongObjectType(f'"{rel.name}" is not a table or view')
    if instead and not stmt.row:
        raise FeatureNotSupported("INSTEAD OF triggers must be FOR EACH ROW")
    if instead and stmt.when is not None:
        raise FeatureNotSupported("INSTEAD OF triggers cannot have WHEN conditions")
    if instead and stmt.columns:
        raise FeatureNotSupported("INSTEAD OF triggers cannot have column lists")


def _check_when(stmt: D.CreateTrigger) -> None:
    """NEW in a DELETE trigger's WHEN, OLD in an INSERT's, as PostgreSQL refuses them."""
    words = {w.lower() for w in stmt.when.replace(".", " ").replace("(", " ").split()}
    if "new" in words and "DELETE" in stmt.events:
        raise InvalidObjectDefinition("DELETE trigger's WHEN condition cannot reference NEW values")
    if "old" in words and "INSERT" in stmt.events:
        raise InvalidObjectDefinition("INSERT trigger's WHEN condition cannot reference OLD values")


def _table(session: "Session", name: D.Name) -> RelationDef:
    hit = session.catalog().resolve_relation(list(name))
    if hit is None or hit.relation is None:
        raise UndefinedTable(f'relation "{name[-1]}" does not exist')
    return hit.relation


def _trigger_function(session: "Session", name: D.Name) -> FunctionDef:
    catalog = session.catalog()
    schema = name[-2] if len(name) > 1 else None
    found = [f for f in catalog.functions_named(name[-1], schema) if not f.input_types]
    if not found:
        raise UndefinedFunction(f"function {'.'.join(name)}() does not exist")
    fn = found[0]
    if fn.return_type.pg is not R.TRIGGER:
        raise InvalidObjectDefinition(f"function {fn.name} must return type trigger")
    return fn


def drop_trigger(session: "Session", stmt: D.DropTrigger) -> Result:
    rel = _table(session, stmt.table)
    if not any(t.name == stmt.name for t in rel.triggers):
        if not stmt.if_exists:
            raise UndefinedObject(f'trigger "{stmt.name}" for table "{rel.name}" does not exist')
        session.notice(f'trigger "{stmt.name}" for relation "{rel.name}" does not exist, skipping')
        return Result(tag="DROP TRIGGER")
    require_owner(session, rel)
    session.store.alter_relation(session_txn(session),
                                 replace(rel, triggers=tuple(t for t in rel.triggers if t.name != stmt.name)))
    return Result(tag="DROP TRIGGER")


def enable_trigger(session: "Session", rel: RelationDef, action: D.EnableTrigger) -> RelationDef:
    if action.name is not None and not any(t.name == action.name for t in rel.triggers):
        raise UndefinedObject(f'trigger "{action.name}" for table "{rel.name}" does not exist')
    state = "O" if action.enabled else "D"
    rel = replace(rel, triggers=tuple(replace(t, enabled=state) if action.name in (None, t.name) else t
                                      for t in rel.triggers))
    session.store.alter_relation(session_txn(session), rel)
    return rel


def drop_function_triggers(session: "Session", fn: FunctionDef, cascade: bool, shown: str) -> None:
    """DROP FUNCTION of a trigger's function: 2BP01 naming the triggers, or with CASCADE they go too."""
    users = [(rel, t) for rel in session.catalog().relations() for t in rel.triggers if t.function_oid == fn.oid]
    if not users:
        return
    described = [f"trigger {t.name} on table {rel.name}" for rel, t in users]
    if not cascade:
        raise DependentObjectsStillExist(
            f"cannot drop function {shown} because other objects depend on it",
            detail="\n".join(f"{d} depends on function {shown}" for d in described),
            hint="Use DROP ... CASCADE to drop the dependent objects too.")
    notice_cascade(session, described)
    txn = session_txn(session)
    for rel in {rel.oid: rel for rel, _ in users}.values():
        session.store.alter_relation(txn, replace(rel, triggers=tuple(t for t in rel.triggers
                                                                      if t.function_oid != fn.oid)))
