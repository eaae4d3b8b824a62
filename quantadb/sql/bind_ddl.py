"""sqlglot's CREATE/ALTER/DROP/TRUNCATE trees to the plain statements of sql/ddl_stmts.py.

This is the only place that knows how sqlglot shapes DDL; the engine executes the result. Names
stay as written (resolution needs the session's search_path and catalog snapshot)."""

from __future__ import annotations

from sqlglot import exp

from quantadb.errors import FeatureNotSupported, InvalidTableDefinition, SyntaxError as SqlSyntaxError, UndefinedObject
from quantadb.sql import ddl_stmts as D
from quantadb.sql.bind_support import check_collation
from quantadb.sql.lexer import tokenize
from quantadb.sql.parse import OnCommitDrop, parse_sql, to_sql
from quantadb.sql.typenames import from_datatype, is_serial

_FK_ACTIONS = {"NO ACTION": "a", "RESTRICT": "r", "CASCADE": "c", "SET NULL": "n", "SET DEFAULT": "d"}
_DROP_KINDS = ("TABLE", "VIEW", "INDEX", "SEQUENCE", "SCHEMA")
_PERSISTENCE_PROPERTIES = (exp.TemporaryProperty, exp.OnCommitProperty, OnCommitDrop)


def bind_ddl(node: exp.Expression, text: str) -> D.DdlStmt:
    words = [t.value for t in tokenize(text)[:3] if t.kind == "ident"]
    if words[:1] == ["alter"] and words[1:2] != ["database"]:
        from quantadb.sql.bind_alter import bind_alter  # bind_alter reads column definitions here
        return bind_alter(text)
    if words[:3] == ["create", "materialized", "view"]:
        from quantadb.sql.bind_matview import bind_create_matview
        return bind_create_matview(text)
    if words[:3] == ["refresh", "materialized", "view"]:
        from quantadb.sql.bind_matview import bind_refresh_matview
        return bind_refresh_matview(text)
    if words[:2] == ["create", "schema"]:
        from quantadb.sql.bind_alter import bind_create_schema
        return bind_create_schema(text)
    if words[:2] == ["create", "sequence"] or words[:3] in (["create", "temp", "sequence"],
                                                            ["create", "temporary", "sequence"]):
        from quantadb.sql.bind_alter import bind_create_sequence
        return bind_create_sequence(text)
    if words[:2] in (["create", "extension"], ["drop", "extension"]):
        from quantadb.sql.bind_extension import bind_create_extension, bind_drop_extension
        return (bind_create_extension if words[0] == "create" else bind_drop_extension)(text)
    if _statement_name(text) in ("CREATE TRIGGER", "DROP TRIGGER", "CREATE OR REPLACE TRIGGER", "CREATE CONSTRAINT"):
        from quantadb.sql.bind_trigger import bind_create_trigger, bind_drop_trigger
        return (bind_drop_trigger if words[0] == "drop" else bind_create_trigger)(text)
    if isinstance(node, exp.Create):
        return _create(node)
    if isinstance(node, exp.Drop):
        return _drop(node)
    if isinstance(node, exp.TruncateTable):
        return D.Truncate(tuple(_name(t) for t in node.expressions),
                          restart_identity=str(node.args.get("identity") or "").upper() == "RESTART",
                          cascade=str(node.args.get("option") or "").upper() == "CASCADE")
    raise FeatureNotSupported(f"{_statement_name(text)} is not supported")


# the first words of a kind of object with a name of more than one word (CREATE EVENT TRIGGER)
_LONG_KINDS = ("access", "data", "event", "foreign", "operator", "or", "replace", "search", "text", "user")


def _statement_name(text: str) -> str:
    """The statement's command and kind of object, as its tag names it (CREATE RULE, DROP POLICY)."""
    words = [t.value for t in tokenize(text)[:5] if t.kind == "ident"]
    count = 2
    while count < len(words) and words[count - 1] in _LONG_KINDS:
        count += 1
    return " ".join(words[:count]).upper()


def _name(table: exp.Expression) -> D.Name:
    return tuple(p.name for p in (table.args.get("catalog"), table.args.get("db"), table.this)
                 if p is not None and p.name)


def _target(node: exp.Expression) -> tuple[exp.Expression, tuple[str, ...]]:
    """CREATE's target: the table and the column names of `name (a, b, ...)`, if given."""
    if isinstance(node, exp.Schema):
        return node.this, tuple(c.name for c in node.expressions)
    return node, ()


