"""tsquery text input as PostgreSQL's parse_tsquery (tsquery.c): operands, ! & | <-> <N> and
parentheses by operator priority (! binds tightest, then <->, &, |), and the removal of stop-word
placeholders (clean_stopword_intree in tsquery_cleanup.c) that to_tsquery & co. leave behind.

The caller turns each operand into a tree (`OperandFn`): tsquery's own input keeps it as written,
to_tsquery runs it through a text search configuration, which may yield several lexemes or none
(a stop word, `STOP`).
"""

from __future__ import annotations

from collections.abc import Callable

from quantadb.errors import InvalidParameterValue, SyntaxError
from quantadb.types.tsearch import (
    MAXPOS, OP_AND, OP_NOT, OP_OR, OP_PHRASE, PRIORITY, QueryNode, QueryOperand, QueryOperator, TSQuery, _Reader,
)


class _Stop:
    """A stop word's place in a query tree until clean_stopwords removes it."""

    def __repr__(self) -> str:
        return "STOP"


STOP = _Stop()
OperandFn = Callable[[str, int, bool], "QueryNode | _Stop"]
_OPERATOR_CHARS = "!&|()<"
_WEIGHT_BITS = {"A": 8, "B": 4, "C": 2, "D": 1}


def plain_operand(value: str, weight: int, prefix: bool) -> QueryNode:
    return QueryOperand(value, weight, prefix)


def parse_tsquery(text: str, operand: OperandFn = plain_operand) -> QueryNode | _Stop | None:
    """The query's tree (STOP placeholders included), None for an empty query."""
    return _makepol(_StandardTokens(text, operand))


def parse_websearch(text: str, operand: OperandFn) -> QueryNode | _Stop | None:
    """websearch_to_tsquery's syntax: words (implicitly AND-ed), "quoted phrases", `or`, `-` for NOT;
    other punctuation is skipped and nothing is a syntax error."""
    return _makepol(_web_tokens(text, operand))


# Tokens: ("val", node), ("op", operator, distance), ("open",), ("close",)

def _makepol(tokens) -> QueryNode | _Stop | None:
    """makepol / cleanOpStack: operator precedence over the token stream, parentheses by recursion."""
    values: list = []
    ops: list[tuple[str, int]] = []
    for tok in tokens:
        if tok[0] == "val":
            values.append(tok[1])
        elif tok[0] == "open":
            values.append(_makepol(tokens))
        elif tok[0] == "close":
            break
        else:
            op, distance = tok[1], tok[2]
            while ops and op != OP_NOT and PRIORITY[op] <= PRIORITY[ops[-1][0]]:
                _apply(values, *ops.pop())
            ops.append((op, distance))
    while ops:
        _apply(values, *ops.pop())
    return values[0] if values else None


class _StandardTokens:
    """gettoken_query_standard: tsquery's own syntax, with PostgreSQL's syntax errors."""

    def __init__(self, text: str, operand: OperandFn) -> None:
        self.rd = _Reader(text, "tsquery")
        self.operand = operand
        self.want_operand, self.depth, self.first = True, 0, True

    def __iter__(self):
        return self

    def error(self, message: str | None = None) -> SyntaxError:
        return SyntaxError(message or f'syntax error in tsquery: "{self.rd.text}"')

    def __next__(self) -> tuple:
        rd = self.rd
        rd.skip_space()
        c = rd.peek()
        first, self.first = self.first, False
        if self.want_operand:
            if c == "":
                if first:
                    raise StopIteration
                raise self.error(f'no operand in tsquery: "{rd.text}"')
            rd.i += 1
            if c == "!":
                return ("op", OP_NOT, 1)
            if c == "(":
                self.depth += 1
                return ("open",)
            rd.i -= 1
            if c == ":" or c in _OPERATOR_CHARS:
                raise self.error()
            self.want_operand = False
            return ("val", self._operand())
        if c == "":
            if self.depth:
                raise self.error()
            raise StopIteration
        self.want_operand = True
        if c == ")":
            rd.i += 1
            self.depth -= 1
            if self.depth < 0:
                raise self.error()
            self.want_operand = False
            return ("close",)
        if c in "&|":
            rd.i += 1
            return ("op", OP_AND if c == "&" else OP_OR, 1)
        if c == "<":
            return ("op", OP_PHRASE, self._distance())
        raise self.error()

    def _operand(self) -> QueryNode | _Stop:
        rd = self.rd
        value = rd.word(_OPERATOR_CHARS)
        weight, prefix = 0, False
        if rd.peek() == ":":
            rd.i += 1
            while (c := rd.peek().upper()) and (c == "*" or c in _WEIGHT_BITS):
                if c == "*":
                    prefix = True
                else:
                    weight |= _WEIGHT_BITS[c]
                rd.i += 1
        return self.operand(value, weight, prefix)

    def _distance(self) -> int:
        rd = self.rd
        end = rd.text.find(">", rd.i)
        inner = rd.text[rd.i + 1:end] if end > 0 else ""
        if inner == "-":
            rd.i = end + 1
            return 1
        digits = inner.strip()
        if not digits or not (digits.isdigit() or (digits[0] == "-" and digits[1:].isdigit())):
            raise self.error()
        distance = int(digits)
        if not 0 <= distance <= MAXPOS + 1:
            raise InvalidParameterValue("distance in phrase operator must be an integer value between zero and "
                                        f"{MAXPOS + 1} inclusive")
        rd.i = end + 1
        return distance


