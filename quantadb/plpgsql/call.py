"""Calling PL/pgSQL: a function or procedure's call (the routine object a bound Call holds), a DO
block, and the check CREATE FUNCTION makes of a body (plpgsql_validator).

The interface is general on purpose: `run_block` takes named variables in and gives the
function's value or rows out, so a trigger function can later run with NEW, OLD, TG_OP, ...
as variables. A body is parsed once (the tree is kept by its text); the plans its statements
are bound to are kept per session and function (exprs.Bridge), as PostgreSQL keeps a function's
SPI plans per backend.
"""

from __future__ import annotations

import re
import sys
import weakref
from functools import lru_cache
from typing import Any

from quantadb.errors import FeatureNotSupported, FunctionExecutedNoReturnStatement, SqlError, StatementTooComplex
from quantadb.errors import SyntaxError as SqlSyntaxError
from quantadb.exec.columns import from_values
from quantadb.exec.context import EvalContext
from quantadb.plpgsql import tree as T
from quantadb.plpgsql.exprs import Bridge
from quantadb.plpgsql.interp import Execution, FunctionReturn, LoopExit, out_value
from quantadb.plpgsql.parser import parse_body
from quantadb.plpgsql.raising import sqlstate_of
from quantadb.plpgsql.variables import Namespace, Var
from quantadb.sql.functions.user import result_type
from quantadb.storage.catalog import FunctionDef
from quantadb.types import registry as R
from quantadb.types.column import Batch
from quantadb.types.registry import SqlType
from quantadb.types.rowtypes import record_fields

INLINE_NAME = "inline_code_block"
TRIGGER_VARIABLES = ("new", "old", "tg_name", "tg_when", "tg_level", "tg_op", "tg_relid", "tg_relname",
                     "tg_table_name", "tg_table_schema", "tg_nargs", "tg_argv")
# nested calls run as nested Python calls, some 60 frames a level: PostgreSQL's default 2MB
# stack takes a few hundred levels of a simple recursive function
_RECURSION_LIMIT = 30000
_TG_ARGV = re.compile(r"\btg_argv\s*\[", re.IGNORECASE)
_BRIDGES: "weakref.WeakKeyDictionary[Any, dict]" = weakref.WeakKeyDictionary()


def run_function(fn: FunctionDef, params: list, ctx: EvalContext) -> Batch | None:
    """One call of `fn` with `params` (its input parameters' values): the rows of its result
    (exec/functions/sqlfunc.py reads them as it reads a SQL function's last statement's)."""
    if fn.return_type.pg is R.TRIGGER:
        raise FeatureNotSupported("trigger functions can only be called as triggers")
    names = [(n or f"${i + 1}", f"${i + 1}", t, m) for i, (n, t, m) in
             enumerate(zip(fn.arg_names, fn.arg_types, fn.arg_modes))]
    given = iter(params)
    inputs = [(name, alias, t, next(given) if m in "ibv" else None, m) for name, alias, t, m in names]
    outputs = any(m in "obt" for m in fn.arg_modes)
    kind = "void" if (fn.kind == "p" or fn.return_type.pg is R.VOID) and not outputs else "value"
    rtype = result_type(fn)
    value = run_block(parsed(fn.body, fn.arg_names), _bridge(ctx, fn), ctx, _signature(fn), inputs, rtype,
                      fn.returns_set, kind, label=fn.name)
    return _batch(value, rtype, fn.returns_set, kind)


def _signature(fn: FunctionDef) -> str:
    """f(integer,text), as format_procedure writes it in CONTEXT lines."""
    return f"{fn.name}({','.join(R.format_type(t.pg, -1) for t in fn.input_types)})"


def _bridge(ctx: EvalContext, fn: FunctionDef, key: tuple = ()) -> Bridge:
    per_session = _BRIDGES.setdefault(ctx.session, {}) if ctx.session is not None else {}
    key = (fn.oid, fn.body, fn.security_definer, fn.owner) + key
    bridge = per_session.get(key)
    if bridge is None:
        bridge = per_session[key] = Bridge(ctx, fn.owner if fn.security_definer else None)
    return bridge


def run_trigger(fn: FunctionDef, variables: list[tuple[str, SqlType, Any]], row_type: SqlType,
                ctx: EvalContext) -> Any:
    """A trigger function's call with NEW, OLD and the TG_ variables (name, type, value): the row
    it returns (a tuple) or None. Its plans are kept per row type, as PostgreSQL compiles a
    trigger function once per relation: NEW's type differs. TG_ARGV counts from 0 where our
    arrays count from 1: its subscripts are shifted in the body's text."""
    body = _TG_ARGV.sub("tg_argv[1+", fn.body)
    inputs = [(name, name, t, value, "i") for name, t, value in variables]
    return run_block(parsed(body, TRIGGER_VARIABLES), _bridge(ctx, fn, record_fields(row_type)), ctx, _signature(fn), inputs, row_type,
                     False, "value", label=fn.name)


