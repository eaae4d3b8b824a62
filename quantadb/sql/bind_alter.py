"""ALTER TABLE / INDEX / SEQUENCE / [MATERIALIZED] VIEW / SCHEMA and CREATE SEQUENCE, read from lexer tokens.

sqlglot reads only part of PostgreSQL's grammar here (no OWNER TO, SET SCHEMA, RENAME
CONSTRAINT, sequence options, identity columns), and pg_dump's output uses all of it. Column
definitions and table constraints inside ADD are read as in CREATE TABLE (bind_ddl); defaults
and USING expressions stay SQL text, bound where they run. Actions with no effect in QuantaDB
(SET STATISTICS, CLUSTER ON, ENABLE TRIGGER, REPLICA IDENTITY, ...) are accepted and dropped.
"""

from __future__ import annotations

from dataclasses import replace

from quantadb.errors import FeatureNotSupported, SyntaxError as SqlSyntaxError
from quantadb.sql import ddl_stmts as D
from quantadb.sql.bind_ddl import column_from_text, constraints_from_text
from quantadb.sql.reader import TokenReader
from quantadb.sql.typenames import parse_type_name

_RELATION_KINDS = {"table": "TABLE", "index": "INDEX", "sequence": "SEQUENCE", "view": "VIEW"}
_CONSTRAINT_WORDS = ("constraint", "primary", "unique", "check", "foreign", "exclude")


def bind_alter(text: str) -> D.AlterRelation | D.AlterSchema:
    r = TokenReader(text)
    r.expect("alter")
    if r.word("schema"):
        return _alter_schema(r)
    tok = r.next()
    if tok.is_word("materialized") and r.word("view"):
        kind = "MATERIALIZED VIEW"
    elif tok.is_word(*_RELATION_KINDS):
        kind = _RELATION_KINDS[tok.value]
    else:
        raise FeatureNotSupported(f"ALTER {tok.value.upper()} is not supported")
    if_exists = r.words("if", "exists")
    r.word("only")
    name = tuple(r.qualified_name())
    r.op("*")
    actions: list[D.AlterAction] = []
    while True:
        action = _sequence_options(r) if kind == "SEQUENCE" and not _relation_action_next(r) else _action(r)
        if action is not None:
            actions.append(action)
        if not r.op(","):
            break
    r.finish()
    return D.AlterRelation(kind, name, tuple(actions), if_exists)


def bind_create_schema(text: str) -> D.CreateSchema:
    """CREATE SCHEMA [IF NOT EXISTS] name [AUTHORIZATION role] | ... AUTHORIZATION role (named
    after the role); schema elements (CREATE TABLE ... inside) are not supported."""
    r = TokenReader(text)
    r.expect("create")
    r.expect("schema")
    if_not_exists = r.words("if", "not", "exists")
    name = None if r.peek() is not None and r.peek().is_word("authorization") else r.name()
    owner = r.name() if r.word("authorization") else None
    if not r.at_end():
        raise FeatureNotSupported("CREATE SCHEMA with schema elements is not supported")
    return D.CreateSchema(name or owner, if_not_exists, owner)


def bind_create_sequence(text: str) -> D.CreateSequence:
    r = TokenReader(text)
    r.expect("create")
    r.word("temporary", "temp", "unlogged")
    r.expect("sequence")
    if_not_exists = r.words("if", "not", "exists")
    name = tuple(r.qualified_name())
    spec = _sequence_options(r).spec
    r.finish()
    return D.CreateSequence(name, spec, if_not_exists)


def _alter_schema(r: TokenReader) -> D.AlterSchema:
    name = r.name()
    if r.words("rename", "to"):
        stmt = D.AlterSchema(name, new_name=r.name())
    else:
        r.expect("owner")
        r.expect("to")
        stmt = D.AlterSchema(name, owner=r.name())
    r.finish()
    return stmt


def _relation_action_next(r: TokenReader) -> bool:
    """ALTER SEQUENCE takes sequence options, or the relation actions RENAME/OWNER/SET SCHEMA."""
    tok = r.peek()
    return tok is not None and tok.is_word("rename", "owner", "set", "reset")


