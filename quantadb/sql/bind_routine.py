"""CREATE/ALTER/DROP FUNCTION and PROCEDURE, and CALL, read from lexer tokens.

sqlglot reads little of PostgreSQL's CREATE FUNCTION (parameter modes, defaults, RETURNS
TABLE, the option list, SQL-standard bodies), so these statements are parsed here into the
plain statements below; engine/ddl/functions.py executes them. Types and default expressions
stay text: they resolve in the session that runs the statement.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from quantadb.errors import FeatureNotSupported, InvalidFunctionDefinition, UndefinedObject
from quantadb.errors import SyntaxError as SqlSyntaxError
from quantadb.sql.reader import TokenReader
from quantadb.sql.typenames import parse_type_name

Name = tuple[str, ...]
_MODES = {"in": "i", "out": "o", "inout": "b", "variadic": "v"}
# words that end a RETURNS type: the first word of every routine option
_OPTION_WORDS = ("language", "immutable", "stable", "volatile", "strict", "called", "returns", "security", "external",
                 "parallel", "cost", "rows", "set", "as", "begin", "return", "leakproof", "not", "window", "support",
                 "transform")
_KINDS = {"function": "f", "procedure": "p", "routine": "r"}


@dataclass(frozen=True)
class ParamSpec:
    mode: str  # proargmodes letter: i o b v (t for a RETURNS TABLE column)
    name: str  # "" when not named
    type: str  # type name as written
    default: str | None = None  # DEFAULT expression text


@dataclass(frozen=True)
class CreateRoutine:
    kind: str  # f function, p procedure
    name: Name
    params: tuple[ParamSpec, ...]
    returns: str | None = None  # return type as written; None: not given
    returns_set: bool = False
    language: str | None = None
    volatility: str | None = None  # i s v
    strict: bool | None = None
    security_definer: bool = False
    leakproof: bool = False
    parallel: str | None = None
    cost: float | None = None
    rows: float | None = None
    body: str | None = None  # AS 'definition'
    standard_body: str | None = None  # RETURN expr / BEGIN ATOMIC ... END, as written
    or_replace: bool = False
    config: tuple[tuple[str, str | None], ...] = ()  # SET name TO value (None: FROM CURRENT)
    body_pos: int = 0  # where the body's text begins in the statement (a PL/pgSQL syntax error's position)


@dataclass(frozen=True)
class RoutineRef:
    """name[(argument types)] in DROP/ALTER/COMMENT/GRANT; `args` None when no list was given."""

    name: Name
    args: tuple[ParamSpec, ...] | None = None


@dataclass(frozen=True)
class DropRoutines:
    kind: str  # f p r (ROUTINE: either)
    refs: tuple[RoutineRef, ...]
    if_exists: bool = False
    cascade: bool = False


@dataclass(frozen=True)
class AlterRoutine:
    kind: str
    ref: RoutineRef
    rename: str | None = None
    owner: str | None = None
    schema: str | None = None
    options: CreateRoutine | None = None  # volatility / strictness / security / cost changes


@dataclass(frozen=True)
class CallRoutine:
    call: str  # `name(args)` as written, bound as an expression


@dataclass(frozen=True)
class DoBlock:
    """DO [LANGUAGE name] 'code': an anonymous PL/pgSQL block."""

    code: str
    language: str = "plpgsql"
    code_pos: int = 0  # where the code begins in the statement


RoutineStmt = CreateRoutine | DropRoutines | AlterRoutine | CallRoutine | DoBlock


def is_routine_statement(r: TokenReader) -> bool:
    """CREATE [OR REPLACE] / ALTER / DROP FUNCTION | PROCEDURE | ROUTINE, or CALL."""
    head = r.peek()
    if head is None:
        return False
    if head.is_word("call", "do"):
        return True
    k = 1
    if head.is_word("create") and r.peek(1) is not None and r.peek(1).is_word("or"):
        k = 3
    nxt = r.peek(k)
    return head.is_word("create", "alter", "drop") and nxt is not None and nxt.is_word(*_KINDS)


def bind_routine(text: str) -> RoutineStmt:
    r = TokenReader(text)
    head = r.next()
    if head.is_word("call"):
        call = r.rest().rstrip().rstrip(";")
        return CallRoutine(call)
    if head.is_word("do"):
        return _do(r)
    if head.is_word("create"):
        return _create(r)
    if head.is_word("drop"):
        return _drop(r)
    return _alter(r)


def _create(r: TokenReader) -> CreateRoutine:
    or_replace = r.words("or", "replace")
    kind = _KINDS[r.next().value]
    if kind == "r":
        r.fail(r.toks[r.i - 1])
    name = tuple(r.qualified_name())
    params = _params(r)
    returns, returns_set = None, False
    if kind == "f" and r.word("returns"):
        if r.word("table"):
            params += tuple(ParamSpec("t", p.name, p.type) for p in _params(r))
            returns_set = True
        else:
            returns_set = r.word("setof")
            returns = r.clause(*_OPTION_WORDS)
    stmt = _options(r, CreateRoutine(kind, name, params, returns, returns_set, or_replace=or_replace))
    r.finish()
    return stmt


def _options(r: TokenReader, stmt: CreateRoutine) -> CreateRoutine:
    while (tok := r.peek()) is not None and tok.kind != ";":
        if r.word("language"):
            stmt = replace(stmt, language=r.name())
        elif r.word("immutable", "stable", "volatile"):
            stmt = replace(stmt, volatility=r.toks[r.i - 1].value[0])
        elif r.word("strict") or r.words("returns", "null", "on", "null", "input"):
            stmt = replace(stmt, strict=True)
        elif r.words("called", "on", "null", "input"):
            stmt = replace(stmt, strict=False)
        elif r.word("external") or r.peek().is_word("security"):
            r.expect("security")
            r.expect("definer", "invoker")
            stmt = replace(stmt, security_definer=r.toks[r.i - 1].value == "definer")
        elif r.word("leakproof") or r.words("not", "leakproof"):
            stmt = replace(stmt, leakproof=r.toks[r.i - 1].value == "leakproof" and r.toks[r.i - 2].value != "not")
        elif r.word("parallel"):
            r.expect("safe", "restricted", "unsafe")
            stmt = replace(stmt, parallel=r.toks[r.i - 1].value[0])
        elif r.word("cost", "rows"):
            word = r.toks[r.i - 1].value
            value = float(r.next().value)
            stmt = replace(stmt, **{word: value})
        elif r.word("as"):
            body = r.next()
            if body.kind != "string":
                r.fail(body)
            if r.op(","):
                raise InvalidFunctionDefinition("only one AS item needed for language \"sql\"")
            stmt = replace(stmt, body=body.value, body_pos=string_start(r.text, body.pos))
        elif tok.is_word("return") or tok.is_word("begin"):
            stmt = replace(stmt, standard_body=r.rest().rstrip().rstrip(";").rstrip())
            r.i = len(r.toks)
        elif r.word("window"):
            raise FeatureNotSupported("WINDOW functions in SQL are not supported")
        elif r.word("set"):
            stmt = replace(stmt, config=stmt.config + (_setting(r),))
        else:
            r.fail(tok)
    return stmt


def _setting(r: TokenReader) -> tuple[str, str | None]:
    """SET name {TO | =} value [, ...] | SET name FROM CURRENT: (name, "v1, v2") or (name, None)."""
    name = ".".join(r.qualified_name())
    if r.words("from", "current"):
        return name, None
    if not (r.word("to") or r.op("=")):
        r.fail(r.peek())
    values = [r.next().value]
    while r.op(","):
        values.append(r.next().value)
    return name, ", ".join(values)


def _params(r: TokenReader) -> tuple[ParamSpec, ...]:
    if not r.op("("):
        r.fail(r.peek())
    out: list[ParamSpec] = []
    if r.op(")"):
        return ()
    while True:
        out.append(_param(r))
        if r.op(")"):
            return tuple(out)
        if not r.op(","):
            r.fail(r.peek())


def _param(r: TokenReader) -> ParamSpec:
    """[mode] [name] type [DEFAULT expr | = expr]; name and type told apart as gram.y does:
    a first word followed by more of the type is a name unless the whole reads as a type."""
    mode = "i"
    tok = r.peek()
    if tok is not None and tok.kind == "ident" and tok.value in _MODES and _more_than_type(r, 1):
        mode = _MODES[tok.value]
        r.i += 1
    words = _type_text(r)
    name, type_text = "", words
    head, _, rest = words.partition(" ")
    if rest and not _is_type(words):
        name, type_text = _unquote(head), rest.strip()
    default = None
    if r.word("default") or r.op("="):
        default = _type_text(r, in_default=True)
    return ParamSpec(mode, name, type_text, default)


def _is_type(text: str) -> bool:
    try:
        parse_type_name(text)
    except UndefinedObject:
        return False
    return True


def _more_than_type(r: TokenReader, k: int) -> bool:
    """Is the word at the cursor followed by more words before the parameter ends (so it is a mode)?"""
    nxt = r.peek(k)
    return nxt is not None and not (nxt.kind == "op" and nxt.value in (",", ")", "(", "[", ".")) and \
        not nxt.is_word("default")


def _type_text(r: TokenReader, in_default: bool = False) -> str:
    """The parameter's text up to `,` `)` DEFAULT or `=` at depth 0 (a default's: up to `,` `)`)."""
    first = r.peek()
    if first is None:
        r.fail(None)
    depth = 0
    while (tok := r.peek()) is not None:
        if depth == 0 and (tok.kind == "op" and tok.value in (",", ")") or
                           not in_default and (tok.is_word("default") or tok.kind == "op" and tok.value == "=")):
            break
        if tok.kind == "op" and tok.value in ("(", "["):
            depth += 1
        elif tok.kind == "op" and tok.value in (")", "]"):
            depth -= 1
        r.i += 1
    end = r.peek().pos if r.peek() is not None else len(r.text)
    text = r.text[first.pos:end].strip()
    if not text:
        r.fail(r.peek())
    return text


def _unquote(word: str) -> str:
    return word[1:-1].replace('""', '"') if word.startswith('"') else word.lower()


def routine_ref(r: TokenReader) -> RoutineRef:
    name = tuple(r.qualified_name())
    args = None
    tok = r.peek()
    if tok is not None and tok.kind == "op" and tok.value == "(":
        args = _params(r)
    return RoutineRef(name, args)


def _drop(r: TokenReader) -> DropRoutines:
    kind = _KINDS[r.next().value]
    if_exists = r.words("if", "exists")
    refs = [routine_ref(r)]
    while r.op(","):
        refs.append(routine_ref(r))
    cascade = r.word("cascade")
    r.word("restrict")
    r.finish()
    return DropRoutines(kind, tuple(refs), if_exists, cascade)


def _alter(r: TokenReader) -> AlterRoutine:
    kind = _KINDS[r.next().value]
    ref = routine_ref(r)
    if r.words("rename", "to"):
        stmt = AlterRoutine(kind, ref, rename=r.name())
    elif r.words("owner", "to"):
        stmt = AlterRoutine(kind, ref, owner=r.name())
    elif r.words("set", "schema"):
        stmt = AlterRoutine(kind, ref, schema=r.name())
    else:
        options = _options(r, CreateRoutine(kind, ref.name, ()))
        if options.body is not None or options.standard_body is not None or options.language is not None:
            raise SqlSyntaxError("syntax error at or near \"AS\"" if options.body is not None
                                 else "syntax error at or near \"LANGUAGE\"")
        stmt = AlterRoutine(kind, ref, options=options)
    r.word("restrict")
    r.finish()
    return stmt


def _do(r: TokenReader) -> DoBlock:
    language, code, pos = "plpgsql", None, 0
    while not r.at_end() and r.peek().kind != ";":
        if r.word("language"):
            language = r.name()
            continue
        tok = r.next()
        if tok.kind != "string" or code is not None:
            r.fail(tok)
        code, pos = tok.value, string_start(r.text, tok.pos)
    if code is None:
        raise SqlSyntaxError("no inline code specified")
    r.finish()
    return DoBlock(code, language, pos)


def string_start(text: str, pos: int) -> int:
    """The offset of a string literal's first character: past its quote, or its $tag$."""
    if text.startswith("$", pos):
        return text.index("$", pos + 1) + 1
    return pos + (2 if text[pos] in "eE" else 1)
