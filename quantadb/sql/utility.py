"""Utility statements, recognised by their leading keywords before sqlglot sees them.

sqlglot misreads transaction control, SET/SHOW, COPY options, cursors and the like
(reference/client-compatibility.md §2.8), so these are parsed here from lexer tokens into
small dataclasses the engine executes directly. `parse_utility` returns None for anything
that is not a utility statement: that goes to sqlglot.
"""

from __future__ import annotations

from quantadb.errors import SyntaxError as SqlSyntaxError
from quantadb.sql.bind_routine import RoutineStmt, bind_routine, is_routine_statement, routine_ref
from quantadb.sql.explain_options import parse_explain
from quantadb.sql.reader import TokenReader as _Reader
from quantadb.sql.type_stmts import TypeStmt, is_type_statement, parse_type_statement
from quantadb.sql.utility_roles import owned_statement, role_statement
from quantadb.sql.utility_stmts import (
    CheckpointStmt,
    CloseStmt,
    CommentStmt,
    CopyStmt,
    DatabaseStmt,
    DeallocateStmt,
    DeclareStmt,
    DiscardStmt,
    ExecuteStmt,
    ExplainStmt,
    FetchStmt,
    GrantStmt,
    ListenStmt,
    LockStmt,
    NoOpStmt,
    OwnedStmt,  # noqa: F401  (re-exported: the engine names every utility statement through this module)
    PrepareStmt,
    RoleStmt,
    SetConstraintsStmt,
    SetStmt,
    SetTransactionSnapshotStmt,
    SetTransactionStmt,
    ShowStmt,
    TransactionStmt,
    UtilityStmt,
    VacuumStmt,
)


def parse_utility(text: str) -> UtilityStmt | None:
    r = _Reader(text)
    head = r.peek()
    if head is None or head.kind != "ident":
        return None
    handler = _HANDLERS.get(head.value)
    return handler(r) if handler else None


def _transaction_modes(r: _Reader) -> tuple[str | None, bool | None, bool | None]:
    isolation = read_only = deferrable = None
    while not r.at_end():
        if r.words("isolation", "level"):
            if r.words("read", "committed"):
                isolation = "read committed"
            elif r.words("read", "uncommitted"):
                isolation = "read uncommitted"
            elif r.words("repeatable", "read"):
                isolation = "repeatable read"
            elif r.word("serializable"):
                isolation = "serializable"
            else:
                r.fail(r.peek())
        elif r.words("read", "only"):
            read_only = True
        elif r.words("read", "write"):
            read_only = False
        elif r.word("deferrable"):
            deferrable = True
        elif r.words("not", "deferrable"):
            deferrable = False
        elif not r.op(","):
            r.fail(r.peek())
    return isolation, read_only, deferrable


def _begin(r: _Reader) -> TransactionStmt:
    if r.word("start"):
        r.expect("transaction")
    else:
        r.next()
        r.word("transaction", "work")
    return TransactionStmt("begin", "", *_transaction_modes(r))


def _commit(r: _Reader) -> TransactionStmt:
    r.next()
    if r.word("prepared"):
        return TransactionStmt("commit_prepared", r.next().value)
    r.word("transaction", "work")
    chain = r.words("and", "chain")
    r.words("and", "no", "chain")
    r.done()
    return TransactionStmt("commit", chain=chain)


def _rollback(r: _Reader) -> TransactionStmt:
    r.next()
    if r.word("prepared"):
        return TransactionStmt("rollback_prepared", r.next().value)
    r.word("transaction", "work")
    if r.word("to"):
        r.word("savepoint")
        return TransactionStmt("rollback_to", r.name())
    chain = r.words("and", "chain")
    r.words("and", "no", "chain")
    r.done()
    return TransactionStmt("rollback", chain=chain)


def _savepoint(r: _Reader) -> TransactionStmt:
    r.next()
    name = r.name()
    r.done()
    return TransactionStmt("savepoint", name)


def _release(r: _Reader) -> TransactionStmt:
    r.next()
    r.word("savepoint")
    name = r.name()
    r.done()
    return TransactionStmt("release", name)


def _prepare(r: _Reader) -> PrepareStmt | TransactionStmt:
    r.next()
    if r.word("transaction"):
        return TransactionStmt("prepare", r.next().value)
    name = r.name()
    types: list[str] = []
    if r.op("("):
        start = r.peek().pos
        depth = 1
        while depth:
            tok = r.next()
            if tok.kind == "op" and tok.value in "()":
                depth += 1 if tok.value == "(" else -1
        types = [t.strip() for t in _split_top(r.text[start:r.toks[r.i - 1].pos])]
    r.expect("as")
    return PrepareStmt(name, types, r.rest())


