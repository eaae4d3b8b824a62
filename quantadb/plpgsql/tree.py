"""The statement tree of a PL/pgSQL body (PostgreSQL's PLpgSQL_stmt_* nodes, pl_gram.y's output).

Embedded SQL (expressions, queries) stays text: `Sql` is the text as written with its offset in
the body; the interpreter plans it through the SQL engine when it first runs (exprs.py).
Every statement carries its line in the body, for the CONTEXT line of an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, eq=False)
class Sql:
    text: str
    pos: int = 0  # offset in the body


@dataclass(eq=False)
class Stmt:
    line: int


@dataclass(eq=False)
class CursorDecl:
    """A bound cursor: `name [[NO] SCROLL] CURSOR [(arg type, ...)] FOR query`."""

    name: str
    args: list[tuple[str, str]]  # (name, type as written)
    query: Sql
    scrollable: bool | None  # SCROLL, NO SCROLL, neither


@dataclass(eq=False)
class Decl:
    name: str
    type_text: str | None  # None: ALIAS FOR
    constant: bool = False
    not_null: bool = False
    default: Sql | None = None
    alias_of: str | None = None
    line: int = 0
    cursor: CursorDecl | None = None  # a bound cursor (type refcursor)


@dataclass(eq=False)
class Handler:
    conditions: list[str]  # condition names, or SQLSTATE codes as "sqlstate:22012"
    body: list[Stmt]


@dataclass(eq=False)
class Block(Stmt):
    label: str | None = None
    decls: list[Decl] = field(default_factory=list)
    body: list[Stmt] = field(default_factory=list)
    handlers: list[Handler] | None = None
    variable_conflict: str | None = None  # the body's #variable_conflict option (the outermost block)


@dataclass(eq=False)
class Assign(Stmt):
    target: list[str]  # a variable, or record.field
    expr: Sql
    subscripts: list[Sql] = field(default_factory=list)  # a[i] := v


@dataclass(eq=False)
class If(Stmt):
    branches: list[tuple[Sql, list[Stmt]]]
    else_body: list[Stmt] | None


@dataclass(eq=False)
class Case(Stmt):
    subject: Sql | None
    whens: list[tuple[Sql, list[Stmt]]]
    else_body: list[Stmt] | None


@dataclass(eq=False)
class Loop(Stmt):
    label: str | None
    body: list[Stmt]


@dataclass(eq=False)
class While(Stmt):
    label: str | None
    cond: Sql
    body: list[Stmt]


@dataclass(eq=False)
class ForRange(Stmt):
    label: str | None
    var: str
    reverse: bool
    lower: Sql
    upper: Sql
    step: Sql | None
    body: list[Stmt]


@dataclass(eq=False)
class ForQuery(Stmt):
    label: str | None
    targets: list[str]
    query: Sql
    dynamic: bool
    using: list[Sql]
    body: list[Stmt]


@dataclass(eq=False)
class ForCursor(Stmt):
    """FOR rec IN bound_cursor [(args)] LOOP: rec is a record of the loop's own."""

    label: str | None
    target: str
    var: str
    cursor: CursorDecl
    args: list[Sql]  # in the order of the cursor's arguments
    body: list[Stmt]


@dataclass(eq=False)
class Open(Stmt):
    """OPEN var [[NO] SCROLL] FOR query | FOR EXECUTE text [USING ...], or OPEN bound [(args)]."""

    var: str
    scrollable: bool | None
    query: Sql | None
    dynamic: bool
    using: list[Sql]
    cursor: CursorDecl | None  # the bound cursor opened
    args: list[Sql]


@dataclass(eq=False)
class Fetch(Stmt):
    """FETCH [direction] [FROM | IN] var INTO targets, or MOVE (into None)."""

    var: str
    into: list[str] | None
    direction: str  # next prior first last absolute relative forward backward
    count: Sql | None  # ABSOLUTE / RELATIVE / FORWARD / BACKWARD n
    all: bool = False  # FORWARD ALL, BACKWARD ALL


@dataclass(eq=False)
class Close(Stmt):
    var: str


@dataclass(eq=False)
class Foreach(Stmt):
    label: str | None
    targets: list[str]
    slice: int
    array: Sql
    body: list[Stmt]


@dataclass(eq=False)
class Exit(Stmt):
    is_continue: bool
    label: str | None
    cond: Sql | None


@dataclass(eq=False)
class Return(Stmt):
    expr: Sql | None


@dataclass(eq=False)
class ReturnNext(Stmt):
    expr: Sql | None


@dataclass(eq=False)
class ReturnQuery(Stmt):
    query: Sql
    dynamic: bool
    using: list[Sql]


@dataclass(eq=False)
class Raise(Stmt):
    level: str  # debug log info notice warning exception
    condition: str | None  # a condition name, or "sqlstate:xxxxx"
    message: str | None
    params: list[Sql]
    options: list[tuple[str, Sql]]  # USING name = expr (message detail hint errcode ...)


@dataclass(eq=False)
class Assert(Stmt):
    cond: Sql
    message: Sql | None


@dataclass(eq=False)
class ExecSql(Stmt):
    """A SQL statement: SELECT/INSERT/UPDATE/DELETE [INTO [STRICT] targets], or PERFORM query."""

    sql: Sql
    into: list[str] | None
    strict: bool
    perform: bool = False


@dataclass(eq=False)
class Execute(Stmt):
    query: Sql
    into: list[str] | None
    strict: bool
    using: list[Sql]


@dataclass(eq=False)
class GetDiag(Stmt):
    stacked: bool
    items: list[tuple[str, str]]  # (target variable, item name)


@dataclass(eq=False)
class Call(Stmt):
    call: Sql  # name(arguments)


@dataclass(eq=False)
class Null(Stmt):
    pass


@dataclass(eq=False)
class Transaction(Stmt):
    """COMMIT / ROLLBACK [AND [NO] CHAIN] in a procedure."""

    commit: bool
    chain: bool


_TYPENAMES = {
    "Block": "statement block", "Assign": "assignment", "If": "IF", "Case": "CASE", "Loop": "LOOP",
    "While": "WHILE", "ForRange": "FOR with integer loop variable", "ForQuery": "FOR over SELECT rows",
    "Foreach": "FOREACH over array", "Exit": "EXIT", "Return": "RETURN", "ReturnNext": "RETURN NEXT",
    "ReturnQuery": "RETURN QUERY", "Raise": "RAISE", "Assert": "ASSERT", "ExecSql": "SQL statement",
    "Execute": "EXECUTE", "GetDiag": "GET DIAGNOSTICS", "Null": "NULL", "Transaction": "COMMIT", "Call": "CALL",
    "ForCursor": "FOR over cursor", "Open": "OPEN", "Fetch": "FETCH", "Close": "CLOSE",
}


def typename(stmt: Stmt) -> str:
    """plpgsql_stmt_typename: how the CONTEXT line names the statement."""
    if isinstance(stmt, Exit) and stmt.is_continue:
        return "CONTINUE"
    if isinstance(stmt, ForQuery) and stmt.dynamic:
        return "FOR over EXECUTE statement"
    if isinstance(stmt, ExecSql) and stmt.perform:
        return "PERFORM"
    if isinstance(stmt, GetDiag) and stmt.stacked:
        return "GET STACKED DIAGNOSTICS"
    if isinstance(stmt, Transaction) and not stmt.commit:
        return "ROLLBACK"
    if isinstance(stmt, Fetch) and stmt.into is None:
        return "MOVE"
    return _TYPENAMES[type(stmt).__name__]
