"""The persistent catalog: schema objects versioned like rows (MVCC).

Every object version carries `xmin`/`xmax` exactly as a row does: a CREATE by an open
transaction is seen only by it, a rolled-back CREATE/DROP/ALTER leaves no trace (its xid is
aborted in the clog), and ALTER = the old version gets xmax, a new version gets xmin. Lookups
take a `Snapshot` and return the one version visible to it. Lookups take no lock: they copy
the containers apply may grow (list(dict), tuple(set) are atomic under the GIL).

Objects are keyed `(kind, database, oid)`: kind is "rel", "ns", "db", "role", "func" or "type".
Relation, function and type oids are unique in the cluster (so `relation(snap, oid)` needs no database); namespaces repeat the
built-in oids in every database (pg_catalog 11, public 2200, ...), as PostgreSQL's per-database
pg_namespace does; databases and roles are cluster-wide (database key 0).

Bootstrap (a new data directory, visible to all as FrozenTransactionId): role postgres (10),
databases template1 (1) and postgres (5), and in each database the namespaces pg_catalog (11),
pg_toast (99), public (2200) and information_schema (13000). User oids start at 16384.

`version` is bumped by every applied DDL and by the end of every transaction that did DDL,
so the engine can invalidate cached plans on any change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

from quantadb.types import composite, domains, enums, registry
from quantadb.types.registry import SqlType

from .txn import FROZEN_XID, INVALID_XID, Snapshot

FIRST_USER_OID = 16384
BOOTSTRAP_SUPERUSER = 10
TEMPLATE1_OID, TEMPLATE0_OID, POSTGRES_DB_OID = 1, 4, 5
# PostgreSQL 15's predefined roles (catalog/pg_authid.dat): no login, granted for capabilities
PREDEFINED_ROLES = ((6171, "pg_database_owner"), (6181, "pg_read_all_data"), (6182, "pg_write_all_data"),
                    (3373, "pg_monitor"), (3374, "pg_read_all_settings"), (3375, "pg_read_all_stats"),
                    (3377, "pg_stat_scan_tables"), (4569, "pg_read_server_files"), (4570, "pg_write_server_files"),
                    (4571, "pg_execute_server_program"), (4200, "pg_signal_backend"), (4544, "pg_checkpoint"))
PG_MONITOR_MEMBERSHIPS = (3374, 3375, 3377)  # pg_monitor is a member of these three, as after initdb
HEAP_KINDS = ("r", "m")  # relation kinds whose rows are stored: tables and materialized views
PG_CATALOG_NAMESPACE, PG_TOAST_NAMESPACE, PUBLIC_NAMESPACE, INFORMATION_SCHEMA_NAMESPACE = 11, 99, 2200, 13000
BUILTIN_NAMESPACES = ((PG_CATALOG_NAMESPACE, "pg_catalog"), (PG_TOAST_NAMESPACE, "pg_toast"),
                      (PUBLIC_NAMESPACE, "public"), (INFORMATION_SCHEMA_NAMESPACE, "information_schema"))


@dataclass(frozen=True)
class ColumnDef:
    attnum: int
    name: str
    type: SqlType
    not_null: bool = False
    default: str | None = None  # SQL expression text
    identity: str = ""  # pg_attribute.attidentity: "", "a" (always), "d" (by default)
    generated: str = ""  # pg_attribute.attgenerated: "" or "s" (stored; `default` is the expression)
    dropped: bool = False
    comment: str | None = None  # COMMENT ON COLUMN (pg_description with objsubid = attnum)
    # an index expression's stored value (engine/ddl/index_exprs.py): a generated column no
    # user sees, named as PostgreSQL prints the expression in a key's DETAIL
    hidden: bool = False

    @property
    def visible(self) -> bool:
        """A column users see (SELECT *, INSERT's default list, pg_attribute)."""
        return not self.dropped and not self.hidden


@dataclass(frozen=True)
class ConstraintDef:
    oid: int
    name: str
    kind: str  # pg_constraint.contype: p u c f
    columns: tuple[int, ...]
    check: str | None = None
    ref_table: int = 0
    ref_columns: tuple[int, ...] = ()
    on_delete: str = "a"  # confdeltype: a r c n d
    on_update: str = "a"
    index_oid: int = 0
    validated: bool = True  # pg_constraint.convalidated: false after ADD ... NOT VALID until VALIDATE
    deferrable: bool = False  # pg_constraint.condeferrable (a foreign key's: engine/deferred.py)
    deferred: bool = False  # condeferred: INITIALLY DEFERRED


@dataclass(frozen=True)
class TriggerDef:
    """A trigger (pg_trigger), kept on its table's RelationDef as constraints are: it is
    WAL-logged and checkpointed with the table and dropped with it. `timing` is BEFORE/AFTER,
    `events` a subset of INSERT/UPDATE/DELETE, `columns` UPDATE OF's attnums, `when` the WHEN
    condition's SQL text over NEW/OLD."""

    oid: int
    name: str
    function_oid: int
    timing: str  # "BEFORE" | "AFTER"
    events: tuple[str, ...]
    row: bool = True  # FOR EACH ROW (else STATEMENT)
    columns: tuple[int, ...] = ()
    when: str | None = None
    args: tuple[str, ...] = ()
    enabled: str = "O"  # pg_trigger.tgenabled: O enabled, D disabled


@dataclass(frozen=True)
class SequenceOptions:
    start: int = 1
    increment: int = 1
    min_value: int = 1
    max_value: int = 2**63 - 1
    cycle: bool = False
    cache: int = 1
    type_oid: int = 20
    owned_by: tuple[int, int] | None = None  # (table oid, attnum)


@dataclass(frozen=True)
class RelationDef:
    oid: int
    database: int
    namespace: int
    name: str
    kind: str  # pg_class.relkind: r table, i index, S sequence, v view, m materialized view
    columns: tuple[ColumnDef, ...] = ()
    constraints: tuple[ConstraintDef, ...] = ()
    owner: int = BOOTSTRAP_SUPERUSER
    table_oid: int = 0  # for an index: the table it indexes
    index_columns: tuple[int, ...] = ()  # for an index: attnums of the table
    include_columns: tuple[int, ...] = ()  # for an index: INCLUDE's attnums (catalog only: entries are row ids)
    # for a partial index: the attnum of the table's hidden column holding its WHERE predicate's
    # value (engine/ddl/partial_indexes.py); the index holds the rows where it is true
    predicate_column: int = 0
    unique: bool = False
    primary: bool = False
    method: str = "btree"  # "btree" (ordered) or "hash"
    view_sql: str = ""  # a view's query; a materialized view's, to refresh it
    populated: bool = True  # pg_class.relispopulated: false for a materialized view made WITH NO DATA
    sequence: SequenceOptions | None = None
    options: tuple[str, ...] = ()
    comment: str | None = None
    acl: tuple[str, ...] = ()  # pg_class.relacl aclitems "grantee=privs/grantor" ("" = PUBLIC); () = default
    triggers: tuple[TriggerDef, ...] = ()

    def column(self, name: str) -> ColumnDef | None:
        for c in self.columns:
            if c.name == name and c.visible:
                return c
        return None


@dataclass(frozen=True)
class NamespaceDef:
    oid: int
    database: int
    name: str
    owner: int = BOOTSTRAP_SUPERUSER
    acl: tuple[str, ...] = ()  # pg_namespace.nspacl aclitems (U usage, C create); () = the default
    comment: str | None = None  # COMMENT ON SCHEMA (pg_description)


def builtin_namespaces(database: int, owner: int = BOOTSTRAP_SUPERUSER) -> list[NamespaceDef]:
    """The schemas every database starts with (public with initdb's comment)."""
    return [NamespaceDef(oid, database, name, owner,
                         comment="standard public schema" if oid == PUBLIC_NAMESPACE else None)
            for oid, name in BUILTIN_NAMESPACES]


@dataclass(frozen=True)
class DatabaseDef:
    oid: int
    name: str
    owner: int = BOOTSTRAP_SUPERUSER
    acl: tuple[str, ...] = ()  # pg_database.datacl aclitems (C create, T temporary, c connect); () = default
    is_template: bool = False
    allow_connections: bool = True


@dataclass(frozen=True)
class RoleMembership:
    """One pg_auth_members row, kept on the member's RoleDef: a membership in `role`."""

    role: int
    grantor: int
    admin_option: bool = False


@dataclass(frozen=True)
class RoleDef:
    oid: int
    name: str
    superuser: bool = False
    login: bool = True
    password: str | None = None
    createdb: bool = False
    createrole: bool = False
    inherit: bool = True
    replication: bool = False
    connection_limit: int = -1
    valid_until: str | None = None
    member_of: tuple[RoleMembership, ...] = ()


@dataclass(frozen=True)
class FunctionDef:
    """A user-defined function or procedure (pg_proc). `arg_modes` holds proargmodes letters
    (i in, o out, b inout, v variadic, t table column); `arg_types`/`arg_names` cover every
    parameter, OUT and TABLE ones included; `defaults` are the SQL texts of the trailing input
    parameters' DEFAULTs. `body` is prosrc: the function's SQL text as written."""

    oid: int
    database: int
    namespace: int
    name: str
    kind: str  # pg_proc.prokind: f function, p procedure
    arg_types: tuple[SqlType, ...]
    arg_names: tuple[str, ...]
    arg_modes: tuple[str, ...]
    return_type: SqlType
    body: str
    returns_set: bool = False
    defaults: tuple[str, ...] = ()
    volatility: str = "v"  # provolatile: i immutable, s stable, v volatile
    strict: bool = False
    security_definer: bool = False
    leakproof: bool = False
    parallel: str = "u"  # proparallel: s safe, r restricted, u unsafe
    cost: float = 100.0
    rows: float = 0.0
    language: str = "sql"
    standard_body: bool = False  # `body` is RETURN expr / BEGIN ATOMIC ... END (prosqlbody), not prosrc
    row_type: tuple[tuple[str, SqlType], ...] = ()  # RETURNS [SETOF] table: its columns when created
    row_type_name: str = ""  # ... and the table's name as written
    config: tuple[str, ...] = ()  # proconfig: "name=value" of SET clauses (search_path binds the body)
    owner: int = BOOTSTRAP_SUPERUSER
    acl: tuple[str, ...] = ()  # proacl aclitems (X execute); () = the default (PUBLIC may execute)
    comment: str | None = None

    @property
    def input_positions(self) -> tuple[int, ...]:
        """Indexes of the parameters a call passes (IN, INOUT, VARIADIC)."""
        return tuple(i for i, m in enumerate(self.arg_modes) if m in "ibv")

    @property
    def input_types(self) -> tuple[SqlType, ...]:
        return tuple(self.arg_types[i] for i in self.input_positions)


@dataclass(frozen=True)
class TypeDef:
    """A user-defined type (pg_type): an enum (kind "e", `labels` as pg_enum's rows
    (oid, enumsortorder, enumlabel)), a composite type (kind "c": `fields`, `relid`) or a domain (kind "d": `base` type, NOT NULL, DEFAULT and
    CHECK constraints as (name, SQL text over VALUE)). `array_oid` is its array type's (typarray;
    0 for a domain created before domains had one)."""

    oid: int
    database: int
    namespace: int
    name: str
    kind: str  # pg_type.typtype: e enum, c composite, d domain
    array_oid: int
    labels: tuple[tuple[int, float, str], ...] = ()
    owner: int = BOOTSTRAP_SUPERUSER
    comment: str | None = None
    base: SqlType | None = None
    not_null: bool = False
    default: str | None = None
    checks: tuple[tuple[str, str], ...] = ()
    check_oids: tuple[int, ...] = ()  # pg_constraint OIDs of `checks`
    not_valid: tuple[str, ...] = ()  # names of the checks added NOT VALID and not validated since
    fields: tuple[tuple[str, SqlType], ...] = ()  # a composite type's (kind "c") attributes
    relid: int = 0  # a composite type's pg_class row (typrelid)

    def pg_type(self) -> registry.PgType:
        """The type's PgType, known by OID to every layer from now on."""
        if self.kind == "d":
            return domains.define(self.oid, self.name, self.base, self.array_oid)
        if self.kind == "c":
            return composite.define(self.oid, self.array_oid, self.relid, self.name, self.fields)
        return enums.define(self.oid, self.array_oid, self.name, self.labels)

    def sql_type(self) -> SqlType:
        """What a column or cast of this type is: a domain's is its base type's, marked with the
        domain and its constraints (types/domains.py)."""
        if self.kind == "d":
            return domains.domain_type(self.oid, self.name, self.base, self.not_null, self.checks, self.default)
        return SqlType(self.pg_type())


CatalogObject = RelationDef | NamespaceDef | DatabaseDef | RoleDef | FunctionDef | TypeDef
_CLASSES = {c.__name__: c for c in (ColumnDef, ConstraintDef, TriggerDef, SequenceOptions, RelationDef, NamespaceDef,
                                    DatabaseDef, RoleDef, RoleMembership, FunctionDef, TypeDef)}
KIND_OF = {RelationDef: "rel", NamespaceDef: "ns", DatabaseDef: "db", RoleDef: "role", FunctionDef: "func",
           TypeDef: "type"}


def key_of(obj: CatalogObject) -> tuple[str, int, int]:
    kind = KIND_OF[type(obj)]
    return kind, (obj.database if kind == "ns" else 0), obj.oid


def to_value(obj: object) -> object:
    """A catalog object as plain values for records.encode (dataclass -> ("Name", {field: ...}))."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        if isinstance(obj, SqlType):
            return ("SqlType", obj.pg.oid, obj.typmod, tuple(obj.extra))
        return (type(obj).__name__, {f.name: to_value(getattr(obj, f.name)) for f in dataclasses.fields(obj)})
    if isinstance(obj, tuple):
        return tuple(to_value(x) for x in obj)
    return obj


def from_value(v: object) -> object:
    if isinstance(v, tuple) and len(v) >= 1 and isinstance(v[0], str) and (v[0] in _CLASSES or v[0] == "SqlType"):
        if v[0] == "SqlType":
            return SqlType(registry.by_oid(v[1]), v[2], tuple(v[3]))
        return _CLASSES[v[0]](**{k: from_value(x) for k, x in v[1].items()})
    if isinstance(v, tuple):
        return tuple(from_value(x) for x in v)
    return v


class _Version:
    __slots__ = ("obj", "xmax", "xmin")

    def __init__(self, obj: CatalogObject, xmin: int, xmax: int = INVALID_XID) -> None:
        self.obj, self.xmin, self.xmax = obj, xmin, xmax


class Catalog:
    """All object versions; mutated only by apply (under the store's write lock)."""

    def __init__(self, clog_status) -> None:
        self._status = clog_status  # callable xid -> clog status, for "the current version"
        self._objects: dict[tuple[str, int, int], list[_Version]] = {}
        self._names: dict[tuple, set[int]] = {}
        self._indexes: dict[int, set[tuple[str, int, int]]] = {}  # table oid -> keys of its indexes
        self._referrers: dict[int, set[tuple[str, int, int]]] = {}  # table oid -> keys of tables with FKs to it
        self._function_names: set[tuple[int, str]] = set()  # (database, name) of every function version
        self.has_types = False  # whether any user type version exists (else statements resolve none)
        self.version = 0  # bumped by every change, and when a transaction that made some ends
        # top xid of the last committed transaction that changed the catalog (0: none since start)
        self.last_change = 0

    # -- bootstrap, apply -------------------------------------------------------------
    def bootstrap(self) -> None:
        self.create(RoleDef(BOOTSTRAP_SUPERUSER, "postgres", superuser=True, createdb=True, createrole=True,
                            replication=True), FROZEN_XID)
        for oid, name in PREDEFINED_ROLES:
            member_of = tuple(RoleMembership(role, BOOTSTRAP_SUPERUSER) for role in PG_MONITOR_MEMBERSHIPS) \
                if name == "pg_monitor" else ()
            self.create(RoleDef(oid, name, login=False, member_of=member_of), FROZEN_XID)
        # as initdb leaves them: the templates admit PUBLIC only to connect, template0 not even that
        template_acl = ("=c/postgres", "postgres=CTc/postgres")
        for db in (DatabaseDef(TEMPLATE1_OID, "template1", acl=template_acl, is_template=True),
                   DatabaseDef(TEMPLATE0_OID, "template0", acl=template_acl, is_template=True,
                               allow_connections=False),
                   DatabaseDef(POSTGRES_DB_OID, "postgres")):
            self.create(db, FROZEN_XID)
            for ns in builtin_namespaces(db.oid):
                self.create(ns, FROZEN_XID)
        self.version = 0

    def create(self, obj: CatalogObject, xid: int) -> None:
        key = key_of(obj)
        self._objects.setdefault(key, []).append(_Version(obj, xid))
        self._remember(key, obj)
        self.version += 1

    def _remember(self, key: tuple[str, int, int], obj: CatalogObject) -> None:
        """Keep the lookup maps (by name, indexes by table) covering every version."""
        self._names.setdefault(self._name_key(obj), set()).add(obj.oid)
        if isinstance(obj, FunctionDef):
            self._function_names.add((obj.database, obj.name))
        if isinstance(obj, TypeDef):
            self.has_types = True
            obj.pg_type()
        if isinstance(obj, RelationDef) and obj.kind == "i":
            self._indexes.setdefault(obj.table_oid, set()).add(key)
        if isinstance(obj, RelationDef):
            for con in obj.constraints:
                if con.kind == "f":
                    self._referrers.setdefault(con.ref_table, set()).add(key)

    def alter(self, obj: CatalogObject, xid: int) -> None:
        key = key_of(obj)
        current = self._current(key)
        if current is not None:
            current.xmax = xid
        self._objects.setdefault(key, []).append(_Version(obj, xid))
        self._remember(key, obj)
        self.version += 1

    def drop(self, key: tuple[str, int, int], xid: int) -> None:
        current = self._current(key)
        if current is not None:
            current.xmax = xid
        self.version += 1

    def current(self, key: tuple[str, int, int]) -> CatalogObject | None:
        """The newest version not deleted by a committed or running transaction (no snapshot)."""
        v = self._current(key)
        return v.obj if v is not None else None

    def current_writer(self, key: tuple[str, int, int]) -> int:
        """xid of a running transaction holding the object (created/altered/dropped it), else 0."""
        for v in reversed(self._objects.get(key, ())):
            for x in (v.xmax, v.xmin):
                if x != INVALID_XID and self._status(x) == 0:
                    return x
        return INVALID_XID

    def _current(self, key: tuple[str, int, int]) -> _Version | None:
        for v in reversed(self._objects.get(key, ())):
            if self._status(v.xmin) == 2:  # created by an aborted transaction
                continue
            if v.xmax == INVALID_XID or self._status(v.xmax) == 2:
                return v
        return None

    def prune(self, is_dead) -> None:
        """Forget versions `is_dead(xmin, xmax)` says no snapshot can see (VACUUM)."""
        for key in list(self._objects):
            kept = [v for v in self._objects[key] if not is_dead(v.xmin, v.xmax)]
            if kept:
                self._objects[key] = kept
            else:
                del self._objects[key]

    @staticmethod
    def _name_key(obj: CatalogObject) -> tuple:
        if isinstance(obj, RelationDef):
            return ("rel", obj.database, obj.namespace, obj.name)
        if isinstance(obj, FunctionDef):
            return ("func", obj.database, obj.namespace, obj.name)
        if isinstance(obj, TypeDef):
            return ("type", obj.database, obj.namespace, obj.name)
        if isinstance(obj, NamespaceDef):
            return ("ns", obj.database, obj.name)
        return (KIND_OF[type(obj)], obj.name)

    # -- checkpoint form ----------------------------------------------------------------
    def dump(self) -> list:
        return [[to_value(v.obj), v.xmin, v.xmax] for versions in self._objects.values() for v in versions]

    def load(self, rows: list, version: int) -> None:
        self._objects.clear()
        self._names.clear()
        self._indexes.clear()
        self._referrers.clear()
        self._function_names.clear()
        self.has_types = False
        # types first: the columns and functions that use one name it by OID
        rows = sorted(rows, key=lambda row: not (isinstance(row[0], tuple) and row[0][0] == "TypeDef"))
        for obj_value, xmin, xmax in rows:
            obj = from_value(obj_value)
            key = key_of(obj)
            self._objects.setdefault(key, []).append(_Version(obj, xmin, xmax))
            self._remember(key, obj)
        self.version = version

    def all_versions(self) -> Iterator[tuple[CatalogObject, int, int]]:
        for versions in self._objects.values():
            for v in versions:
                yield v.obj, v.xmin, v.xmax

    # -- snapshot lookups -----------------------------------------------------------------
    def _visible(self, snap: Snapshot, key: tuple[str, int, int]) -> CatalogObject | None:
        for v in reversed(self._objects.get(key, ())):
            if snap.row_visible(v.xmin, v.xmax):
                return v.obj
        return None

    def _all(self, snap: Snapshot, kind: str, database: int | None = None) -> list:
        out = [self._visible(snap, k) for k in list(self._objects) if k[0] == kind]
        out = [o for o in out if o is not None and (database is None or o.database == database)]
        out.sort(key=lambda o: o.oid)
        return out

    def relation(self, snap: Snapshot, oid: int) -> RelationDef | None:
        return self._visible(snap, ("rel", 0, oid))

    def find_relation(self, snap: Snapshot, database: int, namespace_oid: int, name: str) -> RelationDef | None:
        for oid in tuple(self._names.get(("rel", database, namespace_oid, name), ())):
            rel = self.relation(snap, oid)
            if rel is not None and rel.name == name and rel.namespace == namespace_oid:
                return rel
        return None

    def relations(self, snap: Snapshot, database: int) -> list[RelationDef]:
        return self._all(snap, "rel", database)

    def indexes_of(self, snap: Snapshot, table_oid: int) -> list[RelationDef]:
        found = [self._visible(snap, key) for key in list(self._indexes.get(table_oid, ()))]
        out = [r for r in found if r is not None and r.kind == "i" and r.table_oid == table_oid]
        out.sort(key=lambda r: r.oid)
        return out

    def referencing(self, snap: Snapshot, table_oid: int) -> list[RelationDef]:
        """Tables with a foreign key to `table_oid` (an UPDATE/DELETE there checks them)."""
        keys = self._referrers.get(table_oid)
        if not keys:  # most tables: every point UPDATE/DELETE asks
            return []
        found = [self._visible(snap, key) for key in list(keys)]
        out = [r for r in found if r is not None and any(c.kind == "f" and c.ref_table == table_oid
                                                         for c in r.constraints)]
        out.sort(key=lambda r: r.oid)
        return out

    def namespace(self, snap: Snapshot, database: int, oid: int) -> NamespaceDef | None:
        return self._visible(snap, ("ns", database, oid))

    def namespaces(self, snap: Snapshot, database: int) -> list[NamespaceDef]:
        return self._all(snap, "ns", database)

    def find_namespace(self, snap: Snapshot, database: int, name: str) -> NamespaceDef | None:
        for oid in tuple(self._names.get(("ns", database, name), ())):
            ns = self.namespace(snap, database, oid)
            if ns is not None and ns.name == name:
                return ns
        return None

    def database(self, snap: Snapshot, oid: int) -> DatabaseDef | None:
        return self._visible(snap, ("db", 0, oid))

    def databases(self, snap: Snapshot) -> list[DatabaseDef]:
        return self._all(snap, "db")

    def find_database(self, snap: Snapshot, name: str) -> DatabaseDef | None:
        for oid in tuple(self._names.get(("db", name), ())):
            db = self.database(snap, oid)
            if db is not None and db.name == name:
                return db
        return None

    def role(self, snap: Snapshot, oid: int) -> RoleDef | None:
        return self._visible(snap, ("role", 0, oid))

    def roles(self, snap: Snapshot) -> list[RoleDef]:
        return self._all(snap, "role")

    def find_role(self, snap: Snapshot, name: str) -> RoleDef | None:
        for oid in tuple(self._names.get(("role", name), ())):
            r = self.role(snap, oid)
            if r is not None and r.name == name:
                return r
        return None

    def function(self, snap: Snapshot, oid: int) -> FunctionDef | None:
        return self._visible(snap, ("func", 0, oid))

    def functions(self, snap: Snapshot, database: int) -> list[FunctionDef]:
        return self._all(snap, "func", database)

    def function_oids(self, database: int, namespace_oid: int, name: str) -> tuple[int, ...]:
        """OIDs of every version of a function called `name` in the schema, of any visibility."""
        return tuple(self._names.get(("func", database, namespace_oid, name), ()))

    def may_have_function(self, database: int, name: str) -> bool:
        """False when no version of any function called `name` exists (calls of built-ins ask)."""
        return (database, name) in self._function_names

    def find_functions(self, snap: Snapshot, database: int, namespace_oid: int, name: str) -> list[FunctionDef]:
        """The overloads of `name` in one schema, by OID."""
        out = []
        for oid in sorted(self._names.get(("func", database, namespace_oid, name), ())):
            fn = self.function(snap, oid)
            if fn is not None and fn.name == name and fn.namespace == namespace_oid:
                out.append(fn)
        return out

    def type_(self, snap: Snapshot, oid: int) -> TypeDef | None:
        return self._visible(snap, ("type", 0, oid))

    def types(self, snap: Snapshot, database: int) -> list[TypeDef]:
        return self._all(snap, "type", database)

    def find_type(self, snap: Snapshot, database: int, namespace_oid: int, name: str) -> TypeDef | None:
        for oid in tuple(self._names.get(("type", database, namespace_oid, name), ())):
            t = self.type_(snap, oid)
            if t is not None and t.name == name and t.namespace == namespace_oid:
                return t
        return None
