"""SessionCatalog: the binder's CatalogView over the stored catalog, seen through a snapshot,
with the session's search_path and the generated pg_catalog / information_schema tables."""

from __future__ import annotations

from functools import cached_property

from quantadb.engine.membership import acting_roles
from quantadb.engine.privileges import role_has_privilege
from quantadb.exec.functions.tsearch_config import CONFIGS, DICTIONARIES_BY_NAME, lookup_config, lookup_dictionary
from quantadb.errors import (AmbiguousFunction, FeatureNotSupported, InvalidSchemaName, UndefinedFunction, UndefinedObject,
                             UndefinedTable)
from quantadb.sql.catalog import VIRTUAL_TABLES, ResolvedRelation, VirtualTable
from quantadb.sql.plan import PlanColumn
from quantadb.sql.typenames import parse_type_name
from quantadb.storage.catalog import (FIRST_USER_OID, INFORMATION_SCHEMA_NAMESPACE, PG_CATALOG_NAMESPACE, FunctionDef,
                                     RelationDef, RoleDef, TypeDef)
from quantadb.storage.store import Store
from quantadb.storage.txn import Snapshot
from quantadb.types import registry as R
from quantadb.types.domains import array_domain_type, type_oid


# SELECT last_value, log_cnt, is_called FROM a_sequence (pg_dump reads sequences this way)
SEQUENCE_COLUMNS = (PlanColumn("last_value", R.SqlType(R.INT8)), PlanColumn("log_cnt", R.SqlType(R.INT8)),
                    PlanColumn("is_called", R.SqlType(R.BOOL)))
SEQUENCE_SOURCE = "sequence:"


