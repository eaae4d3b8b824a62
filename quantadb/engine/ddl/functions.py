"""CREATE [OR REPLACE] / ALTER / DROP FUNCTION and PROCEDURE (LANGUAGE sql and plpgsql), and CALL.

A function is a catalog object (storage FunctionDef, kind "func"): created and dropped in the
session's transaction like a table. CREATE checks what PostgreSQL's ProcedureCreate and
fmgr_sql_validator check: the types exist, defaults trail, the body binds against the catalog
(unless check_function_bodies is off) and its final statement returns the declared type.
LANGUAGE sql and plpgsql exist (plpgsql/ interprets the latter; its CREATE checks the body's
syntax, as plpgsql_validator does); any other language is unknown (42704). SECURITY DEFINER
makes the body's table privileges its owner's (engine/privileges.py); current_user inside stays
the caller. Of SET clauses (proconfig), a search_path is the one the body binds with; the others
are kept and shown but change nothing. DO runs an anonymous PL/pgSQL block.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.ddl.common import creation_namespace
from quantadb.engine.membership import new_owner
from quantadb.engine.privileges import owns
from quantadb.engine.results import Result
from quantadb.errors import (AmbiguousFunction, DuplicateFunction, FeatureNotSupported, InsufficientPrivilege,
                             InvalidFunctionDefinition, InvalidSchemaName, UndefinedFunction, UndefinedObject,
                             WrongObjectType)
from quantadb.sql import bind_routine as B
from quantadb.sql.bind_query import QueryBinder
from quantadb.sql.functions.signature import POLYMORPHIC
from quantadb.engine.ddl.triggers import drop_function_triggers
from quantadb.sql.functions.user import bind_body, signature_text
from quantadb.sql.typenames import parse_type_name
from quantadb.storage.catalog import FunctionDef
from quantadb.types import registry as R
from quantadb.types.registry import SqlType

if TYPE_CHECKING:
    from quantadb.engine.session import Session

_WORD = {"f": "function", "p": "procedure", "r": "routine"}
_TAG = {"f": "FUNCTION", "p": "PROCEDURE", "r": "ROUTINE"}


def run_routine(session: "Session", stmt: B.RoutineStmt) -> Result:
    if isinstance(stmt, B.CreateRoutine):
        return _create(session, stmt)
    if isinstance(stmt, B.DropRoutines):
        return _drop(session, stmt)
    if isinstance(stmt, B.AlterRoutine):
        return _alter(session, stmt)
    if isinstance(stmt, B.DoBlock):
        return _do(session, stmt)
    return call_procedure(session, stmt)


# -- CREATE -------------------------------------------------------------------------------------------

def _create(session: "Session", stmt: B.CreateRoutine) -> Result:
    language = stmt.language or ("sql" if stmt.standard_body is not None else None)
    if language is None:
        raise InvalidFunctionDefinition("no language specified")
    if language not in ("sql", "plpgsql"):
        raise UndefinedObject(f'language "{language}" does not exist')
    if stmt.body is None and stmt.standard_body is None:
        raise InvalidFunctionDefinition("no function body specified")
    namespace, name = creation_namespace(session, stmt.name)
    fn = replace(_definition(session, stmt, namespace, name), language=language)
    store, txn = session.store, session._ensure_txn()
    existing = _same_signature(session, fn)
    if existing is not None:
        if not stmt.or_replace:
            raise DuplicateFunction(f'{_WORD[fn.kind]} "{name}" already exists with same argument types')
        _check_replace(session, existing, fn)
        fn = replace(fn, oid=existing.oid, owner=existing.owner, acl=existing.acl, comment=existing.comment)
    # a polymorphic function's body binds per call, for the types its arguments give it
    if language == "plpgsql":
        if stmt.standard_body is not None:
            raise InvalidFunctionDefinition("language \"plpgsql\" does not support inline SQL function bodies")
        if session.settings.get("check_function_bodies") != "off":
            from quantadb.plpgsql.call import validate
            validate(fn.body, tuple(n for n in fn.arg_names if n), stmt.body_pos, fn.return_type.pg is R.TRIGGER)
    elif session.settings.get("check_function_bodies") != "off" and not _polymorphic(fn):
        bind_body(QueryBinder(session.catalog(), [], session.format_context), fn, validate=True)
    if existing is not None:
        store.alter_function(txn, fn)
    else:
        store.create_function(txn, replace(fn, oid=store.allocate_oid(txn)))
    return Result(tag=f"CREATE {_TAG[fn.kind]}")


def _definition(session: "Session", stmt: B.CreateRoutine, namespace: int, name: str) -> FunctionDef:
    stmt = replace(stmt, params=tuple(replace(p, type=_column_type(session, p.type)) for p in stmt.params))
    types = tuple(_type(p.type) for p in stmt.params)
    if any(t.pg is R.ANY for t in types):
        raise InvalidFunctionDefinition('SQL functions cannot have arguments of type "any"')
    modes = tuple(p.mode for p in stmt.params)
    if stmt.kind == "p" and any(m == "o" for m in modes):
        raise FeatureNotSupported("procedures with OUT parameters are not supported")
    inputs = [p for p in stmt.params if p.mode in "ibv"]
    defaults: list[str] = []
    for p in inputs:
        if p.default is not None:
            defaults.append(p.default)
        elif defaults:
            raise InvalidFunctionDefinition("input parameters after one with a default value must also have defaults")
    outs = [t for t, m in zip(types, modes) if m in "obt"]
    if stmt.kind == "p":
        ret = SqlType(R.VOID)
    elif stmt.returns is not None:
        ret, row_type = _return_type(session, stmt.returns)
        if outs and ret.pg is not (R.RECORD if len(outs) > 1 else outs[0].pg):
            raise InvalidFunctionDefinition(
                "function result type must be " + ("record" if len(outs) > 1 else R.format_type(outs[0].pg, -1))
                + " because of OUT parameters")
    elif outs:
        ret = SqlType(R.RECORD) if len(outs) > 1 or "t" in modes else outs[0]
    else:
        raise InvalidFunctionDefinition("function result type must be specified")
    if ret.pg is R.RECORD and not outs and not row_type:
        raise FeatureNotSupported("functions returning record without OUT parameters are not supported")
    if stmt.kind == "p" or stmt.returns is None:
        row_type = ()
    if ret.pg in POLYMORPHIC and not any(t.pg in POLYMORPHIC for t, m in zip(types, modes) if m in "ibv"):
        raise InvalidFunctionDefinition("cannot determine result data type",
                                        detail=f"A result of type {R.format_type(ret.pg, -1)} requires at least "
                                               "one input of type anyelement, anyarray, anynonarray, anyenum, "
                                               "anyrange, or anymultirange.")
    if ret.pg.category == "P" and ret.pg not in (R.VOID, R.RECORD) + POLYMORPHIC and \
            not (ret.pg is R.TRIGGER and stmt.language == "plpgsql"):
        raise FeatureNotSupported(f"SQL functions cannot return type {R.format_type(ret.pg, -1)}")
    body = stmt.standard_body if stmt.standard_body is not None else stmt.body
    return FunctionDef(0, session.database_oid, namespace, name, stmt.kind, types,
                       tuple(p.name for p in stmt.params), modes, ret, body, stmt.returns_set, tuple(defaults),
                       volatility=stmt.volatility or "v", strict=bool(stmt.strict),
                       security_definer=stmt.security_definer, leakproof=stmt.leakproof,
                       parallel=stmt.parallel or "u", cost=stmt.cost if stmt.cost is not None else 100.0,
                       rows=(stmt.rows or 1000.0) if stmt.returns_set else 0.0, owner=session.role_oid,
                       standard_body=stmt.standard_body is not None, row_type=row_type,
                       config=_merged_config(session, (), stmt.config),
                       row_type_name=stmt.returns if row_type else "")


def _return_type(session: "Session", text: str) -> tuple[SqlType, tuple[tuple[str, SqlType], ...]]:
    """RETURNS type: a type name, or a table's (or view's) name for its row type, whose columns
    are the function's result columns (RETURNS SETOF t)."""
    try:
        return _type(text), ()
    except UndefinedObject:
        hit = session.catalog().resolve_relation([p.strip().strip('"') for p in text.split(".")])
        if hit is None or hit.relation is None or hit.relation.kind not in ("r", "v", "m"):
            raise
        columns = tuple((c.name, c.type) for c in hit.relation.columns if not c.dropped)
        return SqlType(R.RECORD), columns


