"""Automatic parameterization of simple-protocol statements for the plan cache.

`SELECT abalance FROM pgbench_accounts WHERE aid = 4711` arrives with a different literal
every time; planning it anew each time costs more than running it. Literals in value
positions are replaced by parameters, so the statement text becomes a template that is
parsed and planned once: `... WHERE aid = $1`, with "4711" bound as a parameter of type int4.

Only literals whose meaning cannot change are replaced: those after a comparison or
arithmetic operator, and the items of VALUES lists and IN lists, never one followed by `::`
or `(` (a cast or a function name) and never one before a type modifier. String literals
become parameters of type unknown, so they take their type from the context exactly as a
literal does. If the template fails to bind, the caller falls back to the original text, so
errors are reported exactly as without this rewrite.

Lexing a query costs more than running a point select, and a client repeats the same query
shape with other literals. So `single_template` keys what it decided by the query's *shape*
(the text with each literal masked by one regular expression) and, for a shape seen before,
rebuilds the template from the new text's literals without lexing. A shape is remembered only
when the expression found exactly the literals the lexer found (same offsets), and only for
texts without comments, quoted identifiers or dollar quotes; the rest always take the lexer.
A query or DML statement with no literal to replace (`SELECT 1`) has a template too, its own
text: so a repeated one is neither lexed again nor bound again.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from quantadb.sql.lexer import Token, split_statements, tokenize
from quantadb.types import registry as R
from quantadb.types.registry import SqlType

_ELIGIBLE = {"select", "insert", "update", "delete"}
_VALUE_AFTER_OPS = {"=", "<", ">", "<=", ">=", "<>", "!=", "+", "-", "*", "/", "%"}
_MAX_LITERALS = 64


class Template(NamedTuple):  # a tuple: made per simple query, cheaper than a frozen dataclass
    text: str
    literals: list[str]  # the literal texts, in parameter order
    types: list[SqlType]  # the type each literal would have had (int4, int8, numeric or unknown)


class KnownStatement(NamedTuple):
    """The one statement of a Query message whose shape single_template knows."""

    text: str  # the statement's own text (run as is when the template does not bind)
    template: Template


# a string literal not after a word character, a number not after a word character, $ or "." (one
# character class first, so the search skips to candidate characters at once, which it does not for
# an alternation; the look-behinds then tell which character it was and what came before it). One
# capturing group: split() gives the text between literals and the literals in one call
_LITERAL = re.compile(r"(['\d.](?:(?<=')(?<!\w')(?:[^']|'')*'|(?<=\d)(?<![\w$.]\d)\d*\.?\d*(?:[eE][+-]?\d+)?"
                      r"|(?<=\.)(?<![\w$.]\.)\d+(?:[eE][+-]?\d+)?))")
_NOT_BY_SHAPE = re.compile(r"--|/\*|[\"$'\\]")  # left in a shape: comments, quotes, dollars: lex it
_MAX_SHAPES = 2000
_shapes: dict[str, tuple | None] = {}  # shape -> (lead, trail, per literal: None or chars of sign, text) | None


def single_template(sql: str) -> KnownStatement | None:
    """For a Query message holding one query or DML statement: (the statement's text, its
    template, which has no literals when none is replaceable); None otherwise (the caller
    splits and lexes as usual)."""
    parts = _LITERAL.split(sql)  # text, literal, text, ..., text
    literals = parts[1::2]
    if literals:
        parts[1::2] = ["\1" if lit[0] == "'" else "\0" for lit in literals]  # a string or a number here
        shape = "".join(parts)
    else:
        shape = sql
    known = _shapes.get(shape, False)
    if known is False:
        known = None if _NOT_BY_SHAPE.search(shape) else _learn(sql)
        if len(_shapes) >= _MAX_SHAPES:
            _shapes.clear()
        _shapes[shape] = known
    if known is None:
        return None
    lead, trail, signs, shaped = known
    text = sql[lead:len(sql) - trail]
    if shaped is not None:  # every literal is cut: the template's text is the shape's
        values = []
        types = []
        for lit, sign in zip(literals, signs):  # a loop: cheaper than two comprehensions for a literal or two
            value = _value(lit, sign)
            values.append(value)
            types.append(_UNKNOWN if lit[0] == "'" else _number_type(value))
        return KnownStatement(text, Template(shaped, values, types))
    cuts = []
    end = 0
    for piece, lit, sign in zip(parts[::2], literals, signs):  # parts[::2]: the text before each literal
        start = end + len(piece)
        end = start + len(lit)
        if sign is not None:
            cuts.append((start - lead - sign, end - lead, _value(lit, sign), "string" if lit[0] == "'" else "number"))
    return KnownStatement(text, _template(text, cuts))


def _value(literal: str, sign: int) -> str:
    """A literal's value as text: a string's unquoted, a number's with its folded sign."""
    if literal[0] == "'":
        return literal[1:-1].replace("''", "'")
    return "-" + literal if sign else literal


