"""INSERT, UPDATE and DELETE: evaluate the new rows, check them, hand them to storage.

The whole read side runs before the first write (no Halloween problem, and a lock conflict
is detected before anything is changed). Returns the number of rows affected and, with
RETURNING, the returned rows.
"""

from __future__ import annotations

import numpy as np

from quantadb.errors import CardinalityViolation, CheckViolation, NotNullViolation, WithCheckOptionViolation
from quantadb.exec.columns import column_values, concat_columns, take, take_batch, valid_mask
from quantadb.exec.context import EvalContext
from quantadb.exec.eval import evaluate, evaluate_predicate
from quantadb.exec.keys import factorize_rows, first_occurrence
from quantadb.exec.row_eval import row_batch
from quantadb.storage.index import in_predicate
from quantadb.exec.run import finish_modifying_ctes, run_all
from quantadb.sql import plan as P
from quantadb.types.codecs import format_value
from quantadb.types.column import Batch, Column


def run_modify(plan: P.Plan, ctx: EvalContext) -> tuple[int, Batch | None]:
    source = plan.source
    if not isinstance(source, P.ModifyingCtes):
        return _run_write(plan, ctx)
    token = ctx.services.hide_statement_writes()  # its WITH queries write: see run.finish_modifying_ctes
    result = _run_write(plan, ctx)
    finish_modifying_ctes(source, ctx, token)
    return result


def _run_write(plan: P.Plan, ctx: EvalContext) -> tuple[int, Batch | None]:
    if isinstance(plan, P.Merge):
        from quantadb.exec.merge import run_merge  # merge.py runs its actions through this module
        return run_merge(plan, ctx), None
    if isinstance(plan, P.Insert):
        return _insert(plan, ctx)
    if isinstance(plan, P.Update):
        return _update(plan, ctx)
    return _delete(plan, ctx)


def check_rows(checks: P.RowChecks, rows: Batch, table: str, ctx: EvalContext, types, views: bool = True) -> None:
    """The table's constraints, then (`views`) the check options of the views written through;
    the foreign keys are checked once the rows are written (check_foreign_keys)."""
    for pos, name in checks.not_null:
        col = rows.columns[pos]
        if col.valid is not None and not col.valid.all():
            bad = int(np.flatnonzero(~col.valid)[0])
            raise NotNullViolation(f'null value in column "{name}" of relation "{table}" violates not-null '
                                   f'constraint', detail=_failing_row(rows, bad, types, ctx, checks.shown),
                                   table=table, column=name)
    for name, predicate in checks.checks:
        result = evaluate(predicate, rows, ctx)
        failed = valid_mask(result) & ~result.data.astype(bool)
        if failed.any():
            bad = int(np.flatnonzero(failed)[0])
            raise CheckViolation(f'new row for relation "{table}" violates check constraint "{name}"',
                                 detail=_failing_row(rows, bad, types, ctx, checks.shown), table=table, constraint=name)
    if views:
        check_view_options(checks, rows, ctx, types)


def check_foreign_keys(checks: P.RowChecks, rows: Batch, ctx: EvalContext) -> None:
    """The written rows' referencing keys, as PostgreSQL's RI triggers check them after the write:
    a row may reference one the same statement writes (itself too), and a wait for the target
    rows, or a unique key's violation, comes first."""
    if checks.foreign_keys and rows.length:
        ctx.services.check_foreign_keys(checks.foreign_keys, rows)


def check_view_options(checks: P.RowChecks, rows: Batch, ctx: EvalContext, types) -> None:
    """WITH CHECK OPTION: a row its view's condition does not make true fails (NULL too)."""
    for view, condition in checks.view_checks:
        result = evaluate(condition, rows, ctx)
        failed = ~(valid_mask(result) & result.data.astype(bool))
        if failed.any():
            raise WithCheckOptionViolation(f'new row violates check option for view "{view}"',
                                           detail=_failing_row(rows, int(np.flatnonzero(failed)[0]), types, ctx, checks.shown))


def _failing_row(rows: Batch, i: int, types, ctx: EvalContext, shown: list[int] | None) -> str:
    values = []
    for k, (col, t) in enumerate(zip(rows.columns, types)):
        if shown is not None and k not in shown:
            continue
        v = column_values(take(col, np.array([i])))[0]
        values.append("null" if v is None else format_value(t, v, ctx.format))
    return "Failing row contains (" + ", ".join(values) + ")."


