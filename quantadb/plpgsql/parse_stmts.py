"""The statements of pl_gram.y that start with a keyword (the grammar is in parser.py): each
reader is called with the parser past its first word."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from quantadb.errors import SyntaxError as SqlSyntaxError
from quantadb.plpgsql import parse_cursors as C
from quantadb.plpgsql import tree as T
from quantadb.sql.lexer import tokenize

if TYPE_CHECKING:
    from quantadb.plpgsql.parser import Parser

_RAISE_OPTIONS = ("message", "detail", "hint", "errcode", "column", "constraint", "datatype", "table", "schema")
_LEVELS = ("debug", "log", "info", "notice", "warning", "exception")


def _if(p: "Parser", line: int) -> T.Stmt:
    branches = [(p.until("then"), None)]
    p.expect("then")
    branches[0] = (branches[0][0], p.statements("elsif", "elseif", "else", "end"))
    else_body = None
    while True:
        if p.word("elsif", "elseif"):
            cond = p.until("then")
            p.expect("then")
            branches.append((cond, p.statements("elsif", "elseif", "else", "end")))
        elif p.word("else"):
            else_body = p.statements("end")
        else:
            break
    p.expect("end")
    p.expect("if")
    p.semicolon()
    return T.If(line, branches, else_body)


def _case(p: "Parser", line: int) -> T.Stmt:
    subject = None if p.peek() is not None and p.peek().is_word("when") else p.until("when")
    whens = []
    while p.word("when"):
        cond = p.until("then")
        p.expect("then")
        whens.append((cond, p.statements("when", "else", "end")))
    if not whens:
        p.fail(p.peek())
    else_body = p.statements("end") if p.word("else") else None
    p.expect("end")
    p.expect("case")
    p.semicolon()
    return T.Case(line, subject, whens, else_body)


def _loop(p: "Parser", line: int, label: str | None) -> T.Stmt:
    p.i -= 1
    return T.Loop(line, label, p.loop_body(label))


def _while(p: "Parser", line: int, label: str | None) -> T.Stmt:
    cond = p.until("loop")
    return T.While(line, label, cond, p.loop_body(label))


def _for(p: "Parser", line: int, label: str | None) -> T.Stmt:
    targets = p.targets()
    p.names.update(targets)
    p.expect("in")
    over_cursor = C.for_cursor(p, line, label, targets)
    if over_cursor is not None:
        return over_cursor
    if p.word("execute"):
        query = p.until("loop", "using")
        using = p.using("loop")
        return T.ForQuery(line, label, targets, query, True, using, p.loop_body(label))
    reverse = p.word("reverse")
    span = p.until("loop")
    bounds = _split_range(span)
    if bounds is None:
        if reverse:
            p.fail(p.peek())
        return T.ForQuery(line, label, targets, span, False, [], p.loop_body(label))
    if len(targets) != 1:
        raise SqlSyntaxError("integer FOR loop must have only one target variable")
    lower, upper, step = bounds
    return T.ForRange(line, label, targets[0], reverse, lower, upper, step, p.loop_body(label))


def _split_range(span: T.Sql) -> tuple[T.Sql, T.Sql, T.Sql | None] | None:
    """`a .. b [BY c]`: the `..` outside quotes and parentheses (the lexer reads `1..10` as two
    numbers, so the raw text decides)."""
    text, depth, i, quote = span.text, 0, 0, ""
    while i < len(text):
        c = text[i]
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif depth == 0 and text.startswith("..", i):
            lower, rest = text[:i].strip(), text[i + 2:]
            step = None
            depth2 = 0
            for tok in tokenize(rest):
                if tok.kind == "op" and tok.value in ("(", "["):
                    depth2 += 1
                elif tok.kind == "op" and tok.value in (")", "]"):
                    depth2 -= 1
                elif depth2 == 0 and tok.is_word("by"):
                    step = T.Sql(rest[tok.pos + 2:].strip(), span.pos)
                    rest = rest[:tok.pos]
                    break
            return T.Sql(lower, span.pos), T.Sql(rest.strip(), span.pos), step
        i += 1
    return None


def _foreach(p: "Parser", line: int, label: str | None) -> T.Stmt:
    targets = p.targets()
    p.names.update(targets)
    depth = 0
    if p.word("slice"):
        tok = p.next()
        if tok.kind != "number" or not tok.value.isdigit():
            p.fail(tok)
        depth = int(tok.value)
    p.expect("in")
    p.expect("array")
    array = p.until("loop")
    return T.Foreach(line, label, targets, depth, array, p.loop_body(label))


def _exit(p: "Parser", line: int) -> T.Stmt:
    is_continue = p.toks[p.i - 1].value == "continue"
    label = None
    tok = p.peek()
    if tok is not None and tok.kind in ("ident", "qident") and not tok.is_word("when"):
        label = p.name()
    cond = p.until() if p.word("when") else None
    p.semicolon()
    return T.Exit(line, is_continue, label, cond)


def _return(p: "Parser", line: int) -> T.Stmt:
    if p.word("next"):
        expr = None if p.peek() is not None and p.peek().kind == ";" else p.until()
        p.semicolon()
        return T.ReturnNext(line, expr)
    if p.word("query"):
        if p.word("execute"):
            query = p.until("using")
            using = p.using()
            p.semicolon()
            return T.ReturnQuery(line, query, True, using)
        query = p.until()
        p.semicolon()
        return T.ReturnQuery(line, query, False, [])
    expr = None if p.peek() is not None and p.peek().kind == ";" else p.until()
    p.semicolon()
    return T.Return(line, expr)


def _raise(p: "Parser", line: int) -> T.Stmt:
    if p.peek() is not None and p.peek().kind == ";":
        p.semicolon()
        return T.Raise(line, "exception", None, None, [], [])  # re-throw in a handler
    level = "exception"
    tok = p.peek()
    if tok is not None and tok.is_word(*_LEVELS):
        level = p.next().value
    condition = message = None
    params: list[T.Sql] = []
    tok = p.peek()
    if tok is not None and tok.kind == "string":
        p.i += 1
        message = tok.value
        while p.op(","):
            params.append(p.until("using", ops=(",",)))
        _check_placeholders(message, len(params), tok)
    elif p.word("sqlstate"):
        code = p.next()
        if code.kind != "string" or len(code.value) != 5:
            p.fail(code, "invalid SQLSTATE code")
        condition = "sqlstate:" + code.value.upper()
    elif tok is not None and tok.kind in ("ident", "qident") and not tok.is_word("using"):
        condition = p.name()
    options: list[tuple[str, T.Sql]] = []
    if p.word("using"):
        while True:
            opt = p.next()
            if not opt.is_word(*_RAISE_OPTIONS):
                p.fail(opt, "unrecognized RAISE statement option")
            if not p.assign_op():
                p.fail(p.peek())
            options.append((opt.value, p.until(ops=(",",))))
            if not p.op(","):
                break
    p.semicolon()
    return T.Raise(line, level, condition, message, params, options)


def _check_placeholders(message: str, given: int, tok) -> None:  # noqa: ANN001 - a lexer Token
    wanted, i = 0, 0
    while i < len(message):
        if message[i] == "%":
            if message[i + 1:i + 2] == "%":
                i += 1
            else:
                wanted += 1
        i += 1
    if wanted != given:
        raise SqlSyntaxError(f"too {'few' if given < wanted else 'many'} parameters specified for RAISE",
                             position=tok.pos + 1)


def _assert(p: "Parser", line: int) -> T.Stmt:
    cond = p.until(ops=(",",))
    message = p.until() if p.op(",") else None
    p.semicolon()
    return T.Assert(line, cond, message)


def _perform(p: "Parser", line: int) -> T.Stmt:
    stmt = p.sql_statement(line, perform=True)
    stmt.sql = T.Sql("SELECT " + stmt.sql.text, stmt.sql.pos)
    return stmt


def _execute(p: "Parser", line: int) -> T.Stmt:
    query = p.until("into", "using")
    into, strict, using = None, False, []
    for _ in range(2):
        if p.word("into"):
            strict = p.word("strict")
            into = p.targets()
        elif p.peek() is not None and p.peek().is_word("using"):
            using = p.using("into")
    p.semicolon()
    return T.Execute(line, query, into, strict, using)


def _get(p: "Parser", line: int) -> T.Stmt:
    stacked = p.word("stacked")
    if not stacked:
        p.word("current")
    p.expect("diagnostics")
    items = []
    while True:
        target = p.dotted()
        if not p.assign_op():
            p.fail(p.peek())
        item = p.next()
        if item.kind != "ident":
            p.fail(item)
        items.append((target, item.value))
        if not p.op(","):
            break
    p.semicolon()
    return T.GetDiag(line, stacked, items)


def _call(p: "Parser", line: int) -> T.Stmt:
    call = p.until()
    p.semicolon()
    return T.Call(line, call)


def _null(p: "Parser", line: int) -> T.Stmt:
    p.semicolon()
    return T.Null(line)


def _transaction(p: "Parser", line: int) -> T.Stmt:
    commit = p.toks[p.i - 1].value == "commit"
    chain = False
    if p.word("and"):
        chain = not p.word("no")
        p.expect("chain")
    p.semicolon()
    return T.Transaction(line, commit, chain)


STATEMENTS: dict[str, Callable[["Parser", int], T.Stmt]] = {
    "if": _if, "case": _case, "exit": _exit, "continue": _exit, "return": _return, "raise": _raise,
    "assert": _assert, "perform": _perform, "execute": _execute, "get": _get, "null": _null,
    "commit": _transaction, "rollback": _transaction, "call": _call,
    "open": C.open_stmt, "fetch": C.fetch_stmt, "move": C.fetch_stmt, "close": C.close_stmt,
}
LOOPS: dict[str, Callable[["Parser", int, str | None], T.Stmt]] = {
    "loop": _loop, "while": _while, "for": _for, "foreach": _foreach,
}