def trigger_condition(fn: FunctionDef, trigger_oid: int, when: str, variables: list[tuple[str, SqlType, Any]],
                      ctx: EvalContext) -> bool:
    """A trigger's WHEN condition over NEW and OLD, run as the body RETURN (condition)."""
    inputs = [(name, name, t, value, "i") for name, t, value in variables]
    block = parsed(f"begin return ({when}); end", ("new", "old"))
    value = run_block(block, _bridge(ctx, fn, ("when", trigger_oid, when)), ctx, fn.name, inputs,
                      SqlType(R.BOOL), False, "value")
    return bool(value)


@lru_cache(maxsize=256)
def parsed(body: str, names: tuple[str, ...]) -> T.Block:
    return parse_body(body, set(names))


def run_block(block: T.Block, bridge: Bridge, ctx: EvalContext, name: str,
              variables: list[tuple[str, str, SqlType, Any, str]], result_type: SqlType | None,
              returns_set: bool, kind: str, label: str | None = None) -> Any:
    """Run a body with its variables (name, $n alias, type, value, mode letter: i/b/v in, o/b/t
    out): its value (kind "value"), nothing ("void"), or its rows when `returns_set`."""
    if sys.getrecursionlimit() < _RECURSION_LIMIT:
        sys.setrecursionlimit(_RECURSION_LIMIT)  # (Python 3.11 calls Python without the C stack)
    bridge.conflict = block.variable_conflict or bridge.conflict
    ex = Execution(name, bridge, ctx, result_type, returns_set)
    root = Namespace(None, label)
    root.add(ex.found)
    for var_name, alias, vtype, value, mode in variables:
        var = root.add(Var(var_name, vtype, value))
        root.vars[alias] = var
        if mode in "obt":
            ex.out_vars.append(var)
    try:
        ex.run(block, root)
    except FunctionReturn:
        pass
    except LoopExit as e:
        raise SqlSyntaxError(f"{'CONTINUE' if e.is_continue else 'EXIT'} cannot be used outside a loop") from None
    except RecursionError:
        raise StatementTooComplex("stack depth limit exceeded",
                                  hint='Increase the configuration parameter "max_stack_depth" (currently '
                                       "2048kB), after ensuring the platform's stack depth limit is adequate.")
    if returns_set:
        return ex.rows
    if kind == "void":
        return None
    if not ex.returned:
        if not ex.out_vars:
            raise FunctionExecutedNoReturnStatement("control reached end of function without RETURN",
                                                    where=f"PL/pgSQL function {name}")
        return out_value(ex)
    return ex.result


def _batch(value: Any, rtype: SqlType, returns_set: bool, kind: str) -> Batch | None:
    if kind == "void" and not returns_set:
        return None
    rows = value if returns_set else [value]
    fields = record_fields(rtype)
    if not fields:
        return Batch([from_values(list(rows), rtype)], len(rows))
    if not returns_set and value is None:
        rows = [(None,) * len(fields)]  # (a NULL record reads as a record of NULLs: sqlfunc's contract)
    columns = [from_values([None if r is None else r[i] for r in rows], t) for i, (_, t) in enumerate(fields)]
    return Batch(columns, len(rows))


def run_inline(code: str, ctx: EvalContext, offset: int = 0) -> None:
    """DO: the block run once, as a function of no arguments returning void."""
    block = validate(code, (), offset)
    run_block(block, Bridge(ctx), ctx, INLINE_NAME, [], None, False, "void")


def validate(body: str, names: tuple[str, ...], offset: int = 0, trigger: bool = False) -> T.Block:
    """The syntax check of CREATE FUNCTION / DO: the tree, or 42601 (42704 for an unknown
    condition name in a handler or RAISE, 0A000 and 42804 for some cursor statements); `offset`
    is where the body begins in the statement.
    A trigger function knows NEW, OLD and the TG_ variables."""
    try:
        block = parse_body(body, set(names) | (set(TRIGGER_VARIABLES) if trigger else set()))
    except SqlError as e:
        if e.position is not None:
            e.position += offset
        raise
    _check_conditions(block)
    return block


def _check_conditions(stmt: Any) -> None:
    for handler in getattr(stmt, "handlers", None) or []:
        for condition in handler.conditions:
            if condition != "others":
                sqlstate_of(condition)
        for inner in handler.body:
            _check_conditions(inner)
    if isinstance(stmt, T.Raise) and stmt.condition is not None:
        sqlstate_of(stmt.condition)
    for value in vars(stmt).values():
        if isinstance(value, list):
            for item in value:
                if isinstance(item, T.Stmt):
                    _check_conditions(item)
                elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], list):
                    for inner in item[1]:
                        _check_conditions(inner)
