"""Catalog functions clients call beside the catalog tables: format_type, the pg_get_*def
deparsers, visibility, privileges (tables, sequences, schemas and databases as enforced; other objects pass), comments,
encodings and pg_partition_ancestors.

Each is declared in the SQL layer's function catalog and implemented here row by row: `_rowwise`
turns a Python function of one row's values into a vectorized implementation.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from quantadb.engine.ddl.temp import TEMP_SCHEMA_PREFIX
from quantadb.engine.pg_catalog.deparse import (
    stored_expression,
    constraint_def, domain_check_def, domain_default_def, find_constraint, index_def, index_key, is_visible, view_def,
)
from quantadb.engine.pg_catalog import routines
from quantadb.engine.pg_catalog.procs import functions, identity_arguments
from quantadb.engine.pg_catalog.routines import user_function
from quantadb.engine.pg_catalog.tables import TABLES
from quantadb.engine.membership import ActingRoles, acting_roles, is_admin_of, member_roles
from quantadb.engine.privileges import requested_privileges, role_has_privilege
from quantadb.errors import (InvalidCatalogName, InvalidParameterValue, InvalidSchemaName, ObjectNotInPrerequisiteState,
                             UndefinedColumn, UndefinedFunction, UndefinedObject, WrongObjectType)
from quantadb.exec.columns import column_values, from_values
from quantadb.sql.quoting import quote_ident
from quantadb.sql.view_updatable import INSERT_EVENT, UPDATE_EVENT, relation_is_updatable
from quantadb.storage.catalog import FunctionDef
from quantadb.exec.functions import scalar, setfn
from quantadb.sql.functions.signature import add_function, functions_named
from quantadb.types import registry as R
from quantadb.types.column import Column
from quantadb.types.registry import BOOL, INT2, INT4, NAME, OID, PG_NODE_TREE, REGCLASS, TEXT

ENCODINGS = {0: "SQL_ASCII", 6: "UTF8", 8: "LATIN1"}


def _rowwise(fn: Callable) -> Callable:
    def impl(args, n, ctx, call) -> Column:
        rows = zip(*[column_values(a) for a in args]) if args else [()] * n
        return from_values([fn(ctx.session, *row) for row in rows], call.type)
    return impl


def define(name: str, signatures: tuple[tuple, ...], ret: R.PgType, *, strict: bool = True,
           out: tuple[tuple[str, R.PgType], ...] = ()) -> Callable:
    """Declare `name` for each argument list in `signatures`; the decorated function gets
    (session, *argument values) and returns one value (a tuple for a record of `out` columns)."""
    impl_name = f"pg_catalog_{name}"
    for args in signatures:
        add_function(name, args, ret, impl_name, volatile=True, strict=strict, out=out)

    def register(fn: Callable) -> Callable:
        scalar(impl_name)(_rowwise(fn))
        return fn
    return register


# -- types and deparsing ------------------------------------------------------------------------------

@define("format_type", ((OID, INT4),), TEXT, strict=False)
def format_type(session, type_oid, typmod):
    if type_oid is None:
        return None
    return session.catalog().format_type(type_oid, -1 if typmod is None else typmod)


@define("pg_get_expr", ((PG_NODE_TREE, OID), (PG_NODE_TREE, OID, BOOL)), TEXT)
def pg_get_expr(session, tree, relid, pretty=False):
    """adbin and conbin hold the SQL text as written: a default binds as its column's
    assignment (its type gives untyped literals theirs), anything else against the columns."""
    if not tree:
        return tree
    rel = session.catalog().relation(relid)
    if rel is None:  # pg_type.typdefaultbin: the domain's DEFAULT
        domain = next((t for t in session.catalog().types() if t.kind == "d" and t.default == tree), None)
        if domain is not None:
            return domain_default_def(session, domain, bool(pretty))
    column = next((c for c in rel.columns if c.default == tree and c.visible), None) if rel is not None else None
    return stored_expression(session, tree, rel, column, bool(pretty))


@define("pg_get_indexdef", ((OID,), (OID, INT4, BOOL)), TEXT)
def pg_get_indexdef(session, oid, column=0, pretty=False):
    catalog = session.catalog()
    index = catalog.relation(oid)
    if index is None or index.kind != "i":
        return None
    if column:  # one column (keys, then INCLUDE's), or '' for a number that is none
        columns = index.index_columns + index.include_columns
        if not 1 <= column <= len(columns):
            return ""
        return index_key(session, catalog.relation(index.table_oid), columns[column - 1], bool(pretty))
    return index_def(session, index, bool(pretty))


@define("pg_get_constraintdef", ((OID,), (OID, BOOL)), TEXT)
def pg_get_constraintdef(session, oid, pretty=False):
    catalog = session.catalog()
    found = find_constraint(catalog, oid)
    if found is None:  # a domain's CHECK
        return next((domain_check_def(session, t, name, bool(pretty)) for t in catalog.types()
                     for check_oid, (name, _) in zip(t.check_oids, t.checks) if check_oid == oid), None)
    return constraint_def(session, *found, bool(pretty))


@define("pg_get_viewdef", ((OID,), (OID, BOOL), (TEXT,), (TEXT, BOOL)), TEXT)
def pg_get_viewdef(session, view, pretty=False):
    catalog = session.catalog()
    oid = view if isinstance(view, int) else catalog.regclass("regclass", view)
    rel = catalog.relation(oid)
    return view_def(rel) if rel is not None and rel.kind in ("v", "m") else None


@define("pg_relation_is_updatable", ((REGCLASS, BOOL),), INT4)
def pg_relation_is_updatable(session, oid, include_triggers):
    rel = session.catalog().relation(oid)
    return relation_is_updatable(session.catalog(), rel, include_triggers=include_triggers) if rel is not None else 0


@define("pg_column_is_updatable", ((REGCLASS, INT2, BOOL),), BOOL)
def pg_column_is_updatable(session, oid, attnum, include_triggers):
    rel = session.catalog().relation(oid)
    both = UPDATE_EVENT | INSERT_EVENT
    return rel is not None and relation_is_updatable(session.catalog(), rel, attnum, include_triggers) & both == both


@define("pg_get_partkeydef", ((OID,),), TEXT)
@define("pg_get_triggerdef", ((OID,), (OID, BOOL)), TEXT)
@define("pg_get_ruledef", ((OID,), (OID, BOOL)), TEXT)
@define("pg_get_statisticsobjdef_columns", ((OID,),), TEXT)
@define("pg_tablespace_location", ((OID,),), TEXT)
def no_definition(session, oid, pretty=False):
    """Partition keys, triggers, rules and extended statistics do not exist in QuantaDB."""
    return None


def _signature(oid: int):
    return next((sig for sig_oid, sig in functions() if sig_oid == oid), None)


@define("pg_get_function_arguments", ((OID,),), TEXT)
def pg_get_function_arguments(session, oid, defaults=True):
    fn = user_function(session, oid)
    if fn is not None:
        return routines.arguments(fn, session.catalog().format_type, defaults)
    sig = _signature(oid)
    return identity_arguments(sig) if sig is not None else None


@define("pg_get_function_identity_arguments", ((OID,),), TEXT)
def pg_get_function_identity_arguments(session, oid):
    return pg_get_function_arguments(session, oid, False)


@define("pg_get_functiondef", ((OID,),), TEXT)
def pg_get_functiondef(session, oid):
    fn = user_function(session, oid)
    if fn is not None:
        return routines.functiondef(session, fn)
    sig = _signature(oid)
    if sig is None:
        return None
    return (f"CREATE OR REPLACE FUNCTION pg_catalog.{quote_ident(sig.name)}({identity_arguments(sig)})\n"
            f" RETURNS {pg_get_function_result(session, oid)}\n LANGUAGE internal\n"
            f"AS $function${sig.impl}$function$\n")


@define("oidvectortypes", ((R.OIDVECTOR,), (R.array_of(OID),)), TEXT)
def oidvectortypes(session, oids):
    """The type names of an oidvector (proargtypes), comma-separated."""
    if isinstance(oids, str):
        oids = [int(o) for o in oids.split()]
    catalog = session.catalog()
    return ", ".join(catalog.format_type(o) for o in oids)


@define("pg_get_function_sqlbody", ((OID,),), TEXT)
def pg_get_function_sqlbody(session, oid):
    """A SQL-standard body (RETURN / BEGIN ATOMIC) as text; NULL for one given AS a string."""
    fn = user_function(session, oid)
    return routines.standard_body(fn.body) if fn is not None and fn.standard_body else None


@define("pg_get_function_result", ((OID,),), TEXT)
def pg_get_function_result(session, oid):
    fn = user_function(session, oid)
    if fn is not None:
        return routines.result(fn, session.catalog().format_type)
    sig = _signature(oid)
    if sig is None:
        return None
    return ("SETOF " if sig.kind == "s" else "") + R.format_type(sig.ret)


# -- names, visibility, privileges ----------------------------------------------------------------------

@define("pg_get_userbyid", ((OID,),), NAME)
def pg_get_userbyid(session, oid):
    role = session.store.catalog.role(session.catalog().snap, oid)
    return role.name if role is not None else f"unknown (OID={oid})"


@define("pg_table_is_visible", ((OID,),), BOOL)
def pg_table_is_visible(session, oid):
    catalog = session.catalog()
    rel = catalog.relation(oid)
    if rel is not None:
        return is_visible(catalog, rel)
    composite = next((t for t in catalog.types() if t.relid == oid), None)
    if composite is not None:  # a composite type's relation: visible as the type is
        found = catalog.find_type([composite.name])
        return found is not None and found.oid == composite.oid
    hit = catalog.resolve_relation([_virtual_name(oid)]) if _virtual_name(oid) else None
    return hit is not None and hit.virtual is not None and hit.virtual.oid == oid


def _virtual_name(oid: int) -> str | None:
    return next((t.name for t in TABLES.values() if t.oid == oid), None)


@define("pg_function_is_visible", ((OID,),), BOOL)
def pg_function_is_visible(session, oid):
    """A user function is visible when a call by its bare name and argument types would find it."""
    fn = user_function(session, oid)
    if fn is None:
        return True
    types = [t.pg for t in fn.input_types]
    same = [f for f in session.catalog().functions_named(fn.name) if [t.pg for t in f.input_types] == types]
    return bool(same) and same[0].oid == oid


@define("pg_type_is_visible", ((OID,),), BOOL)
@define("pg_collation_is_visible", ((OID,),), BOOL)
@define("pg_opclass_is_visible", ((OID,),), BOOL)
def builtin_is_visible(session, oid):
    """Types, functions and collations all live in pg_catalog, which is always searched."""
    return True


_PRIVILEGE_ARGS = ((TEXT, TEXT), (OID, TEXT), (NAME, TEXT, TEXT), (NAME, OID, TEXT), (OID, OID, TEXT))


def _privilege_subject(session, who: list) -> tuple[ActingRoles, bool]:
    """The role a has_*_privilege call asks about, the named one or the session's: the roles
    whose privileges it has, and whether it is a superuser."""
    if not who:
        return session.acting, session.superuser
    role = _named_role(session, who[0])
    return acting_roles(session.store.catalog, session.catalog().snap, role.oid), role.superuser


def _named_role(session, name_or_oid):
    snap = session.catalog().snap
    role = (session.store.catalog.role(snap, name_or_oid) if isinstance(name_or_oid, int)
            else session.store.catalog.find_role(snap, name_or_oid))
    if role is None:
        raise UndefinedObject(f'role "{name_or_oid}" does not exist')
    return role


@define("has_table_privilege", _PRIVILEGE_ARGS, BOOL)
def has_table_privilege(session, *args):
    """Table privileges as enforced (engine/privileges.py): [user,] table, privilege."""
    return _relation_privilege(session, args, "table")


@define("has_any_column_privilege", _PRIVILEGE_ARGS, BOOL)
def has_any_column_privilege(session, *args):
    """Privileges are granted per table, so any column has its table's."""
    return _relation_privilege(session, args, "column")