def _create(node: exp.Create) -> D.DdlStmt:
    kind = (node.args.get("kind") or "").upper()
    if_not_exists = bool(node.args.get("exists"))
    if kind == "TABLE":
        if node.args.get("expression") is not None:
            table, names = _target(node.this)
            props = node.args.get("properties")
            no_data = any(isinstance(p, exp.WithDataProperty) and p.args.get("no")
                          for p in (props.expressions if props is not None else []))
            return D.CreateTableAs(_name(table), to_sql(node.args["expression"]), names, if_not_exists,
                                   _persistence(node, _name(table)), with_data=not no_data)
        return _create_table(node, if_not_exists)
    if kind == "INDEX":
        return _create_index(node, if_not_exists)
    if kind == "VIEW":
        table, names = _target(node.this)
        options = _options(node) + ((f"check_option={node.args['check_option']}",) if node.args.get("check_option") else ())
        return D.CreateView(_name(table), to_sql(node.args["expression"]), names, bool(node.args.get("replace")),
                            options)
    raise FeatureNotSupported(f"CREATE {kind} is not supported")


def _create_table(node: exp.Create, if_not_exists: bool) -> D.CreateTable:
    schema = node.this
    table = schema.this if isinstance(schema, exp.Schema) else schema
    columns: list[D.ColumnSpec] = []
    constraints: list[D.ConstraintSpec] = []
    like: list[D.LikeSpec] = []
    for item in schema.expressions if isinstance(schema, exp.Schema) else []:
        if isinstance(item, exp.ColumnDef):
            columns.append(column_spec(item))
        elif isinstance(item, exp.LikeProperty):
            like.append(_like(item, len(columns)))
        else:
            constraints.extend(_table_constraints(item))
    return D.CreateTable(_name(table), tuple(columns), tuple(constraints), _options(node), if_not_exists,
                         _persistence(node, _name(table)), tuple(like))


def _like(item: exp.LikeProperty, position: int) -> D.LikeSpec:
    """LIKE's options apply in order: INCLUDING ALL EXCLUDING INDEXES keeps all but indexes."""
    including: set[str] = set()
    for option in item.expressions:
        word = option.text("value").lower()
        chosen = set(D.LIKE_OPTIONS) if word == "all" else {word}
        if word != "all" and word not in D.LIKE_OPTIONS:
            raise SqlSyntaxError(f'syntax error at or near "{option.text("value")}"')
        if option.name.upper() == "EXCLUDING":
            including -= chosen
        else:
            including |= chosen
    return D.LikeSpec(_name(item.this), frozenset(including), position)


def _persistence(node: exp.Create, name: D.Name) -> D.Persistence:
    props = node.args.get("properties")
    found = {type(p) for p in (props.expressions if props is not None else [])}
    temporary = exp.TemporaryProperty in found or (len(name) > 1 and name[-2] == "pg_temp")
    on_commit = "drop" if OnCommitDrop in found else ""
    if exp.OnCommitProperty in found:
        on_commit = "delete" if next(p for p in props.expressions if isinstance(p, exp.OnCommitProperty)
                                     ).args.get("delete") else ""
    if (OnCommitDrop in found or exp.OnCommitProperty in found) and not temporary:
        raise InvalidTableDefinition("ON COMMIT can only be used on temporary tables")
    return D.Persistence(temporary, on_commit)


# CREATE TABLE clauses of features QuantaDB does not have: refused rather than ignored
_UNSUPPORTED = {exp.PartitionedByProperty: "partitioned tables are not supported",
                exp.PartitionedOfProperty: "partitions are not supported",
                exp.InheritsProperty: "table inheritance is not supported"}


def _options(node: exp.Create) -> tuple[str, ...]:
    """The WITH (storage_parameter = value) options (reloptions); the one tablespace and access
    method there are may be named."""
    props = node.args.get("properties")
    out = []
    for p in props.expressions if props is not None else []:
        if type(p) in _UNSUPPORTED:
            raise FeatureNotSupported(_UNSUPPORTED[type(p)])
        if isinstance(p, exp.TableSpaceProperty) and p.name != "pg_default":
            raise UndefinedObject(f'tablespace "{p.name}" does not exist')
        if isinstance(p, exp.FileFormatProperty) and p.name != "heap":
            raise UndefinedObject(f'access method "{p.name}" does not exist')
        if type(p) is exp.Property and p.name:
            value = p.args.get("value")
            # as PostgreSQL's lexer leaves them: a keyword or a name lower-cased, a string as it is
            text = value.name if isinstance(value, exp.Literal) and value.is_string else \
                value.sql().lower() if value is not None else ""
            out.append(f"{p.name}={text}")
    return tuple(out)


