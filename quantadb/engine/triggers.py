"""Firing a table's triggers (CREATE TRIGGER ... EXECUTE FUNCTION f()) around a write, and a
view's INSTEAD OF triggers in place of one.

exec/modify.py asks ExecServices.triggers(rel_oid) for a table's TableTriggers (None when it has
no enabled trigger) and calls it around the write: statement-level BEFORE triggers, then the
row-level BEFORE triggers over the rows about to be written (their returned rows are written;
NULL skips a row), then after the write the row-level AFTER triggers (PostgreSQL queues them to
the end of the statement: here to the end of the table's write, which is the same for a plain
statement) and the statement-level AFTER ones. Triggers of one event fire in name order. A
write to a view with INSTEAD OF triggers calls only those, once per view row (instead_rows).

The functions run through the PL/pgSQL interpreter (plpgsql/call.run_trigger) with NEW, OLD
and the TG_ variables; the row passes as a record of the table's visible columns. What a
trigger function writes runs in the statement's transaction and snapshot (ctx).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from quantadb.engine.deferred import check_keys_due
from quantadb.exec.columns import column_values, from_values
from quantadb.exec.context import EvalContext
from quantadb.plpgsql.call import run_trigger, trigger_condition
from quantadb.storage.catalog import FunctionDef, RelationDef, TriggerDef
from quantadb.types import registry as R
from quantadb.types.column import Batch
from quantadb.types.registry import SqlType
from quantadb.types.rowtypes import record_type

_NAME, _TEXT = SqlType(R.NAME), SqlType(R.TEXT)
_ARGV = SqlType(R.array_of(R.TEXT))


class TableTriggers:
    """One table's enabled triggers, with the functions they call, for one statement."""

    def __init__(self, rel: RelationDef, schema: str, triggers: list[tuple[TriggerDef, FunctionDef]]) -> None:
        self.rel = rel
        self.schema = schema
        self.triggers = sorted(triggers, key=lambda tf: tf[0].name)
        visible = [c for c in sorted(rel.columns, key=lambda c: c.attnum) if c.visible]
        self.positions = [c.attnum - 1 for c in visible]
        self.types = [c.type for c in visible]
        self.row_type = record_type([(c.name, c.type) for c in visible])

    def _matching(self, timing: str, event: str, row: bool) -> list[tuple[TriggerDef, FunctionDef]]:
        return [(t, f) for t, f in self.triggers if t.timing == timing and event in t.events and t.row == row]

    def has(self, timing: str, event: str, row: bool = True) -> bool:
        return bool(self._matching(timing, event, row))

    def statement(self, timing: str, event: str, ctx: EvalContext) -> None:
        """The statement-level triggers: once per statement, even when no row is affected."""
        for trigger, fn in self._matching(timing, event, False):
            _call(fn, self._variables(trigger, event, "STATEMENT", None, None), self.row_type, ctx)

    def before_rows(self, event: str, ctx: EvalContext, new: Batch | None, old: Batch | None,
                    updated: frozenset[int] | None = None) -> tuple[np.ndarray, Batch | None]:
        """Row-level BEFORE triggers: which rows go on (a mask) and, for INSERT/UPDATE, the new rows
        as the triggers returned them. A trigger returning NULL skips its row. `updated`: the
        attnums an UPDATE's SET assigns (None: not known, a column that changes counts)."""
        return self._returned_rows("BEFORE", event, ctx, new, old, updated)

    def instead_rows(self, event: str, ctx: EvalContext, new: Batch | None,
                     old: Batch | None) -> tuple[np.ndarray, Batch | None]:
        """A view's row-level INSTEAD OF triggers, which write in the statement's place: the rows
        they did write (a trigger returning NULL did not) and, for INSERT/UPDATE, the rows they
        returned, which RETURNING reads."""
        return self._returned_rows("INSTEAD OF", event, ctx, new, old, None)

    def _returned_rows(self, timing: str, event: str, ctx: EvalContext, new: Batch | None, old: Batch | None,
                       updated: frozenset[int] | None) -> tuple[np.ndarray, Batch | None]:
        matching = self._matching(timing, event, True)
        new_rows, old_rows = self._rows(new, old)
        keep = np.ones(len(new_rows), dtype=bool)
        if not matching:
            return keep, new
        for i in range(len(new_rows)):
            for trigger, fn in matching:
                if not self._applies(trigger, fn, event, new_rows[i], old_rows[i], updated, ctx):
                    continue
                result = _call(fn, self._variables(trigger, event, "ROW", new_rows[i], old_rows[i]), self.row_type, ctx)
                if result is None:
                    keep[i] = False
                    break
                if new is not None:
                    new_rows[i] = tuple(result)
        if new is None:
            return keep, None
        return keep, self._batch(new, new_rows)

    def after_rows(self, event: str, ctx: EvalContext, new: Batch | None, old: Batch | None,
                   updated: frozenset[int] | None = None) -> None:
        """Row-level AFTER triggers over the written rows; their value is ignored."""
        matching = self._matching("AFTER", event, True)
        if not matching:
            return
        if ctx.services.txn.unique_rechecks:  # a DEFERRABLE unique key's re-check is a trigger in PostgreSQL,
            check_keys_due(ctx.services)  # "PK_/Unique_ConstraintTrigger_n": before any lowercase name
        new_rows, old_rows = self._rows(new, old)
        for i in range(len(new_rows)):
            for trigger, fn in matching:
                if self._applies(trigger, fn, event, new_rows[i], old_rows[i], updated, ctx):
                    _call(fn, self._variables(trigger, event, "ROW", new_rows[i], old_rows[i]), self.row_type, ctx)

    def _applies(self, trigger: TriggerDef, fn: FunctionDef, event: str, new: tuple | None, old: tuple | None,
                 updated: frozenset[int] | None, ctx: EvalContext) -> bool:
        """UPDATE OF (SET assigns a listed column) and WHEN."""
        if trigger.columns and event == "UPDATE":
            if updated is not None:
                if updated.isdisjoint(trigger.columns):
                    return False
            elif all(new[k] == old[k] for k, pos in enumerate(self.positions) if pos + 1 in trigger.columns):
                return False
        if trigger.when is None:
            return True
        return trigger_condition(fn, trigger.oid, trigger.when,
                                 [("new", self.row_type, new), ("old", self.row_type, old)], ctx)

    def _variables(self, trigger: TriggerDef, event: str, level: str, new: tuple | None,
                   old: tuple | None) -> list[tuple[str, SqlType, Any]]:
        return [("new", self.row_type, new), ("old", self.row_type, old),
                ("tg_name", _NAME, trigger.name), ("tg_when", _TEXT, trigger.timing),
                ("tg_level", _TEXT, level), ("tg_op", _TEXT, event),
                ("tg_relid", SqlType(R.OID), self.rel.oid), ("tg_relname", _NAME, self.rel.name),
                ("tg_table_name", _NAME, self.rel.name), ("tg_table_schema", _NAME, self.schema),
                ("tg_nargs", SqlType(R.INT4), len(trigger.args)), ("tg_argv", _ARGV, list(trigger.args))]

    def _rows(self, new: Batch | None, old: Batch | None) -> tuple[list, list]:
        """NEW's and OLD's values row by row (None where the event has none)."""
        n = (new if new is not None else old).length

        def values(batch: Batch | None) -> list:
            if batch is None:
                return [None] * n
            columns = [column_values(batch.columns[pos]) for pos in self.positions]
            return list(zip(*columns)) if columns else [()] * n
        return values(new), values(old)

    def _batch(self, template: Batch, rows: list[tuple]) -> Batch:
        """`template` with its visible columns replaced by the rows' values."""
        columns = list(template.columns)
        for k, (pos, t) in enumerate(zip(self.positions, self.types)):
            columns[pos] = from_values([r[k] for r in rows], t)
        return Batch(columns, template.length)


def _call(fn: FunctionDef, variables: list[tuple[str, SqlType, Any]], row_type: SqlType, ctx: EvalContext) -> Any:
    """run_trigger, with the statement's INSERT foreign keys (ExecServices.new_row_keys, which
    name columns of the statement's table) set aside while the function writes other tables."""
    services = ctx.services
    saved = services.new_row_keys
    services.new_row_keys = ()
    try:
        return run_trigger(fn, variables, row_type, ctx)
    finally:
        services.new_row_keys = saved
