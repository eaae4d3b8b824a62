"""User-defined LANGUAGE sql functions: resolving calls among built-ins and user functions,
binding bodies, and inlining simple ones (PostgreSQL's inline_function).

A call resolves over the built-in signatures (pg_catalog, first on every search path) and the
user functions of that name visible on the search path, with the same rules (resolve.py);
a user function with the argument types of an earlier one is hidden by it. Trailing DEFAULTs
make one candidate per number of omitted arguments.

A body is bound for the declared parameter types, parameters read as $n or by name (a column of
the same name wins, as in PostgreSQL). A body that is one `SELECT expr` without FROM becomes
that expression over the call's arguments; any other runs per call (exec/functions/sqlfunc.py)
with the statements' plans held by the call (`Call.routine`), the result being the last
statement's first row (all rows for SETOF / TABLE).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from quantadb.errors import FeatureNotSupported, InvalidFunctionDefinition, UndefinedParameter, WrongObjectType
from quantadb.sql import plan as P
from quantadb.sql.expr import (AggRef, BoolOp, Call, Case, ColumnRef, Const, Expr, NullTest, Param, SubqueryExpr,
                               WindowCall, transform, walk)
from quantadb.sql.functions.resolve import resolve_among
from quantadb.sql.functions.signature import FUNCTIONS, Signature
from quantadb.sql.lexer import split_statements
from quantadb.sql.parse import parse_sql
from quantadb.storage.catalog import FunctionDef
from quantadb.types import registry as R
from quantadb.types.registry import SqlType
from quantadb.types.rowtypes import record_fields, record_type

if TYPE_CHECKING:
    from quantadb.sql.bind_query import QueryBinder

_QUERY_NODES = (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Values)
_DML_NODES = (exp.Insert, exp.Update, exp.Delete, exp.Merge)
_MAX_DEPTH = 20  # functions whose bodies call functions, as deep as views may nest
SQL_FUNCTION, SQL_FUNCTION_SET = "sql_function", "sql_function_set"


@dataclass(eq=False)
class RoutineBody:
    """A function's statements bound for its parameter types; the last one's rows are the result."""

    fn: FunctionDef
    plans: list[P.Plan] = field(default_factory=list)

    @property
    def strict(self) -> bool:
        return self.fn.strict


def signature_text(fn: FunctionDef) -> str:
    """name(argtypes) as PostgreSQL's messages print a function: f(integer, text)."""
    return f"{fn.name}({', '.join(R.format_type(t.pg, -1) for t in fn.input_types)})"


def result_type(fn: FunctionDef) -> SqlType:
    """The call's type: a record of the OUT / TABLE columns, else the declared return type."""
    if fn.row_type:
        return record_type(list(fn.row_type))
    outs = [(n, t) for n, t, m in zip(fn.arg_names, fn.arg_types, fn.arg_modes) if m in "obt"]
    if outs and (len(outs) > 1 or fn.arg_modes.count("t")):
        return record_type(outs)
    if outs:
        return outs[0][1]
    return fn.return_type


def result_columns(fn: FunctionDef) -> list[tuple[str, SqlType]]:
    outs = [(n, t) for n, t, m in zip(fn.arg_names, fn.arg_types, fn.arg_modes) if m in "obt"]
    if not outs and fn.return_type.pg.composite is not None:  # a composite type's fields, as a table's
        return list(record_fields(fn.return_type))
    return list(fn.row_type) or outs or ([] if fn.return_type.pg is R.VOID else [(fn.name, fn.return_type)])


# -- calls -------------------------------------------------------------------------------------------