class SessionCatalog:
    def __init__(self, store: Store, snapshot: Snapshot, database_oid: int, search_path: list[str],
                 user: str, temp_schema: str | None = None) -> None:
        self.store = store
        self.snap = snapshot
        self.database_oid = database_oid
        self.user = user
        self.search_path = search_path
        self.temp_schema = temp_schema  # the session's pg_temp_<pid>, once it made one

    # -- names ------------------------------------------------------------------------------

    def effective_path(self) -> list[str]:
        """search_path as used for lookups: pg_catalog first unless listed, $user expanded, and
        the session's temporary schema before everything unless listed (as pg_temp)."""
        path = self._explicit_path()
        if "pg_catalog" not in path:
            path.insert(0, "pg_catalog")
        if self.temp_schema is not None and "pg_temp" not in self.search_path and \
                self.namespace_oid(self.temp_schema) is not None:
            path.insert(0, self.temp_schema)
        return path

    def namespace_oid(self, name: str) -> int | None:
        if name == "pg_temp":
            if self.temp_schema is None:
                return None
            name = self.temp_schema
        ns = self.store.catalog.find_namespace(self.snap, self.database_oid, name)
        return ns.oid if ns is not None else None

    def namespace_name(self, oid: int) -> str:
        ns = self.store.catalog.namespace(self.snap, self.database_oid, oid)
        return ns.name if ns is not None else str(oid)

    def resolve_relation(self, parts: list[str]) -> ResolvedRelation | None:
        if len(parts) == 3:  # database.schema.name: only this session's database
            db = self.store.catalog.database(self.snap, self.database_oid)
            if db is None or parts[0] != db.name:
                raise FeatureNotSupported(f'cross-database references are not implemented: "{".".join(parts)}"')
            parts = parts[1:]
        if len(parts) == 2:
            schema, name = parts
            return self._in_schema(schema, name)
        for schema in self.effective_path():
            hit = self._in_schema(schema, parts[0])
            if hit is not None:
                return hit
        return None

    def _in_schema(self, schema: str, name: str) -> ResolvedRelation | None:
        vt = VIRTUAL_TABLES.get((schema, name))
        if vt is not None:
            return ResolvedRelation(schema, virtual=vt)
        ns = self.namespace_oid(schema)
        if ns is None:
            return None
        rel = self.store.catalog.find_relation(self.snap, self.database_oid, ns, name)
        if schema == "pg_temp":
            schema = self.temp_schema
        if rel is not None and rel.kind == "S":  # a sequence reads as its one-row relation
            return ResolvedRelation(schema, relation=rel, virtual=VirtualTable(
                schema, name, SEQUENCE_COLUMNS, rel.oid, f"{SEQUENCE_SOURCE}{rel.oid}"))
        return ResolvedRelation(schema, relation=rel) if rel is not None else None

    def creation_namespace(self, parts: list[str]) -> tuple[int, str]:
        if len(parts) >= 2:
            ns = self.namespace_oid(parts[-2])
            if ns is None:
                raise InvalidSchemaName(f'schema "{parts[-2]}" does not exist')
            return ns, parts[-1]
        for name in self._explicit_path():
            ns = self.namespace_oid(name)
            if ns not in (PG_CATALOG_NAMESPACE, INFORMATION_SCHEMA_NAMESPACE):
                return ns, parts[-1]
        raise InvalidSchemaName("no schema has been selected to create in")

    def _explicit_path(self) -> list[str]:
        """The search_path entries that name a schema the user has USAGE on, $user expanded, each
        once: PostgreSQL's recomputeNamespacePath leaves the others out of lookups, of
        current_schemas() and of the creation schema rather than failing on them."""
        path: list[str] = []
        for entry in self.search_path:
            name = self.user if entry == "$user" else entry
            if name not in path and self.namespace_oid(name) is not None and (entry == "pg_temp" or self._usable(name)):
                path.append(name)
        return path

    @cached_property
    def _role(self) -> RoleDef | None:
        return self.store.catalog.find_role(self.snap, self.user)

    def _usable(self, schema: str) -> bool:
        role = self._role
        if role is None or role.superuser:
            return True
        ns = self.store.catalog.find_namespace(self.snap, self.database_oid, schema)
        return role_has_privilege(acting_roles(self.store.catalog, self.snap, role.oid), False, ns, "U")

    # -- relations ----------------------------------------------------------------------------

    def relation(self, oid: int) -> RelationDef | None:
        return self.store.catalog.relation(self.snap, oid)

    def relations(self) -> list[RelationDef]:
        return self.store.catalog.relations(self.snap, self.database_oid)

    def indexes_of(self, table_oid: int) -> list[RelationDef]:
        return self.store.catalog.indexes_of(self.snap, table_oid)

    def referencing(self, table_oid: int) -> list[RelationDef]:
        return self.store.catalog.referencing(self.snap, table_oid)

    def estimated_rows(self, table_oid: int) -> float:
        try:
            return float(max(self.store.table(table_oid).live_estimate, 1))
        except Exception:
            return 1000.0

    def with_search_path(self, path: list[str]) -> "SessionCatalog":
        """This view with another search_path (a function's SET search_path)."""
        return SessionCatalog(self.store, self.snap, self.database_oid, path, self.user, self.temp_schema)

    # -- functions ----------------------------------------------------------------------------

    def functions_named(self, name: str, schema: str | None = None) -> list[FunctionDef]:
        """User functions and procedures called `name` in `schema`, or on the search path in its order."""
        catalog = self.store.catalog
        if not catalog.may_have_function(self.database_oid, name):
            return []
        if schema is not None:
            ns = self.namespace_oid(schema)
            if ns is None:
                raise InvalidSchemaName(f'schema "{schema}" does not exist')
            return catalog.find_functions(self.snap, self.database_oid, ns, name)
        out: list[FunctionDef] = []
        for entry in self.effective_path():
            ns = self.namespace_oid(entry)
            if ns is not None:
                out += catalog.find_functions(self.snap, self.database_oid, ns, name)
        return out

    def function(self, oid: int) -> FunctionDef | None:
        return self.store.catalog.function(self.snap, oid)

    def functions(self) -> list[FunctionDef]:
        return self.store.catalog.functions(self.snap, self.database_oid)

    # -- types ------------------------------------------------------------------------------

    def find_type(self, parts: list[str]) -> TypeDef | None:
        """A user-defined type: schema.name, or name along the search path."""
        catalog = self.store.catalog
        if len(parts) >= 2:
            ns = self.namespace_oid(parts[-2])
            if ns is None:
                raise InvalidSchemaName(f'schema "{parts[-2]}" does not exist')
            return catalog.find_type(self.snap, self.database_oid, ns, parts[-1])
        for entry in self.effective_path():
            ns = self.namespace_oid(entry)
            if ns is not None:
                found = catalog.find_type(self.snap, self.database_oid, ns, parts[-1])
                if found is not None:
                    return found
        return None

    def resolve_type(self, parts: list[str] | int) -> R.SqlType | None:
        """A user type as columns and casts take it, by name or OID; `_name` is the array type
        of `name`, as pg_type names it."""
        found = self.store.catalog.type_(self.snap, parts) if isinstance(parts, int) else self.find_type(parts)
        if found is not None:
            return found.sql_type()
        if not isinstance(parts, int) and parts[-1].startswith("_"):
            elem = self.find_type(parts[:-1] + [parts[-1][1:]])
            if elem is not None and elem.array_oid:
                return array_domain_type(elem.sql_type()) if elem.kind == "d" else R.SqlType(R.array_of(elem.pg_type()))
        return None

    def types(self) -> list[TypeDef]:
        """The defined types (CREATE TYPE / DOMAIN)."""
        return self.store.catalog.types(self.snap, self.database_oid)

    def row_types(self) -> list[TypeDef]:
        """The row types of the tables, views and materialized views."""
        return self.store.catalog.row_types(self.snap, self.database_oid)

    def format_type(self, oid: int, typmod: int = -1) -> str:
        """format_type(): a user type schema-qualified when its name does not find it on the
        search path (pg_dump's empty one), as PostgreSQL's TypeIsVisible decides; an array's as
        its element's, with []."""
        t = R.BY_OID.get(oid)
        if t is None:
            return "???"
        elem = R.element_of(t) if t.is_array else t
        if elem.oid < FIRST_USER_OID:
            return R.format_type(t, typmod)
        found = self.store.catalog.type_(self.snap, elem.oid)
        if found is None:
            return "???"
        name = _quote(found.name)
        visible = self.find_type([found.name])
        if visible is None or visible.oid != found.oid:
            name = f"{_quote(self.namespace_name(found.namespace))}.{name}"
        return name + ("[]" if t.is_array else "")

    # -- reg* input -----------------------------------------------------------------------------

    def regclass(self, kind: str, text: str) -> int:
        text = text.strip()
        if text.isdigit():
            return int(text)
        if text == "-":
            return 0
        if kind == "regclass":
            parts = _split_name(text)
            hit = self.resolve_relation(parts)
            if hit is None:
                raise UndefinedTable(f'relation "{text}" does not exist')
            return hit.relation.oid if hit.relation is not None else hit.virtual.oid
        if kind == "regtype":
            try:
                return type_oid(parse_type_name(text))
            except UndefinedObject:
                raise UndefinedObject(f'type "{text}" does not exist') from None
        if kind == "regnamespace":
            oid = self.namespace_oid(_split_name(text)[-1])
            if oid is None:
                raise UndefinedObject(f'schema "{text}" does not exist')
            return oid
        if kind == "regrole":
            role = self.store.catalog.find_role(self.snap, _split_name(text)[-1])
            if role is None:
                raise UndefinedObject(f'role "{text}" does not exist')
            return role.oid
        if kind == "regprocedure":
            return self._regprocedure_in(text)
        if kind == "regconfig":
            return lookup_config(text).oid
        if kind == "regdictionary":
            return lookup_dictionary(text).oid
        return self._regproc_in(text)

    def _user_functions(self, parts: list[str]) -> list[FunctionDef]:
        if len(parts) > 1 and self.namespace_oid(parts[-2]) is None:
            return []
        return self.functions_named(parts[-1], parts[-2] if len(parts) > 1 else None)

    def _regproc_in(self, text: str) -> int:
        """regprocin: the one function of that name, built-in or on the search path."""
        parts = _split_name(text)
        return _regproc_in(text, [f.oid for f in self._user_functions(parts)])

    def _regprocedure_in(self, text: str) -> int:
        """regprocedurein: name(argtypes), the function of exactly those input types."""
        from quantadb.engine.pg_catalog.procs import functions
        name, _, rest = text.partition("(")
        parts = _split_name(name.strip())
        inner = rest.rstrip().removesuffix(")")
        types = [parse_type_name(a).pg for a in _split_args(inner)] if inner.strip() else []
        for fn in self._user_functions(parts):
            if [t.pg for t in fn.input_types] == types:
                return fn.oid
        if len(parts) == 1 or parts[:-1] == ["pg_catalog"]:
            for oid, sig in functions():
                if sig.name == parts[-1] and list(sig.args) == types:
                    return oid
        raise UndefinedFunction(f'function "{text}" does not exist')