def _returning(exprs, rows: Batch, ctx: EvalContext, rowids: np.ndarray | None,
               passed: list[Column] = ()) -> Batch | None:
    """RETURNING over the written rows, each followed by its version's row id (the binder's
    `returning` computes the system columns from it; None: rows of a view, which have none), then
    the FROM/USING items' columns (`passed`)."""
    if exprs is None:
        return None
    ids = np.zeros(rows.length, dtype=np.int64) if rowids is None else np.asarray(rowids, dtype=np.int64)
    with_system = Batch(rows.columns + [Column(ids)] + list(passed), rows.length)
    return Batch([evaluate(e, with_system, ctx) for e in exprs], rows.length)


def _insert(plan: P.Insert, ctx: EvalContext) -> tuple[int, Batch | None]:
    return insert_rows(plan, run_all(plan.source, ctx), ctx)


def insert_rows(plan: P.Insert, rows: Batch, ctx: EvalContext, statement: bool = True) -> tuple[int, Batch | None]:
    """Check and insert the new rows `plan.source` produced (also engine/point_write.py's path),
    firing the table's triggers around it (ON CONFLICT DO UPDATE: its UPDATE triggers too);
    `statement`: the statement-level ones too (MERGE fires those itself)."""
    triggers = ctx.services.triggers(plan.rel_oid)
    if triggers is None:
        return _insert_rows(plan, rows, ctx, None)
    if triggers.has("INSTEAD OF", "INSERT"):
        return _instead(plan, "INSERT", triggers, ctx, rows, None, [])
    upsert = plan.on_conflict is not None and plan.on_conflict.action == "update"
    events = (["INSERT", "UPDATE"] if upsert else ["INSERT"]) if statement else []
    for event in events:
        triggers.statement("BEFORE", event, ctx)
    if rows.length:
        keep, rows = triggers.before_rows("INSERT", ctx, rows, None)
        rows = _generated(plan.row_checks, rows if keep.all() else take_batch(rows, keep), ctx)
    result = _insert_rows(plan, rows, ctx, triggers)
    for event in reversed(events):
        triggers.statement("AFTER", event, ctx)
    return result


def _insert_rows(plan: P.Insert, rows: Batch, ctx: EvalContext, triggers) -> tuple[int, Batch | None]:
    types = [c.type for c in plan.source.columns]
    conflict = plan.on_conflict
    # a proposed row that conflicts is not inserted: PostgreSQL checks views' options on the rows written
    check_rows(plan.row_checks, rows, plan.table_name, ctx, types, views=conflict is None)
    if conflict is None or not rows.length:
        rowids = None
        if rows.length:
            rowids = ctx.services.insert(plan.rel_oid, rows.columns, rows.length)
            check_foreign_keys(plan.row_checks, rows, ctx)
            if triggers is not None:
                triggers.after_rows("INSERT", ctx, rows, None)
        return rows.length, _returning(plan.returning, rows, ctx, rowids)
    fresh, updated_at, updated = _on_conflict(plan, conflict, rows, ctx, types, triggers)
    count = updated[0]
    inserted = take_batch(rows, fresh)
    check_view_options(plan.row_checks, inserted, ctx, types)
    rowids = None
    if inserted.length:
        rowids = ctx.services.insert(plan.rel_oid, inserted.columns, inserted.length)
        check_foreign_keys(plan.row_checks, inserted, ctx)
        count += inserted.length
        if triggers is not None:
            triggers.after_rows("INSERT", ctx, inserted, None)
    if plan.returning is None:
        return count, None
    # RETURNING lists the rows in the order they were proposed, inserted or updated
    out = _concat([b for b in (_returning(plan.returning, inserted, ctx, rowids), updated[1]) if b is not None], plan)
    order = np.argsort(np.concatenate([np.flatnonzero(fresh), updated_at]), kind="stable")
    return count, take_batch(out, order)