def user_call(binder: Any, name: str, args: list[Expr], schema: str | None,
              names: list[str | None] | None = None) -> Expr | None:
    """Bind `name(args)` if user functions take part in resolving it (None: built-ins only).
    `names`: the parameter name of each argument in named notation (f(a => 1)), None if positional."""
    queries = getattr(binder, "routines", None)
    if queries is None:
        return None
    finder = getattr(queries.catalog, "functions_named", None)
    found = finder(name, schema) if finder is not None else []
    if not found:
        return None
    named = names is not None and any(n is not None for n in names)
    builtins = FUNCTIONS.get(name, []) if schema in (None, "pg_catalog") and not named else []
    seen = {tuple(s.args) for s in builtins}
    variants: dict[int, tuple[FunctionDef, tuple[int, ...]]] = {}
    sigs: list[Signature] = list(builtins)
    for fn in found:
        types = tuple(t.pg for t in fn.input_types)
        if types in seen:
            continue  # hidden by a function of the same arguments earlier on the path
        seen.add(types)
        for order in _orders(fn, len(args), names if named else None):
            sig = Signature(name, tuple(types[i] for i in order), result_type(fn).pg, SQL_FUNCTION,
                            "s" if fn.returns_set else "f", fn.strict, fn.volatility == "v")
            variants[id(sig)] = (fn, order)
            sigs.append(sig)
    match = resolve_among(name, sigs, [a.type.pg for a in args])
    chosen = variants.get(id(match.sig))
    if chosen is None:
        return None if schema in (None, "pg_catalog") else _not_found(name, args)
    fn, order = chosen
    if (fn.kind == "p") != queries.allow_procedures:  # the call as written: name(argument types)
        shown = f"{name}({', '.join(R.format_type(a.type.pg, -1) for a in args)})"
        raise WrongObjectType(f"{shown} is a procedure" if fn.kind == "p" else f"{shown} is not a procedure",
                              hint="To call a procedure, use CALL." if fn.kind == "p" else
                              "To call a function, use SELECT.")
    fn = _concrete(fn, match.sig.args, match.arg_types)
    params = fn.input_types
    given = {pos: binder.coerce(a, params[pos]) for a, pos in zip(args, order)}
    first_default = len(params) - len(fn.defaults)
    full = [given[i] if i in given else
            binder.coerce(binder.bind(_parse_expression(fn.defaults[i - first_default])), params[i], "a")
            for i in range(len(params))]
    return call_routine(queries, fn, full)


def _concrete(fn: FunctionDef, declared: tuple, actual: tuple[SqlType, ...]) -> FunctionDef:
    """A polymorphic function as this call sees it: anyelement / anyarray (parameters, result)
    replaced by the types the arguments resolved them to; its body is bound for those."""
    elem = None
    for d, a in zip(declared, actual):
        if d in (R.ANYELEMENT, R.ANYNONARRAY):
            elem = a.pg
        elif d is R.ANYARRAY and a.pg.is_array:
            elem = R.element_of(a.pg)
    if elem is None:
        return fn

    def concrete(t: SqlType) -> SqlType:
        if t.pg in (R.ANYELEMENT, R.ANYNONARRAY):
            return SqlType(elem)
        return SqlType(R.array_of(elem)) if t.pg is R.ANYARRAY else t
    return replace(fn, arg_types=tuple(concrete(t) for t in fn.arg_types), return_type=concrete(fn.return_type))


def _orders(fn: FunctionDef, nargs: int, names: list[str | None] | None) -> list[tuple[int, ...]]:
    """For each way `fn` can take a call of `nargs` arguments, the parameter each argument binds
    to; the parameters left out must have defaults (named notation may skip any of those)."""
    n = len(fn.input_types)
    first_default = n - len(fn.defaults)
    if names is None:
        return [tuple(range(k)) for k in range(max(first_default, 0), n + 1) if k == nargs]
    params = [fn.arg_names[i] for i in fn.input_positions]
    order: list[int] = []
    for k, name in enumerate(names):
        if name is None:
            order.append(k)
        elif name in params:
            order.append(params.index(name))
        else:
            return []
    if len(set(order)) != len(order) or any(i >= n for i in order):
        return []
    if any(i not in order and i < first_default for i in range(n)):
        return []
    return [tuple(order)]


