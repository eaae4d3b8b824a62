"""CREATE TABLE [AS] and table constraints (PRIMARY KEY, UNIQUE, CHECK, FOREIGN KEY)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from sqlglot import exp

from quantadb.engine.results import Result
from quantadb.errors import (
    DuplicateColumn,
    FeatureNotSupported,
    InvalidForeignKey,
    InvalidTableDefinition,
    UndefinedColumn,
    UndefinedTable,
)
from quantadb.sql.parse import to_sql
from quantadb.sql.typenames import from_datatype, is_serial
from quantadb.storage.catalog import (
    ColumnDef,
    ConstraintDef,
    RelationDef,
    SequenceOptions,
)
from quantadb.types import registry as R

if TYPE_CHECKING:
    from quantadb.engine.session import Session
from quantadb.engine.ddl.common import (
    FK_ACTIONS,
    check_new_name,
    check_not_null,
    has_storage,
    name_parts,
    new_relation,
    quote_ident,
    quote_regclass,
    run_sql,
    session_txn,
    unique_name,
)


def create_table(session: "Session", node: exp.Create) -> Result:
    schema = node.this
    table = schema.this if isinstance(schema, exp.Schema) else schema
    catalog = session.catalog()
    ns, name = catalog.creation_namespace(name_parts(table))
    if not check_new_name(session, ns, name, bool(node.args.get("exists"))):
        return Result(tag="CREATE TABLE")
    txn = session_txn(session)
    store = session.store
    oid = store.allocate_oid(txn)
    columns: list[ColumnDef] = []
    pending: list[tuple[str, object]] = []  # table-level constraints to add after the columns exist
    sequences: list[RelationDef] = []
    for item in schema.expressions if isinstance(schema, exp.Schema) else []:
        if isinstance(item, exp.ColumnDef):
            col, extra, seq = column_def(session, item, len(columns) + 1, name, ns, oid)
            if any(c.name == col.name for c in columns):
                raise DuplicateColumn(f'column "{col.name}" specified more than once')
            columns.append(col)
            pending.extend(extra)
            if seq is not None:
                sequences.append(seq)
        else:
            pending.append(("table", item))
    rel = new_relation(session, oid, ns, name, "r", tuple(columns),
                      options=_options(node))
    for seq in sequences:
        store.create_relation(txn, seq)
    store.create_relation(txn, rel)
    for scope, item in pending:
        rel = add_constraint(session, rel, item, column=scope if scope != "table" else None)
    return Result(tag="CREATE TABLE")


def _options(node: exp.Create) -> tuple[str, ...]:
    props = node.args.get("properties")
    if props is None:
        return ()
    out = []
    for p in props.expressions:
        if isinstance(p, exp.TemporaryProperty):
            continue
        if isinstance(p, exp.Property) and p.name:
            out.append(f"{p.name}={p.args.get('value').sql() if p.args.get('value') is not None else ''}")
    return tuple(out)


def column_def(session: "Session", item: exp.ColumnDef, attnum: int, table: str, ns: int, table_oid: int):
    name = item.name
    kind = item.args.get("kind")
    if kind is None:
        raise InvalidTableDefinition(f'column "{name}" has no type')
    sql_type = from_datatype(kind)
    not_null = False
    default = None
    identity = ""
    extra: list[tuple[str, object]] = []
    seq = None
    if is_serial(kind):
        seq = _owned_sequence(session, table, name, ns, table_oid, attnum, sql_type.pg)
        default = f"nextval('{quote_regclass(seq.name)}'::regclass)"
        not_null = True
    for c in item.args.get("constraints") or []:
        k = c.args.get("kind")
        if isinstance(k, exp.NotNullColumnConstraint):
            not_null = not k.args.get("allow_null")
        elif isinstance(k, exp.DefaultColumnConstraint):
            default = to_sql(k.this)
        elif isinstance(k, exp.PrimaryKeyColumnConstraint):
            not_null = True
            extra.append((name, exp.PrimaryKey(expressions=[exp.to_identifier(name)])))
        elif isinstance(k, exp.UniqueColumnConstraint):
            extra.append((name, exp.UniqueColumnConstraint(this=exp.Schema(expressions=[exp.to_identifier(name)]))))
        elif isinstance(k, exp.CheckColumnConstraint):
            extra.append((name, _named(c, k)))
        elif isinstance(k, exp.Reference):
            extra.append((name, _named(c, exp.ForeignKey(expressions=[exp.to_identifier(name)], reference=k))))
        elif isinstance(k, exp.GeneratedAsIdentityColumnConstraint):
            identity = "a" if k.this else "d"
            seq = _owned_sequence(session, table, name, ns, table_oid, attnum, sql_type.pg)
            default = f"nextval('{quote_regclass(seq.name)}'::regclass)"
            not_null = True
        elif isinstance(k, (exp.CollateColumnConstraint, exp.CommentColumnConstraint)):
            continue
        elif k is None and c.this is not None:
            continue
        else:
            raise FeatureNotSupported(f"column constraint {c.sql(dialect='postgres')} is not supported")
    return ColumnDef(attnum, name, sql_type, not_null, default, identity), extra, seq


def _named(wrapper: exp.Expression, constraint: exp.Expression) -> exp.Expression:
    name = wrapper.this if isinstance(wrapper, exp.ColumnConstraint) else None
    if name is not None and getattr(name, "name", None):
        return exp.Constraint(this=name, expressions=[constraint])
    return constraint


def _owned_sequence(session: "Session", table: str, column: str, ns: int, table_oid: int, attnum: int,
                    pg: R.PgType) -> RelationDef:
    name = unique_name(session, ns, f"{table}_{column}_seq")
    max_value = {R.INT2: 2**15 - 1, R.INT4: 2**31 - 1}.get(pg, 2**63 - 1)
    opts = SequenceOptions(max_value=max_value, type_oid=pg.oid if pg in (R.INT2, R.INT4, R.INT8) else R.INT8.oid,
                           owned_by=(table_oid, attnum))
    oid = session.store.allocate_oid(session_txn(session))
    return new_relation(session, oid, ns, name, "S", sequence=opts)


def add_constraint(session: "Session", rel: RelationDef, item, column: str | None) -> RelationDef:
    """Add one table constraint (PRIMARY KEY, UNIQUE, CHECK, FOREIGN KEY) to `rel`."""
    name = None
    if isinstance(item, exp.Constraint):
        name = item.name
        inner = item.expressions
        for sub in inner:
            rel = _add_constraint_named(session, rel, sub, column, name)
        return rel
    return _add_constraint_named(session, rel, item, column, name)


def attnums_of(rel: RelationDef, names: list[str]) -> tuple[int, ...]:
    out = []
    for n in names:
        col = rel.column(n)
        if col is None:
            raise UndefinedColumn(f'column "{n}" named in key does not exist')
        out.append(col.attnum)
    return tuple(out)


def _add_constraint_named(session: "Session", rel: RelationDef, item, column: str | None,
                          name: str | None) -> RelationDef:
    store, txn = session.store, session_txn(session)
    if isinstance(item, exp.ColumnConstraint):
        item = item.args.get("kind")
    if isinstance(item, exp.PrimaryKeyColumnConstraint):
        item = exp.PrimaryKey(expressions=[exp.to_identifier(column)])
    if isinstance(item, (exp.PrimaryKey, exp.UniqueColumnConstraint)):
        primary = isinstance(item, exp.PrimaryKey)
        cols = item.expressions if primary else (item.this.expressions if isinstance(item.this, exp.Schema)
                                                  else [exp.to_identifier(column)])
        names = [c.name if not isinstance(c, exp.Ordered) else c.this.name for c in cols]
        attnums = attnums_of(rel, names)
        if primary and any(c.kind == "p" for c in rel.constraints):
            raise InvalidTableDefinition(f'multiple primary keys for table "{rel.name}" are not allowed')
        cname = name or (f"{rel.name}_pkey" if primary else f"{rel.name}_{'_'.join(names)}_key")
        cname = unique_name(session, rel.namespace, cname)
        index_oid = store.allocate_oid(txn)
        index = new_relation(session, index_oid, rel.namespace, cname, "i", table_oid=rel.oid,
                            index_columns=attnums, unique=True, primary=primary, method="btree")
        if primary:  # a primary key implies NOT NULL
            cols_new = tuple(replace(c, not_null=True) if c.attnum in attnums else c for c in rel.columns)
            rel = replace(rel, columns=cols_new)
        con = ConstraintDef(store.allocate_oid(txn), cname, "p" if primary else "u", attnums, index_oid=index_oid)
        rel = replace(rel, constraints=rel.constraints + (con,))
        store.alter_relation(txn, rel)
        if primary:
            check_not_null(session, rel, attnums)
        store.create_relation(txn, index)
        return rel
    if isinstance(item, exp.CheckColumnConstraint):
        text = to_sql(item.this)
        if name is None:
            used = sorted({c.name for c in item.this.find_all(exp.Column)})
            base = f"{rel.name}_{column or (used[0] if used else '')}_check".replace("__", "_")
            name = _constraint_name(rel, base)
        con = ConstraintDef(store.allocate_oid(txn), name, "c", (), check=text)
        rel = replace(rel, constraints=rel.constraints + (con,))
        _validate_check(session, rel, con)
        store.alter_relation(txn, rel)
        return rel
    if isinstance(item, exp.ForeignKey):
        names = [c.name for c in item.expressions]
        attnums = attnums_of(rel, names)
        ref = item.args.get("reference")
        target = ref.this
        ref_table = target.this if isinstance(target, exp.Schema) else target
        ref_names = [c.name for c in target.expressions] if isinstance(target, exp.Schema) else []
        hit = session.catalog().resolve_relation(name_parts(ref_table))
        if hit is None or hit.relation is None:
            raise UndefinedTable(f'relation "{ref_table.name}" does not exist')
        parent = hit.relation if hit.relation.oid != rel.oid else rel
        if ref_names:
            ref_attnums = attnums_of(parent, ref_names)
        else:
            pk = next((c for c in parent.constraints if c.kind == "p"), None)
            if pk is None:
                raise InvalidForeignKey(f'there is no primary key for referenced table "{parent.name}"')
            ref_attnums = pk.columns
        if len(ref_attnums) != len(attnums):
            raise InvalidForeignKey("number of referencing and referenced columns for foreign key disagree")
        if not any(c.kind in ("p", "u") and set(c.columns) == set(ref_attnums) for c in parent.constraints):
            raise InvalidForeignKey(f'there is no unique constraint matching given keys for referenced table '
                                    f'"{parent.name}"')
        on_delete, on_update = _fk_actions(ref)
        cname = name or _constraint_name(rel, f"{rel.name}_{'_'.join(names)}_fkey")
        con = ConstraintDef(store.allocate_oid(txn), cname, "f", attnums, ref_table=parent.oid,
                            ref_columns=tuple(ref_attnums), on_delete=on_delete, on_update=on_update)
        rel = replace(rel, constraints=rel.constraints + (con,))
        store.alter_relation(txn, rel)
        return rel
    raise FeatureNotSupported(f"constraint {item.sql(dialect='postgres')} is not supported")


def _constraint_name(rel: RelationDef, base: str) -> str:
    names = {c.name for c in rel.constraints}
    name, n = base[:63], 0
    while name in names:
        n += 1
        name = f"{base[:63 - len(str(n))]}{n}"
    return name


def _fk_actions(ref: exp.Expression) -> tuple[str, str]:
    text = ref.sql(dialect="postgres").upper()
    on_delete = on_update = "a"
    for phrase, code in FK_ACTIONS.items():
        if f"ON DELETE {phrase}" in text:
            on_delete = code
        if f"ON UPDATE {phrase}" in text:
            on_update = code
    return on_delete, on_update


def _validate_check(session: "Session", rel: RelationDef, con: ConstraintDef) -> None:
    """Existing rows must satisfy a new CHECK constraint."""
    from quantadb.errors import CheckViolation
    table = session.store.table(rel.oid) if has_storage(session, rel.oid) else None
    if table is None or table.row_count == 0:
        return
    if session.catalog().relation(rel.oid) is None:
        return
    try:
        result = run_sql(session, f'SELECT 1 FROM {quote_ident(rel.name)} WHERE NOT ({con.check}) LIMIT 1')
    except UndefinedTable:
        return
    if result.batches and result.batches[0].length:
        raise CheckViolation(f'check constraint "{con.name}" of relation "{rel.name}" is violated by some row')


def create_table_as(session: "Session", node: exp.Create) -> Result:
    from quantadb.engine import statements as S
    table = node.this.this if isinstance(node.this, exp.Schema) else node.this
    aliases = [c.name for c in node.this.expressions] if isinstance(node.this, exp.Schema) else []
    catalog = session.catalog()
    ns, name = catalog.creation_namespace(name_parts(table))
    if not check_new_name(session, ns, name, bool(node.args.get("exists"))):
        return Result(tag="SELECT 0")
    query_sql = to_sql(node.args["expression"])
    bound = S.bind(session, S.Statement(query_sql), [])
    columns = []
    for i, c in enumerate(bound.columns):
        t = c.type if c.type.pg is not R.UNKNOWN else R.SqlType(R.TEXT)
        columns.append(ColumnDef(i + 1, aliases[i] if i < len(aliases) else c.name, t))
    store, txn = session.store, session_txn(session)
    rel = new_relation(session, store.allocate_oid(txn), ns, name, "r", tuple(columns))
    store.create_relation(txn, rel)
    batch = run_sql(session, query_sql).batches[0]
    if batch.length:
        store.insert(txn, rel.oid, batch.columns, batch.length)
    return Result(tag=f"SELECT {batch.length}")
