"""CREATE MATERIALIZED VIEW and REFRESH MATERIALIZED VIEW, read from lexer tokens (sqlglot gives
up on WITH [NO] DATA and does not know REFRESH); the query itself stays SQL text."""

from __future__ import annotations

from quantadb.errors import FeatureNotSupported
from quantadb.sql import ddl_stmts as D
from quantadb.sql.reader import TokenReader


def bind_create_matview(text: str) -> D.CreateMatView:
    r = TokenReader(text)
    r.expect("create")
    r.expect("materialized")
    r.expect("view")
    if_not_exists = r.words("if", "not", "exists")
    name = tuple(r.qualified_name())
    columns: list[str] = []
    if r.op("("):
        columns.append(r.name())
        while r.op(","):
            columns.append(r.name())
        if not r.op(")"):
            r.fail(r.peek())
    while not r.word("as"):  # USING method, WITH (storage options), TABLESPACE name: no effect here
        r.next()
    query, with_data = _query_and_data_clause(r)
    return D.CreateMatView(name, query, tuple(columns), with_data, if_not_exists)


def bind_refresh_matview(text: str) -> D.RefreshMatView:
    r = TokenReader(text)
    r.expect("refresh")
    r.expect("materialized")
    r.expect("view")
    concurrently = r.word("concurrently")
    name = tuple(r.qualified_name())
    with_data = _data_clause(r)
    r.finish()
    return D.RefreshMatView(name, with_data, concurrently)


def _query_and_data_clause(r: TokenReader) -> tuple[str, bool]:
    """The query after AS, and whether a trailing WITH [NO] DATA asks for the rows (default yes)."""
    start = r.peek()
    if start is None:
        r.fail(None)
    toks = r.toks[r.i:]
    while toks and toks[-1].kind == ";":
        toks = toks[:-1]
    words = [t.value if t.kind == "ident" else None for t in toks[-3:]]
    cut = 3 if words == ["with", "no", "data"] else 2 if words[-2:] == ["with", "data"] else 0
    end = toks[-cut].pos if cut else len(r.text)
    query = r.text[start.pos:end].strip().rstrip(";").strip()
    if not query:
        raise FeatureNotSupported("CREATE MATERIALIZED VIEW needs a query")
    return query, cut != 3


def _data_clause(r: TokenReader) -> bool:
    if r.words("with", "no", "data"):
        return False
    r.words("with", "data")
    return True