def bind_procedure_call(queries: "QueryBinder", text: str) -> Expr:
    """CALL's `name(args)`: the call of a procedure (42809 for a function, 42883 for nothing)."""
    from quantadb.errors import UndefinedFunction
    from quantadb.sql.scope import Scope
    node = parse_sql(f"SELECT {text}").expressions[0]
    schema = None
    if isinstance(node, exp.Dot) and isinstance(node.this, exp.Identifier):
        schema, node = node.this.name, node.expression
    if not isinstance(node, exp.Anonymous):
        raise WrongObjectType(f"{text.split('(')[0].strip()} is not a procedure", hint="To call a function, use SELECT.")
    binder = queries.expr_binder(Scope())
    args = [binder.bind(a) for a in node.expressions]
    queries.allow_procedures = True  # for this call only: its arguments are bound
    call = user_call(binder, node.name.lower(), args, schema)
    if call is None:
        shown = ", ".join(R.format_type(a.type.pg, -1) for a in args)
        raise UndefinedFunction(f"procedure {node.name.lower()}({shown}) does not exist",
                                hint="No procedure matches the given name and argument types. "
                                     "You might need to add explicit type casts.")
    return call


def _not_found(name: str, args: list[Expr]) -> Expr:
    from quantadb.sql.functions.resolve import resolve_function
    return resolve_function(name, [a.type for a in args])  # raises 42883 as PostgreSQL words it


def call_routine(queries: "QueryBinder", fn: FunctionDef, args: list[Expr]) -> Expr:
    """The call of a resolved user function with its (coerced) arguments."""
    body = bind_body(queries, fn) if fn.language == "sql" else []  # PL/pgSQL plans as it runs
    inlined = _inline(queries, fn, body, args)
    if inlined is not None:
        return inlined
    call = Call(fn.name, SQL_FUNCTION_SET if fn.returns_set else SQL_FUNCTION, args, result_type(fn), fn.strict,
                fn.volatility == "v", routine=RoutineBody(fn, body))
    if fn.strict and any(isinstance(a, Const) and a.value is None for a in args):
        return call if fn.returns_set else Const(None, call.type)
    return call


def named_parameter(binder: Any, name: str, qualifier: list[str], column_found: bool = False) -> Expr | None:
    """A parameter of the function whose body is being bound, by name (`x` or `f.x`); a column
    of that name wins. A PL/pgSQL statement's names go to its resolver (plpgsql/exprs.py)."""
    queries = getattr(binder, "routines", None)
    variables = getattr(queries, "variables", None)
    if variables is not None:
        return variables(binder, name, qualifier, column_found)
    names = getattr(queries, "param_names", None)
    if column_found or not names:
        return None
    if qualifier and qualifier[-1] in names and qualifier[:-1] in ([], [queries.function_name]) and \
            not binder.scope.has_alias(qualifier[-1]):  # r.field of a row-typed parameter r
        number = names[qualifier[-1]]
        return binder._field_select(Param(number, binder.params[number - 1]), name)
    if name not in names or (qualifier and qualifier != [queries.function_name]):
        return None
    number = names[name]
    return Param(number, binder.params[number - 1])


# -- bodies ------------------------------------------------------------------------------------------

def body_statements(fn: FunctionDef) -> list[str]:
    """The statements of a body; a standard body's RETURN expr reads as SELECT expr."""
    return list(_statements(fn.body, fn.standard_body))


@lru_cache(maxsize=512)
def _statements(body: str, standard: bool) -> tuple[str, ...]:
    text = body.strip()
    if not standard:
        return tuple(s for s, _ in split_statements(text))
    words = text.split(None, 2)
    if words[0].lower() == "begin":  # BEGIN ATOMIC statements; ... END
        inner = words[2] if len(words) > 2 else ""
        inner = inner.rstrip().rstrip(";").rstrip()
        inner = inner[:-3] if inner.lower().endswith("end") else inner
        return tuple(_return_as_select(s) for s, _ in split_statements(inner))
    return (_return_as_select(text),)


def _return_as_select(statement: str) -> str:
    words = statement.split(None, 1)
    return "SELECT " + words[1] if words and words[0].lower() == "return" and len(words) > 1 else statement


@lru_cache(maxsize=512)
def _parsed(statement: str) -> exp.Expression:
    return parse_sql(statement)