def _column_type(session: "Session", text: str) -> str:
    """table.column%TYPE as a parameter's type: the column's type now (a NOTICE says which)."""
    if not text.lower().endswith("%type"):
        return text
    from quantadb.plpgsql.declare import variable_type
    shown = R.format_type(variable_type(session, text, None)[0].pg, -1)
    session.notice(f"type reference {text[:-5]}%TYPE converted to {shown}")
    return shown


def _merged_config(session: "Session", config: tuple[str, ...],
                   changes: tuple[tuple[str, str | None], ...]) -> tuple[str, ...]:
    """proconfig after SET clauses: a setting named again takes its new value, in place."""
    items = dict(item.partition("=")[::2] for item in config)
    for name, value in changes:
        items[name] = session.settings.get(name) if value is None else value
    return tuple(f"{name}={value}" for name, value in items.items())


def _polymorphic(fn: FunctionDef) -> bool:
    return any(t.pg in POLYMORPHIC for t in (*fn.arg_types, fn.return_type))


def _type(text: str) -> SqlType:
    t = parse_type_name(text)
    return SqlType(t.pg, -1)  # a parameter's or result's typmod is not kept, as in PostgreSQL


def _same_signature(session: "Session", fn: FunctionDef) -> FunctionDef | None:
    catalog = session.store.catalog
    types = [t.pg for t in fn.input_types]
    for other in catalog.find_functions(session.catalog().snap, fn.database, fn.namespace, fn.name):
        if [t.pg for t in other.input_types] == types:
            return other
    return None