def _on_conflict(plan: P.Insert, conflict: P.OnConflict, rows: Batch, ctx: EvalContext, types, triggers):
    """Split proposed rows into those to insert (a mask) and those that hit an existing key,
    which DO UPDATE updates: (mask, the positions updated, (count, their RETURNING rows))."""
    services = ctx.services
    existing = np.full(rows.length, -1, dtype=np.int64)
    for index_oid in conflict.index_oids:
        index = services.index(index_oid)
        keys = [rows.columns[a - 1] for a in index.index_columns]
        hits = services.find_conflicts(index_oid, keys)
        # a partial index: a row its predicate does not hold conflicts with none of its entries
        held = in_predicate(rows.columns[index.predicate_column - 1], rows.length) if index.predicate_column \
            else np.ones(rows.length, dtype=bool)
        existing = np.where((existing >= 0) | ~held, existing, hits)
        # two proposed rows with the same key: the later one conflicts with the earlier
        codes, k = factorize_rows(keys)
        first = first_occurrence(np.where(held, codes, k), k + 1)[:k]  # (the rows outside: code k)
        dup = held.copy()
        dup[first[first < rows.length]] = False
        if dup.any():
            if conflict.action == "update":
                raise CardinalityViolation("ON CONFLICT DO UPDATE command cannot affect row a second time",
                                           hint="Ensure that no rows proposed for insertion within the same "
                                                "command have duplicate constrained values.")
            existing = np.where(dup & (existing < 0), -2, existing)
    fresh = existing == -1
    hit = np.flatnonzero(existing >= 0)
    if conflict.action == "nothing" or not len(hit):
        return fresh, hit[:0], (0, None)
    target_rowids = existing[hit]
    # PostgreSQL locks the row it found before its WHERE: locked even if not updated, and the
    # new version keeps the lock as its xmax (the idiom RETURNING xmax <> 0 tells updated rows)
    services.lock_rows(plan.rel_oid, target_rowids, "no key update")
    old = services.fetch(plan.rel_oid, target_rowids, len(rows.columns))
    excluded = take_batch(rows, hit)
    combined = Batch(old + excluded.columns, len(hit))
    if conflict.where is not None:
        keep = evaluate_predicate(conflict.where, combined, ctx)
        combined = take_batch(combined, keep)
        target_rowids = target_rowids[keep]
        hit = hit[keep]
    new_rows = Batch([evaluate(e, combined, ctx) for e in conflict.updates], combined.length)
    count = 0
    returned = None
    old_rows = Batch(old, len(hit)) if conflict.where is None else take_batch(Batch(old, len(keep)), keep)
    if triggers is not None and new_rows.length:
        skip, new_rows = triggers.before_rows("UPDATE", ctx, new_rows, old_rows)
        if not skip.all():
            new_rows, old_rows, target_rowids, hit = (take_batch(new_rows, skip), take_batch(old_rows, skip),
                                                      target_rowids[skip], hit[skip])
        new_rows = _generated(plan.row_checks, new_rows, ctx)
    if new_rows.length:
        check_rows(plan.row_checks, new_rows, plan.table_name, ctx, types)
        new_rowids = services.update(plan.rel_oid, target_rowids, new_rows.columns)
        check_foreign_keys(plan.row_checks, new_rows, ctx)
        if triggers is not None:
            triggers.after_rows("UPDATE", ctx, new_rows, old_rows)
        count = new_rows.length
        returned = _returning(plan.returning, new_rows, ctx, new_rowids)
    return fresh, hit, (count, returned)


def _update(plan: P.Update, ctx: EvalContext) -> tuple[int, Batch | None]:
    return update_rows(plan, _source_rows(plan, ctx), ctx)


