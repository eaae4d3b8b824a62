"""DDL: CREATE/DROP/ALTER of tables, indexes, views, sequences and schemas; TRUNCATE;
COMMENT; CREATE/DROP DATABASE. Every change goes through the storage catalog inside the
session's transaction, so it is transactional and WAL-logged like any write.

Names follow PostgreSQL's conventions: t_pkey, t_a_key, t_a_check, t_b_fkey, t_id_seq.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from sqlglot import exp

from quantadb.engine.results import Result
from quantadb.errors import (DependentObjectsStillExist, InsufficientPrivilege, DuplicateColumn, DuplicateObject, DuplicateSchema,
                             DuplicateTable, FeatureNotSupported, InvalidForeignKey, InvalidSchemaName,
                             InvalidTableDefinition, UndefinedColumn, UndefinedObject, UndefinedTable, WrongObjectType)
from quantadb.sql.parse import to_sql
from quantadb.sql.typenames import from_datatype, is_serial
from quantadb.storage.catalog import (ColumnDef, ConstraintDef, DatabaseDef, NamespaceDef, RelationDef,
                                      SequenceOptions)
from quantadb.types import registry as R

if TYPE_CHECKING:
    from quantadb.engine.session import Session

_FK_ACTIONS = {"NO ACTION": "a", "RESTRICT": "r", "CASCADE": "c", "SET NULL": "n", "SET DEFAULT": "d"}


def run_ddl(session: "Session", node: exp.Expression, text: str) -> Result:
    if isinstance(node, exp.Create):
        return _create(session, node)
    if isinstance(node, exp.Drop):
        return _drop(session, node)
    if isinstance(node, exp.Alter):
        return _alter(session, node)
    if isinstance(node, exp.TruncateTable):
        return _truncate(session, node)
    if isinstance(node, exp.Command):
        raise FeatureNotSupported(f"{node.name.upper()} is not supported")
    raise FeatureNotSupported(f"statement not supported: {text.split(None, 2)[:2]}")


def _relation(session: "Session", oid: int, namespace: int, name: str, kind: str, *args, **kw) -> RelationDef:
    """A new relation of the session's database, owned by the session's role."""
    return RelationDef(oid, session.database_oid, namespace, name, kind, *args, owner=session.role_oid, **kw)


def _require_owner(session: "Session", rel: RelationDef) -> None:
    if not session.superuser and rel.owner != session.role_oid:
        raise InsufficientPrivilege(f"must be owner of {_kind_word(rel.kind)} {rel.name}")


def _parts(table: exp.Expression) -> list[str]:
    return [p.name for p in (table.args.get("catalog"), table.args.get("db"), table.this) if p is not None and p.name]


def _txn(session: "Session"):
    return session.state.txn


# -- CREATE ----------------------------------------------------------------------------------------

def _create(session: "Session", node: exp.Create) -> Result:
    kind = (node.args.get("kind") or "").upper()
    if kind == "TABLE":
        if node.args.get("expression") is not None:
            return _create_table_as(session, node)
        return _create_table(session, node)
    if kind == "INDEX":
        return _create_index(session, node)
    if kind == "VIEW":
        return _create_view(session, node)
    if kind == "SEQUENCE":
        return _create_sequence(session, node)
    if kind == "SCHEMA":
        return _create_schema(session, node)
    raise FeatureNotSupported(f"CREATE {kind} is not supported")


def _check_new_name(session: "Session", ns: int, name: str, if_not_exists: bool, kind: str = "relation") -> bool:
    """True if the name is free; False (with a notice) for IF NOT EXISTS; error otherwise."""
    catalog = session.catalog()
    existing = session.store.catalog.find_relation(catalog.snap, session.database_oid, ns, name)
    if existing is None:
        return True
    if if_not_exists:
        session.notice(f'relation "{name}" already exists, skipping', "42P07")
        return False
    raise DuplicateTable(f'relation "{name}" already exists')


def _create_table(session: "Session", node: exp.Create) -> Result:
    schema = node.this
    table = schema.this if isinstance(schema, exp.Schema) else schema
    catalog = session.catalog()
    ns, name = catalog.creation_namespace(_parts(table))
    if not _check_new_name(session, ns, name, bool(node.args.get("exists"))):
        return Result(tag="CREATE TABLE")
    txn = _txn(session)
    store = session.store
    oid = store.allocate_oid(txn)
    columns: list[ColumnDef] = []
    pending: list[tuple[str, object]] = []  # table-level constraints to add after the columns exist
    sequences: list[RelationDef] = []
    for item in schema.expressions if isinstance(schema, exp.Schema) else []:
        if isinstance(item, exp.ColumnDef):
            col, extra, seq = _column_def(session, item, len(columns) + 1, name, ns, oid)
            if any(c.name == col.name for c in columns):
                raise DuplicateColumn(f'column "{col.name}" specified more than once')
            columns.append(col)
            pending.extend(extra)
            if seq is not None:
                sequences.append(seq)
        else:
            pending.append(("table", item))
    rel = _relation(session, oid, ns, name, "r", tuple(columns),
                      options=_options(node))
    for seq in sequences:
        store.create_relation(txn, seq)
    store.create_relation(txn, rel)
    for scope, item in pending:
        rel = _add_constraint(session, rel, item, column=scope if scope != "table" else None)
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


def _column_def(session: "Session", item: exp.ColumnDef, attnum: int, table: str, ns: int, table_oid: int):
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
        default = f"nextval('{_quote_regclass(seq.name)}'::regclass)"
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
            default = f"nextval('{_quote_regclass(seq.name)}'::regclass)"
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


def _quote_regclass(name: str) -> str:
    return name if name.islower() and name.replace("_", "").isalnum() else f'"{name}"'


def _owned_sequence(session: "Session", table: str, column: str, ns: int, table_oid: int, attnum: int,
                    pg: R.PgType) -> RelationDef:
    name = _unique_name(session, ns, f"{table}_{column}_seq")
    max_value = {R.INT2: 2**15 - 1, R.INT4: 2**31 - 1}.get(pg, 2**63 - 1)
    opts = SequenceOptions(max_value=max_value, type_oid=pg.oid if pg in (R.INT2, R.INT4, R.INT8) else R.INT8.oid,
                           owned_by=(table_oid, attnum))
    oid = session.store.allocate_oid(_txn(session))
    return _relation(session, oid, ns, name, "S", sequence=opts)


def _unique_name(session: "Session", ns: int, base: str) -> str:
    base = base[:63]
    name, n = base, 0
    snap = session.catalog().snap
    while session.store.catalog.find_relation(snap, session.database_oid, ns, name) is not None:
        n += 1
        name = f"{base[:63 - len(str(n))]}{n}"
    return name


def _add_constraint(session: "Session", rel: RelationDef, item, column: str | None) -> RelationDef:
    """Add one table constraint (PRIMARY KEY, UNIQUE, CHECK, FOREIGN KEY) to `rel`."""
    store, txn = session.store, _txn(session)
    name = None
    if isinstance(item, exp.Constraint):
        name = item.name
        inner = item.expressions
        for sub in inner:
            rel = _add_constraint_named(session, rel, sub, column, name)
        return rel
    return _add_constraint_named(session, rel, item, column, name)


def _attnums(rel: RelationDef, names: list[str]) -> tuple[int, ...]:
    out = []
    for n in names:
        col = rel.column(n)
        if col is None:
            raise UndefinedColumn(f'column "{n}" named in key does not exist')
        out.append(col.attnum)
    return tuple(out)


def _add_constraint_named(session: "Session", rel: RelationDef, item, column: str | None,
                          name: str | None) -> RelationDef:
    store, txn = session.store, _txn(session)
    if isinstance(item, exp.ColumnConstraint):
        item = item.args.get("kind")
    if isinstance(item, exp.PrimaryKeyColumnConstraint):
        item = exp.PrimaryKey(expressions=[exp.to_identifier(column)])
    if isinstance(item, (exp.PrimaryKey, exp.UniqueColumnConstraint)):
        primary = isinstance(item, exp.PrimaryKey)
        cols = item.expressions if primary else (item.this.expressions if isinstance(item.this, exp.Schema)
                                                  else [exp.to_identifier(column)])
        names = [c.name if not isinstance(c, exp.Ordered) else c.this.name for c in cols]
        attnums = _attnums(rel, names)
        if primary and any(c.kind == "p" for c in rel.constraints):
            raise InvalidTableDefinition(f'multiple primary keys for table "{rel.name}" are not allowed')
        cname = name or (f"{rel.name}_pkey" if primary else f"{rel.name}_{'_'.join(names)}_key")
        cname = _unique_name(session, rel.namespace, cname)
        index_oid = store.allocate_oid(txn)
        index = _relation(session, index_oid, rel.namespace, cname, "i", table_oid=rel.oid,
                            index_columns=attnums, unique=True, primary=primary, method="btree")
        if primary:  # a primary key implies NOT NULL
            cols_new = tuple(replace(c, not_null=True) if c.attnum in attnums else c for c in rel.columns)
            rel = replace(rel, columns=cols_new)
        con = ConstraintDef(store.allocate_oid(txn), cname, "p" if primary else "u", attnums, index_oid=index_oid)
        rel = replace(rel, constraints=rel.constraints + (con,))
        store.alter_relation(txn, rel)
        if primary:
            _check_not_null(session, rel, attnums)
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
        attnums = _attnums(rel, names)
        ref = item.args.get("reference")
        target = ref.this
        ref_table = target.this if isinstance(target, exp.Schema) else target
        ref_names = [c.name for c in target.expressions] if isinstance(target, exp.Schema) else []
        hit = session.catalog().resolve_relation(_parts(ref_table))
        if hit is None or hit.relation is None:
            raise UndefinedTable(f'relation "{ref_table.name}" does not exist')
        parent = hit.relation if hit.relation.oid != rel.oid else rel
        if ref_names:
            ref_attnums = _attnums(parent, ref_names)
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
    for phrase, code in _FK_ACTIONS.items():
        if f"ON DELETE {phrase}" in text:
            on_delete = code
        if f"ON UPDATE {phrase}" in text:
            on_update = code
    return on_delete, on_update


def _check_not_null(session: "Session", rel: RelationDef, attnums) -> None:
    from quantadb.errors import NotNullViolation
    snap = session.store.snapshot(_txn(session))
    for scan in session.store.table(rel.oid).scan(snap, list(attnums)):
        for a, col in zip(attnums, scan.columns):
            if col.valid is not None and not col.valid.all():
                name = next(c.name for c in rel.columns if c.attnum == a)
                raise NotNullViolation(f'column "{name}" of relation "{rel.name}" contains null values')


def _validate_check(session: "Session", rel: RelationDef, con: ConstraintDef) -> None:
    """Existing rows must satisfy a new CHECK constraint."""
    from quantadb.errors import CheckViolation
    table = session.store.table(rel.oid) if _has_storage(session, rel.oid) else None
    if table is None or table.row_count == 0:
        return
    if session.catalog().relation(rel.oid) is None:
        return
    try:
        result = _run_sql(session, f'SELECT 1 FROM {_quote_ident(rel.name)} WHERE NOT ({con.check}) LIMIT 1')
    except UndefinedTable:
        return
    if result.batches and result.batches[0].length:
        raise CheckViolation(f'check constraint "{con.name}" of relation "{rel.name}" is violated by some row')


def _has_storage(session: "Session", oid: int) -> bool:
    try:
        session.store.table(oid)
        return True
    except Exception:
        return False


def _run_sql(session: "Session", sql: str) -> Result:
    """Run an internal statement (filling a new column, checking a constraint) in the session."""
    from quantadb.engine import statements as S
    from quantadb.engine.session import Portal, Prepared
    stmt = S.Statement(sql)
    return S.execute(session, Portal(Prepared(sql, stmt, []), [], []), inline=False)


def _create_table_as(session: "Session", node: exp.Create) -> Result:
    from quantadb.engine import statements as S
    table = node.this.this if isinstance(node.this, exp.Schema) else node.this
    aliases = [c.name for c in node.this.expressions] if isinstance(node.this, exp.Schema) else []
    catalog = session.catalog()
    ns, name = catalog.creation_namespace(_parts(table))
    if not _check_new_name(session, ns, name, bool(node.args.get("exists"))):
        return Result(tag="SELECT 0")
    query_sql = to_sql(node.args["expression"])
    bound = S.bind(session, S.Statement(query_sql), [])
    columns = []
    for i, c in enumerate(bound.columns):
        t = c.type if c.type.pg is not R.UNKNOWN else R.SqlType(R.TEXT)
        columns.append(ColumnDef(i + 1, aliases[i] if i < len(aliases) else c.name, t))
    store, txn = session.store, _txn(session)
    rel = _relation(session, store.allocate_oid(txn), ns, name, "r", tuple(columns))
    store.create_relation(txn, rel)
    batch = _run_sql(session, query_sql).batches[0]
    if batch.length:
        store.insert(txn, rel.oid, batch.columns, batch.length)
    return Result(tag=f"SELECT {batch.length}")


def _create_index(session: "Session", node: exp.Create) -> Result:
    index = node.this
    table_hit = session.catalog().resolve_relation(_parts(index.args["table"]))
    if table_hit is None or table_hit.relation is None:
        raise UndefinedTable(f'relation "{index.args["table"].name}" does not exist')
    rel = table_hit.relation
    params = index.args.get("params")
    cols = params.args.get("columns") if params is not None else []
    names = []
    for c in cols:
        target = c.this if isinstance(c, exp.Ordered) else c
        if not isinstance(target, exp.Column):
            raise FeatureNotSupported("indexes on expressions are not supported")
        names.append(target.name)
    attnums = _attnums(rel, names)
    using = params.args.get("using") if params is not None else None
    method = using.name.lower() if using is not None else "btree"
    if method not in ("btree", "hash"):
        method = "btree"
    index_name = index.name or f"{rel.name}_{'_'.join(names)}_idx"
    if not index.name:
        index_name = _unique_name(session, rel.namespace, index_name)
    if not _check_new_name(session, rel.namespace, index_name, bool(node.args.get("exists"))):
        return Result(tag="CREATE INDEX")
    store, txn = session.store, _txn(session)
    unique = bool(node.args.get("unique"))
    index_rel = _relation(session, store.allocate_oid(txn), rel.namespace, index_name, "i",
                            table_oid=rel.oid, index_columns=attnums, unique=unique, method=method)
    store.create_relation(txn, index_rel)
    return Result(tag="CREATE INDEX")


def _create_view(session: "Session", node: exp.Create) -> Result:
    from quantadb.engine import statements as S
    target = node.this
    table = target.this if isinstance(target, exp.Schema) else target
    aliases = [c.name for c in target.expressions] if isinstance(target, exp.Schema) else []
    ns, name = session.catalog().creation_namespace(_parts(table))
    query = node.args["expression"]
    query_sql = to_sql(query)
    bound = S.bind(session, S.Statement(query_sql), [])
    columns = tuple(ColumnDef(i + 1, aliases[i] if i < len(aliases) else c.name,
                              c.type if c.type.pg is not R.UNKNOWN else R.SqlType(R.TEXT))
                    for i, c in enumerate(bound.columns))
    if aliases:
        query_sql = f"SELECT * FROM ({query_sql}) AS v({', '.join(_quote_ident(a) for a in aliases)})"
    store, txn = session.store, _txn(session)
    existing = store.catalog.find_relation(session.catalog().snap, session.database_oid, ns, name)
    if existing is not None:
        if not node.args.get("replace"):
            raise DuplicateTable(f'relation "{name}" already exists')
        store.alter_relation(txn, replace(existing, columns=columns, view_sql=query_sql))
        return Result(tag="CREATE VIEW")
    store.create_relation(txn, _relation(session, store.allocate_oid(txn), ns, name, "v", columns,
                                           view_sql=query_sql))
    return Result(tag="CREATE VIEW")


def _quote_ident(name: str) -> str:
    return name if name.islower() and name.replace("_", "").isalnum() and not name[0].isdigit() \
        else '"' + name.replace('"', '""') + '"'


def _create_sequence(session: "Session", node: exp.Create) -> Result:
    ns, name = session.catalog().creation_namespace(_parts(node.this))
    if not _check_new_name(session, ns, name, bool(node.args.get("exists"))):
        return Result(tag="CREATE SEQUENCE")
    opts = {}
    props = node.args.get("properties")
    for p in props.expressions if props is not None else []:
        if isinstance(p, exp.SequenceProperties):
            for key in ("start", "increment", "minvalue", "maxvalue", "cache"):
                v = p.args.get(key)
                if v is not None:
                    opts[key] = int(v.sql())
            if p.args.get("cycle"):
                opts["cycle"] = True
    increment = opts.get("increment", 1)
    min_value = opts.get("minvalue", 1 if increment > 0 else -(2**63 - 1))
    max_value = opts.get("maxvalue", 2**63 - 1 if increment > 0 else -1)
    start = opts.get("start", min_value if increment > 0 else max_value)
    seq = SequenceOptions(start=start, increment=increment, min_value=min_value, max_value=max_value,
                          cycle=opts.get("cycle", False), cache=opts.get("cache", 1))
    store, txn = session.store, _txn(session)
    store.create_relation(txn, _relation(session, store.allocate_oid(txn), ns, name, "S",
                                           sequence=seq))
    return Result(tag="CREATE SEQUENCE")


def _create_schema(session: "Session", node: exp.Create) -> Result:
    table = node.this
    name = (table.args.get("db") or table.this).name
    store, txn = session.store, _txn(session)
    if session.catalog().namespace_oid(name) is not None:
        if node.args.get("exists"):
            session.notice(f'schema "{name}" already exists, skipping', "42P06")
            return Result(tag="CREATE SCHEMA")
        raise DuplicateSchema(f'schema "{name}" already exists')
    store.create_namespace(txn, NamespaceDef(store.allocate_oid(txn), session.database_oid, name))
    return Result(tag="CREATE SCHEMA")


# -- DROP ----------------------------------------------------------------------------------------

_DROP_KINDS = {"TABLE": ("r", "table"), "VIEW": ("v", "view"), "INDEX": ("i", "index"),
               "SEQUENCE": ("S", "sequence")}


def _drop(session: "Session", node: exp.Drop) -> Result:
    kind = (node.args.get("kind") or "").upper()
    if kind == "SCHEMA":
        return _drop_schema(session, node)
    if kind not in _DROP_KINDS:
        raise FeatureNotSupported(f"DROP {kind} is not supported")
    relkind, word = _DROP_KINDS[kind]
    catalog = session.catalog()
    targets = []
    for table in node.args.get("tables") or [node.this]:
        parts = _parts(table)
        hit = catalog.resolve_relation(parts)
        if hit is None or hit.relation is None:
            if node.args.get("exists"):
                session.notice(f'{word} "{parts[-1]}" does not exist, skipping', "00000")
                continue
            raise UndefinedTable(f'{word} "{parts[-1]}" does not exist')
        rel = hit.relation
        if rel.kind != relkind:
            raise WrongObjectType(f'"{rel.name}" is not a{"n" if word[0] in "aeiou" else ""} {word}',
                                  hint=f"Use DROP {_kind_word(rel.kind).upper()} to remove a {_kind_word(rel.kind)}.")
        targets.append(rel)
    cascade = bool(node.args.get("cascade"))
    for rel in targets:
        _drop_relation(session, rel, cascade)
    return Result(tag=f"DROP {kind}")


def _kind_word(relkind: str) -> str:
    return {"r": "table", "v": "view", "i": "index", "S": "sequence"}.get(relkind, "relation")


def _drop_relation(session: "Session", rel: RelationDef, cascade: bool) -> None:
    _require_owner(session, rel)
    store, txn = session.store, _txn(session)
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
    if rel.kind == "i":
        owner = catalog.relation(rel.table_oid)
        con = next((c for c in owner.constraints if c.index_oid == rel.oid), None) if owner else None
        if con is not None:
            raise DependentObjectsStillExist(
                f"cannot drop index {rel.name} because constraint {con.name} on table {owner.name} requires it",
                hint=f"You can drop constraint {con.name} on table {owner.name} instead.")
    store.drop_relation(txn, rel.oid)


def _drop_schema(session: "Session", node: exp.Drop) -> Result:
    store, txn = session.store, _txn(session)
    catalog = session.catalog()
    for table in node.args.get("tables") or [node.this]:
        name = (table.args.get("db") or table.this).name
        oid = catalog.namespace_oid(name)
        if oid is None:
            if node.args.get("exists"):
                session.notice(f'schema "{name}" does not exist, skipping')
                continue
            raise InvalidSchemaName(f'schema "{name}" does not exist')
        members = [r for r in catalog.relations() if r.namespace == oid and r.kind in ("r", "v", "S")]
        if members and not node.args.get("cascade"):
            raise DependentObjectsStillExist(f"cannot drop schema {name} because other objects depend on it",
                                             hint="Use DROP ... CASCADE to drop the dependent objects too.")
        for rel in members:
            if store.catalog.relation(store.snapshot(txn), rel.oid) is not None:
                _drop_relation(session, rel, True)
        store.drop_namespace(txn, session.database_oid, oid)
    return Result(tag="DROP SCHEMA")


# -- ALTER ---------------------------------------------------------------------------------------

def _alter(session: "Session", node: exp.Alter) -> Result:
    kind = (node.args.get("kind") or "").upper()
    if kind not in ("TABLE", "INDEX", "SEQUENCE", "VIEW"):
        raise FeatureNotSupported(f"ALTER {kind} is not supported")
    parts = _parts(node.this)
    hit = session.catalog().resolve_relation(parts)
    if hit is None or hit.relation is None:
        if node.args.get("exists"):
            session.notice(f'relation "{parts[-1]}" does not exist, skipping')
            return Result(tag=f"ALTER {kind}")
        raise UndefinedTable(f'relation "{parts[-1]}" does not exist')
    rel = hit.relation
    _require_owner(session, rel)
    for action in node.args.get("actions") or []:
        rel = _alter_action(session, rel, action)
    return Result(tag=f"ALTER {kind}")


def _alter_action(session: "Session", rel: RelationDef, action: exp.Expression) -> RelationDef:
    store, txn = session.store, _txn(session)
    if isinstance(action, exp.ColumnDef):
        if rel.column(action.name) is not None:
            raise DuplicateColumn(f'column "{action.name}" of relation "{rel.name}" already exists')
        attnum = max((c.attnum for c in rel.columns), default=0) + 1
        col, extra, seq = _column_def(session, action, attnum, rel.name, rel.namespace, rel.oid)
        if seq is not None:
            store.create_relation(txn, seq)
        rel = replace(rel, columns=rel.columns + (col,))
        store.alter_relation(txn, rel)
        if col.default is not None:
            _fill_default(session, rel, col)
        if col.not_null:
            _check_not_null(session, rel, (col.attnum,))
        for scope, item in extra:
            rel = _add_constraint(session, rel, item, column=scope)
        return rel
    if isinstance(action, exp.AddConstraint):
        for item in action.expressions:
            rel = _add_constraint(session, rel, item, column=None)
        return rel
    if isinstance(action, exp.Drop):
        what = (action.args.get("kind") or "").upper()
        for target in action.args.get("tables") or []:
            if what == "COLUMN":
                rel = _drop_column(session, rel, target.name, bool(action.args.get("exists")))
            elif what == "CONSTRAINT":
                rel = _drop_constraint(session, rel, target.name, bool(action.args.get("exists")))
            else:
                raise FeatureNotSupported(f"ALTER TABLE DROP {what} is not supported")
        return rel
    if isinstance(action, exp.RenameColumn):
        old, new = action.this.name, action.args["to"].name
        col = rel.column(old)
        if col is None:
            raise UndefinedColumn(f'column "{old}" does not exist')
        if rel.column(new) is not None:
            raise DuplicateColumn(f'column "{new}" of relation "{rel.name}" already exists')
        rel = replace(rel, columns=tuple(replace(c, name=new) if c.attnum == col.attnum else c for c in rel.columns))
        store.alter_relation(txn, rel)
        return rel
    if isinstance(action, exp.AlterRename):
        new = action.this.name
        if session.store.catalog.find_relation(session.catalog().snap, rel.database, rel.namespace, new) is not None:
            raise DuplicateTable(f'relation "{new}" already exists')
        rel = replace(rel, name=new)
        store.alter_relation(txn, rel)
        return rel
    if isinstance(action, exp.AlterColumn):
        return _alter_column(session, rel, action)
    raise FeatureNotSupported(f"ALTER TABLE action {action.sql(dialect='postgres')[:60]} is not supported")


def _fill_default(session: "Session", rel: RelationDef, col: ColumnDef) -> None:
    _run_sql(session, f"UPDATE {_quote_ident(rel.name)} SET {_quote_ident(col.name)} = DEFAULT")


def _drop_column(session: "Session", rel: RelationDef, name: str, if_exists: bool) -> RelationDef:
    col = rel.column(name)
    if col is None:
        if if_exists:
            session.notice(f'column "{name}" of relation "{rel.name}" does not exist, skipping')
            return rel
        raise UndefinedColumn(f'column "{name}" of relation "{rel.name}" does not exist')
    store, txn = session.store, _txn(session)
    for index in session.catalog().indexes_of(rel.oid):
        if col.attnum in index.index_columns:
            store.drop_relation(txn, index.oid)
    constraints = tuple(c for c in rel.constraints if col.attnum not in c.columns)
    rel = replace(rel, constraints=constraints, columns=tuple(
        _dropped(c) if c.attnum == col.attnum else c for c in rel.columns))
    store.alter_relation(txn, rel)
    return rel


def _dropped(col: ColumnDef) -> ColumnDef:
    """A dropped column keeps its attnum slot under PostgreSQL's placeholder name."""
    return replace(col, dropped=True, name=f"........pg.dropped.{col.attnum}........", not_null=False, default=None)