def _unique(name: str | None, columns: tuple[str, ...], item: exp.UniqueColumnConstraint) -> D.ConstraintSpec:
    return D.ConstraintSpec("u", name, columns, nulls_not_distinct=bool(item.args.get("nulls")), **_deferral(item))


def _deferral(item: exp.Expression) -> dict[str, bool]:
    """[NOT] DEFERRABLE and INITIALLY DEFERRED|IMMEDIATE of a key constraint (INITIALLY DEFERRED
    implies DEFERRABLE)."""
    options = " ".join(o for o in item.args.get("options") or [] if isinstance(o, str)).upper()
    not_deferrable = "NOT DEFERRABLE" in options
    deferred = "INITIALLY DEFERRED" in options
    if not_deferrable and deferred:
        raise SqlSyntaxError("constraint declared INITIALLY DEFERRED must be DEFERRABLE")
    deferrable = deferred or "DEFERRABLE" in options.replace("NOT DEFERRABLE", "")
    return {"deferrable": deferrable, "initially_deferred": deferred}


def column_spec(item: exp.ColumnDef) -> D.ColumnSpec:
    name = item.name
    kind = item.args.get("kind")
    if kind is None:
        raise InvalidTableDefinition(f'column "{name}" has no type')
    serial = is_serial(kind)
    not_null, default, identity, generated, identity_options = serial, None, "", None, None
    constraints: list[D.ConstraintSpec] = []
    for c in item.args.get("constraints") or []:
        k = c.args.get("kind")
        cname = c.this.name if isinstance(c, exp.ColumnConstraint) and c.this is not None else None
        if isinstance(k, exp.NotNullColumnConstraint):
            not_null = not k.args.get("allow_null")
        elif isinstance(k, exp.DefaultColumnConstraint):
            default = to_sql(k.this)
        elif isinstance(k, exp.PrimaryKeyColumnConstraint):
            not_null = True
            constraints.append(D.ConstraintSpec("p", cname, (name,), **_deferral(k)))
        elif isinstance(k, exp.UniqueColumnConstraint):
            constraints.append(_unique(cname, (name,), k))
        elif isinstance(k, exp.CheckColumnConstraint):
            constraints.append(_check(cname, k.this))
        elif isinstance(k, exp.Reference):
            constraints.append(_foreign_key(cname, (name,), k))
        elif isinstance(k, exp.ComputedColumnConstraint):
            if k.args.get("expression") is not None:  # GENERATED ALWAYS AS (...) without STORED
                raise SqlSyntaxError('syntax error at or near ")"')
            generated = to_sql(k.this)
        elif isinstance(k, exp.GeneratedAsIdentityColumnConstraint):
            identity = "a" if k.this else "d"
            not_null = True
            identity_options = _identity_options(k)
        elif isinstance(k, exp.CollateColumnConstraint):
            check_collation(k.this, from_datatype(kind))
        elif isinstance(k, exp.CommentColumnConstraint):
            continue
        elif k is None and c.this is not None:
            continue
        else:
            raise FeatureNotSupported(f"column constraint {to_sql(c)} is not supported")
    return D.ColumnSpec(name, from_datatype(kind), not_null, default, serial, identity, generated,
                        tuple(constraints), identity_options)


def _identity_options(k: exp.GeneratedAsIdentityColumnConstraint) -> D.SequenceSpec:
    """An identity column's (START WITH ... INCREMENT BY ... MINVALUE ... MAXVALUE ... CYCLE)."""
    def number(arg: str) -> int | None:
        value = k.args.get(arg)
        return int(to_sql(value)) if value is not None else None
    return D.SequenceSpec(increment=number("increment"), min_value=number("minvalue"),
                          max_value=number("maxvalue"), start=number("start"), cycle=k.args.get("cycle") or None)


def _table_constraints(item: exp.Expression) -> list[D.ConstraintSpec]:
    """One table constraint clause; `CONSTRAINT name` names each constraint inside it."""
    if isinstance(item, exp.Constraint):
        return [_table_constraint(sub, item.name) for sub in item.expressions]
    return [_table_constraint(item, None)]


def _check(name: str | None, condition: exp.Expression) -> D.ConstraintSpec:
    """A CHECK is named after its column only when it references exactly one, as PostgreSQL's
    AddRelationNewConstraints does (on the column or the table alike)."""
    used = tuple({c.name for c in condition.find_all(exp.Column)})
    return D.ConstraintSpec("c", name, check=to_sql(condition), check_columns=used if len(used) == 1 else ())


