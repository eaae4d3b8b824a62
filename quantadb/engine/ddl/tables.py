"""CREATE TABLE [AS] and table constraints (PRIMARY KEY, UNIQUE, CHECK, FOREIGN KEY); what LIKE
copies is engine/ddl/like.py's."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.ddl.generated import check_generation
from quantadb.engine.ddl.like import copy_indexes, like_columns, like_constraints, like_source
from quantadb.engine.ddl.sequences import owned_sequence, serial_default
from quantadb.engine.results import Result
from quantadb.errors import (
    DuplicateColumn,
    InvalidForeignKey,
    InvalidTableDefinition,
    ObjectNotInPrerequisiteState,
    SyntaxError as SqlSyntaxError,
    UndefinedColumn,
    UndefinedTable,
)
from quantadb.sql import ddl_stmts as D
from quantadb.storage.catalog import (
    ColumnDef,
    ConstraintDef,
    RelationDef,
)
from quantadb.types.column import Batch

if TYPE_CHECKING:
    from quantadb.engine.session import Session
from quantadb.engine.ddl.common import (
    creation_namespace,
    check_new_name,
    fill_from_query,
    check_not_null,
    has_storage,
    new_relation,
    query_columns,
    quote_relation,
    run_sql,
    session_txn,
    unique_name,
)


def create_table(session: "Session", stmt: D.CreateTable) -> Result:
    ns, name = creation_namespace(session, stmt.name, stmt.persistence.temporary)
    if not check_new_name(session, ns, name, stmt.if_not_exists):
        return Result(tag="CREATE TABLE")
    txn = session_txn(session)
    store = session.store
    oid = store.allocate_oid(txn)
    columns: list[ColumnDef] = []
    constraints: list[D.ConstraintSpec] = []  # added once the columns exist
    sequences: list[RelationDef] = []
    sources = [(like, like_source(session, like)) for like in stmt.like]

    def add(new: list[ColumnDef]) -> None:
        for col in new:
            if any(c.name == col.name for c in columns):
                raise DuplicateColumn(f'column "{col.name}" specified more than once')
            columns.append(col)
    for position in range(len(stmt.columns) + 1):
        for like, source in sources:
            if like.position == position:
                copied, owned = like_columns(session, source, like, len(columns) + 1, name, ns, oid)
                add(copied)
                sequences.extend(owned)
                constraints.extend(like_constraints(session, source, like))
        if position == len(stmt.columns):
            break
        spec = stmt.columns[position]
        col, seq = column_def(session, spec, len(columns) + 1, name, ns, oid)
        add([col])
        constraints.extend(spec.constraints)
        if seq is not None:
            sequences.append(seq)
    rel = new_relation(session, oid, ns, name, "r", tuple(columns), options=stmt.options)
    for col in columns:
        if col.generated:
            check_generation(session, rel, col)
    for seq in sequences:
        store.create_relation(txn, seq)
    store.create_relation(txn, rel)
    for con in constraints + list(stmt.constraints):
        rel = add_constraint(session, rel, con)
    for like, source in sources:
        rel = copy_indexes(session, source, like, rel)
    if stmt.persistence.on_commit:
        session.temp_on_commit[oid] = stmt.persistence.on_commit
    return Result(tag="CREATE TABLE")


def column_def(session: "Session", spec: D.ColumnSpec, attnum: int, table: str, ns: int,
               table_oid: int) -> tuple[ColumnDef, RelationDef | None]:
    """The catalog column for `spec`, and the sequence it owns if it is serial or identity."""
    default, seq = spec.default, None
    if spec.generated is not None:
        clash = "default" if spec.default is not None else "identity" if spec.identity else ""
        if clash:
            raise SqlSyntaxError(f'both {clash} and generation expression specified for column "{spec.name}" '
                                 f'of table "{table}"')
        default = spec.generated
    if spec.serial or spec.identity:
        seq = owned_sequence(session, table, spec.name, ns, table_oid, attnum, spec.type.pg,
                             spec.identity_options or D.SequenceSpec())
        default = serial_default(session, seq)
    return ColumnDef(attnum, spec.name, spec.type, spec.not_null, default, spec.identity,
                     "s" if spec.generated is not None else ""), seq


def add_constraint(session: "Session", rel: RelationDef, con: D.ConstraintSpec) -> RelationDef:
    """Add one constraint (PRIMARY KEY, UNIQUE, CHECK, FOREIGN KEY) to `rel`, with its index if any."""
    if con.kind in ("p", "u"):
        return _add_key(session, rel, con)
    if con.kind == "c":
        return _add_check(session, rel, con)
    return _add_foreign_key(session, rel, con)


def attnums_of(rel: RelationDef, names: tuple[str, ...] | list[str]) -> tuple[int, ...]:
    out = []
    for n in names:
        col = rel.column(n)
        if col is None:
            raise UndefinedColumn(f'column "{n}" named in key does not exist')
        out.append(col.attnum)
    return tuple(out)


def _add_key(session: "Session", rel: RelationDef, spec: D.ConstraintSpec) -> RelationDef:
    store, txn = session.store, session_txn(session)
    primary = spec.kind == "p"
    attnums = attnums_of(rel, spec.columns)
    if primary and any(c.kind == "p" for c in rel.constraints):
        raise InvalidTableDefinition(f'multiple primary keys for table "{rel.name}" are not allowed')
    cname = spec.name or (f"{rel.name}_pkey" if primary else f"{rel.name}_{'_'.join(spec.columns)}_key")
    cname = unique_name(session, rel.namespace, cname)
    index_oid = store.allocate_oid(txn)
    index = new_relation(session, index_oid, rel.namespace, cname, "i", table_oid=rel.oid,
                         index_columns=attnums, unique=True, primary=primary, method="btree",
                         immediate=not spec.deferrable, nulls_not_distinct=spec.nulls_not_distinct)
    if primary:  # a primary key implies NOT NULL
        rel = replace(rel, columns=tuple(replace(c, not_null=True) if c.attnum in attnums else c
                                         for c in rel.columns))
    con = ConstraintDef(store.allocate_oid(txn), cname, spec.kind, attnums, index_oid=index_oid,
                        deferrable=spec.deferrable, deferred=spec.initially_deferred)
    rel = replace(rel, constraints=rel.constraints + (con,))
    store.alter_relation(txn, rel)
    if primary:
        check_not_null(session, rel, attnums)
    store.create_relation(txn, index)
    return rel


def _add_check(session: "Session", rel: RelationDef, spec: D.ConstraintSpec) -> RelationDef:
    store, txn = session.store, session_txn(session)
    name = spec.name or _constraint_name(rel, f"{rel.name}_{''.join(spec.check_columns[:1])}_check"
                                         .replace("__", "_"))
    con = ConstraintDef(store.allocate_oid(txn), name, "c", (), check=spec.check, validated=not spec.not_valid)
    rel = replace(rel, constraints=rel.constraints + (con,))
    if con.validated:
        validate_check(session, rel, con)
    store.alter_relation(txn, rel)
    return rel


def _add_foreign_key(session: "Session", rel: RelationDef, spec: D.ConstraintSpec) -> RelationDef:
    store, txn = session.store, session_txn(session)
    attnums = attnums_of(rel, spec.columns)
    hit = session.catalog().resolve_relation(list(spec.ref_table))
    if hit is None or hit.relation is None:
        raise UndefinedTable(f'relation "{spec.ref_table[-1]}" does not exist')
    parent = hit.relation if hit.relation.oid != rel.oid else rel
    if spec.ref_columns:
        ref_attnums = attnums_of(parent, spec.ref_columns)
    else:
        pk = next((c for c in parent.constraints if c.kind == "p"), None)
        if pk is None:
            raise InvalidForeignKey(f'there is no primary key for referenced table "{parent.name}"')
        if pk.deferrable:
            raise ObjectNotInPrerequisiteState(f'cannot use a deferrable primary key for referenced table '
                                               f'"{parent.name}"')
        ref_attnums = pk.columns
    if len(ref_attnums) != len(attnums):
        raise InvalidForeignKey("number of referencing and referenced columns for foreign key disagree")
    keys = [c for c in parent.constraints if c.kind in ("p", "u") and set(c.columns) == set(ref_attnums)]
    if not keys:
        raise InvalidForeignKey(f'there is no unique constraint matching given keys for referenced table '
                                f'"{parent.name}"')
    if all(c.deferrable for c in keys):
        raise ObjectNotInPrerequisiteState(f'cannot use a deferrable unique constraint for referenced table '
                                           f'"{parent.name}"')
    cname = spec.name or _constraint_name(rel, f"{rel.name}_{'_'.join(spec.columns)}_fkey")
    con = ConstraintDef(store.allocate_oid(txn), cname, "f", attnums, ref_table=parent.oid,
                        ref_columns=tuple(ref_attnums), on_delete=spec.on_delete, on_update=spec.on_update,
                        validated=not spec.not_valid, deferrable=spec.deferrable, deferred=spec.initially_deferred)
    rel = replace(rel, constraints=rel.constraints + (con,))
    store.alter_relation(txn, rel)
    if con.validated:
        validate_foreign_key(session, rel, con)
    return rel


def validate_foreign_key(session: "Session", rel: RelationDef, con: ConstraintDef) -> None:
    """Existing rows must reference existing keys, checked as an INSERT checks its rows."""
    from quantadb.engine.services import ExecServices
    if not has_storage(session, rel.oid):
        return
    store, txn = session.store, session_txn(session)
    snap = store.snapshot(txn)
    services = ExecServices(session, store, txn, snap)
    for scan in store.table(rel.oid).scan(snap, list(con.columns)):
        row: list = [None] * max(con.columns)  # check_foreign_keys reads the key columns by attnum
        for attnum, col in zip(con.columns, scan.columns):
            row[attnum - 1] = col
        services.check_foreign_keys([con], Batch(row, scan.length), may_defer=False)


def _constraint_name(rel: RelationDef, base: str) -> str:
    names = {c.name for c in rel.constraints}
    name, n = base[:63], 0
    while name in names:
        n += 1
        name = f"{base[:63 - len(str(n))]}{n}"
    return name


def validate_check(session: "Session", rel: RelationDef, con: ConstraintDef) -> None:
    """Existing rows must satisfy a new CHECK constraint."""
    from quantadb.errors import CheckViolation
    table = session.store.table(rel.oid) if has_storage(session, rel.oid) else None
    if table is None or table.row_count == 0:
        return
    if session.catalog().relation(rel.oid) is None:
        return
    try:
        result = run_sql(session, f'SELECT 1 FROM {quote_relation(session, rel)} WHERE NOT ({con.check}) LIMIT 1')
    except UndefinedTable:
        return
    if result.batches and result.batches[0].length:
        raise CheckViolation(f'check constraint "{con.name}" of relation "{rel.name}" is violated by some row')


def create_table_as(session: "Session", stmt: D.CreateTableAs) -> Result:
    ns, name = creation_namespace(session, stmt.name, stmt.persistence.temporary)
    if not check_new_name(session, ns, name, stmt.if_not_exists):
        return Result(tag="CREATE TABLE AS")
    store, txn = session.store, session_txn(session)
    rel = new_relation(session, store.allocate_oid(txn), ns, name, "r",
                       query_columns(session, stmt.query, stmt.column_names))
    store.create_relation(txn, rel)
    if stmt.persistence.on_commit:
        session.temp_on_commit[rel.oid] = stmt.persistence.on_commit
    if not stmt.with_data:
        return Result(tag="CREATE TABLE AS")
    return Result(tag=f"SELECT {fill_from_query(session, rel, stmt.query)}")