def _drop_constraint(session: "Session", rel: RelationDef, name: str, if_exists: bool) -> RelationDef:
    con = next((c for c in rel.constraints if c.name == name), None)
    if con is None:
        if if_exists:
            session.notice(f'constraint "{name}" of relation "{rel.name}" does not exist, skipping')
            return rel
        raise UndefinedObject(f'constraint "{name}" of relation "{rel.name}" does not exist')
    store, txn = session.store, _txn(session)
    rel = replace(rel, constraints=tuple(c for c in rel.constraints if c.oid != con.oid))
    store.alter_relation(txn, rel)
    if con.index_oid:
        store.drop_relation(txn, con.index_oid)
    return rel


def _alter_column(session: "Session", rel: RelationDef, action: exp.AlterColumn) -> RelationDef:
    store, txn = session.store, _txn(session)
    col = rel.column(action.name)
    if col is None:
        raise UndefinedColumn(f'column "{action.name}" of relation "{rel.name}" does not exist')
    new = col
    if action.args.get("dtype") is not None:
        new_type = from_datatype(action.args["dtype"])
        return _change_column_type(session, rel, col, new_type)
    if "default" in action.args and action.args.get("default") is not None:
        new = replace(col, default=to_sql(action.args["default"]))
    elif action.args.get("drop") and action.args.get("allow_null"):
        new = replace(col, not_null=False)
    elif action.args.get("drop"):
        new = replace(col, default=None)
    elif action.args.get("allow_null") is False:
        new = replace(col, not_null=True)
        _check_not_null(session, rel, (col.attnum,))
    else:
        raise FeatureNotSupported(f"ALTER COLUMN {action.sql(dialect='postgres')[:60]} is not supported")
    rel = replace(rel, columns=tuple(new if c.attnum == col.attnum else c for c in rel.columns))
    store.alter_relation(txn, rel)
    return rel