def _relation_privilege(session, args: tuple, kind: str) -> bool | None:
    *who, table, privilege = args
    catalog = session.catalog()
    roles, superuser = _privilege_subject(session, who)
    wanted = requested_privileges(privilege, kind)
    rel = catalog.relation(table if isinstance(table, int) else catalog.regclass("regclass", table))
    if rel is None:  # a catalog table, or an OID that names nothing (PostgreSQL: NULL)
        return True if not isinstance(table, int) or _virtual_name(table) else None
    return any(role_has_privilege(roles, superuser, rel, letter, option) for letter, option in wanted)


def _object_privilege(session, args: tuple, kind: str, find: Callable) -> bool | None:
    """has_<kind>_privilege([user,] object, privilege): does the role hold any of the named
    privileges; `find` returns the object, None for an OID that names nothing (PostgreSQL: NULL),
    or raises for a name that does not exist."""
    *who, target, privilege = args
    roles, superuser = _privilege_subject(session, who)
    wanted = requested_privileges(privilege, kind)
    obj = find(target)
    if obj is None:
        return None
    return any(role_has_privilege(roles, superuser, obj, letter, option) for letter, option in wanted)


@define("has_schema_privilege", _PRIVILEGE_ARGS, BOOL)
def has_schema_privilege(session, *args):
    """Schema privileges as enforced (engine/privileges.py)."""
    snap, db = session.catalog().snap, session.database_oid

    def find(schema):
        if isinstance(schema, int):
            return session.store.catalog.namespace(snap, db, schema)
        ns = session.store.catalog.find_namespace(snap, db, schema)
        if ns is None:
            raise InvalidSchemaName(f'schema "{schema}" does not exist')
        return ns
    return _object_privilege(session, args, "schema", find)


