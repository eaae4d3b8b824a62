"""CREATE/DROP of indexes, views, sequences and schemas; DROP TABLE; TRUNCATE; COMMENT;
CREATE/DROP DATABASE."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.locking import lock_relation
from quantadb.engine.membership import new_owner
from quantadb.engine.privileges import database_privilege, owns
from quantadb.engine.results import Result
from quantadb.errors import (
    DependentObjectsStillExist,
    DuplicateSchema,
    DuplicateTable,
    FeatureNotSupported,
    InsufficientPrivilege,
    InvalidSchemaName,
    UndefinedColumn,
    UndefinedTable,
    WrongObjectType,
)
from quantadb.sql import ddl_stmts as D
from quantadb.sql.quoting import quote_ident
from quantadb.sql.view_updatable import checked_view_options
from quantadb.storage.catalog import (
    HEAP_KINDS,
    DatabaseDef,
    NamespaceDef,
    RelationDef,
)
from quantadb.storage.locks import ACCESS_EXCLUSIVE

if TYPE_CHECKING:
    from quantadb.engine.session import Session
from quantadb.engine.ddl.common import (
    query_columns,
    stored_query,
    creation_namespace,
    check_new_name,
    kind_word,
    new_relation,
    notice_cascade,
    require_owner,
    session_txn,
)
from quantadb.engine.ddl.index_exprs import add_index, choose_index_name, key_columns, unused_hidden
from quantadb.engine.ddl.row_types import drop_relation_dependents, relation_dependents
from quantadb.engine.ddl.types import drop_types
from quantadb.types import registry as R
from quantadb.types.domains import type_oid


def create_index(session: "Session", stmt: D.CreateIndex) -> Result:
    table_hit = session.catalog().resolve_relation(list(stmt.table))
    if table_hit is None or table_hit.relation is None:
        raise UndefinedTable(f'relation "{stmt.table[-1]}" does not exist')
    rel = table_hit.relation
    if rel.kind not in HEAP_KINDS:
        raise WrongObjectType(f'cannot create index on relation "{rel.name}"',
                              detail=f"This operation is not supported for {kind_word(rel.kind)}s.")
    key_rel, attnums, names = key_columns(session, rel, stmt.elements)
    if stmt.method == "gin" and any(c.attnum in attnums and c.type.pg is R.TSVECTOR for c in key_rel.columns):
        # other GIN indexes stand in as btrees; one over a tsvector would be a btree @@ never uses
        raise FeatureNotSupported('access method "gin" is not supported for tsvector',
                                  hint="Full-text search (@@) scans the table; create no index for it.")
    names = names + list(stmt.include)
    index_name = stmt.name or choose_index_name(session, rel, names)
    if not check_new_name(session, rel.namespace, index_name, stmt.if_not_exists):
        return Result(tag="CREATE INDEX")
    include = []
    for name in stmt.include:
        col = rel.column(name)
        if col is None:
            raise UndefinedColumn(f'column "{name}" does not exist')
        include.append(col.attnum)
    store, txn = session.store, session_txn(session)
    index_rel = new_relation(session, store.allocate_oid(txn), rel.namespace, index_name, "i",
                             table_oid=rel.oid, unique=stmt.unique, nulls_not_distinct=stmt.nulls_not_distinct,
                             method="btree" if stmt.method == "gin" else stmt.method, include_columns=tuple(include))
    # a GIN index stands in as a btree: GIN's operator classes are not btree's
    elements = tuple(replace(e, opclass=None) for e in stmt.elements) if stmt.method == "gin" else stmt.elements
    add_index(session, rel, index_rel, elements, stmt.where)
    return Result(tag="CREATE INDEX")


def create_view(session: "Session", stmt: D.CreateView) -> Result:
    ns, name = creation_namespace(session, stmt.name)
    aliases = stmt.column_names
    query_sql = stored_query(session, stmt.query)
    columns = query_columns(session, query_sql, aliases, "CREATE VIEW specifies more column names than columns")
    if aliases:
        query_sql = f"SELECT * FROM ({query_sql}) AS v({', '.join(quote_ident(a) for a in aliases)})"
    store, txn = session.store, session_txn(session)
    existing = store.catalog.find_relation(session.catalog().snap, session.database_oid, ns, name)
    if existing is not None:
        if not stmt.or_replace:
            raise DuplicateTable(f'relation "{name}" already exists')
        store.alter_relation(txn, checked_view_options(session.catalog(), replace(existing, columns=columns, view_sql=query_sql,
                                                                options=stmt.options)))
        return Result(tag="CREATE VIEW")
    store.create_relation(txn, checked_view_options(session.catalog(), new_relation(session, store.allocate_oid(txn), ns, name, "v",
                                                                  columns, view_sql=query_sql, options=stmt.options)))
    return Result(tag="CREATE VIEW")


def create_schema(session: "Session", stmt: D.CreateSchema) -> Result:
    store, txn = session.store, session_txn(session)
    database = store.catalog.database(session.catalog().snap, session.database_oid)
    database_privilege(session.acting, session.superuser, database, "C")
    if session.catalog().namespace_oid(stmt.name) is not None:
        if stmt.if_not_exists:
            session.notice(f'schema "{stmt.name}" already exists, skipping', "42P06")
            return Result(tag="CREATE SCHEMA")
        raise DuplicateSchema(f'schema "{stmt.name}" already exists')
    owner = session.role_oid if stmt.owner is None else new_owner(session, stmt.owner).oid
    store.create_namespace(txn, NamespaceDef(store.allocate_oid(txn), session.database_oid, stmt.name, owner))
    return Result(tag="CREATE SCHEMA")


_DROP_KINDS = {"TABLE": ("r", "table"), "VIEW": ("v", "view"), "INDEX": ("i", "index"),
               "SEQUENCE": ("S", "sequence"), "MATERIALIZED VIEW": ("m", "materialized view")}


def drop(session: "Session", stmt: D.DropObjects) -> Result:
    if stmt.kind == "SCHEMA":
        return _drop_schemas(session, stmt)
    relkind, word = _DROP_KINDS[stmt.kind]
    catalog = session.catalog()
    targets = []
    for parts in stmt.names:
        hit = catalog.resolve_relation(list(parts))
        if hit is None or hit.relation is None:
            if stmt.if_exists:
                session.notice(f'{word} "{parts[-1]}" does not exist, skipping', "00000")
                continue
            raise UndefinedTable(f'{word} "{parts[-1]}" does not exist')
        rel = hit.relation
        if rel.kind != relkind:
            raise WrongObjectType(f'"{rel.name}" is not a{"n" if word[0] in "aeiou" else ""} {word}',
                                  hint=f"Use DROP {kind_word(rel.kind).upper()} to remove a {kind_word(rel.kind)}.")
        targets.append(rel)
    dropping = {rel.oid for rel in targets}  # (a view on another being dropped needs no CASCADE)
    for rel in targets:
        if session.catalog().relation(rel.oid) is not None:  # (not gone with an earlier one)
            _drop_relation(session, rel, stmt.cascade, dropping)
    return Result(tag=f"DROP {stmt.kind}")


def _drop_relation(session: "Session", rel: RelationDef, cascade: bool,
                   dropping: set[int] | frozenset[int] = frozenset(), quiet: bool = False) -> None:
    """Drop `rel` and what goes with it (`quiet`: no NOTICE of the views and row type users)."""
    require_owner(session, rel)
    store, txn = session.store, session_txn(session)
    if rel.kind in ("r", "v", "m"):
        drop_relation_dependents(session, rel, cascade, dropping, quiet)
    catalog = session.catalog()
    if rel.kind == "r":
        for other in catalog.relations():
            for con in other.constraints:
                if con.kind == "f" and con.ref_table == rel.oid and other.oid != rel.oid:
                    if not cascade:
                        raise DependentObjectsStillExist(
                            f'cannot drop table {rel.name} because other objects depend on it',
                            detail=f"constraint {con.name} on table {other.name} depends on table {rel.name}",
                            hint="Use DROP ... CASCADE to drop the dependent objects too.")
                    session.notice(f"drop cascades to constraint {con.name} on table {other.name}")
                    store.alter_relation(txn, replace(other, constraints=tuple(
                        c for c in other.constraints if c.oid != con.oid)))
    if rel.kind == "S":
        _drop_sequence_defaults(session, rel, cascade)
    for seq in catalog.relations() if rel.kind in HEAP_KINDS else ():  # its serial columns' sequences
        if seq.kind == "S" and seq.sequence is not None and seq.sequence.owned_by and \
                seq.sequence.owned_by[0] == rel.oid:
            _drop_sequence_defaults(session, seq, cascade, table=rel)
    if rel.kind == "i":
        owner = catalog.relation(rel.table_oid)
        con = next((c for c in owner.constraints if c.index_oid == rel.oid), None) if owner else None
        if con is not None:
            raise DependentObjectsStillExist(
                f"cannot drop index {rel.name} because constraint {con.name} on table {owner.name} requires it",
                hint=f"You can drop constraint {con.name} on table {owner.name} instead.")
    store.drop_relation(txn, rel.oid)
    if rel.kind == "i" and owner is not None and any(c.hidden and not c.dropped for c in owner.columns):
        store.alter_relation(txn, unused_hidden(owner, session.catalog().indexes_of(owner.oid)))


# nextval('s'::regclass) as serial writes it, NEXTVAL(CAST('s' AS REGCLASS)) as a typed default is kept
_NEXTVAL = re.compile(r"nextval\(\s*(?:cast\(\s*)?'((?:[^']|'')+)'", re.IGNORECASE)


def _drop_sequence_defaults(session: "Session", seq: RelationDef, cascade: bool,
                            table: RelationDef | None = None) -> None:
    """Column defaults that call nextval() of `seq` depend on it: without CASCADE the DROP fails,
    with it they are dropped (as PostgreSQL's pg_depend entries for them). `table`: the sequence
    goes with this table (serial), whose own columns do not count."""
    catalog = session.catalog()
    users = []
    for other in catalog.relations():
        if table is not None and other.oid == table.oid:
            continue
        for col in other.columns:
            if col.visible and col.default is not None and not col.identity and any(
                    _sequence_oid(catalog, name.replace("''", "'")) == seq.oid
                    for name in _NEXTVAL.findall(col.default)):
                users.append((other, col))
    if not users:
        return
    if not cascade:
        dropped = f"table {table.name}" if table is not None else f"sequence {seq.name}"
        raise DependentObjectsStillExist(
            f"cannot drop {dropped} because other objects depend on it",
            detail="\n".join(f"default value for column {col.name} of table {other.name} depends on sequence "
                             f"{seq.name}" for other, col in users),
            hint="Use DROP ... CASCADE to drop the dependent objects too.")
    store, txn = session.store, session_txn(session)
    notice_cascade(session, [f"default value for column {col.name} of table {other.name}" for other, col in users])
    for other, col in users:
        current = store.catalog.relation(store.snapshot(txn), other.oid)
        store.alter_relation(txn, replace(current, columns=tuple(
            replace(c, default=None) if c.attnum == col.attnum else c for c in current.columns)))


def _sequence_oid(catalog, name: str) -> int | None:
    try:
        return catalog.regclass("regclass", name)
    except UndefinedTable:
        return None


def _drop_schemas(session: "Session", stmt: D.DropObjects) -> Result:
    store, txn = session.store, session_txn(session)
    catalog = session.catalog()
    for (name,) in stmt.names:
        oid = catalog.namespace_oid(name)
        if oid is None:
            if stmt.if_exists:
                session.notice(f'schema "{name}" does not exist, skipping')
                continue
            raise InvalidSchemaName(f'schema "{name}" does not exist')
        members = [r for r in catalog.relations() if r.namespace == oid and r.kind in ("r", "v", "m", "S")]
        functions = [f for f in catalog.functions() if f.namespace == oid]
        types = [t for t in catalog.types() if t.namespace == oid]
        if (members or functions or types) and not stmt.cascade:
            raise DependentObjectsStillExist(f"cannot drop schema {name} because other objects depend on it",
                                             hint="Use DROP ... CASCADE to drop the dependent objects too.")
        in_schema = {rel.oid for rel in members}
        if stmt.cascade:
            notice_cascade(session, _schema_contents(session, name, members, functions, types, in_schema))
        for rel in members:
            if store.catalog.relation(store.snapshot(txn), rel.oid) is not None:
                _drop_relation(session, rel, True, in_schema, quiet=True)
        for fn in functions:
            if catalog.function(fn.oid) is not None:  # (not gone with a row type it takes)
                store.drop_function(txn, fn.oid)
        drop_types(session, types)  # after the schema's tables: only other schemas' columns of them remain
        store.drop_namespace(txn, session.database_oid, oid)
    return Result(tag="DROP SCHEMA")


def _schema_contents(session: "Session", schema: str, relations: list[RelationDef], functions: list, types: list,
                     in_schema: set[int]) -> list[str]:
    """What DROP SCHEMA ... CASCADE reports dropping, as PostgreSQL describes each object, in the
    order they were made (OIDs), a relation followed by what goes with it in other schemas (users
    of its row type, views); a column's sequence goes with its table unreported."""
    def named(name: str) -> str:
        return f"{quote_ident(schema)}.{quote_ident(name)}"
    found: list[tuple[int, str, RelationDef | None]] = [
        (rel.oid, f"{kind_word(rel.kind)} {named(rel.name)}", rel) for rel in relations
        if not (rel.kind == "S" and rel.sequence and rel.sequence.owned_by)]
    for fn in functions:
        modes = fn.arg_modes or ("i",) * len(fn.arg_types)
        args = ",".join(session.catalog().format_type(type_oid(t), t.typmod)
                        for t, m in zip(fn.arg_types, modes) if m in "ibv")
        found.append((fn.oid, f"function {named(fn.name)}({args})", None))  # (PostgreSQL 15 calls procedures so too)
    found += [(t.oid, f"type {named(t.name)}", None) for t in types]
    out: list[str] = []
    for _, what, rel in sorted(found, key=lambda e: e[0]):
        out.append(what)
        if rel is None or rel.kind not in ("r", "v", "m"):
            continue
        for _, name, obj in relation_dependents(session, rel, in_schema):
            owner = obj[0] if isinstance(obj, tuple) else obj  # (table or composite type, column)
            if owner.namespace != rel.namespace and name not in out:  # (the schema's own are listed as such)
                out.append(name)
    return out


def truncate(session: "Session", stmt: D.Truncate) -> Result:
    catalog = session.catalog()
    store, txn = session.store, session_txn(session)
    rels = []
    for parts in stmt.tables:
        hit = catalog.resolve_relation(list(parts))
        if hit is None or hit.relation is None:
            raise UndefinedTable(f'relation "{parts[-1]}" does not exist')
        rels.append(hit.relation)
    rels += _truncate_cascade(session, rels, stmt.cascade)
    from quantadb.engine.privileges import has_privilege
    for rel in rels:
        if not has_privilege(session, rel, "D"):
            raise InsufficientPrivilege(f"permission denied for table {rel.name}")
    sxact = store.snapshot(txn).sxact
    for rel in rels:
        store.truncate(txn, rel.oid)
        if sxact is not None:  # SERIALIZABLE: a write of every row (storage/ssi.py)
            sxact.wrote(rel.oid, None)
        session.pgstat.truncate(rel.oid)
    if stmt.restart_identity:
        truncated = {r.oid for r in rels}
        for rel in catalog.relations():
            if rel.kind == "S" and rel.sequence and rel.sequence.owned_by and rel.sequence.owned_by[0] in truncated:
                store.setval(rel.oid, rel.sequence.start, False)
    return Result(tag="TRUNCATE TABLE")


def _truncate_cascade(session: "Session", rels: list[RelationDef], cascade: bool) -> list[RelationDef]:
    """The tables whose foreign keys reference those truncated: with CASCADE truncated too (and
    theirs, and so on), without it an error, as a truncation would leave them dangling."""
    catalog = session.catalog()
    named, added = {r.oid for r in rels}, []
    todo = list(rels)
    while todo:
        rel = todo.pop(0)
        for referrer in catalog.referencing(rel.oid):
            if referrer.oid in named:
                continue
            if not cascade:
                raise FeatureNotSupported("cannot truncate a table referenced in a foreign key constraint",
                                          detail=f'Table "{referrer.name}" references "{rel.name}".',
                                          hint=f'Truncate table "{referrer.name}" at the same time, or use '
                                               "TRUNCATE ... CASCADE.")
            lock_relation(session, referrer, ACCESS_EXCLUSIVE)
            session.notice(f'truncate cascades to table "{referrer.name}"')
            named.add(referrer.oid)
            added.append(referrer)
            todo.append(referrer)
    return added


def comment_on(session: "Session", u) -> Result:
    """COMMENT ON TABLE/VIEW/INDEX/SEQUENCE/COLUMN/SCHEMA/TYPE; IS NULL removes the comment."""
    store, txn = session.store, session._ensure_txn()
    if u.routine is not None:
        from quantadb.engine.ddl.functions import comment_on_routine
        return comment_on_routine(session, u)
    if u.object_kind in ("type", "domain"):
        from quantadb.engine.ddl.types import comment_on_type
        return comment_on_type(session, u)
    if u.object_kind == "schema":
        ns = store.catalog.find_namespace(store.snapshot(txn), session.database_oid, u.name[-1])
        if ns is None:
            raise InvalidSchemaName(f'schema "{u.name[-1]}" does not exist')
        if not owns(session, ns.owner):
            raise InsufficientPrivilege(f"must be owner of schema {ns.name}")
        store.alter_namespace(txn, replace(ns, comment=u.comment))
        return Result(tag="COMMENT")
    if u.object_kind not in ("table", "view", "index", "sequence", "column"):
        raise FeatureNotSupported(f"COMMENT ON {u.object_kind.upper()} is not supported")
    rel_name = u.name[:-1] if u.object_kind == "column" else u.name
    hit = session.catalog().resolve_relation(rel_name)
    if hit is None or hit.relation is None:
        raise UndefinedTable(f'relation "{".".join(rel_name)}" does not exist')
    rel = hit.relation
    require_owner(session, rel)
    if u.object_kind == "column":
        col = rel.column(u.name[-1])
        if col is None:
            raise UndefinedColumn(f'column "{u.name[-1]}" of relation "{rel.name}" does not exist')
        rel = replace(rel, columns=tuple(replace(c, comment=u.comment) if c.attnum == col.attnum else c
                                         for c in rel.columns))
    else:
        rel = replace(rel, comment=u.comment)
    store.alter_relation(txn, rel)
    return Result(tag="COMMENT")


def database_statement(session: "Session", u) -> Result:
    store = session.store
    if u.kind == "alter":
        return Result(tag="ALTER DATABASE")
    session.require_no_block(f"{u.kind.upper()} DATABASE")
    txn = session._ensure_txn()
    snap = store.snapshot(txn)
    existing = store.catalog.find_database(snap, u.name)
    if u.kind == "create":
        role = store.catalog.role(snap, session.role_oid)
        if not (session.superuser or (role is not None and role.createdb)):
            raise InsufficientPrivilege("permission denied to create database")
        if existing is not None:
            from quantadb.errors import DuplicateDatabase
            raise DuplicateDatabase(f'database "{u.name}" already exists')
        store.create_database(txn, DatabaseDef(store.allocate_oid(txn), u.name, session.role_oid))
        return Result(tag="CREATE DATABASE")
    if existing is None:
        if u.if_exists:
            session.notice(f'database "{u.name}" does not exist, skipping')
            return Result(tag="DROP DATABASE")
        from quantadb.errors import InvalidCatalogName
        raise InvalidCatalogName(f'database "{u.name}" does not exist')
    if not owns(session, existing.owner):
        raise InsufficientPrivilege(f"must be owner of database {u.name}")
    if existing.is_template:
        raise WrongObjectType("cannot drop a template database")
    if existing.oid == session.database_oid:
        from quantadb.errors import ObjectInUse
        raise ObjectInUse("cannot drop the currently open database")
    if any(s.database_oid == existing.oid for s in list(session.db.sessions.values())):
        from quantadb.errors import ObjectInUse
        raise ObjectInUse(f'database "{u.name}" is being accessed by other users',
                          detail="There is 1 other session using the database.")
    store.drop_database(txn, existing.oid)
    return Result(tag="DROP DATABASE")