def _change_column_type(session: "Session", rel: RelationDef, col: ColumnDef, new_type) -> RelationDef:
    """ALTER COLUMN TYPE: add a column of the new type, copy with a cast, drop the old one."""
    from quantadb.engine import statements as S
    store, txn = session.store, _txn(session)
    attnum = max(c.attnum for c in rel.columns) + 1
    temp = replace(col, attnum=attnum, type=new_type, name=col.name)
    hidden = replace(col, name=f"........pg.retype.{col.attnum}........")
    rel2 = replace(rel, columns=tuple(hidden if c.attnum == col.attnum else c for c in rel.columns) + (
        replace(temp, not_null=False),))
    store.alter_relation(txn, rel2)
    _run_sql(session, f"UPDATE {_quote_ident(rel.name)} SET {_quote_ident(col.name)} = "
                      f"{_quote_ident(hidden.name)}::{R.format_type(new_type.pg, new_type.typmod)}")
    rel3 = replace(rel2, columns=tuple(
        _dropped(c) if c.attnum == col.attnum else (replace(c, not_null=col.not_null) if c.attnum == attnum else c)
        for c in rel2.columns),
        constraints=tuple(replace(c, columns=tuple(attnum if a == col.attnum else a for a in c.columns))
                          for c in rel2.constraints))
    store.alter_relation(txn, rel3)
    return rel3


