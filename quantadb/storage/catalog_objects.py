"""The catalog's objects: relations (with their columns, constraints, triggers, sequence
options), namespaces, databases, roles, functions and types, as frozen dataclasses, with the
OIDs of the bootstrap objects and the plain-value form records and checkpoints store them in.
storage/catalog.py keeps their versions."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from quantadb.types import composite, domains, enums, registry
from quantadb.types.registry import SqlType

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
INDOPTION_DESC, INDOPTION_NULLS_FIRST = 1, 2  # pg_index.indoption's bits
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
    # for an index, per key column (() on an older data dir: all defaults): pg_index.indoption
    # (bit 1 DESC, bit 2 NULLS FIRST), indclass (0: the type's default class) and the
    # collation COLLATE names (0: the column's)
    index_options: tuple[int, ...] = ()
    index_opclasses: tuple[int, ...] = ()
    index_collations: tuple[int, ...] = ()
    unique: bool = False
    nulls_not_distinct: bool = False  # pg_index.indnullsnotdistinct: NULL keys conflict
    primary: bool = False
    # pg_index.indimmediate: false for a DEFERRABLE constraint's index, whose uniqueness is checked
    # at its statement's end or at commit (engine/deferred.py), not as each row is written
    immediate: bool = True
    method: str = "btree"  # "btree" (ordered) or "hash"
    view_sql: str = ""  # a view's query; a materialized view's, to refresh it
    populated: bool = True  # pg_class.relispopulated: false for a materialized view made WITH NO DATA
    sequence: SequenceOptions | None = None
    options: tuple[str, ...] = ()
    comment: str | None = None
    acl: tuple[str, ...] = ()  # pg_class.relacl aclitems "grantee=privs/grantor" ("" = PUBLIC); () = default
    triggers: tuple[TriggerDef, ...] = ()
    # pg_class.reltype: the row type of a table, view or materialized view, and its array type
    # (0 for other kinds, and for relations made before row types existed)
    type_oid: int = 0
    array_type_oid: int = 0
    type_comment: str | None = None  # COMMENT ON TYPE of its row type

    def column(self, name: str) -> ColumnDef | None:
        for c in self.columns:
            if c.name == name and c.visible:
                return c
        return None


def key_setting(values: tuple[int, ...], position: int) -> int:
    """One key's value of an index's index_options, index_opclasses or index_collations (0: the
    default)."""
    return values[position] if position < len(values) else 0


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
    relkind: str = "c"  # that row's: "c" for CREATE TYPE's, a table's, view's ... for its row type (row_type)

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


def row_type(rel: RelationDef) -> TypeDef:
    """The composite type a relation's rows have (PostgreSQL's pg_type row of typrelid = it):
    derived from the relation's current version, so it follows every ALTER, RENAME and DROP."""
    fields = tuple((c.name, c.type) for c in rel.columns if c.visible)
    return TypeDef(rel.type_oid, rel.database, rel.namespace, rel.name, "c", rel.array_type_oid, owner=rel.owner,
                   comment=rel.type_comment, fields=fields, relid=rel.oid, relkind=rel.kind)


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