def _split_top(text: str) -> list[str]:
    """Split on commas outside parentheses and quotes."""
    parts, depth, cur, quote = [], 0, [], ""
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    if "".join(cur).strip():
        parts.append("".join(cur))
    return parts


def _execute(r: _Reader) -> ExecuteStmt:
    r.next()
    name = r.name()
    args: list[str] = []
    if r.op("("):
        body = r.rest()
        args = [a.strip() for a in _split_top(body[: body.rfind(")")])]
    return ExecuteStmt(name, args)


def _deallocate(r: _Reader) -> DeallocateStmt:
    r.next()
    r.word("prepare")
    if r.word("all"):
        return DeallocateStmt(None)
    return DeallocateStmt(r.name())


def _set(r: _Reader) -> SetStmt | SetTransactionStmt | SetTransactionSnapshotStmt | SetConstraintsStmt | NoOpStmt:
    r.next()
    if r.words("session", "characteristics", "as", "transaction"):
        return SetTransactionStmt(*_transaction_modes(r), session_default=True)
    if r.word("transaction"):
        if r.word("snapshot"):
            return SetTransactionSnapshotStmt(r.string())
        return SetTransactionStmt(*_transaction_modes(r), session_default=False)
    if r.word("constraints"):
        names = None if r.word("all") else [r.qualified_name()]
        while names is not None and r.op(","):
            names.append(r.qualified_name())
        deferred = r.word("deferred")
        if not deferred:
            r.expect("immediate")
        return SetConstraintsStmt(names, deferred)
    local = r.word("local")
    session = r.word("session")  # SET SESSION x is SET x, and SET SESSION AUTHORIZATION starts alike
    if r.words("time", "zone"):
        name = "timezone"
    elif r.words("session", "authorization") or session and r.word("authorization"):
        name = "session_authorization"
    elif r.word("role"):
        name = "role"
    elif r.word("names"):
        name = "client_encoding"
    elif r.word("xml"):
        r.expect("option")
        name = "xmloption"
    else:
        name = ".".join(r.qualified_name())
        if not (r.word("to") or r.op("=")):
            r.fail(r.peek())
    if r.word("default") and r.at_end():
        return SetStmt(name, None, local)
    if name == "timezone" and r.word("local"):
        return SetStmt(name, None, local)
    values: list[str] = []
    while not r.at_end():
        tok = r.next()
        if tok.kind == "op" and tok.value == ",":
            continue
        if tok.kind == "op" and tok.value == "-" and r.peek() is not None and r.peek().kind == "number":
            values.append("-" + r.next().value)
            continue
        if name == "timezone" and tok.is_word("interval"):
            continue
        values.append(tok.value)
    if not values:
        r.fail(None)
    return SetStmt(name, values, local)


def _reset(r: _Reader) -> SetStmt:
    r.next()
    if r.word("all"):
        return SetStmt("", None, reset_all=True)
    if r.words("time", "zone"):
        return SetStmt("timezone", None)
    if r.words("session", "authorization"):
        return SetStmt("session_authorization", None)
    if r.word("role"):
        return SetStmt("role", None)
    return SetStmt(".".join(r.qualified_name()), None)


def _show(r: _Reader) -> ShowStmt:
    r.next()
    if r.words("time", "zone"):
        return ShowStmt("timezone")
    if r.words("transaction", "isolation", "level"):
        return ShowStmt("transaction_isolation")
    if r.words("session", "authorization"):
        return ShowStmt("session_authorization")
    name = ".".join(r.qualified_name())
    r.done()
    return ShowStmt(name)


def _copy(r: _Reader) -> CopyStmt:
    r.next()
    table = columns = query = None
    if r.op("("):
        start = r.peek().pos
        depth = 1
        while depth:
            tok = r.next()
            if tok.kind == "op" and tok.value in ("(", ")"):
                depth += 1 if tok.value == "(" else -1
        query = r.text[start:r.toks[r.i - 1].pos]
    else:
        table = r.qualified_name()
        if r.op("("):
            columns = []
            while True:
                columns.append(r.name())
                if r.op(")"):
                    break
                if not r.op(","):
                    r.fail(r.peek())
    if r.word("from"):
        is_from = True
    else:
        r.expect("to")
        is_from = False
    tok = r.next()
    if tok.is_word("stdin", "stdout"):
        target = tok.value
    elif tok.is_word("program"):
        target = "program"
        r.next()
    else:
        target = "file"
    options: dict[str, str | None] = {}
    r.word("with")
    if r.op("("):
        while not r.op(")"):
            key = r.next().value.lower()
            value = None
            nxt = r.peek()
            if nxt is not None and not (nxt.kind == "op" and nxt.value in (",", ")")):
                value = r.next().value
                if value == "(":  # FORCE_NULL (cols)
                    vals = []
                    while not r.op(")"):
                        t = r.next()
                        if t.kind != "op":
                            vals.append(t.value)
                    value = ",".join(vals)
            options[key] = value
            r.op(",")
    else:  # the pre-9.0 syntax: WITH BINARY / CSV HEADER / DELIMITER 'x' / NULL 'y'
        while not r.at_end() and not r.peek().is_word("where"):
            key = r.next().value.lower()
            if key in ("csv", "binary"):
                options["format"] = key
            elif key in ("header", "freeze"):
                options[key] = "true"
            elif key in ("delimiter", "null", "quote", "escape"):
                r.word("as")
                options[key] = r.next().value
            elif key == "force":
                r.word("not")
                r.word("null", "quote")
                while r.peek() is not None and r.peek().kind in ("ident", "qident"):
                    r.next()
                    if not r.op(","):
                        break
            else:
                r.fail(r.toks[r.i - 1])
    where = None
    if r.word("where"):
        where = r.rest()
    return CopyStmt(table, columns, query, is_from, target, options, where)


