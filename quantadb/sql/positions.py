"""Where an error points in the client's statement: ErrorResponse's P field, which psql shows as
`LINE 1: ...` and a caret, as PostgreSQL's parser_errposition does.

parse_sql(positions=True) keeps each identifier's, literal's and function name's offset in the
client's text (sqlglot's node meta) and the text itself on the root node, where the operators,
which sqlglot does not place, are looked up when an error needs one. Positions are 1-based
character offsets; None where nothing is known (a stored view or default, a rewritten text).
"""

from __future__ import annotations

from sqlglot import exp

from quantadb.errors import SqlError
from quantadb.sql.lexer import tokenize

TEXT_KEY = "statement_text"  # the root node's meta entry holding the client's statement text
# undefined_function, ambiguous_function; wrong_object_type (op ANY/ALL without an array)
_AT_OPERATOR_OR_FUNCTION = ("42883", "42725", "42809")
_SKIPPED = ("(", ")", "[", "]", ",", ".")


def token_position(node: exp.Expression | None) -> int | None:
    """The position of the node's own token (an identifier, literal or function name)."""
    if node is None:
        return None
    start = node.meta_get("start")
    return start + 1 if start is not None else None


def name_position(node: exp.Expression) -> int | None:
    """A column's or table's (possibly qualified) name: its first part."""
    first = next((node.args.get(k) for k in ("catalog", "db", "table") if node.args.get(k) is not None), node.this)
    return token_position(first) if isinstance(first, exp.Expression) else None


def column_position(node: exp.Expression, name: str) -> int | None:
    """The first reference to column `name` in `node`."""
    column = next((c for c in node.find_all(exp.Column) if c.name == name), None)
    return name_position(column) if column is not None else None


def expr_location(node: exp.Expression) -> int | None:
    """PostgreSQL's exprLocation: where the expression begins (its leftmost placed token)."""
    starts = [s for s in (n.meta_get("start") for n in node.walk()) if s is not None]
    return min(starts) + 1 if starts else None


def paren_before(node: exp.Expression) -> int | None:
    """The parenthesis that opens the list `node` begins."""
    text, start = _statement_text(node), expr_location(node)
    if text is None or start is None:
        return None
    i = text.rfind("(", 0, start - 1)
    return i + 1 if i >= 0 and not text[i + 1:start - 1].strip() else None


def error_position(node: exp.Expression, error: SqlError) -> int | None:
    """Where `error`, raised while binding `node`, points; None leaves it to the enclosing node."""
    if isinstance(node, exp.Column):
        return name_position(node)
    if isinstance(node, exp.Cast) and isinstance(node.this, exp.Literal) and node.this.is_string:
        return token_position(node.this)
    if isinstance(node, exp.Literal):
        return token_position(node)
    if isinstance(node, exp.Cast) and error.sqlstate == "42704":  # its type name does not exist
        return expr_location(node.args["to"])
    if error.sqlstate in _AT_OPERATOR_OR_FUNCTION:
        if isinstance(node, exp.Not) and isinstance(node.this, exp.In):  # x NOT IN (...): at NOT
            node = node.this
        if error.message.startswith(("operator", "op ")) and isinstance(node, (exp.Binary, exp.Unary, exp.In)):
            return operator_position(node)
        if error.message.startswith("function") and isinstance(node, exp.Func):
            return token_position(node)
    elif error.sqlstate.startswith("22"):
        # a literal an operand's type could not read (a = '1x', a IN ('x', 2), a BETWEEN 'x' AND 2)
        literals = [c for c in node.iter_expressions() if isinstance(c, exp.Literal) and c.is_string]
        if len(literals) == 1:
            return token_position(literals[0])
    return None


def operator_position(node: exp.Binary | exp.Unary | exp.In) -> int | None:
    """The operator token of a binary or prefix operator (or IN), found in the statement text
    between (or before) its operands."""
    text = _statement_text(node)
    if text is None:
        return None
    if not isinstance(node, exp.Unary):
        right_node = node.expressions[0] if isinstance(node, exp.In) and node.expressions else node.expression
        if right_node is None:
            return None
        left_end = max((e for e in (n.meta_get("end") for n in node.this.walk()) if e is not None), default=None)
        right = expr_location(right_node)
        if left_end is None or right is None:
            return None
        return _first_operator(text, left_end + 1, right - 1)
    operand = expr_location(node.this)
    if operand is None:
        return None
    window = max(0, operand - 1 - 64)
    tokens = _tokens(text[window:operand - 1])
    return window + tokens[-1].pos + 1 if tokens else None


def _first_operator(text: str, start: int, stop: int) -> int | None:
    """The first operator token in text[start:stop]: a symbol, or a keyword (LIKE, IS, IN) when no
    cast's type name stands in between."""
    tokens = _tokens(text[start:stop])
    for t in tokens:
        if t.kind == "op" and t.value != "::":
            return start + t.pos + 1
    if any(t.value == "::" for t in tokens):
        return None
    word = next((t for t in tokens if t.kind == "ident"), None)
    return start + word.pos + 1 if word is not None else None


def _tokens(text: str) -> list:
    """The tokens of a piece of the statement, without parentheses, brackets, commas and dots."""
    try:
        return [t for t in tokenize(text) if t.value not in _SKIPPED or t.kind != "op"]
    except SqlError:  # a window cut through a quoted string
        return []


def _statement_text(node: exp.Expression) -> str | None:
    root = node
    while root.parent is not None:
        root = root.parent
    return root.meta_get(TEXT_KEY)