@lru_cache(maxsize=512)
def _parse_expression(text: str) -> exp.Expression:
    from quantadb.sql.parse import parse_expression
    return parse_expression(text)


def bind_body(queries: "QueryBinder", fn: FunctionDef, validate: bool = False) -> list[P.Plan]:
    """Plans of the body's statements for `fn`'s parameter types, the last one cast to the result."""
    from quantadb.sql.bind_merge import MergeBinder
    from quantadb.sql.bind_query import QueryBinder
    from quantadb.sql.optimizer import optimize
    active = getattr(queries, "active_routines", ())
    if fn.oid in active or len(active) > _MAX_DEPTH:
        raise FeatureNotSupported(f"recursive SQL function {fn.name} is not supported")
    statements = body_statements(fn)
    params = list(fn.input_types)
    nparams = len(params)
    plans: list[P.Plan] = []
    catalog = queries.catalog
    path = next((c.split("=", 1)[1] for c in fn.config if c.startswith("search_path=")), None)
    if path is not None:  # SET search_path on the function: its body's names resolve so
        catalog = catalog.with_search_path([p.strip().strip('"') for p in path.split(",") if p.strip()])
    for i, text in enumerate(statements):
        node = _parsed(text).copy()
        inner = QueryBinder(catalog, params, queries.fmt)
        inner.param_names = {n: k + 1 for k, n in enumerate(fn.arg_names[j] for j in fn.input_positions) if n}
        inner.function_name = fn.name
        inner.active_routines = (*active, fn.oid)
        if isinstance(node, _DML_NODES):
            if fn.volatility != "v" and not validate:
                word = type(node).__name__.upper()
                raise FeatureNotSupported(f"{word} is not allowed in a non-volatile function")
            dml = MergeBinder(inner)  # (a DmlBinder that also binds MERGE)
            plan = {exp.Insert: dml.bind_insert, exp.Update: dml.bind_update, exp.Delete: dml.bind_delete,
                    exp.Merge: dml.bind_merge}[type(node)](node)
        elif isinstance(node, _QUERY_NODES) or isinstance(node, exp.Subquery):
            plan = inner.bind_query(node)
        else:
            raise FeatureNotSupported(f"statement not supported in a SQL function: {text.split(None, 1)[0]}")
        if len(params) > nparams:
            raise UndefinedParameter(f"there is no parameter ${len(params)}")
        if i == len(statements) - 1:
            plan = _cast_result(inner, fn, plan)
        plans.append(optimize(plan, inner.catalog))
    if not statements and result_columns(fn):
        raise InvalidFunctionDefinition(f"return type mismatch in function declared to return "
                                        f"{R.format_type(fn.return_type.pg, -1)}",
                                        detail="Function's final statement must be SELECT or "
                                               "INSERT/UPDATE/DELETE RETURNING.")
    return plans


def _cast_result(queries: "QueryBinder", fn: FunctionDef, plan: P.Plan) -> P.Plan:
    """check_sql_fn_retval: the final statement's columns must convert to the declared result."""
    wanted = result_columns(fn)
    if not wanted:
        return plan  # void / procedure: whatever the last statement returns is dropped
    shown = fn.row_type_name or R.format_type(fn.return_type.pg, -1)
    returns_rows = not isinstance(plan, (P.Insert, P.Update, P.Delete, P.Merge)) or getattr(plan, "returning", None) is not None
    if not returns_rows:
        raise InvalidFunctionDefinition(f"return type mismatch in function declared to return {shown}",
                                        detail="Function's final statement must be SELECT or "
                                               "INSERT/UPDATE/DELETE RETURNING.")
    columns = plan.columns
    if len(columns) == 1 and len(wanted) > 1 and columns[0].type.pg is fn.return_type.pg and not fn.row_type:
        plan = _row_fields(queries, plan)  # one column of the declared row type: its fields
        columns = plan.columns
    if len(columns) != len(wanted):
        detail = ("Final statement must return exactly one column." if len(wanted) == 1 else
                  f"Final statement returns too {'many' if len(columns) > len(wanted) else 'few'} columns.")
        raise InvalidFunctionDefinition(f"return type mismatch in function declared to return {shown}",
                                        detail=detail)
    if isinstance(plan, (P.Insert, P.Update, P.Delete)):
        return plan
    from quantadb.sql.scope import Scope
    scope = Scope()
    scope.add("", list(columns))
    eb = queries.expr_binder(scope)
    exprs = []
    for i, (c, (_, t)) in enumerate(zip(columns, wanted)):
        ref = ColumnRef(i, c.type, c.name)
        try:
            exprs.append(eb.coerce(ref, t, "a"))
        except Exception:  # noqa: BLE001 - any failure to convert is this mismatch
            raise InvalidFunctionDefinition(
                f"return type mismatch in function declared to return {shown}",
                detail=f"Actual return type is {R.format_type(c.type.pg, c.type.typmod)}.") from None
    return P.Project(plan, exprs, [P.PlanColumn(n, t) for n, t in wanted], estimated_rows=plan.estimated_rows)


