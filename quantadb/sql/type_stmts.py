"""CREATE TYPE ... AS ENUM, ALTER TYPE and DROP TYPE, read from lexer tokens.

sqlglot does not read these statements; engine/ddl/types.py executes what is parsed here.
"""

from __future__ import annotations

from dataclasses import dataclass

from quantadb.errors import FeatureNotSupported
from quantadb.sql.reader import TokenReader

Name = tuple[str, ...]


@dataclass(frozen=True)
class CreateEnum:
    name: Name
    labels: tuple[str, ...]


@dataclass(frozen=True)
class DropTypes:
    names: tuple[Name, ...]
    if_exists: bool = False
    cascade: bool = False


@dataclass(frozen=True)
class AlterType:
    """One ALTER TYPE action: add_value (with before/after), rename_value, rename, owner, schema."""

    name: Name
    action: str
    value: str = ""  # the label added or renamed, the new name, owner or schema
    new_value: str = ""  # RENAME VALUE's new label
    neighbour: str | None = None  # ADD VALUE BEFORE / AFTER this label
    after: bool = False
    if_not_exists: bool = False


TypeStmt = CreateEnum | DropTypes | AlterType


def is_type_statement(r: TokenReader) -> bool:
    """CREATE / ALTER / DROP TYPE."""
    head, nxt = r.peek(), r.peek(1)
    return head is not None and head.is_word("create", "alter", "drop") and nxt is not None and nxt.is_word("type")


def parse_type_statement(text: str) -> TypeStmt:
    r = TokenReader(text)
    head = r.next()
    r.expect("type")
    if head.is_word("create"):
        return _create(r)
    if head.is_word("drop"):
        return _drop(r)
    return _alter(r)


def _string(r: TokenReader) -> str:
    tok = r.next()
    if tok.kind != "string":
        r.fail(tok)
    return tok.value


def _create(r: TokenReader) -> CreateEnum:
    name = tuple(r.qualified_name())
    r.expect("as")
    if not r.word("enum"):
        raise FeatureNotSupported("only CREATE TYPE ... AS ENUM is supported")
    if not r.op("("):
        r.fail(r.peek())
    labels: list[str] = []
    if not r.op(")"):
        labels.append(_string(r))
        while r.op(","):
            labels.append(_string(r))
        if not r.op(")"):
            r.fail(r.peek())
    r.finish()
    return CreateEnum(name, tuple(labels))


def _drop(r: TokenReader) -> DropTypes:
    if_exists = r.words("if", "exists")
    names = [tuple(r.qualified_name())]
    while r.op(","):
        names.append(tuple(r.qualified_name()))
    cascade = r.word("cascade")
    if not cascade:
        r.word("restrict")
    r.finish()
    return DropTypes(tuple(names), if_exists, cascade)


def _alter(r: TokenReader) -> AlterType:
    name = tuple(r.qualified_name())
    if r.words("add", "value"):
        if_not_exists = r.words("if", "not", "exists")
        label = _string(r)
        neighbour, after = None, False
        if r.word("before", "after"):
            after = r.toks[r.i - 1].is_word("after")
            neighbour = _string(r)
        stmt = AlterType(name, "add_value", label, neighbour=neighbour, after=after, if_not_exists=if_not_exists)
    elif r.words("rename", "value"):
        old = _string(r)
        r.expect("to")
        stmt = AlterType(name, "rename_value", old, _string(r))
    elif r.words("rename", "to"):
        stmt = AlterType(name, "rename", r.name())
    elif r.words("owner", "to"):
        stmt = AlterType(name, "owner", r.name())
    elif r.words("set", "schema"):
        stmt = AlterType(name, "schema", r.name())
    else:
        raise FeatureNotSupported("this form of ALTER TYPE is not supported")
    r.finish()
    return stmt