def _learn(sql: str) -> tuple | None:
    """What single_template may reuse for sql's shape: (chars before the statement, chars
    after it, per literal None or the chars of its folded sign, the template's text when every
    literal is cut, as it is then the same for every text of the shape); None: lex texts of
    this shape (several statements, or a utility statement)."""
    try:
        statements = split_statements(sql)
    except Exception:
        return None
    if len(statements) != 1:
        return None
    text, lead = statements[0]
    tokens = tokenize(text)
    spans = [m.span() for m in _LITERAL.finditer(sql)]
    if [(t.pos + lead, t.end + lead) for t in tokens if t.kind in ("number", "string")] != spans:
        return None
    if not _eligible(tokens):
        return None
    cuts = _cuts(tokens)  # none (SELECT 1): the template is the text, still not lexed again
    cut_start = {end + lead: start + lead for start, end, _, _ in cuts}
    signs = [start - cut_start[end] if end in cut_start else None for start, end in spans]
    shaped = _template(text, cuts).text if len(cuts) == len(spans) else None
    return lead, len(sql) - lead - len(text), signs, shaped


def parameterize(text: str) -> Template | None:
    """The template of a query or DML statement (with no literals when none is safe to
    replace: then it only saves lexing the text again); None for any other statement."""
    try:
        tokens = tokenize(text)
    except Exception:
        return None
    return _template(text, _cuts(tokens)) if _eligible(tokens) else None


def _template(text: str, cuts: list[tuple[int, int, str, str]]) -> Template:
    """text with each cut (start, end, literal value, literal kind) replaced by $1, $2, ..."""
    if not cuts:  # nothing to replace (SELECT 1, LIMIT 10): the text itself, without a piece loop
        return Template(text, [], [])
    pieces: list[str] = []
    literals: list[str] = []
    types: list[SqlType] = []
    cursor = 0
    for start, end, value, kind in cuts:
        pieces.append(text[cursor:start])
        literals.append(value)
        types.append(_literal_type(value, kind))
        pieces.append(f"${len(literals)}")
        cursor = end
    pieces.append(text[cursor:])
    return Template("".join(pieces), literals, types)


def _eligible(tokens: list[Token]) -> bool:
    """A query or DML statement (never a utility one) without parameter symbols of its own."""
    return (bool(tokens) and tokens[0].kind == "ident" and tokens[0].value in _ELIGIBLE
            and not any(t.kind == "param" for t in tokens))


def _cuts(tokens: list[Token]) -> list[tuple[int, int, str, str]]:
    """The literals of an eligible statement to replace: (start, end, value, kind); a folded
    unary minus starts the cut."""
    cuts: list[tuple[int, int, str, str]] = []
    in_values = 0  # parenthesis depth inside a VALUES list / IN list (1 = item level)
    depth = 0
    for i, tok in enumerate(tokens):
        if tok.kind == "op" and tok.value == "(":
            depth += 1
            prev = tokens[i - 1] if i else None
            if in_values == 0 and prev is not None and prev.is_word("values", "in"):
                in_values = depth
        elif tok.kind == "op" and tok.value == ")":
            if depth == in_values:
                in_values = 0
            depth -= 1
        if tok.kind not in ("number", "string") or tok.end < 0:
            continue
        if not _replaceable(tokens, i, in_values == depth and in_values > 0):
            continue
        if len(cuts) >= _MAX_LITERALS:
            return []
        start, value = tok.pos, tok.value
        if tok.kind == "number" and _unary_minus(tokens, i):
            # the grammar folds a sign into the constant (-2147483648 is an int4): so do we
            start, value = tokens[i - 1].pos, "-" + value
        cuts.append((start, tok.end, value, tok.kind))
    return cuts


def _replaceable(tokens: list[Token], i: int, in_list: bool) -> bool:
    tok = tokens[i]
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    if nxt is not None and nxt.kind == "op" and nxt.value in ("::", "(", "["):
        return False
    prev = tokens[i - 1] if i else None
    if prev is None:
        return False
    if tok.kind == "string" and prev.kind == "ident" and not prev.is_word("and", "or", "then", "else", "when"):
        return False  # typed literal (date '...', interval '...') or an option word
    if prev.kind == "op" and prev.value in _VALUE_AFTER_OPS:
        before = tokens[i - 2] if i >= 2 else None
        # "-" right after "(" or "," in a type modifier would never reach here (numbers in type
        # modifiers follow "(" / ","), so a sign is always an operator on a value
        return not (before is not None and before.kind == "op" and before.value == "::")
    if in_list and prev.kind == "op" and prev.value in ("(", ","):
        return True
    return False


def _unary_minus(tokens: list[Token], i: int) -> bool:
    """Is the token before tokens[i] a sign (not a subtraction)?"""
    if i == 0 or tokens[i - 1].kind != "op" or tokens[i - 1].value != "-":
        return False
    before = tokens[i - 2] if i >= 2 else None
    if before is None:
        return True
    if before.kind == "op":
        return before.value not in (")", "]")
    return before.kind == "ident" and before.value in _SIGN_CONTEXT


_SIGN_CONTEXT = {"select", "where", "and", "or", "not", "when", "then", "else", "values", "in", "by", "set",
                 "limit", "offset", "between", "like", "is", "distinct", "return", "on", "having", "all", "any"}


_UNKNOWN, _NUMERIC, _INT4, _INT8 = SqlType(R.UNKNOWN), SqlType(R.NUMERIC), SqlType(R.INT4), SqlType(R.INT8)


def _literal_type(text: str, kind: str) -> SqlType:
    return _UNKNOWN if kind == "string" else _number_type(text)


def _number_type(text: str) -> SqlType:
    if "." in text or "e" in text or "E" in text:
        return _NUMERIC
    value = int(text)
    if -2**31 <= value < 2**31:
        return _INT4
    if -2**63 <= value < 2**63:
        return _INT8
    return _NUMERIC
