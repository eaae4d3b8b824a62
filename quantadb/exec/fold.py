"""Constant folding over a finished plan: every expression subtree that reads no column,
parameter or outer row and calls nothing volatile is evaluated once, with the executor's own
evaluation on a one-row batch, and replaced by a Const of the same type.

So `1 - l_discount` becomes `Decimal(1) - l_discount` and `date '1998-12-01' - interval '90' day`
a timestamp constant, instead of being recomputed (and cast) for every row.

Plans are cached by statement text, so a folded value must not depend on the session or the
statement: evaluation runs with a probe context that refuses every read of session state
(settings, time zone, now(), the catalog, ...); a subtree whose evaluation reads any of it is
left as it is. A subtree whose evaluation raises is also left as it is, so the error surfaces
when (and only if) the statement evaluates it, as PostgreSQL would raise it.
"""

from __future__ import annotations

from typing import Any

from quantadb.exec.columns import column_values
from quantadb.exec.eval import evaluate
from quantadb.sql import expr as E
from quantadb.sql import plan as P
from quantadb.types.column import Batch

__all__ = ["fold_constants", "fold_expr"]

# Nodes that read something other than constants; a subtree holding one is never folded.
_OPAQUE = (E.ColumnRef, E.Param, E.OuterRef, E.AggRef, E.WindowCall, E.SubqueryExpr, E.CaseTest)


class _Unfoldable(BaseException):
    """Raised by the probe context: the evaluation wanted session or statement state.
    A BaseException so that no function's `except Exception` can swallow it."""


class _FormatProbe:
    def __getattr__(self, name: str) -> Any:
        raise _Unfoldable(name)


class _ContextProbe:
    """Stands in for EvalContext: `format` is a probe, every other field refuses to be read."""

    def __init__(self) -> None:
        self.format = _FormatProbe()

    def check_cancel(self) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        raise _Unfoldable(name)


def _foldable(e: E.Expr) -> bool:
    for n in E.walk(e):
        if isinstance(n, _OPAQUE) or (isinstance(n, E.Call) and n.volatile):
            return False
    return True


def _try_fold(e: E.Expr) -> E.Expr | None:
    ctx = _ContextProbe()
    try:
        col = evaluate(e, Batch([], 1), ctx)  # type: ignore[arg-type]
        if len(col.data) != 1:
            return None
        value = column_values(col)[0]
    except _Unfoldable:
        return None
    except Exception:  # noqa: BLE001 - the error belongs to the statement's run, not to planning
        return None
    return E.Const(value, e.type)


def fold_expr(e: E.Expr) -> E.Expr:
    """`e` with its constant subtrees replaced by Consts (the largest foldable ones)."""
    def visit(n: E.Expr) -> E.Expr | None:
        if isinstance(n, E.Const):
            return n
        if isinstance(n, E.SubqueryExpr):
            _fold_plan(n.plan, set())
            return None
        if _foldable(n):
            return _try_fold(n)  # None: keep recursing, children may still fold
        return None
    return E.transform(e, visit)


def fold_constants(plan: P.Plan) -> P.Plan:
    """Fold constants in every expression of `plan` and its sub-plans (in place); returns it."""
    _fold_plan(plan, set())
    return plan


def _fold_value(value: Any, seen: set) -> Any:
    if isinstance(value, E.Expr):
        return fold_expr(value)
    if isinstance(value, P.Plan):
        _fold_plan(value, seen)
        return value
    if isinstance(value, list):
        return [_fold_value(v, seen) for v in value]
    if isinstance(value, tuple):
        return tuple(_fold_value(v, seen) for v in value)
    if isinstance(value, (P.CteDef, P.RowChecks, P.OnConflict, P.MergeAction)):
        _fold_object(value, seen)
    return value


def _fold_object(obj: Any, seen: set) -> None:
    if id(obj) in seen:
        return
    seen.add(id(obj))
    for name, value in list(vars(obj).items()):
        if name == "batch" or value is None or isinstance(value, (str, int, float, bool)):
            continue
        if isinstance(obj, P.FunctionScan) and name == "calls":
            for call in value:  # a set-returning call stays a call: fold its arguments only
                call.args = [fold_expr(a) for a in call.args]
            continue
        if isinstance(obj, P.ProjectSet) and name == "exprs":
            for item in value:
                if isinstance(item, E.Call):
                    item.args = [fold_expr(a) for a in item.args]
            continue
        if isinstance(obj, P.RowChecks) and name == "foreign_keys":
            continue
        setattr(obj, name, _fold_value(value, seen))


def _fold_plan(plan: P.Plan, seen: set) -> None:
    _fold_object(plan, seen)