def update_rows(plan: P.Update, source: Batch, ctx: EvalContext,
                kept: frozenset[int] = frozenset(), statement: bool = True) -> tuple[int, Batch | None]:
    """Check and write the rows `plan.source` produced (row ids, then the new values); `kept`:
    attnums known to keep their old values (engine/point_write.py's path); `statement`: as
    insert_rows's."""
    triggers = ctx.services.triggers(plan.rel_oid)
    if triggers is not None and triggers.has("INSTEAD OF", "UPDATE"):  # the source passes OLD after NEW
        rows, passed = _split_source(plan, source)
        n = len(rows.columns)
        return _instead(plan, "UPDATE", triggers, ctx, rows, Batch(passed[:n], source.length), passed[n:])
    if triggers is not None and statement:
        triggers.statement("BEFORE", "UPDATE", ctx)
    source = _not_yet_changed(plan, source, ctx)
    rows, passed = _split_source(plan, source)
    old = None
    if triggers is not None and source.length:
        old = Batch(ctx.services.fetch(plan.rel_oid, source.columns[0].data.astype(np.int64), len(rows.columns)),
                    source.length)
        keep, rows = triggers.before_rows("UPDATE", ctx, rows, old, plan.row_checks.updated)
        if not keep.all():
            source, rows, old = take_batch(source, keep), take_batch(rows, keep), take_batch(old, keep)
            passed = [take(c, keep) for c in passed]
        rows = _generated(plan.row_checks, rows, ctx)
    result = _write_update(plan, source, rows, passed, ctx, kept)
    if triggers is not None:
        if source.length:
            triggers.after_rows("UPDATE", ctx, rows, old, plan.row_checks.updated)
        if statement:
            triggers.statement("AFTER", "UPDATE", ctx)
    return result


def _write_update(plan: P.Update, source: Batch, rows: Batch, passed: list[Column], ctx: EvalContext,
                  kept: frozenset[int]) -> tuple[int, Batch | None]:
    if not source.length:
        return 0, _returning(plan.returning, rows, ctx, None, passed)
    rowids = source.columns[0].data.astype(np.int64)
    types = [c.type for c in plan.source.columns[1:len(rows.columns) + 1]]
    check_rows(plan.row_checks, rows, plan.table_name, ctx, types)
    new = ctx.services.update(plan.rel_oid, rowids, rows.columns, kept)
    ctx.services.after_update(plan.rel_oid, rowids, rows)
    check_foreign_keys(plan.row_checks, rows, ctx)
    return rows.length, _returning(plan.returning, rows, ctx, new, passed)


def update_row(plan: P.Update, rowid: int, values: list, ctx: EvalContext,
               kept: frozenset[int] = frozenset()) -> tuple[int, Batch | None]:
    """update_rows of one row given as Python values (engine/point_write.py's path) into a
    table that takes rows so (storage `Table.row_form`)."""
    types = [c.type for c in plan.source.columns[1:]]
    check_row(plan.row_checks, values, plan.table_name, ctx, types)
    services = ctx.services
    new = services.update_row(plan.rel_oid, rowid, values, kept)
    if services.is_referenced(plan.rel_oid):
        services.after_update(plan.rel_oid, np.array([rowid], dtype=np.int64), row_batch(values, types))
    if plan.row_checks.foreign_keys:
        check_foreign_keys(plan.row_checks, row_batch(values, types), ctx)
    if plan.returning is None:
        return 1, None
    return 1, _returning(plan.returning, row_batch(values, types), ctx, np.array([rowid if new is None else new]))


def insert_row(plan: P.Insert, values: list, ctx: EvalContext) -> tuple[int, Batch | None]:
    """insert_rows of one row of Python values, without ON CONFLICT, likewise."""
    types = [c.type for c in plan.source.columns]
    check_row(plan.row_checks, values, plan.table_name, ctx, types)
    rowid = ctx.services.insert_row(plan.rel_oid, values)
    if plan.row_checks.foreign_keys:
        check_foreign_keys(plan.row_checks, row_batch(values, types), ctx)
    if plan.returning is None:
        return 1, None
    return 1, _returning(plan.returning, row_batch(values, types), ctx, np.array([rowid]))


def check_row(checks: P.RowChecks, values: list, table: str, ctx: EvalContext, types) -> None:
    """check_rows of one row of Python values: a one-row Batch only when a CHECK needs one, or
    to report a NULL."""
    if checks.checks or checks.view_checks or any(values[pos] is None for pos, _ in checks.not_null):
        check_rows(checks, row_batch(values, types), table, ctx, types)


def _delete(plan: P.Delete, ctx: EvalContext) -> tuple[int, Batch | None]:
    return delete_rows(plan, _source_rows(plan, ctx), ctx)