def _check_replace(session: "Session", old: FunctionDef, new: FunctionDef) -> None:
    require_function_owner(session, old)
    if old.kind != new.kind:
        raise WrongObjectType('cannot change routine kind', detail=f'"{old.name}" is a '
                              f'{_WORD[old.kind]}.')
    if old.return_type.pg is not new.return_type.pg or old.returns_set != new.returns_set or \
            [t.pg for t in old.arg_types] != [t.pg for t in new.arg_types] and old.return_type.pg is R.RECORD:
        raise InvalidFunctionDefinition("cannot change return type of existing function",
                                        hint=f"Use DROP {_TAG[old.kind]} {signature_text(old)} first.")
    for (m, a), b in zip(((m, n) for m, n in zip(old.arg_modes, old.arg_names) if m in "ibv"),
                         (n for m, n in zip(new.arg_modes, new.arg_names) if m in "ibv")):
        if a and a != b:
            raise InvalidFunctionDefinition(f'cannot change name of input parameter "{a}"',
                                            hint=f"Use DROP {_TAG[old.kind]} {signature_text(old)} first.")
    if len(new.defaults) < len(old.defaults):
        raise InvalidFunctionDefinition("cannot remove parameter defaults from existing function",
                                        hint=f"Use DROP {_TAG[old.kind]} {signature_text(old)} first.")


def require_function_owner(session: "Session", fn: FunctionDef) -> None:
    if not owns(session, fn.owner):
        raise InsufficientPrivilege(f"must be owner of {_WORD[fn.kind]} {fn.name}")


# -- finding functions by name and argument types ----------------------------------------------------

