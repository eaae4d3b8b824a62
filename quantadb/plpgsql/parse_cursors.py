"""The cursor parts of pl_gram.y: a bound cursor's declaration, OPEN, FETCH, MOVE, CLOSE and the
arguments a bound cursor is opened with (read_cursor_args). The parser knows the bound cursors
declared so far, so that a wrong argument list is a syntax error at CREATE, as in PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

from quantadb.errors import DatatypeMismatch, FeatureNotSupported
from quantadb.plpgsql import tree as T
from quantadb.sql.lexer import Token

if TYPE_CHECKING:
    from quantadb.plpgsql.parser import Parser

_ONE_ROW = ("next", "prior", "first", "last")


def scroll_option(p: "Parser") -> bool | None:
    """[NO] SCROLL: True, False, or None when neither is written."""
    if p.words("no", "scroll"):
        return False
    return True if p.word("scroll") else None


def cursor_declaration(p: "Parser", name: str, scrollable: bool | None) -> T.CursorDecl:
    """The rest of `name [[NO] SCROLL] CURSOR`: [(arg type, ...)] {FOR | IS} query ;"""
    args: list[tuple[str, str]] = []
    if p.op("("):
        while True:
            arg = p.name()
            args.append((arg, p.until(semicolon=False, ops=(",", ")")).text))
            if not p.op(","):
                break
        if not p.op(")"):
            p.fail(p.peek())
    p.expect("for", "is")
    query = p.until()
    p.semicolon()
    return T.CursorDecl(name, args, query, scrollable)


def cursor_args(p: "Parser", cursor: T.CursorDecl) -> list[T.Sql]:
    """`(value, ...)` or `(name := value, ...)` (PostgreSQL 15 has no `=>` there) after a bound
    cursor's name, in the order of its arguments (read_cursor_args)."""
    if not cursor.args:
        if p.is_op("("):
            p.fail(p.peek(), f'cursor "{cursor.name}" has no arguments')
        return []
    if not p.op("("):
        p.fail(p.peek(), f'cursor "{cursor.name}" has arguments')
    names = [n for n, _ in cursor.args]
    given: list[T.Sql | None] = [None] * len(names)
    k = 0
    while True:
        tok = p.peek()
        if tok is not None and tok.kind in ("ident", "qident") and p.is_op(":", 1) and p.is_op("=", 2):
            if tok.value not in names:
                p.fail(tok, f'cursor "{cursor.name}" has no argument named "{tok.value}"')
            k = names.index(tok.value)
            p.i += 3
            if given[k] is not None:
                p.fail(tok, f'value for parameter "{tok.value}" of cursor "{cursor.name}" specified more than once')
        elif k >= len(names):
            p.fail(p.toks[p.i - 1], f'too many arguments for cursor "{cursor.name}"')
        given[k] = p.until(semicolon=False, ops=(",", ")"))
        k += 1
        if not p.op(","):
            break
    if not p.is_op(")"):
        p.fail(p.peek())
    if any(g is None for g in given):
        p.fail(p.peek(), f'not enough arguments for cursor "{cursor.name}"')
    p.i += 1
    return given  # type: ignore[return-value]  (every item was given)


def for_cursor(p: "Parser", line: int, label: str | None, targets: list[str]) -> T.Stmt | None:
    """FOR targets IN cursor [(args)] LOOP, when the word after IN is a cursor variable."""
    tok, after = p.peek(), p.peek(1)
    if tok is None or tok.kind not in ("ident", "qident") or after is None or \
            not (after.is_word("loop") or after.kind == "op" and after.value == "("):
        return None
    cursor = p.cursors.get(tok.value)
    if cursor is None:
        if tok.value in p.names and after.is_word("loop"):
            p.fail(tok, "cursor FOR loop must use a bound cursor variable")
        return None
    if len(targets) != 1:
        p.fail(_first_comma(p), None)  # (pl_gram.y reads a single name there)
    p.i += 1
    args = cursor_args(p, cursor)
    return T.ForCursor(line, label, targets[0], tok.value, cursor, args, p.loop_body(label))


def _first_comma(p: "Parser") -> Token:
    """The comma after the first of a FOR's targets."""
    k = p.i - 1
    while not p.toks[k].is_word("for"):
        k -= 1
    return next(t for t in p.toks[k:] if t.kind == "op" and t.value == ",")


def _cursor_variable(p: "Parser") -> str:
    """The cursor variable a statement names: one declared of another type is 42804."""
    tok = p.peek()
    var = p.name()
    declared = p.declared.get(var)
    if declared is not None and declared.lower() != "refcursor":
        raise DatatypeMismatch(f'variable "{var}" must be of type cursor or refcursor', position=tok.pos + 1)
    return var


def open_stmt(p: "Parser", line: int) -> T.Stmt:
    var = _cursor_variable(p)
    cursor = p.cursors.get(var)
    if cursor is not None:
        args = cursor_args(p, cursor)
        p.semicolon()
        return T.Open(line, var, cursor.scrollable, None, False, [], cursor, args)
    scrollable = scroll_option(p)
    p.expect("for")
    if p.word("execute"):
        query = p.until("using")
        using = p.using()
        p.semicolon()
        return T.Open(line, var, scrollable, query, True, using, None, [])
    query = p.until()
    p.semicolon()
    return T.Open(line, var, scrollable, query, False, [], None, [])


def fetch_stmt(p: "Parser", line: int) -> T.Stmt:
    """FETCH / MOVE [direction] [FROM | IN] var [INTO targets] ; (read_fetch_direction)"""
    start = p.toks[p.i - 1]
    move = start.is_word("move")
    first = p.i
    direction, count, every = "next", None, False
    tok, after = p.peek(), p.peek(1)
    if tok is not None and tok.is_word(*_ONE_ROW):
        direction = p.next().value
    elif p.word("absolute", "relative"):
        direction, count = p.toks[p.i - 1].value, p.until("from", "in")
    elif p.word("forward", "backward"):
        direction = p.toks[p.i - 1].value
        every = p.word("all")
        if not every and not (p.peek() is not None and p.peek().is_word("from", "in")):
            count = p.until("from", "in")
    elif tok is not None and not tok.is_word("from", "in") and \
            not (after is None or after.kind == ";" or after.is_word("into")):
        direction, count = "forward", p.until("from", "in")  # a count without a direction
    if not p.word("from", "in") and p.i > first:  # (a direction is followed by FROM or IN)
        wrong = p.peek()
        p.fail(wrong, f'expected FROM or IN at or near "{wrong.value}"' if wrong is not None else None)
    var = _cursor_variable(p)
    into = None
    if not move:
        if every or count is not None and direction in ("forward", "backward"):
            raise FeatureNotSupported("FETCH statement cannot return multiple rows", position=start.pos + 1)
        p.expect("into")
        into = p.targets()
    p.semicolon()
    return T.Fetch(line, var, into, direction, count, every)


def close_stmt(p: "Parser", line: int) -> T.Stmt:
    var = _cursor_variable(p)
    p.semicolon()
    return T.Close(line, var)