def delete_rows(plan: P.Delete, source: Batch, ctx: EvalContext, statement: bool = True) -> tuple[int, Batch | None]:
    """Delete the rows `plan.source` produced (row ids, then the old rows), firing the table's
    triggers around it; `statement`: as insert_rows's."""
    triggers = ctx.services.triggers(plan.rel_oid)
    if triggers is not None and triggers.has("INSTEAD OF", "DELETE"):
        old, passed = _split_source(plan, source)
        return _instead(plan, "DELETE", triggers, ctx, None, old, passed)
    if triggers is not None and statement:
        triggers.statement("BEFORE", "DELETE", ctx)
    source = _not_yet_changed(plan, source, ctx)
    old, passed = _split_source(plan, source)
    if triggers is not None and source.length:
        keep, _ = triggers.before_rows("DELETE", ctx, None, old)
        if not keep.all():
            source, old, passed = take_batch(source, keep), take_batch(old, keep), [take(c, keep) for c in passed]
    count, rowids = 0, source.columns[0].data.astype(np.int64)
    if source.length:
        count = ctx.services.delete(plan.rel_oid, rowids)
        ctx.services.after_delete(plan.rel_oid, rowids, old)
    returned = _returning(plan.returning, old, ctx, rowids, passed)  # (after: the versions' xmax is the deleter)
    if triggers is not None:
        if source.length:
            triggers.after_rows("DELETE", ctx, None, old)
        if statement:
            triggers.statement("AFTER", "DELETE", ctx)
    return count, returned


def _instead(plan: P.Insert | P.Update | P.Delete, event: str, triggers, ctx: EvalContext, new: Batch | None,
             old: Batch | None, passed: list[Column]) -> tuple[int, Batch | None]:
    """A view's INSTEAD OF triggers write in place of the statement (its statement-level triggers
    around them): a row counts when its trigger returned one (not NULL), and RETURNING reads what
    it returned (DELETE: the old row)."""
    triggers.statement("BEFORE", event, ctx)
    keep, returned = triggers.instead_rows(event, ctx, new, old)
    rows = take_batch(returned if returned is not None else old, keep)
    triggers.statement("AFTER", event, ctx)
    return rows.length, _returning(plan.returning, rows, ctx, None, [take(c, keep) for c in passed])


def _generated(checks: P.RowChecks, rows: Batch, ctx: EvalContext) -> Batch:
    """The rows with their stored generated columns computed again (after BEFORE row triggers)."""
    if not checks.generated or not rows.length:
        return rows
    columns = list(rows.columns)
    for pos, expr in checks.generated.items():
        columns[pos] = evaluate(expr, rows, ctx)
    return Batch(columns, rows.length)


def _split_source(plan: P.Update | P.Delete, source: Batch) -> tuple[Batch, list[Column]]:
    """An Update's or Delete's source rows after the row id: the table's row, and the FROM/USING
    items' columns passed on to RETURNING."""
    end = len(source.columns) - plan.passed
    return Batch(source.columns[1:end], source.length), source.columns[end:]


def _not_yet_changed(plan: P.Update | P.Delete, source: Batch, ctx: EvalContext) -> Batch:
    """The source rows without those whose target this statement changed already (a data-modifying
    WITH query did), which PostgreSQL leaves alone."""
    if not source.length:
        return source
    keep = ctx.services.not_yet_changed(plan.rel_oid, source.columns[0].data.astype(np.int64))
    return source if keep is None or keep.all() else take_batch(source, keep)


def _source_rows(plan: P.Update | P.Delete, ctx: EvalContext) -> Batch:
    """The source's rows, of which READ COMMITTED's re-check lets an attempt after a changed row
    act on those it targeted, reading the other tables as the first attempt did (engine/recheck.py)."""
    source = ctx.services.source_rows(plan, lambda: run_all(plan.source, ctx))
    joined = source.columns[len(source.columns) - plan.passed:] if plan.passed else None  # (FROM items' rows)
    keep = ctx.services.rechecked(plan, source.columns[0].data, joined)
    return source if keep is None else take_batch(source, keep)


def _concat(parts: list[Batch], plan: P.Plan) -> Batch | None:
    if plan.returning is None:
        return None
    if not parts:
        return Batch([Column(np.empty(0, dtype=c.type.pg.dtype)) for c in plan.columns], 0)
    if len(parts) == 1:
        return parts[0]
    n = sum(p.length for p in parts)
    cols = [concat_columns([p.columns[i] for p in parts], c.type.pg.dtype) for i, c in enumerate(plan.columns)]
    return Batch(cols, n)