def find_routine(session: "Session", ref: B.RoutineRef, kind: str, missing_ok: bool = False) -> FunctionDef | None:
    """The function `ref` names (LookupFuncWithArgs): with an argument list, the one of exactly
    those input types; without, the only one of that name. `kind` f p or r (either)."""
    catalog = session.catalog()
    schema = ref.name[-2] if len(ref.name) > 1 else None
    name = ref.name[-1]
    if schema is not None and catalog.namespace_oid(schema) is None:
        if missing_ok:
            return None
        raise InvalidSchemaName(f'schema "{schema}" does not exist')
    found = catalog.functions_named(name, schema)
    word = _WORD[kind] if kind != "r" else "function"
    if ref.args is None:
        if not found:
            if missing_ok:
                session.notice(f"{word} {name}() does not exist, skipping")
                return None
            raise UndefinedFunction(f'could not find a {word} named "{name}"')
        if len({f.oid for f in found}) > 1:
            raise AmbiguousFunction(f'{word} name "{name}" is not unique',
                                    hint=f"Specify the argument list to select the {word} unambiguously.")
        fn = found[0]
    else:
        types = [_type(p.type).pg for p in ref.args if p.mode in "ibv"]
        fn = next((f for f in found if [t.pg for t in f.input_types] == types), None)
        if fn is None:
            shown = f"{name}({', '.join(R.format_type(t, -1) for t in types)})"
            if missing_ok:
                listed = ", ".join(f"pg_catalog.{t.name}" if t.category != "U" else t.name for t in types)
                session.notice(f"{word} {name}({listed}) does not exist, skipping")
                return None
            raise UndefinedFunction(f"{word} {shown} does not exist")
    if kind == "f" and fn.kind == "p":
        raise WrongObjectType(f"{signature_text(fn)} is not a function")
    if kind == "p" and fn.kind == "f":
        raise WrongObjectType(f"{signature_text(fn)} is not a procedure")
    return fn


# -- DROP / ALTER ----------------------------------------------------------------------------------

def _drop(session: "Session", stmt: B.DropRoutines) -> Result:
    store, txn = session.store, session._ensure_txn()
    targets = [find_routine(session, ref, stmt.kind, stmt.if_exists) for ref in stmt.refs]
    for fn in targets:
        if fn is not None:
            require_function_owner(session, fn)
            drop_function_triggers(session, fn, stmt.cascade, signature_text(fn))
            store.drop_function(txn, fn.oid)
    return Result(tag=f"DROP {_TAG[stmt.kind]}")


def _alter(session: "Session", stmt: B.AlterRoutine) -> Result:
    fn = find_routine(session, stmt.ref, stmt.kind)
    require_function_owner(session, fn)
    store, txn = session.store, session._ensure_txn()
    if stmt.rename is not None:
        changed = replace(fn, name=stmt.rename)
    elif stmt.owner is not None:
        changed = replace(fn, owner=new_owner(session, stmt.owner).oid)
    elif stmt.schema is not None:
        ns = session.catalog().namespace_oid(stmt.schema)
        if ns is None:
            raise InvalidSchemaName(f'schema "{stmt.schema}" does not exist')
        changed = replace(fn, namespace=ns)
    else:
        o = stmt.options
        changed = replace(fn, volatility=o.volatility or fn.volatility,
                          strict=fn.strict if o.strict is None else o.strict,
                          security_definer=o.security_definer or fn.security_definer,
                          leakproof=o.leakproof, parallel=o.parallel or fn.parallel,
                          cost=fn.cost if o.cost is None else o.cost, rows=fn.rows if o.rows is None else o.rows,
                          config=_merged_config(session, fn.config, o.config))
    if (changed.name, changed.namespace) != (fn.name, fn.namespace) and _same_signature(session, changed):
        where = session.catalog().namespace_name(changed.namespace)
        raise DuplicateFunction(f'{_WORD[fn.kind]} {signature_text(changed)} already exists in schema "{where}"')
    store.alter_function(txn, changed)
    return Result(tag=f"ALTER {_TAG[stmt.kind]}")