@define("has_sequence_privilege", _PRIVILEGE_ARGS, BOOL)
def has_sequence_privilege(session, *args):
    """Sequence privileges as enforced by nextval/currval/setval."""
    catalog = session.catalog()

    def find(sequence):
        rel = catalog.relation(sequence if isinstance(sequence, int) else catalog.regclass("regclass", sequence))
        if rel is not None and rel.kind != "S":
            raise WrongObjectType(f'"{rel.name}" is not a sequence')
        return rel
    return _object_privilege(session, args, "sequence", find)


@define("has_database_privilege", _PRIVILEGE_ARGS, BOOL)
def has_database_privilege(session, *args):
    """Database privileges as enforced at login and by CREATE SCHEMA and CREATE TEMP TABLE."""
    snap = session.catalog().snap

    def find(database):
        if isinstance(database, int):
            return session.store.catalog.database(snap, database)
        db = session.store.catalog.find_database(snap, database)
        if db is None:
            raise InvalidCatalogName(f'database "{database}" does not exist')
        return db
    return _object_privilege(session, args, "database", find)


@define("has_column_privilege", ((TEXT, TEXT, TEXT), (OID, TEXT, TEXT), (OID, INT4, TEXT),
                                 (NAME, TEXT, TEXT, TEXT), (NAME, OID, TEXT, TEXT), (NAME, OID, INT4, TEXT)), BOOL)