def _action(r: TokenReader) -> D.AlterAction | None:
    if r.word("add"):
        return _add(r)
    if r.word("drop"):
        if r.word("constraint"):
            if_exists = r.words("if", "exists")
            name = r.name()
            r.word("cascade", "restrict")
            return D.DropConstraint(name, if_exists)
        r.word("column")
        if_exists = r.words("if", "exists")
        name = r.name()
        cascade = r.word("cascade")
        r.word("restrict")
        return D.DropColumn(name, if_exists, cascade)
    if r.word("alter"):
        if r.word("constraint"):
            return _alter_constraint(r)
        r.word("column")
        return _alter_column(r, r.name())
    if r.word("rename"):
        if r.word("to"):
            return D.RenameRelation(r.name())
        if r.word("constraint"):
            old = r.name()
            r.expect("to")
            return D.RenameConstraint(old, r.name())
        r.word("column")
        old = r.name()
        r.expect("to")
        return D.RenameColumn(old, r.name())
    if r.words("owner", "to"):
        return D.SetOwner(r.name())
    if r.word("set"):
        if r.word("schema"):
            return D.SetSchema(r.name())
        if r.peek() is not None and r.peek().kind == "op" and r.peek().value == "(":
            return D.SetStorageOptions(set=_option_list(r))
        r.word("logged", "unlogged", "without")  # SET WITHOUT CLUSTER / OIDS
        r.word("cluster", "oids")
        if r.word("tablespace", "access"):
            r.word("method")
            r.name()
        return None
    if r.word("reset"):
        return D.SetStorageOptions(reset=tuple(o.split("=", 1)[0] for o in _option_list(r)))
    if r.word("validate"):
        r.expect("constraint")
        return D.ValidateConstraint(r.name())
    if r.words("cluster", "on"):
        r.name()
        return None
    if r.word("enable", "disable"):
        enabled = r.toks[r.i - 1].is_word("enable")
        if r.word("trigger"):
            name = None if r.word("all", "user") else r.name()
            return D.EnableTrigger(name, enabled)
        r.clause()  # RULE ... / ROW LEVEL SECURITY / ALWAYS / REPLICA: nothing of the kind exists here
        return None
    if r.words("replica", "identity"):
        r.clause()
        return None
    if r.word("force", "no"):
        r.clause()  # [NO] FORCE ROW LEVEL SECURITY
        return None
    tok = r.peek()
    if tok is not None and tok.is_word("inherit", "attach", "detach", "of", "not"):
        raise FeatureNotSupported(f"ALTER TABLE {tok.value.upper()} is not supported")
    r.fail(tok)
    return None


def _alter_constraint(r: TokenReader) -> D.AlterConstraint:
    """ALTER CONSTRAINT name [[NOT] DEFERRABLE] [INITIALLY DEFERRED|IMMEDIATE]: as PostgreSQL's, a
    whole new deferral (what is not said is NOT DEFERRABLE, INITIALLY IMMEDIATE)."""
    name = r.name()
    deferrable = deferred = not_deferrable = False
    while not r.at_end() and not (r.peek().kind == "op" and r.peek().value == ","):
        at = r.peek()
        if r.word("deferrable"):
            deferrable = True
        elif r.words("not", "deferrable"):
            not_deferrable = True
        elif r.word("initially"):
            deferred = r.word("deferred")
            if not deferred:
                r.expect("immediate")
        elif r.words("not", "valid") or r.words("no", "inherit"):
            marked = "NOT VALID" if r.toks[r.i - 1].is_word("valid") else "NO INHERIT"
            raise FeatureNotSupported(f"FOREIGN KEY constraints cannot be marked {marked}")
        else:
            r.fail(at)
    if not_deferrable and deferred:
        raise SqlSyntaxError("constraint declared INITIALLY DEFERRED must be DEFERRABLE")
    return D.AlterConstraint(name, deferrable or deferred, deferred)


def _add(r: TokenReader) -> D.AlterAction:
    tok = r.peek()
    if tok is not None and tok.is_word(*_CONSTRAINT_WORDS):
        text, not_valid = r.clause("not"), False
        while True:  # the attributes after a NOT: NOT VALID, [NOT] DEFERRABLE, INITIALLY ...
            if r.words("not", "valid"):
                not_valid = True
            elif r.words("not", "distinct"):  # UNIQUE NULLS NOT DISTINCT (columns)
                text += " NOT DISTINCT " + r.clause("not")
            elif r.words("not", "deferrable"):
                text += " NOT DEFERRABLE"
            elif r.word("deferrable"):
                text += " DEFERRABLE"
            elif r.word("initially"):
                text += " INITIALLY " + ("DEFERRED" if r.word("deferred") else r.expect("immediate") or "IMMEDIATE")
            else:
                break
        constraints = constraints_from_text(text)
        if not_valid and constraints[0].kind not in ("c", "f"):
            kind = "PRIMARY KEY" if constraints[0].kind == "p" else "UNIQUE"
            raise FeatureNotSupported(f"{kind} constraints cannot be marked NOT VALID")
        return D.AddConstraint(replace(constraints[0], not_valid=not_valid))
    r.word("column")
    if_not_exists = r.words("if", "not", "exists")
    return D.AddColumn(column_from_text(r.clause()), if_not_exists)