# -- CALL ------------------------------------------------------------------------------------------

def call_procedure(session: "Session", stmt: B.CallRoutine) -> Result:
    """CALL name(args): the procedure resolved as a function call is, then its body run once;
    its INOUT parameters' values are the row CALL returns."""
    from quantadb.engine import privileges
    from quantadb.engine.results import ColumnDesc
    from quantadb.engine.statements import eval_context
    from quantadb.exec.columns import column_values, from_values
    from quantadb.exec.eval import evaluate
    from quantadb.sql.functions.user import bind_procedure_call
    from quantadb.types.column import Batch
    call = bind_procedure_call(QueryBinder(session.catalog(), [], session.format_context), stmt.call)
    privileges.check(session, privileges.expression_needs(call))
    ctx = eval_context(session, [])
    ctx.nonatomic = not session.state.block  # (its procedure may COMMIT then)
    value = column_values(evaluate(call, Batch([], 1), ctx))[0]
    fn = getattr(call, "routine", None) and call.routine.fn
    outs = [(n, t) for n, t, m in zip(fn.arg_names, fn.arg_types, fn.arg_modes) if m in "ob"] if fn else []
    if not outs:
        return Result(tag="CALL")
    values = value if len(outs) > 1 and value is not None else (value,) * len(outs)
    columns = [from_values([v], t) for v, (_, t) in zip(values, outs)]
    return Result(tag="CALL", columns=[ColumnDesc(n, t) for n, t in outs], batches=[Batch(columns, 1)])


def _do(session: "Session", stmt: B.DoBlock) -> Result:
    """DO: the block run once in the statement's transaction (plpgsql/call.py)."""
    from quantadb.engine.statements import eval_context
    from quantadb.plpgsql.call import run_inline
    if stmt.language != "plpgsql":
        raise UndefinedObject(f'language "{stmt.language}" does not exist')
    session._ensure_txn()
    ctx = eval_context(session, [])
    ctx.nonatomic = not session.state.block
    run_inline(stmt.code, ctx, stmt.code_pos)
    return Result(tag="DO")


def grant_targets(session: "Session", text: str) -> list[FunctionDef]:
    """The functions of GRANT/REVOKE ... ON {FUNCTION | PROCEDURE | ROUTINE} f(args), ... or
    ON ALL {FUNCTIONS | PROCEDURES | ROUTINES} IN SCHEMA s, ..."""
    from quantadb.sql.reader import TokenReader
    r = TokenReader(text)
    while not r.word("on"):
        r.next()
    if r.word("all"):
        kind = {"functions": "f", "procedures": "p", "routines": "r"}[r.next().value]
        r.expect("in")
        r.expect("schema")
        schemas = [r.name()]
        while r.op(","):
            schemas.append(r.name())
        catalog = session.catalog()
        oids = []
        for schema in schemas:
            ns = catalog.namespace_oid(schema)
            if ns is None:
                raise InvalidSchemaName(f'schema "{schema}" does not exist')
            oids.append(ns)
        return [f for f in catalog.functions() if f.namespace in oids and kind in ("r", f.kind)]
    kind = {"function": "f", "procedure": "p", "routine": "r"}[r.next().value]
    out = [find_routine(session, B.routine_ref(r), kind)]
    while r.op(","):
        out.append(find_routine(session, B.routine_ref(r), kind))
    return out


def comment_on_routine(session: "Session", u) -> Result:
    """COMMENT ON FUNCTION | PROCEDURE | ROUTINE name(args) IS 'text' | NULL."""
    fn = find_routine(session, u.routine, {"function": "f", "procedure": "p"}.get(u.object_kind, "r"))
    require_function_owner(session, fn)
    session.store.alter_function(session._ensure_txn(), replace(fn, comment=u.comment))
    return Result(tag="COMMENT")