def has_column_privilege(session, *args):
    """Privileges are granted per table, so a column has its table's (the column must exist)."""
    *who, table, column, privilege = args
    catalog = session.catalog()
    rel = catalog.relation(table if isinstance(table, int) else catalog.regclass("regclass", table))
    if rel is not None and not any(c.name == column or c.attnum == column for c in rel.columns if c.visible):
        if isinstance(column, int):
            return None
        raise UndefinedColumn(f'column "{column}" of relation "{rel.name}" does not exist')
    return _relation_privilege(session, (*who, table, privilege), "column")


@define("has_function_privilege", _PRIVILEGE_ARGS, BOOL)
def has_function_privilege(session, *args):
    """EXECUTE as enforced for user functions (PUBLIC holds it by default); built-ins: anyone.
    The function is named as a regprocedure, 'f(integer)'."""
    def find(function):
        if isinstance(function, int):
            fn = user_function(session, function)
            return fn if fn is not None or _signature(function) is None else _BUILTIN
        if "(" not in function:
            name = function.rsplit(".", 1)[-1].strip().strip('"')
            if not functions_named(name):
                raise UndefinedFunction(f'function "{function}" does not exist')
            return _BUILTIN
        oid = session.catalog().regclass("regprocedure", function)
        return user_function(session, oid) or _BUILTIN
    return _object_privilege(session, args, "function", find)


_BUILTIN = FunctionDef(0, 0, 11, "", "f", (), (), (), R.SqlType(R.VOID), "")  # executable by PUBLIC


@define("pg_has_role", _PRIVILEGE_ARGS, BOOL)
def pg_has_role(session, *args):
    """[user,] role, 'MEMBER' | 'USAGE' [WITH ADMIN OPTION]: membership (any INHERIT), or the
    role's privileges (through INHERIT roles); a superuser has every role."""
    *who, target, privilege = args
    user = _named_role(session, who[0]) if who else _named_role(session, session.role_oid)
    role = _named_role(session, target)
    catalog, snap = session.store.catalog, session.catalog().snap
    for part in privilege.split(","):
        words = part.strip().lower()
        kind, _, option = words.partition(" with ")
        if kind not in ("member", "usage", "set") or option not in ("", "admin option", "grant option"):
            raise InvalidParameterValue(f'unrecognized privilege type: "{part.strip()}"')
        if user.superuser and not option:
            return True
        if option:
            if is_admin_of(catalog, snap, user.oid, role.oid) or user.superuser:
                return True
        elif kind == "usage" and role.oid in acting_roles(catalog, snap, user.oid).oids:
            return True
        elif kind != "usage" and role.oid in member_roles(catalog, snap, user.oid):
            return True
    return False


