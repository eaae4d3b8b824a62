"""A PostgreSQL lexer, enough to split statements and to parse utility commands.

sqlglot parses queries; this lexer exists for what comes before it: splitting a simple
Query message into statements (quotes, dollar quotes, nested comments) and reading utility
commands (BEGIN, SET, SHOW, COPY, ...) that sqlglot misparses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from quantadb.errors import CharacterNotInRepertoire
from quantadb.errors import SyntaxError as SqlSyntaxError


@dataclass(frozen=True)
class Token:
    kind: str  # "ident" (folded to lower case), "qident", "string", "number", "op", "param", ";"
    value: str
    pos: int  # 0-based offset in the text
    end: int = -1  # offset just past the token (set for literals)

    def is_word(self, *words: str) -> bool:
        return self.kind == "ident" and self.value in words


_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")
_IDENT = re.compile(r"[A-Za-z_\x80-\U0010ffff][A-Za-z0-9_$\x80-\U0010ffff]*")
_NUMBER = re.compile(r"(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)")
_PARAM = re.compile(r"\$\d+")
_OP_CHARS = set("+-*/<>=~!@#%^&|`?")
_SPECIAL_OP_CHARS = set("~!@#%^&|`?")


_MASTER = re.compile(r"""
    (?P<ws>\s+)
  | (?P<ident>[A-Za-z_\x80-\U0010ffff][A-Za-z0-9_$\x80-\U0010ffff]*)(?!')
  | (?P<number>\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<string>'(?:[^']|'')*')(?![ \t\r\f]*\n\s*')
  | (?P<semi>;)
  | (?P<cast>::)
  | (?P<param>\$\d+)
  | (?P<op>(?:(?!--|/\*)[-+*/<>=~!@\#%^&|`?])+)
  | (?P<punct>[(),.\[\]])
""", re.VERBOSE)


_last: tuple[str, list[Token]] = ("", [])


def tokenize(text: str) -> list[Token]:
    """Tokens of `text`; comments and whitespace are dropped. Raises 42601 on an open quote.

    One regular expression reads the common tokens; comments, E'' strings, quoted
    identifiers, dollar quotes and string continuation go through `_slow_token`. The last
    result is remembered: a statement is split, classified and parameterized from the same
    text in a row. Callers must not modify the returned list."""
    global _last
    last = _last
    if last[0] == text:
        return last[1]
    tokens = _tokenize(text)
    _last = (text, tokens)
    return tokens


def _tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    match = _MASTER.match
    append = tokens.append
    while i < n:
        m = match(text, i)
        if m is None:
            i = _slow_token(text, i, tokens)
            continue
        kind = m.lastgroup
        end = m.end()
        if kind == "ident":
            append(Token("ident", m.group().lower(), i))
        elif kind == "number":
            append(Token("number", m.group(), i, end))
        elif kind == "string":
            append(Token("string", m.group()[1:-1].replace("''", "'"), i, end))
        elif kind == "semi":
            append(Token(";", ";", i))
        elif kind == "cast":
            append(Token("op", "::", i))
        elif kind == "op":
            op = m.group()
            if len(op) > 1 and op[-1] in "+-" and not _SPECIAL_OP_CHARS.intersection(op):
                # PostgreSQL: "=-1" is "=" then "-": a multi-character operator cannot end in + or -
                op = op.rstrip("+-") or op[0]
                end = i + len(op)
            append(Token("op", op, i))
        elif kind in ("punct", "param"):
            append(Token("param" if kind == "param" else "op", m.group(), i))
        i = end
    return tokens


def _slow_token(text: str, i: int, tokens: list[Token]) -> int:
    """Read the one token at `i` that the fast expression does not handle; return the new offset."""
    n = len(text)
    c = text[i]
    if c.isspace():
        i += 1
    elif text.startswith("--", i):
        j = text.find("\n", i)
        i = n if j < 0 else j + 1
    elif text.startswith("/*", i):
        i = _skip_block_comment(text, i)
    elif c == "'" or (c in "eE" and text.startswith("'", i + 1)):
        escape = c != "'"
        start = i
        i, value = _read_string(text, i + (1 if escape else 0), escape)
        tokens.append(Token("string", value, start, i))
    elif c == '"':
        j = i + 1
        parts = []
        while True:
            k = text.find('"', j)
            if k < 0:
                raise SqlSyntaxError('unterminated quoted identifier at or near "\\""', position=i + 1)
            parts.append(text[j:k])
            if text.startswith('"', k + 1):
                parts.append('"')
                j = k + 2
                continue
            break
        tokens.append(Token("qident", "".join(parts), i))
        i = k + 1
    elif c == "$":
        m = _PARAM.match(text, i)
        if m:
            tokens.append(Token("param", m.group(), i))
            i = m.end()
            return i
        m = _DOLLAR_TAG.match(text, i)
        if not m:
            tokens.append(Token("op", "$", i))
            i += 1
            return i
        end = text.find(m.group(), m.end())
        if end < 0:
            raise SqlSyntaxError('unterminated dollar-quoted string at or near "%s"' % text[i:i + 20],
                                 position=i + 1)
        tokens.append(Token("string", text[m.end():end], i, end + len(m.group())))
        i = end + len(m.group())
    elif c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
        m = _NUMBER.match(text, i)
        tokens.append(Token("number", m.group(), i, m.end()))
        i = m.end()
    elif _IDENT.match(text, i):
        m = _IDENT.match(text, i)
        tokens.append(Token("ident", m.group().lower(), i))
        i = m.end()
    elif c == ";":
        tokens.append(Token(";", ";", i))
        i += 1
    elif c in _OP_CHARS:
        j = i
        while j < n and text[j] in _OP_CHARS and not text.startswith("--", j) and not text.startswith("/*", j):
            j += 1
        tokens.append(Token("op", text[i:j], i))
        i = j
    elif c == ":" and text.startswith("::", i):
        tokens.append(Token("op", "::", i))
        i += 2
    else:
        tokens.append(Token("op", c, i))
        i += 1
    return i


def _skip_block_comment(text: str, i: int) -> int:
    depth, i = 0, i
    n = len(text)
    while i < n:
        if text.startswith("/*", i):
            depth += 1
            i += 2
        elif text.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    raise SqlSyntaxError("unterminated /* comment at or near \"/*\"", position=n)


_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _read_string(text: str, i: int, escape: bool) -> tuple[int, str]:
    """Read a '...' string starting at the quote at i; returns (end, value)."""
    start = i
    out = []
    i += 1
    n = len(text)
    while i < n:
        c = text[i]
        if c == "'":
            if text.startswith("'", i + 1):
                out.append("'")
                i += 2
                continue
            # Adjacent literals separated by a newline continue the string (SQL standard).
            m = re.compile(r"[ \t\r\f]*\n\s*'").match(text, i + 1)
            if m:
                i = m.end() - 1 + 1
                continue
            return i + 1, _join_escaped(out)
        if escape and c == "\\" and i + 1 < n:
            nxt = text[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
            elif nxt in "01234567":  # octal and hex escapes are bytes of the UTF-8 text
                m = re.compile(r"[0-7]{1,3}").match(text, i + 1)
                out.append(bytes([int(m.group(), 8) & 0xFF]))
                i = m.end()
            elif nxt == "x":
                m = re.compile(r"[0-9A-Fa-f]{1,2}").match(text, i + 2)
                if not m:
                    out.append("x")
                    i += 2
                else:
                    out.append(bytes([int(m.group(), 16)]))
                    i = m.end()
            elif nxt in "uU":
                width = 4 if nxt == "u" else 8
                digits = text[i + 2:i + 2 + width]
                if not re.fullmatch(r"[0-9A-Fa-f]{%d}" % width, digits):
                    raise SqlSyntaxError("invalid Unicode escape", position=i + 1,
                                         hint="Unicode escapes must be \\XXXX or \\+XXXXXX.")
                out.append(chr(int(digits, 16)))
                i += 2 + width
            else:
                out.append(nxt)
                i += 2
            continue
        out.append(c)
        i += 1
    raise SqlSyntaxError('unterminated quoted string at or near "%s"' % text[start:start + 20],
                         position=start + 1)


def _join_escaped(parts: list) -> str:
    """The string's text; byte escapes (\\x80, \\200) must form valid UTF-8 with their neighbours."""
    if not any(isinstance(p, bytes) for p in parts):
        return "".join(parts)
    data = b"".join(p if isinstance(p, bytes) else p.encode() for p in parts)
    try:
        return data.decode()
    except UnicodeDecodeError as e:
        lead = data[e.start]
        length = 2 if 0xC0 <= lead < 0xE0 else 3 if 0xE0 <= lead < 0xF0 else 4 if 0xF0 <= lead < 0xF8 else 1
        shown = " ".join(f"0x{b:02x}" for b in data[e.start:e.start + length])
        raise CharacterNotInRepertoire(f'invalid byte sequence for encoding "UTF8": {shown}') from None


def split_statements(text: str) -> list[tuple[str, int]]:
    """Split a Query message into (statement text, 0-based offset), dropping empty ones."""
    global _last
    statements: list[tuple[str, int]] = []
    tokens = tokenize(text)
    start = None  # index of the first token of the statement being collected
    atomic = 0  # inside CREATE FUNCTION ... BEGIN ATOMIC ... END (CASE ... END nested), as psql tracks
    for i, tok in enumerate([*tokens, Token(";", ";", len(text))]):
        if tok.kind == "ident" and start is not None and tokens[start].is_word("create"):
            if tok.value == "atomic" and tokens[i - 1].is_word("begin"):
                atomic += 1
            elif atomic and tok.value == "case":
                atomic += 1
            elif atomic and tok.value == "end":
                atomic -= 1
        if tok.kind != ";" or atomic and i < len(tokens):
            if start is None:
                start = i
        elif start is not None:
            atomic = 0
            first = tokens[start]
            statements.append((text[first.pos:tok.pos].rstrip(), first.pos))
            if first.pos == 0:  # its tokens are these ones: spare the next tokenize() of its text
                _last = (statements[-1][0], tokens[start:i])
            start = None
    return statements