def _split_args(text: str) -> list[str]:
    """Argument types of a regprocedure: split at commas outside parentheses (numeric(10,2))."""
    out, depth, cur = [], 0, []
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    return [a.strip() for a in out + ["".join(cur)]]


def _regproc_in(text: str, user_oids: list[int]) -> int:
    """regprocin over the built-ins in pg_catalog and the user functions `user_oids` found."""
    from quantadb.engine.pg_catalog.procs import procs_named
    parts = _split_name(text)
    oids = procs_named(parts[-1]) if len(parts) == 1 or parts[:-1] == ["pg_catalog"] else []
    oids = oids + user_oids
    if not oids:
        raise UndefinedFunction(f'function "{text}" does not exist')
    if len(oids) > 1:
        raise AmbiguousFunction(f'more than one function named "{text}"')
    return oids[0]


def _regproc_out(oid: int) -> str | None:
    """regprocout: the bare name when 'name'::regproc finds just this function, else qualified."""
    from quantadb.engine.pg_catalog.procs import proc_name, procs_named
    name = proc_name(oid)
    if name is None:
        return None
    return _quote(name) if len(procs_named(name)) == 1 else f"pg_catalog.{_quote(name)}"


def _regprocedure_out(oid: int) -> str | None:
    from quantadb.engine.pg_catalog.procs import functions
    sig = next((s for o, s in functions() if o == oid), None)
    if sig is None:
        return None
    return f"{_quote(sig.name)}({','.join(R.format_type(a) for a in sig.args)})"