# -- TRUNCATE, COMMENT, DATABASE --------------------------------------------------------------------

def _truncate(session: "Session", node: exp.TruncateTable) -> Result:
    catalog = session.catalog()
    store, txn = session.store, _txn(session)
    rels = []
    for table in node.expressions:
        hit = catalog.resolve_relation(_parts(table))
        if hit is None or hit.relation is None:
            raise UndefinedTable(f'relation "{table.name}" does not exist')
        rels.append(hit.relation)
    from quantadb.engine.privileges import has_privilege
    for rel in rels:
        if not has_privilege(session, rel, "D"):
            raise InsufficientPrivilege(f"permission denied for table {rel.name}")
    for rel in rels:
        store.truncate(txn, rel.oid)
    if str(node.args.get("identity") or "").upper() == "RESTART":
        for rel in catalog.relations():
            if rel.kind == "S" and rel.sequence and rel.sequence.owned_by and \
                    rel.sequence.owned_by[0] in {r.oid for r in rels}:
                store.setval(rel.oid, rel.sequence.start, False)
    return Result(tag="TRUNCATE TABLE")


def comment_on(session: "Session", u) -> Result:
    store, txn = session.store, session._ensure_txn()
    catalog = session.catalog()
    if u.object_kind in ("table", "view", "index", "sequence"):
        hit = catalog.resolve_relation(u.name)
        if hit is None or hit.relation is None:
            raise UndefinedTable(f'relation "{".".join(u.name)}" does not exist')
        store.set_comment(txn, hit.relation.oid, u.comment)
    else:
        raise FeatureNotSupported(f"COMMENT ON {u.object_kind.upper()} is not supported")
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
        if existing is not None:
            from quantadb.errors import DuplicateDatabase
            raise DuplicateDatabase(f'database "{u.name}" already exists')
        store.create_database(txn, DatabaseDef(store.allocate_oid(txn), u.name))
        return Result(tag="CREATE DATABASE")
    if existing is None:
        if u.if_exists:
            session.notice(f'database "{u.name}" does not exist, skipping')
            return Result(tag="DROP DATABASE")
        from quantadb.errors import InvalidCatalogName
        raise InvalidCatalogName(f'database "{u.name}" does not exist')
    if existing.oid == session.database_oid:
        from quantadb.errors import ObjectInUse
        raise ObjectInUse("cannot drop the currently open database")
    if any(s.database_oid == existing.oid for s in list(session.db.sessions.values())):
        from quantadb.errors import ObjectInUse
        raise ObjectInUse(f'database "{u.name}" is being accessed by other users',
                          detail="There is 1 other session using the database.")
    store.drop_database(txn, existing.oid)
    return Result(tag="DROP DATABASE")
