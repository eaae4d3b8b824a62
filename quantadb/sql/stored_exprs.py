"""Expressions the catalog keeps as SQL text (generation expressions, index expressions, CHECK
constraints, defaults): parsing one with the checks PostgreSQL's parser makes in that context,
renaming a column or a relation in it, and the name PostgreSQL gives an index column computed
by it."""

from __future__ import annotations

from typing import Callable

from sqlglot import exp

from quantadb.errors import FeatureNotSupported, GroupingError, WindowingError
from quantadb.sql.parse import parse_expression, to_sql
from quantadb.sql.quoting import ident

_SEQUENCE_FUNCTIONS = ("nextval", "currval", "setval")  # their first argument is a regclass


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


def rename_column(text: str, old: str, new: str, qualifiers: tuple[str, ...] = ("",)) -> str:
    """`text` with the references to column `old` naming `new`: those qualified by one of
    `qualifiers` ("" for none; a trigger's WHEN names `new.a` and `old.a`)."""
    tree = parse_expression(text)
    for ref in tree.find_all(exp.Column):
        if ref.name == old and ref.table.lower() in qualifiers:
            ref.set("this", ident(new))
    return to_sql(tree)


def rename_regclass(text: str, rename: Callable[[str], str | None]) -> str:
    """`text` with the relation name of each regclass constant (`'s'::regclass`, nextval('s'))
    replaced by rename(name) where it gives one: PostgreSQL's constant holds the OID, and so
    follows the relation's renames."""
    tree = parse_expression(text)
    changed = False
    for literal in list(tree.find_all(exp.Literal)):
        if literal.is_string and _names_relation(literal) and (new := rename(literal.this)) is not None:
            literal.replace(exp.Literal.string(new))
            changed = True
    return to_sql(tree) if changed else text


def _names_relation(literal: exp.Literal) -> bool:
    parent = literal.parent
    if isinstance(parent, exp.Cast):
        return parent.to.sql().lower() == "regclass"
    return isinstance(parent, exp.Anonymous) and parent.name.lower() in _SEQUENCE_FUNCTIONS and \
        parent.expressions[0] is literal


def figure_colname(text: str) -> str:
    """PostgreSQL's FigureColname for an index expression: a function call's name, else "expr"."""
    tree = parse_expression(text)
    if isinstance(tree, exp.Anonymous):
        return tree.name.lower()
    if isinstance(tree, exp.Func) and not isinstance(tree, (exp.Cast, exp.Binary)):
        return tree.sql_name().lower()
    return "expr"