def _split_name(text: str) -> list[str]:
    """Split a possibly quoted, dotted name: public."My Table" -> ["public", "My Table"]."""
    parts, cur, quoted, i = [], [], False, 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            if quoted and i + 1 < len(text) and text[i + 1] == '"':
                cur.append('"')
                i += 2
                continue
            quoted = not quoted
        elif ch == "." and not quoted:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch if quoted else ch.lower())
        i += 1
    parts.append("".join(cur))
    return parts


class RegNames:
    """How reg* values read and print for one session: 'pg_class'::regclass <-> 1259.

    Names print schema-qualified when the schema is not on the search path, as PostgreSQL's
    regclassout does; an OID that names nothing prints as the number."""

    def __init__(self, session) -> None:
        self.session = session

    def name(self, kind: str, oid: int) -> str:
        if oid == 0:  # InvalidOid, as every reg*out but regoperout prints it
            return "-"
        catalog = self.session.catalog()
        if kind == "regclass":
            rel = catalog.relation(oid)
            if rel is not None:
                schema = catalog.namespace_name(rel.namespace)
                visible = catalog.resolve_relation([rel.name])
                if visible is not None and visible.relation is not None and visible.relation.oid == oid:
                    return _quote(rel.name)
                return f"{_quote(schema)}.{_quote(rel.name)}"
            for vt in VIRTUAL_TABLES.values():
                if vt.oid == oid:
                    return vt.name if vt.schema == "pg_catalog" else f"{vt.schema}.{vt.name}"
        elif kind == "regtype":
            if oid in R.BY_OID:
                return catalog.format_type(oid)
        elif kind == "regnamespace":
            ns = self.session.store.catalog.namespace(catalog.snap, catalog.database_oid, oid)
            if ns is not None:
                return _quote(ns.name)
        elif kind == "regrole":
            role = self.session.store.catalog.role(catalog.snap, oid)
            if role is not None:
                return _quote(role.name)
        elif kind in ("regconfig", "regdictionary"):
            found = (CONFIGS if kind == "regconfig" else DICTIONARIES_BY_NAME).values()
            return next((o.name for o in found if o.oid == oid), str(oid))
        elif kind in ("regproc", "regprocedure"):
            fn = catalog.function(oid) if oid >= 16384 else None
            if fn is not None:
                from quantadb.engine.pg_catalog.routines import regprocedure_name
                full = regprocedure_name(self.session, fn)
                return full if kind == "regprocedure" else full.split("(")[0]
            if kind == "regprocedure":
                return _regprocedure_out(oid) or str(oid)
            return _regproc_out(oid) or str(oid)
        return str(oid)

    def oid(self, kind: str, text: str) -> int:
        return self.session.catalog().regclass(kind, text)


def _quote(name: str) -> str:
    plain = name and (name[0].islower() or name[0] == "_") and all(c.islower() or c.isdigit() or c == "_" for c in name)
    return name if plain else '"' + name.replace('"', '""') + '"'
