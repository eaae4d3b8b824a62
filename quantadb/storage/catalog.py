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

from collections.abc import Iterator

# the objects are defined in catalog_objects.py and imported from here by the other layers
from .catalog_objects import (  # noqa: F401
    FIRST_USER_OID,
    BOOTSTRAP_SUPERUSER,
    TEMPLATE1_OID,
    TEMPLATE0_OID,
    POSTGRES_DB_OID,
    PG_CATALOG_NAMESPACE,
    PG_TOAST_NAMESPACE,
    PUBLIC_NAMESPACE,
    INFORMATION_SCHEMA_NAMESPACE,
    PREDEFINED_ROLES,
    PG_MONITOR_MEMBERSHIPS,
    HEAP_KINDS,
    BUILTIN_NAMESPACES,
    INDOPTION_DESC,
    INDOPTION_NULLS_FIRST,
    key_setting,
    ColumnDef,
    ConstraintDef,
    TriggerDef,
    SequenceOptions,
    RelationDef,
    NamespaceDef,
    builtin_namespaces,
    DatabaseDef,
    RoleMembership,
    RoleDef,
    FunctionDef,
    TypeDef,
    row_type,
    CatalogObject,
    KIND_OF,
    key_of,
    to_value,
    from_value,
)
from .txn import FROZEN_XID, INVALID_XID, Snapshot


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
        self._row_types: dict[int, int] = {}  # a relation's row type OID -> the relation's OID
        self.has_row_types = False  # whether some relation version has a row type (a type name to resolve)
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
        if isinstance(obj, RelationDef) and obj.type_oid:
            self._row_types[obj.type_oid] = obj.oid
            self.has_row_types = True
            row_type(obj).pg_type()
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
        self._row_types.clear()
        self.has_types = self.has_row_types = False
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
        """A user type by OID: a defined one, or a relation's row type."""
        found = self._visible(snap, ("type", 0, oid))
        if found is None and oid in self._row_types:
            rel = self.relation(snap, self._row_types[oid])
            return row_type(rel) if rel is not None and rel.type_oid == oid else None
        return found

    def types(self, snap: Snapshot, database: int) -> list[TypeDef]:
        """The defined types (CREATE TYPE / DOMAIN), not relations' row types."""
        return self._all(snap, "type", database)

    def row_types(self, snap: Snapshot, database: int) -> list[TypeDef]:
        return [row_type(r) for r in self.relations(snap, database) if r.type_oid]

    def find_type(self, snap: Snapshot, database: int, namespace_oid: int, name: str) -> TypeDef | None:
        """The type `name` of a schema: a defined one, or the row type of the relation of that name."""
        for oid in tuple(self._names.get(("type", database, namespace_oid, name), ())):
            t = self.type_(snap, oid)
            if t is not None and t.name == name and t.namespace == namespace_oid:
                return t
        if self._row_types:
            rel = self.find_relation(snap, database, namespace_oid, name)
            if rel is not None and rel.type_oid:
                return row_type(rel)
        return None