def _table_constraint(item: exp.Expression, name: str | None) -> D.ConstraintSpec:
    if isinstance(item, exp.ColumnConstraint):
        item = item.args.get("kind")
    if isinstance(item, exp.PrimaryKey):
        return D.ConstraintSpec("p", name, _column_names(item.expressions), **_deferral(item))
    if isinstance(item, exp.UniqueColumnConstraint):
        cols = item.this.expressions if isinstance(item.this, exp.Schema) else []
        return _unique(name, _column_names(cols), item)
    if isinstance(item, exp.CheckColumnConstraint):
        return _check(name, item.this)
    if isinstance(item, exp.ForeignKey):
        return _foreign_key(name, _column_names(item.expressions), item.args.get("reference"))
    raise FeatureNotSupported(f"constraint {to_sql(item)} is not supported")


def _column_names(cols: list[exp.Expression]) -> tuple[str, ...]:
    return tuple(c.this.name if isinstance(c, exp.Ordered) else c.name for c in cols)


def _foreign_key(name: str | None, columns: tuple[str, ...], ref: exp.Expression) -> D.ConstraintSpec:
    target = ref.this
    table, ref_columns = _target(target)
    text = to_sql(ref).upper()
    on_delete = on_update = "a"
    for phrase, code in _FK_ACTIONS.items():
        if f"ON DELETE {phrase}" in text:
            on_delete = code
        if f"ON UPDATE {phrase}" in text:
            on_update = code
    return D.ConstraintSpec("f", name, columns, ref_table=_name(table), ref_columns=ref_columns,
                            on_delete=on_delete, on_update=on_update, **_deferral(ref))


def _create_index(node: exp.Create, if_not_exists: bool) -> D.CreateIndex:
    index = node.this
    params = index.args.get("params")
    elements = [_index_element(c) for c in (params.args.get("columns") if params is not None else [])]
    using = params.args.get("using") if params is not None else None
    method = using.name.lower() if using is not None else "btree"
    include = tuple(c.name for c in (params.args.get("include") or [])) if params is not None else ()
    where = params.args.get("where") if params is not None else None
    return D.CreateIndex(index.name or None, _name(index.args["table"]), tuple(elements),
                         bool(node.args.get("unique")), method if method in ("btree", "hash", "gin") else "btree",
                         if_not_exists, include, to_sql(where.this) if where is not None else None,
                         nulls_not_distinct=bool(node.args.get("nulls_not_distinct")))


def _index_element(c: exp.Expression) -> D.IndexElement:
    """One key of CREATE INDEX: `column | (expression) [COLLATE c] [opclass] [ASC|DESC] [NULLS
    FIRST|LAST]`."""
    options: dict = {}
    if isinstance(c, exp.Ordered):
        options["desc"] = c.args.get("desc")  # (False for an ASC written)
        options["nulls_first"] = bool(c.args.get("nulls_first"))
        c = c.this
    if isinstance(c, exp.Opclass):
        options["opclass"] = c.expression.name
        c = c.this
    if isinstance(c, exp.Collate):
        word = c.expression.this if isinstance(c.expression, exp.Column) else c.expression
        options["collation"] = word.name
        c = c.this
    while isinstance(c, exp.Paren):
        c = c.this
    if isinstance(c, exp.Column):
        return D.IndexElement(column=c.name, **options)
    return D.IndexElement(expression=to_sql(c), **options)


def _drop(node: exp.Drop) -> D.DropObjects:
    kind = (node.args.get("kind") or "").upper()
    if kind not in _DROP_KINDS:
        raise FeatureNotSupported(f"DROP {kind} is not supported")
    targets = node.args.get("tables") or [node.this]
    if kind == "VIEW" and node.args.get("materialized"):
        kind = "MATERIALIZED VIEW"
    if kind == "SCHEMA":
        names = tuple(((t.args.get("db") or t.this).name,) for t in targets)
    else:
        names = tuple(_name(t) for t in targets)
    return D.DropObjects(kind, names, bool(node.args.get("exists")), bool(node.args.get("cascade")))


def column_from_text(text: str) -> D.ColumnSpec:
    """One column definition, as written in CREATE TABLE (ALTER TABLE ADD COLUMN)."""
    return _create_table(_table_parse(text), False).columns[0]


def constraints_from_text(text: str) -> tuple[D.ConstraintSpec, ...]:
    """One table constraint clause, as written in CREATE TABLE (ALTER TABLE ADD CONSTRAINT)."""
    return _create_table(_table_parse(text), False).constraints


def _table_parse(element: str) -> exp.Create:
    node = parse_sql(f"CREATE TABLE _ ({element})")
    if not isinstance(node, exp.Create):
        raise FeatureNotSupported(f"{element[:60]} is not supported")
    return node
