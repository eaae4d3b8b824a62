"""CREATE EXTENSION and DROP EXTENSION, read with the lexer (sqlglot has no grammar for them)."""

from __future__ import annotations

from quantadb.sql import ddl_stmts as D
from quantadb.sql.reader import TokenReader


def bind_create_extension(text: str) -> D.CreateExtension:
    """CREATE EXTENSION [IF NOT EXISTS] name [WITH] [SCHEMA s] [VERSION v] [CASCADE]."""
    r = TokenReader(text)
    r.expect("create")
    r.expect("extension")
    if_not_exists = r.words("if", "not", "exists")
    name = r.name()
    r.word("with")
    while True:
        if r.word("schema"):
            r.name()
        elif r.word("version"):
            r.next()  # a name or a string
        elif not r.word("cascade"):
            break
    r.finish()
    return D.CreateExtension(name, if_not_exists)


def bind_drop_extension(text: str) -> D.DropExtension:
    """DROP EXTENSION [IF EXISTS] name [, ...] [CASCADE | RESTRICT]."""
    r = TokenReader(text)
    r.expect("drop")
    r.expect("extension")
    if_exists = r.words("if", "exists")
    names = [r.name()]
    while r.op(","):
        names.append(r.name())
    r.word("cascade", "restrict")
    r.finish()
    return D.DropExtension(tuple(names), if_exists)