@define("pg_is_other_temp_schema", ((OID,),), BOOL)
def pg_is_other_temp_schema(session, oid):
    ns = session.store.catalog.namespace(session.catalog().snap, session.database_oid, oid)
    return ns is not None and ns.name.startswith(TEMP_SCHEMA_PREFIX) and ns.name != session.temp_schema


@define("pg_is_wal_replay_paused", ((),), BOOL)
def pg_is_wal_replay_paused(session):
    """A replica applies the leader's WAL continuously (never paused); elsewhere it is an error."""
    if not session.db.read_only:
        raise ObjectNotInPrerequisiteState("recovery is not in progress",
                                           hint="Recovery control functions can only be executed during recovery.")
    return False


@define("pg_current_logfile", ((), (TEXT,)), TEXT, strict=False)
def pg_current_logfile(session, log_format=None):
    """The server logs to its standard output, not to a log collector's files."""
    return None


@define("pg_my_temp_schema", ((),), OID)
def pg_my_temp_schema(session):
    oid = session.catalog().namespace_oid("pg_temp")
    return oid if oid is not None else 0


@define("pg_relation_is_publishable", ((REGCLASS,),), BOOL)
def pg_relation_is_publishable(session, oid):
    rel = session.catalog().relation(oid)
    return rel is not None and rel.kind in ("r", "p")


# -- comments and encodings -------------------------------------------------------------------------------

@define("obj_description", ((OID, NAME), (OID,)), TEXT)
def obj_description(session, oid, catalog_name="pg_class"):
    catalog = session.catalog()
    if catalog_name == "pg_namespace":
        ns = session.store.catalog.namespace(catalog.snap, session.database_oid, oid)
        return ns.comment if ns is not None else None
    if catalog_name == "pg_proc":
        fn = user_function(session, oid)
        return fn.comment if fn is not None else None
    if catalog_name == "pg_type":
        t = session.store.catalog.type_(catalog.snap, oid)
        return t.comment if t is not None else None
    if catalog_name != "pg_class":
        return None
    rel = catalog.relation(oid)
    return rel.comment if rel is not None else None


@define("col_description", ((OID, INT4),), TEXT)
def col_description(session, oid, attnum):
    rel = session.catalog().relation(oid)
    col = next((c for c in rel.columns if c.attnum == attnum), None) if rel is not None else None
    return col.comment if col is not None else None


@define("shobj_description", ((OID, NAME),), TEXT)
def shobj_description(session, oid, catalog_name):
    """Databases, roles and tablespaces carry no comments in QuantaDB."""
    return None


@define("pg_encoding_to_char", ((INT4,),), NAME)
def pg_encoding_to_char(session, encoding):
    return ENCODINGS.get(encoding, "")


@define("pg_blocking_pids", ((INT4,),), R.array_of(INT4))
def pg_blocking_pids(session, pid):
    """The sessions whose row, relation or advisory locks the session `pid` waits for."""
    return sorted(session.db.blocking_pids(pid))


@define("pg_safe_snapshot_blocking_pids", ((INT4,),), R.array_of(INT4))
def pg_safe_snapshot_blocking_pids(session, pid):
    """The sessions whose read-write serializable transactions the session `pid`'s wait for a
    safe snapshot (SERIALIZABLE READ ONLY DEFERRABLE, storage/ssi_readonly.py) waits for."""
    other = session.db.sessions.get(pid)
    wait = getattr(other.state.txn, "safe_snapshot_wait", None) if other is not None else None
    return sorted(txn.pid for txn in wait.writers() if txn.pid) if wait is not None else []


# -- pg_partition_ancestors: a set-returning function --------------------------------------------------

add_function("pg_partition_ancestors", (REGCLASS,), REGCLASS, "pg_partition_ancestors", kind="s")


@setfn("pg_partition_ancestors")
def pg_partition_ancestors(args, n, ctx, call):
    """No relation is a partition, so no relation has ancestors (PostgreSQL returns no rows)."""
    return np.zeros(0, dtype=np.int64), [Column(np.zeros(0, dtype=np.int64))]
