"""Expressions the catalog keeps as SQL text (generation expressions, index expressions, CHECK
constraints): parsing one with the checks PostgreSQL's parser makes in that context, renaming a
column in it, and the name PostgreSQL gives an index column computed by it."""

from __future__ import annotations

from sqlglot import exp

from quantadb.errors import FeatureNotSupported, GroupingError, WindowingError
from quantadb.sql.parse import parse_expression, to_sql


def parse_stored(text: str, context: str) -> exp.Expression:
    """`text` parsed; a subquery, aggregate or window function is refused as PostgreSQL refuses
    them in `context` ("column generation expression", "index expression")."""
    tree = parse_expression(text)
    for node in tree.walk():
        if isinstance(node, (exp.Subquery, exp.Select)):
            raise FeatureNotSupported(f"cannot use subquery in {context}")
        if isinstance(node, exp.Window):
            raise WindowingError(f"window functions are not allowed in {context}s")
        if isinstance(node, exp.AggFunc):
            raise GroupingError(f"aggregate functions are not allowed in {context}s")
    return tree


def rename_column(text: str, old: str, new: str) -> str:
    """`text` with the unqualified references to column `old` naming `new`."""
    tree = parse_expression(text)
    for ref in tree.find_all(exp.Column):
        if ref.name == old and not ref.table:
            ref.set("this", exp.to_identifier(new, quoted=True))
    return to_sql(tree)


def figure_colname(text: str) -> str:
    """PostgreSQL's FigureColname for an index expression: a function call's name, else "expr"."""
    tree = parse_expression(text)
    if isinstance(tree, exp.Anonymous):
        return tree.name.lower()
    if isinstance(tree, exp.Func) and not isinstance(tree, (exp.Cast, exp.Binary)):
        return tree.sql_name().lower()
    return "expr"