def _row_fields(queries: "QueryBinder", plan: P.Plan) -> P.Plan:
    """The fields of a plan's one row-valued column, as columns (SELECT t FROM t in a function
    returning t)."""
    from quantadb.sql.scope import Scope
    scope = Scope()
    scope.add("", list(plan.columns))
    eb = queries.expr_binder(scope)
    fields = eb.expand_fields(ColumnRef(0, plan.columns[0].type, plan.columns[0].name))
    return P.Project(plan, [e for _, e in fields], [P.PlanColumn(n, e.type) for n, e in fields],
                     estimated_rows=plan.estimated_rows)


# -- inlining ----------------------------------------------------------------------------------------

def _inline(queries: "QueryBinder", fn: FunctionDef, plans: list[P.Plan], args: list[Expr]) -> Expr | None:
    """The body `SELECT expr` as an expression over the arguments (inline_function), when that
    changes nothing a user could see: no set, one column, no subquery or aggregate, a function
    anyone may execute, each volatile argument used at most once."""
    if fn.returns_set or fn.kind != "f" or len(plans) != 1 or fn.acl or fn.security_definer or \
            fn.return_type.pg is R.VOID or not getattr(queries, "inline_functions", True):
        return None
    plan = plans[0]
    while isinstance(plan, P.Project) and isinstance(plan.child, P.Project):
        plan = _merge(plan)
    if not (isinstance(plan, P.Project) and isinstance(plan.child, P.Result) and len(plan.exprs) == 1):
        return None
    body = plan.exprs[0]
    uses: dict[int, int] = {}
    for n in walk(body):
        if isinstance(n, (SubqueryExpr, AggRef, WindowCall)) or getattr(n, "routine", None) is not None:
            return None
        if isinstance(n, Param):
            uses[n.number] = uses.get(n.number, 0) + 1
        if fn.volatility == "i" and isinstance(n, Call) and n.volatile:
            return None
    for number, count in uses.items():
        if count > 1 and any(isinstance(n, (Call, SubqueryExpr)) and (getattr(n, "volatile", True))
                             for n in walk(args[number - 1])):
            return None
    inlined = transform(body, lambda n: args[n.number - 1] if isinstance(n, Param) else None)
    if fn.strict and args:
        tests = [NullTest(a, False, SqlType(R.BOOL)) for a in args if not isinstance(a, Const) or a.value is None]
        if any(isinstance(a, Const) and a.value is None for a in args):
            return Const(None, inlined.type)
        if tests:
            cond = tests[0] if len(tests) == 1 else BoolOp("or", tests, SqlType(R.BOOL))
            inlined = Case([(cond, Const(None, inlined.type))], inlined, inlined.type)
    return inlined


def _merge(plan: P.Project) -> P.Project:
    """Project over Project as one (the result cast over the select list)."""
    inner = plan.child
    exprs = [transform(e, lambda n: inner.exprs[n.index] if isinstance(n, ColumnRef) else None) for e in plan.exprs]
    return P.Project(inner.child, exprs, plan.columns, estimated_rows=plan.estimated_rows)