def _alter_column(r: TokenReader, column: str) -> D.AlterAction | None:
    if r.words("set", "data", "type") or r.word("type"):
        type_text = r.clause("using", "collate")
        if r.word("collate"):
            r.name()
        using = r.clause() if r.word("using") else None
        return D.SetColumnType(column, parse_type_name(type_text), using)
    if r.words("set", "default"):
        return D.SetColumnDefault(column, r.clause())
    if r.words("drop", "default"):
        return D.SetColumnDefault(column, None)
    if r.words("set", "not", "null"):
        return D.SetColumnNotNull(column, True)
    if r.words("drop", "not", "null"):
        return D.SetColumnNotNull(column, False)
    if r.words("add", "generated"):
        always = r.word("always")
        if not always:
            r.expect("by")
            r.expect("default")
        r.expect("as")
        r.expect("identity")
        spec = D.SequenceSpec()
        if r.op("("):
            spec = _sequence_options(r, closing=True).spec
            if not r.op(")"):
                r.fail(r.peek())
        return D.AddIdentity(column, always, spec)
    if r.words("drop", "identity"):
        return D.DropIdentity(column, r.words("if", "exists"))
    if _identity_change_next(r):
        return _alter_identity(r, column)
    if r.words("drop", "expression"):
        return D.DropExpression(column, r.words("if", "exists"))
    if r.word("set", "reset"):
        r.clause()  # STATISTICS n, STORAGE x, (attribute options), COMPRESSION: no effect here
        return None
    r.fail(r.peek())
    return None


_SEQUENCE_OPTION_WORDS = ("as", "increment", "minvalue", "maxvalue", "no", "cycle", "start", "cache")


def _identity_change_next(r: TokenReader) -> bool:
    first, second = r.peek(), r.peek(1)
    return first is not None and (first.is_word("restart") or first.is_word("set") and second is not None
                                  and second.is_word("generated", *_SEQUENCE_OPTION_WORDS))


def _alter_identity(r: TokenReader, column: str) -> D.AlterIdentity:
    """SET GENERATED { ALWAYS | BY DEFAULT } | SET sequence_option | RESTART [[WITH] n], repeated."""
    always, options = None, []
    while _identity_change_next(r):
        if r.words("set", "generated"):
            always = r.word("always")
            if not always:
                r.expect("by")
                r.expect("default")
        else:
            r.word("set")
            options.append(_sequence_options(r, one=True).spec)
    spec = D.SequenceSpec(**{k: v for o in options for k, v in vars(o).items() if v != getattr(D.SequenceSpec(), k)})
    return D.AlterIdentity(column, always, spec)


def _option_list(r: TokenReader) -> tuple[str, ...]:
    """( name [= value] [, ...] ) as "name=value" strings."""
    if not r.op("("):
        r.fail(r.peek())
    out = []
    while True:
        key = r.name()
        value = ""
        if r.op("="):
            tok = r.next()
            value = tok.value
        out.append(f"{key}={value}")
        if r.op(")"):
            return tuple(out)
        if not r.op(","):
            r.fail(r.peek())


def _sequence_options(r: TokenReader, closing: bool = False, one: bool = False) -> D.AlterSequenceOptions:
    """Sequence options in any order, up to the end (or a closing parenthesis); `one`: just one."""
    opts: dict = {}
    while (tok := r.peek()) is not None and tok.kind != ";" and not (closing and tok.value == ")") \
            and not (one and opts):
        if r.word("as"):
            opts["data_type"] = parse_type_name(r.name())
        elif r.word("increment"):
            r.word("by")
            opts["increment"] = r.integer()
        elif r.word("minvalue"):
            opts["min_value"] = r.integer()
        elif r.word("maxvalue"):
            opts["max_value"] = r.integer()
        elif r.words("no", "minvalue"):
            opts["no_min"] = True
        elif r.words("no", "maxvalue"):
            opts["no_max"] = True
        elif r.words("no", "cycle"):
            opts["cycle"] = False
        elif r.word("cycle"):
            opts["cycle"] = True
        elif r.word("start"):
            r.word("with")
            opts["start"] = r.integer()
        elif r.word("restart"):
            opts["restart"] = True
            if r.word("with") or (r.peek() is not None and r.peek().kind in ("number", "op")):
                opts["restart_with"] = r.integer()
        elif r.word("cache"):
            opts["cache"] = r.integer()
        elif r.words("owned", "by"):
            opts["owned_by"] = () if r.word("none") else tuple(r.qualified_name())
        elif r.words("sequence", "name"):
            opts["name"] = tuple(r.qualified_name())
        elif r.word("logged", "unlogged"):
            pass
        else:
            r.fail(tok)
    return D.AlterSequenceOptions(D.SequenceSpec(**opts))