def _web_tokens(text: str, operand: OperandFn):
    """gettoken_query_websearch."""
    i, n, want_operand, first = 0, len(text), True, True
    while i < n or want_operand:
        c = text[i] if i < n else ""
        if want_operand:
            if c == "-":
                i += 1
                yield ("op", OP_NOT, 1)
                continue
            if c == '"':
                end = text.find('"', i + 1)
                end = n if end < 0 else end
                yield ("val", operand(text[i + 1:end], 0, False))
                i, want_operand, first = end + 1, False, False
                continue
            if c in _OPERATOR_CHARS and c:
                i += 1
                continue
            if c.isspace():
                i += 1
                continue
            if c == "":
                if not first:
                    yield ("val", STOP)  # an operator with nothing after it
                return
            start = i
            while i < n and not text[i].isspace() and text[i] not in _OPERATOR_CHARS and text[i] != '"':
                i += 1
            yield ("val", operand(text[start:i], 0, False))
            want_operand, first = False, False
            continue
        if c.isspace():
            i += 1
            continue
        want_operand = True
        if c != '"' and text[i:i + 2].lower() == "or" and (i + 2 >= n or not text[i + 2].isalnum()):
            i += 2
            yield ("op", OP_OR, 1)
        else:
            yield ("op", OP_AND, 1)


def _apply(values: list, op: str, distance: int) -> None:
    right = values.pop()
    if op == OP_NOT:
        values.append(QueryOperator(OP_NOT, right))
    else:
        values.append(QueryOperator(op, right, values.pop(), distance))


def combine(op: str, left: QueryNode | _Stop, right: QueryNode | _Stop, distance: int = 1) -> QueryOperator:
    return QueryOperator(op, right, left, distance)  # type: ignore[arg-type]  (STOP until cleaned)


def clean_stopwords(root: QueryNode | _Stop | None) -> TSQuery:
    """The query without its STOP placeholders; a phrase keeps the distance they spanned."""
    if root is None:
        return TSQuery(None)
    node, _, _ = _clean(root)
    return TSQuery(node)


def _clean(node: QueryNode | _Stop) -> tuple[QueryNode | None, int, int]:
    """(node or None, ladd, radd) as clean_stopword_intree."""
    if node is STOP:
        return None, 0, 0
    if isinstance(node, QueryOperand):
        return node, 0, 0
    assert isinstance(node, QueryOperator)
    if node.oper == OP_NOT:
        right, ladd, radd = _clean(node.right)
        return (None if right is None else QueryOperator(OP_NOT, right)), ladd, radd
    left, lladd, lradd = _clean(node.left)  # type: ignore[arg-type]
    right, rladd, rradd = _clean(node.right)
    phrase = node.oper == OP_PHRASE
    dist = node.distance if phrase else 0
    if left is None and right is None:
        add = lladd + dist + rladd if phrase else max(lladd, rladd)
        return None, add, add
    if left is None:
        return right, (lladd + dist + rladd if phrase else rladd), rradd
    if right is None:
        return left, lladd, (lradd + dist + rradd if phrase else lradd)
    if phrase:
        return QueryOperator(OP_PHRASE, right, left, node.distance + lradd + rladd), lladd, rradd
    return QueryOperator(node.oper, right, left, node.distance), 0, 0


def tsquery_in(text: str) -> TSQuery:
    """tsqueryin: operands as written (an empty string operand is a syntax error)."""
    def operand(value: str, weight: int, prefix: bool) -> QueryNode:
        if not value:
            raise SyntaxError(f'syntax error in tsquery: "{text}"')
        return QueryOperand(value, weight, prefix)
    return clean_stopwords(parse_tsquery(text, operand))