def _vacuum(r: _Reader) -> VacuumStmt:
    analyze_only = r.next().is_word("analyze", "analyse")
    full, analyze = False, analyze_only
    if r.op("("):  # VACUUM (FULL [boolean], ANALYZE [boolean], ...)
        known = _ANALYZE_OPTIONS if analyze_only else _VACUUM_OPTIONS
        while not r.op(")"):
            if r.word("full"):
                full = _option_value(r) not in ("false", "off", "0")
            elif r.word("analyze", "analyse"):
                analyze = _option_value(r) not in ("false", "off", "0")
            elif r.word(*known):  # accepted; what they tune has no counterpart here
                _option_value(r)
            else:
                tok = r.next()
                if tok.kind != "op" or tok.value != ",":
                    word = "ANALYZE" if analyze_only else "VACUUM"
                    raise SqlSyntaxError(f'unrecognized {word} option "{tok.value}"', position=tok.pos + 1)
    while (tok := r.peek()) is not None and tok.is_word("full", "freeze", "verbose", "analyze", "analyse"):
        full = full or tok.is_word("full")
        analyze = analyze or tok.is_word("analyze", "analyse")
        r.next()
    tables = []
    while not r.at_end():
        tables.append(r.qualified_name())
        if r.op("("):
            while not r.op(")"):
                r.next()
        r.op(",")
    return VacuumStmt(tables, analyze_only, full, analyze)


def _option_value(r: _Reader) -> str | None:
    """An option's value (lower-cased text), if one follows its name."""
    tok = r.peek()
    if tok is None or tok.kind == "op" and tok.value in ",)":
        return None
    return r.next().value.lower()


_ANALYZE_OPTIONS = ("verbose", "skip_locked")
_VACUUM_OPTIONS = _ANALYZE_OPTIONS + ("freeze", "disable_page_skipping", "index_cleanup", "process_toast",
                                      "truncate", "parallel")
_LOCK_MODES = ("access share", "row share", "row exclusive", "share update exclusive", "share",
               "share row exclusive", "exclusive", "access exclusive")


def _lock(r: _Reader) -> LockStmt:
    r.next()
    r.word("table")
    tables = []
    while True:
        r.word("only")
        tables.append(r.qualified_name())
        r.op("*")
        if not r.op(","):
            break
    mode = "access exclusive"
    if r.word("in"):
        first, words = r.peek(), []
        while not r.word("mode"):
            words.append(r.next().value.lower())
        mode = " ".join(words)
        if mode not in _LOCK_MODES:
            r.fail(first)
    nowait = r.word("nowait")
    r.finish()
    return LockStmt(tables, mode, nowait)


def _discard(r: _Reader) -> DiscardStmt:
    r.next()
    tok = r.next()
    if not tok.is_word("all", "plans", "sequences", "temp", "temporary"):
        r.fail(tok)
    return DiscardStmt(tok.value)


def _listen(r: _Reader) -> ListenStmt:
    kind = r.next().value
    channel = None if kind == "unlisten" and r.op("*") else r.name()
    payload = r.string() if kind == "notify" and r.op(",") else None
    r.finish()
    return ListenStmt(kind, channel, payload)


def _explain(r: _Reader) -> ExplainStmt:
    options, query = parse_explain(r)
    return ExplainStmt(query, options)


def _declare(r: _Reader) -> DeclareStmt:
    r.next()
    name = r.name()
    binary = hold = insensitive = False
    scroll: bool | None = None
    while True:
        if r.word("binary"):
            binary = True
        elif r.word("insensitive"):
            insensitive = True
        elif r.word("asensitive"):
            pass
        elif r.words("no", "scroll"):
            scroll = False
        elif r.word("scroll"):
            scroll = True
        else:
            break
    r.expect("cursor")
    if r.words("with", "hold"):
        hold = True
    r.words("without", "hold")
    r.expect("for")
    return DeclareStmt(name, r.rest(), hold, scroll, binary, insensitive)


