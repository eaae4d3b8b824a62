"""CREATE TRIGGER and DROP TRIGGER, read with the lexer (sqlglot has no grammar for them).

The parts PostgreSQL 15 has that QuantaDB does not (TRUNCATE, REFERENCING transition tables,
constraint triggers) fail with 0A000 rather than a syntax error; CREATE EVENT TRIGGER is one of
the statements bind_ddl says it does not support."""

from __future__ import annotations

from quantadb.errors import FeatureNotSupported
from quantadb.sql import ddl_stmts as D
from quantadb.sql.lexer import Token
from quantadb.sql.reader import TokenReader


def bind_create_trigger(text: str) -> D.CreateTrigger:
    """CREATE [OR REPLACE] TRIGGER name {BEFORE | AFTER | INSTEAD OF} event [OR ...] ON table
    [FOR [EACH] {ROW | STATEMENT}] [WHEN (condition)] EXECUTE {FUNCTION | PROCEDURE} f(args)."""
    r = TokenReader(text)
    r.expect("create")
    replace = r.words("or", "replace")
    if r.word("constraint"):
        raise FeatureNotSupported("constraint triggers are not supported")
    r.expect("trigger")
    name = r.name()
    if r.words("instead", "of"):
        timing = "INSTEAD OF"
    else:
        tok = r.peek()
        r.expect("before", "after")
        timing = tok.value.upper()
    events: list[str] = []
    columns: list[str] = []
    while True:
        tok = r.peek()
        if r.word("truncate"):
            raise FeatureNotSupported("TRUNCATE triggers are not supported")
        r.expect("insert", "update", "delete")
        event = tok.value.upper()
        if event not in events:
            events.append(event)
        if event == "UPDATE" and r.word("of"):
            columns.append(r.name())
            while r.op(","):
                columns.append(r.name())
        if not r.word("or"):
            break
    r.expect("on")
    table = tuple(r.qualified_name())
    if r.word("referencing"):
        raise FeatureNotSupported("transition tables (REFERENCING) are not supported")
    row = False
    if r.word("for"):
        r.word("each")
        tok = r.peek()
        r.expect("row", "statement")
        row = tok.value == "row"
    when = None
    if r.word("when"):
        when = _parenthesized(r)
        while _wrapped(when):
            when = when[1:-1].strip()  # (pg_get_triggerdef's own parentheses, restored from a dump)
    r.expect("execute")
    r.expect("function", "procedure")
    function = tuple(r.qualified_name())
    args = _arguments(r)
    r.finish()
    return D.CreateTrigger(name, table, timing, tuple(events), tuple(columns), row, when, function, args, replace)


def _parenthesized(r: TokenReader) -> str:
    """The text between a '(' and its matching ')'."""
    tok = r.peek()
    if not r.op("("):
        r.fail(tok)
    first = r.peek()
    return r.text[first.pos:_close(r).pos].strip()


def _close(r: TokenReader) -> Token:
    """Read past the ')' matching an opened '(' and return it."""
    depth = 1
    while True:
        tok = r.next()
        if tok.kind == "op" and tok.value in ("(", "["):
            depth += 1
        elif tok.kind == "op" and tok.value in (")", "]"):
            depth -= 1
            if depth == 0:
                return tok


def _wrapped(text: str) -> bool:
    """The whole text is one parenthesized expression."""
    r = TokenReader(text)
    if not r.op("("):
        return False
    _close(r)
    return r.at_end()


def _arguments(r: TokenReader) -> tuple[str, ...]:
    """The function's arguments: string literals, numbers or names, kept as text (tgargs)."""
    tok = r.peek()
    if not r.op("("):
        r.fail(tok)
    args: list[str] = []
    if r.op(")"):
        return ()
    while True:
        tok = r.next()
        if tok.kind == "op" and tok.value == "-":
            tok = r.next()
            args.append("-" + tok.value)
        elif tok.kind in ("string", "number", "ident", "qident"):
            args.append(tok.value)
        else:
            r.fail(tok)
        if r.op(")"):
            return tuple(args)
        tok = r.peek()
        if not r.op(","):
            r.fail(tok)


def bind_drop_trigger(text: str) -> D.DropTrigger:
    """DROP TRIGGER [IF EXISTS] name ON table [CASCADE | RESTRICT]."""
    r = TokenReader(text)
    r.expect("drop")
    r.expect("trigger")
    if_exists = r.words("if", "exists")
    name = r.name()
    r.expect("on")
    table = tuple(r.qualified_name())
    r.word("cascade", "restrict")
    r.finish()
    return D.DropTrigger(name, table, if_exists)
