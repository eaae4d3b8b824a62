"""Expressions the catalog keeps as SQL text (generation expressions): parsing one with the
checks PostgreSQL's parser makes in that context."""

from __future__ import annotations

from sqlglot import exp

from quantadb.errors import FeatureNotSupported, GroupingError, WindowingError
from quantadb.sql.parse import parse_expression


def parse_stored(text: str, context: str) -> exp.Expression:
    """`text` parsed; a subquery, aggregate or window function is refused as PostgreSQL refuses
    them in `context` ("column generation expression")."""
    tree = parse_expression(text)
    for node in tree.walk():
        if isinstance(node, (exp.Subquery, exp.Select)):
            raise FeatureNotSupported(f"cannot use subquery in {context}")
        if isinstance(node, exp.Window):
            raise WindowingError(f"window functions are not allowed in {context}s")
        if isinstance(node, exp.AggFunc):
            raise GroupingError(f"aggregate functions are not allowed in {context}s")
    return tree