def _fetch(r: _Reader) -> FetchStmt:
    move = r.next().is_word("move")
    count: int | None = 1
    backward = False
    absolute = relative = None
    if r.word("next"):
        pass
    elif r.word("prior"):
        backward = True
    elif r.word("first"):
        absolute = 1
    elif r.word("last"):
        absolute = -1
    elif r.word("absolute"):
        absolute = r.integer()
    elif r.word("relative"):
        relative = r.integer()
    elif r.word("all"):
        count = None
    elif r.word("forward", "backward"):
        backward = r.toks[r.i - 1].value == "backward"
        if r.word("all"):
            count = None
        elif _count_follows(r):
            count = r.integer()
    elif _count_follows(r):
        count = r.integer()
    r.word("from", "in")
    if count is not None and count < 0:
        count, backward = -count, not backward
    return FetchStmt(r.name(), count, backward, move, absolute, relative)


def _count_follows(r: _Reader) -> bool:
    """A (signed) row count comes next."""
    tok = r.peek()
    if tok is not None and tok.kind == "op" and tok.value in ("-", "+"):
        tok = r.peek(1)
    return tok is not None and tok.kind == "number"


def _close(r: _Reader) -> CloseStmt:
    r.next()
    if r.word("all"):
        return CloseStmt(None)
    return CloseStmt(r.name())


def _database(r: _Reader, kind: str) -> DatabaseStmt:
    if kind == "alter":
        return DatabaseStmt("alter", r.name())
    if_exists = kind == "drop" and r.words("if", "exists")
    name = r.name()
    options: dict[str, str] = {}
    r.word("with")
    while not r.at_end():
        key = r.next().value
        r.op("=")
        if not r.at_end():
            options[key] = r.next().value
    return DatabaseStmt(kind, name, if_exists, options)


def _grant(r: _Reader) -> GrantStmt:
    grant = r.next().is_word("grant")
    return GrantStmt(grant, r.text)


def _comment(r: _Reader) -> CommentStmt:
    r.next()
    r.expect("on")
    kind = r.next().value
    if kind in ("materialized", "foreign"):
        kind = r.next().value
    if kind in ("function", "procedure", "routine"):
        ref = routine_ref(r)
        r.expect("is")
        tok = r.next()
        return CommentStmt(kind, list(ref.name), None if tok.is_word("null") else tok.value, ref)
    name = r.qualified_name()
    r.expect("is")
    tok = r.next()
    return CommentStmt(kind, name, None if tok.is_word("null") else tok.value)


def _noop(tag: str):
    return lambda r: NoOpStmt(tag)


def _create_or_alter(r: _Reader) -> UtilityStmt | RoutineStmt | TypeStmt | None:
    if is_routine_statement(r):
        return bind_routine(r.text)
    if is_type_statement(r):
        return parse_type_statement(r.text)
    return _role_or_database(r)


def _role_or_database(r: _Reader) -> RoleStmt | DatabaseStmt | None:
    nxt = r.peek(1)
    if nxt is not None and nxt.is_word("database"):
        kind = r.next().value
        r.next()
        return _database(r, kind)
    if nxt is not None and nxt.is_word("role", "user", "group"):
        return role_statement(r)
    return None


def _drop(r: _Reader) -> UtilityStmt | RoutineStmt | TypeStmt | None:
    if is_routine_statement(r):
        return bind_routine(r.text)
    if is_type_statement(r):
        return parse_type_statement(r.text)
    nxt = r.peek(1)
    if nxt is not None and nxt.is_word("owned"):
        return owned_statement(r)
    return _role_or_database(r)


def _start(r: _Reader) -> TransactionStmt | None:
    nxt = r.peek(1)
    return _begin(r) if nxt is not None and nxt.is_word("transaction") else None


_HANDLERS = {
    "begin": _begin, "start": _start, "commit": _commit, "end": _commit, "rollback": _rollback,
    "abort": _rollback, "savepoint": _savepoint, "release": _release, "prepare": _prepare,
    "execute": _execute, "deallocate": _deallocate, "set": _set, "reset": _reset, "show": _show,
    "copy": _copy, "vacuum": _vacuum, "analyze": _vacuum, "analyse": _vacuum, "discard": _discard,
    "listen": _listen, "unlisten": _listen, "notify": _listen, "explain": _explain, "declare": _declare,
    "fetch": _fetch, "move": _fetch, "close": _close, "grant": _grant, "revoke": _grant,
    "comment": _comment, "create": _create_or_alter, "alter": _create_or_alter, "drop": _drop,
    "call": lambda r: bind_routine(r.text), "do": lambda r: bind_routine(r.text),
    "checkpoint": lambda r: CheckpointStmt(), "lock": _lock, "load": _noop("LOAD"), "reassign": owned_statement,
}
