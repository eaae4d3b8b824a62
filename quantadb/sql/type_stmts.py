"""CREATE TYPE ... AS ENUM, CREATE TYPE ... AS (composite), ALTER TYPE, DROP TYPE, CREATE DOMAIN, ALTER DOMAIN and DROP DOMAIN,
read from lexer tokens.

sqlglot does not read these statements; engine/ddl/types.py executes what is parsed here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from quantadb.errors import FeatureNotSupported
from quantadb.sql.reader import TokenReader

Name = tuple[str, ...]
Item = TypeVar("Item")


@dataclass(frozen=True)
class CreateEnum:
    name: Name
    labels: tuple[str, ...]


@dataclass(frozen=True)
class CreateComposite:
    name: Name
    fields: tuple[tuple[str, str, str | None], ...]  # (name, type as written, COLLATE name or None)


@dataclass(frozen=True)
class CreateDomain:
    name: Name
    base: str  # the base type as written
    default: str | None = None
    not_null: bool = False
    checks: tuple[tuple[str | None, str], ...] = ()  # (CONSTRAINT name or None, CHECK expression text)


@dataclass(frozen=True)
class DropTypes:
    names: tuple[Name, ...]
    if_exists: bool = False
    cascade: bool = False
    domain: bool = False  # DROP DOMAIN


@dataclass(frozen=True)
class AlterType:
    """One ALTER TYPE action: add_value (with before/after), rename_value, rename, owner, schema;
    ALTER DOMAIN's: add_check, drop_constraint, validate, rename_constraint, set_default,
    drop_default, set_not_null, drop_not_null."""

    name: Name
    action: str
    value: str = ""  # the label added or renamed, the new name, owner or schema, a constraint's name
    new_value: str = ""  # RENAME VALUE's new label, RENAME CONSTRAINT's new name, CHECK's or DEFAULT's text
    neighbour: str | None = None  # ADD VALUE BEFORE / AFTER this label
    after: bool = False
    if_not_exists: bool = False  # ... or DROP CONSTRAINT IF EXISTS
    domain: bool = False  # ALTER DOMAIN
    not_valid: bool = False  # ADD CONSTRAINT ... NOT VALID
    cascade: bool = False  # a composite type's ... ATTRIBUTE ... CASCADE
    collation: str | None = None  # ADD ATTRIBUTE's COLLATE


TypeStmt = CreateEnum | CreateComposite | CreateDomain | DropTypes | AlterType


def is_type_statement(r: TokenReader) -> bool:
    """CREATE / ALTER / DROP TYPE, CREATE / DROP DOMAIN."""
    head, nxt = r.peek(), r.peek(1)
    return head is not None and nxt is not None and (
        head.is_word("create", "alter", "drop") and nxt.is_word("type") or
        head.is_word("create", "alter", "drop") and nxt.is_word("domain"))


def parse_type_statement(text: str) -> TypeStmt:
    r = TokenReader(text)
    head = r.next()
    if r.word("domain"):
        if head.is_word("alter"):
            return replace(_alter(r, domain=True), domain=True)
        return _create_domain(r) if head.is_word("create") else _drop(r, domain=True)
    r.expect("type")
    if head.is_word("create"):
        return _create(r)
    if head.is_word("drop"):
        return _drop(r)
    return _alter(r)


_DOMAIN_WORDS = ("default", "constraint", "not", "null", "check", "collate")


def _create_domain(r: TokenReader) -> CreateDomain:
    name = tuple(r.qualified_name())
    r.word("as")
    base = r.clause(*_DOMAIN_WORDS)
    default, not_null, checks = None, False, []
    while not r.at_end() and r.peek().kind != ";":
        constraint = r.name() if r.word("constraint") else None
        if r.word("default"):
            default = r.clause(*_DOMAIN_WORDS)
        elif r.words("not", "null"):
            not_null = True
        elif r.word("null"):
            not_null = False
        elif r.word("check"):
            checks.append((constraint, _parenthesized(r)))
        elif r.word("collate"):
            r.qualified_name()
        else:
            r.fail(r.peek())
    r.finish()
    return CreateDomain(name, base, default, not_null, tuple(checks))


def _parenthesized(r: TokenReader) -> str:
    """The text inside ( ... ), nested parentheses included."""
    start = r.peek()
    if not r.op("("):
        r.fail(start)
    depth = 1
    first = r.peek()
    while depth:
        tok = r.next()
        if tok.kind == "op" and tok.value == "(":
            depth += 1
        elif tok.kind == "op" and tok.value == ")":
            depth -= 1
            end = tok.pos
    return r.text[first.pos:end].strip()


def _string(r: TokenReader) -> str:
    tok = r.next()
    if tok.kind != "string":
        r.fail(tok)
    return tok.value


def _create(r: TokenReader) -> CreateEnum | CreateComposite:
    name = tuple(r.qualified_name())
    r.expect("as")
    if r.op("("):
        fields = _items(r, _attribute)
        r.finish()
        return CreateComposite(name, tuple(fields))
    if not r.word("enum"):
        raise FeatureNotSupported("only CREATE TYPE ... AS ENUM and AS (...) are supported")
    if not r.op("("):
        r.fail(r.peek())
    labels = _items(r, _string)
    r.finish()
    return CreateEnum(name, tuple(labels))


def _items(r: TokenReader, item: Callable[[TokenReader], Item]) -> list[Item]:
    """A comma-separated list after its opening parenthesis, through the closing one."""
    items: list[Item] = []
    if not r.op(")"):
        items.append(item(r))
        while r.op(","):
            items.append(item(r))
        if not r.op(")"):
            r.fail(r.peek())
    return items


def _attribute(r: TokenReader) -> tuple[str, str, str | None]:
    """`name type [COLLATE collation]`."""
    field = r.name()
    return (field,) + _attribute_type(r)


def _attribute_type(r: TokenReader) -> tuple[str, str | None]:
    """`type [COLLATE collation]`: the type's text runs to a top-level comma or the list's
    closing parenthesis."""
    first = r.peek()
    if first is None:
        r.fail(None)
    depth, end = 0, first.pos
    while (tok := r.peek()) is not None and tok.kind != ";" and not tok.is_word("collate", "cascade", "restrict"):
        if tok.kind == "op" and tok.value in ("(", "["):
            depth += 1
        elif tok.kind == "op" and tok.value in (")", "]"):
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and tok.kind == "op" and tok.value == ",":
            break
        r.i += 1
        following = r.peek()
        end = following.pos if following is not None else len(r.text)
    if end == first.pos:
        r.fail(first)
    collation = None
    if r.word("collate"):  # the collations live in pg_catalog
        parts = r.qualified_name()
        collation = parts[-1] if parts[:-1] == ["pg_catalog"] else ".".join(parts)
    return r.text[first.pos:end].strip(), collation


def _drop(r: TokenReader, domain: bool = False) -> DropTypes:
    if_exists = r.words("if", "exists")
    names = [tuple(r.qualified_name())]
    while r.op(","):
        names.append(tuple(r.qualified_name()))
    cascade = r.word("cascade")
    if not cascade:
        r.word("restrict")
    r.finish()
    return DropTypes(tuple(names), if_exists, cascade, domain)


def _alter(r: TokenReader, domain: bool = False) -> AlterType:
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
    elif domain and r.word("add"):
        stmt = _add_constraint(r, name)
    elif domain and r.words("drop", "constraint"):
        if_exists = r.words("if", "exists")
        stmt = AlterType(name, "drop_constraint", r.name(), if_not_exists=if_exists)
        if not r.word("cascade"):
            r.word("restrict")
    elif domain and r.words("validate", "constraint"):
        stmt = AlterType(name, "validate", r.name())
    elif domain and r.words("rename", "constraint"):
        old = r.name()
        r.expect("to")
        stmt = AlterType(name, "rename_constraint", old, r.name())
    elif domain and r.words("set", "default"):
        stmt = AlterType(name, "set_default", new_value=r.clause())
    elif domain and r.words("drop", "default"):
        stmt = AlterType(name, "drop_default")
    elif domain and r.words("set", "not", "null"):
        stmt = AlterType(name, "set_not_null")
    elif domain and r.words("drop", "not", "null"):
        stmt = AlterType(name, "drop_not_null")
    elif not domain and r.words("add", "attribute"):
        field, type_text, collation = _attribute(r)
        stmt = AlterType(name, "add_attribute", field, type_text, collation=collation, cascade=_cascade(r))
    elif not domain and r.words("drop", "attribute"):
        if_exists = r.words("if", "exists")
        stmt = AlterType(name, "drop_attribute", r.name(), if_not_exists=if_exists, cascade=_cascade(r))
    elif not domain and r.words("rename", "attribute"):
        old = r.name()
        r.expect("to")
        stmt = AlterType(name, "rename_attribute", old, r.name(), cascade=_cascade(r))
    elif not domain and r.words("alter", "attribute"):
        field = r.name()
        if r.word("set"):
            r.expect("data")
        r.expect("type")
        type_text, collation = _attribute_type(r)
        stmt = AlterType(name, "alter_attribute", field, type_text, collation=collation, cascade=_cascade(r))
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


def _cascade(r: TokenReader) -> bool:
    if r.word("cascade"):
        return True
    r.word("restrict")
    return False


def _add_constraint(r: TokenReader, name: Name) -> AlterType:
    """ALTER DOMAIN ADD [CONSTRAINT name] CHECK (...) [NOT VALID] (PostgreSQL 15's grammar has no NOT NULL here)."""
    constraint = r.name() if r.word("constraint") else ""
    if not r.word("check"):
        r.fail(r.peek())
    text = _parenthesized(r)
    return AlterType(name, "add_check", constraint, text, not_valid=r.words("not", "valid"))
