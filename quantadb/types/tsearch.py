"""Full-text search types tsvector and tsquery: the values, their text and binary forms and their
order, as PostgreSQL's tsvector.c, tsvector_parser.c and tsquery.c.

A tsvector is a `TSVector`: its lexemes sorted by their UTF-8 bytes, each with a sorted tuple of
positions in PostgreSQL's WordEntryPos form (`weight << 14 | position`, weight A=3 .. D=0).
A tsquery is a `TSQuery` around a tree of `QueryOperand` and `QueryOperator` nodes (None for the
empty query); the binary form lists the nodes in PostgreSQL's order: an operator, its right
operand, then its left.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import total_ordering

from quantadb.errors import InvalidBinaryRepresentation, ProgramLimitExceeded, SyntaxError

MAXPOS = 16383  # positions beyond are stored as this (LIMITPOS)
MAXNUMPOS = 256  # positions kept per lexeme
MAXSTRLEN = (1 << 11) - 1  # bytes in one lexeme
WEIGHT_LETTERS = "DCBA"  # index = weight
OP_NOT, OP_AND, OP_OR, OP_PHRASE = "!", "&", "|", "<->"
PRIORITY = {OP_NOT: 4, OP_PHRASE: 3, OP_AND: 2, OP_OR: 1}
_OP_CODES = {OP_NOT: 1, OP_AND: 2, OP_OR: 3, OP_PHRASE: 4}


def pos_of(wep: int) -> int:
    return wep & 0x3FFF


def weight_of(wep: int) -> int:
    return wep >> 14


def make_pos(pos: int, weight: int = 0) -> int:
    return weight << 14 | min(pos, MAXPOS)


def unique_positions(positions: list[int], limit: int = MAXNUMPOS) -> tuple[int, ...]:
    """Sorted, one entry per position (the highest weight wins), at most `limit` (uniquePos)."""
    best: dict[int, int] = {}
    for wep in positions:
        p = pos_of(wep)
        best[p] = max(best.get(p, 0), weight_of(wep))
    return tuple(make_pos(p, best[p]) for p in sorted(best))[:limit]


@total_ordering
@dataclass(frozen=True, eq=False)
class TSVector:
    """A tsvector: ((lexeme, positions), ...) in lexeme order; build it with `make_tsvector`."""

    entries: tuple[tuple[str, tuple[int, ...]], ...] = ()

    def __str__(self) -> str:
        return " ".join(quote_lexeme(lex) + (":" + ",".join(_format_pos(p) for p in ps) if ps else "")
                        for lex, ps in self.entries)

    def sort_key(self) -> tuple:
        """silly_cmp_tsvector: size in bytes, entry count, then entry by entry."""
        items = tuple((0 if ps else 1, lex.encode(), -len(ps), tuple((-pos_of(p), -weight_of(p)) for p in ps))
                      for lex, ps in self.entries)
        return (self.varsize(), len(self.entries), items)

    def varsize(self) -> int:
        off = 0
        for lex, ps in self.entries:
            off += len(lex.encode())
            if ps:
                off = (off + 1) & ~1
                off += 2 + 2 * len(ps)
        return 8 + 4 * len(self.entries) + off

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TSVector) and self.entries == other.entries

    def __hash__(self) -> int:
        return hash(self.entries)

    def __lt__(self, other: TSVector) -> bool:
        return self.sort_key() < other.sort_key()


def make_tsvector(pairs: list[tuple[str, list[int]]], limit: int = MAXNUMPOS) -> TSVector:
    """Lexemes with their positions (WordEntryPos) in any order, duplicates merged; at most
    `limit` positions a lexeme (to_tsvector's make_tsvector keeps one fewer than the input's)."""
    merged: dict[str, list[int]] = {}
    for lex, ps in pairs:
        merged.setdefault(lex, []).extend(ps)
    return TSVector(tuple((lex, unique_positions(merged[lex], limit)) for lex in sorted(merged, key=str.encode)))


def quote_lexeme(lex: str) -> str:
    return "'" + lex.replace("'", "''").replace("\\", "\\\\") + "'"


def _format_pos(wep: int) -> str:
    w = weight_of(wep)
    return str(pos_of(wep)) + (WEIGHT_LETTERS[w] if w else "")


# ---- text input (tsvector_parser.c) ------------------------------------------------------------

class _Reader:
    """gettoken_tsvector over a string: quoted or bare words with backslash escapes."""

    def __init__(self, text: str, kind: str) -> None:
        self.text, self.i, self.kind = text, 0, kind

    def error(self) -> SyntaxError:
        return SyntaxError(f'syntax error in {self.kind}: "{self.text}"')

    def peek(self) -> str:
        return self.text[self.i] if self.i < len(self.text) else ""

    def skip_space(self) -> None:
        while self.peek().isspace():
            self.i += 1

    def word(self, delimiters: str = "") -> str:
        """One word at the cursor (not at a space); `delimiters` end a bare word (tsquery operators)."""
        out = []
        if self.peek() == "'":
            self.i += 1
            while True:
                c = self.peek()
                if c == "":
                    raise self.error()
                self.i += 1
                if c == "'":
                    if self.peek() != "'":
                        break
                    self.i += 1
                elif c == "\\":
                    c = self.peek()
                    if c == "":
                        raise self.error()
                    self.i += 1
                out.append(c)
            if not out:
                raise self.error()
        else:
            while (c := self.peek()) and not c.isspace() and c != ":" and c not in delimiters:
                self.i += 1
                if c == "\\":
                    c = self.peek()
                    if c == "":
                        raise self.error()
                    self.i += 1
                out.append(c)
        word = "".join(out)
        if len(word.encode()) > MAXSTRLEN:
            raise ProgramLimitExceeded(f"word is too long ({len(word.encode())} bytes, max {MAXSTRLEN} bytes)")
        return word


def parse_tsvector(text: str) -> TSVector:
    rd = _Reader(text, "tsvector")
    pairs: list[tuple[str, list[int]]] = []
    while True:
        rd.skip_space()
        if rd.peek() == "":
            break
        lex = rd.word()
        positions: list[int] = []
        if rd.peek() == ":":
            rd.i += 1
            positions = _positions(rd)
        pairs.append((lex, positions))
    return make_tsvector(pairs)


def _positions(rd: _Reader) -> list[int]:
    out = []
    while True:
        start = rd.i
        while rd.peek().isdigit():
            rd.i += 1
        if rd.i == start:
            raise rd.error()
        pos = int(rd.text[start:rd.i])
        if pos == 0:
            raise SyntaxError(f'wrong position info in tsvector: "{rd.text}"')
        weight = 0
        if (c := rd.peek().upper()) and c in "ABCD":
            weight = WEIGHT_LETTERS.index(c)
            rd.i += 1
        out.append(make_pos(pos, weight))
        if rd.peek() == ",":
            rd.i += 1
            continue
        if rd.peek() == "" or rd.peek().isspace():
            return out
        raise rd.error()


# ---- binary form (tsvectorsend / tsvectorrecv) -------------------------------------------------

def send_tsvector(v: TSVector) -> bytes:
    out = bytearray(struct.pack("!i", len(v.entries)))
    for lex, ps in v.entries:
        out += lex.encode() + b"\x00" + struct.pack("!H", len(ps))
        for p in ps:
            out += struct.pack("!H", p)
    return bytes(out)


def recv_tsvector(data: bytes) -> TSVector:
    try:
        (n,), pos = struct.unpack_from("!i", data), 4
        pairs = []
        for _ in range(n):
            end = data.index(b"\x00", pos)
            lex = data[pos:end].decode()
            (npos,) = struct.unpack_from("!H", data, end + 1)
            pos = end + 3
            ps = list(struct.unpack_from(f"!{npos}H", data, pos))
            pos += 2 * npos
            if any(pos_of(p) == 0 for p in ps):
                raise InvalidBinaryRepresentation("invalid position in tsvector")
            pairs.append((lex, ps))
    except (struct.error, ValueError, UnicodeDecodeError):
        raise InvalidBinaryRepresentation("invalid tsvector binary data") from None
    return make_tsvector(pairs)


# ---- tsquery -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class QueryOperand:
    value: str
    weight: int = 0  # bit mask: D=1, C=2, B=4, A=8; 0 = any
    prefix: bool = False

    def text(self) -> str:
        out = quote_lexeme(self.value)
        if self.weight or self.prefix:
            out += ":" + ("*" if self.prefix else "") + "".join(
                letter for bit, letter in ((8, "A"), (4, "B"), (2, "C"), (1, "D")) if self.weight & bit)
        return out


@dataclass(frozen=True)
class QueryOperator:
    oper: str  # OP_NOT (left is None), OP_AND, OP_OR, OP_PHRASE
    right: QueryNode
    left: QueryNode | None = None
    distance: int = 1  # <N> of a phrase operator

    def text(self, parent_priority: int = 0, right_of_phrase: bool = False) -> str:
        prio = PRIORITY[self.oper]
        if self.oper == OP_NOT:
            inner = "!" + node_text(self.right, prio)
            return f"( {inner} )" if prio < parent_priority else inner
        sym = f"<{self.distance}>" if self.oper == OP_PHRASE and self.distance != 1 else self.oper
        inner = f"{node_text(self.left, prio)} {sym} {node_text(self.right, prio, self.oper == OP_PHRASE)}"
        paren = prio < parent_priority or (self.oper == OP_PHRASE and right_of_phrase)
        return f"( {inner} )" if paren else inner


QueryNode = QueryOperand | QueryOperator


def node_text(node: QueryNode, parent_priority: int = 0, right_of_phrase: bool = False) -> str:
    if isinstance(node, QueryOperand):
        return node.text()
    return node.text(parent_priority, right_of_phrase)


def walk(node: QueryNode | None) -> list[QueryNode]:
    """The nodes in PostgreSQL's stored order: operator, right operand, left operand."""
    if node is None:
        return []
    if isinstance(node, QueryOperand):
        return [node]
    return [node, *walk(node.right), *walk(node.left)]


@total_ordering
@dataclass(frozen=True, eq=False)
class TSQuery:
    root: QueryNode | None = None

    def __str__(self) -> str:
        return "" if self.root is None else node_text(self.root)

    def sort_key(self) -> tuple:
        """CompareTSQ: item count, size in bytes, then the items."""
        nodes = walk(self.root)
        operands = [n for n in nodes if isinstance(n, QueryOperand)]
        varsize = 8 + 12 * len(nodes) + sum(len(o.value.encode()) + 1 for o in operands)
        return (len(nodes), varsize, str(self).encode())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TSQuery) and self.root == other.root

    def __hash__(self) -> int:
        return hash(self.root)

    def __lt__(self, other: TSQuery) -> bool:
        return self.sort_key() < other.sort_key()


def send_tsquery(q: TSQuery) -> bytes:
    nodes = walk(q.root)
    out = bytearray(struct.pack("!i", len(nodes)))
    for n in nodes:
        if isinstance(n, QueryOperand):
            out += bytes([1, n.weight, int(n.prefix)]) + n.value.encode() + b"\x00"
        else:
            out += bytes([2, _OP_CODES[n.oper]])
            if n.oper == OP_PHRASE:
                out += struct.pack("!h", n.distance)
    return bytes(out)


def recv_tsquery(data: bytes) -> TSQuery:
    codes = {v: k for k, v in _OP_CODES.items()}
    pos = 4

    def item() -> QueryNode:
        nonlocal pos
        kind, pos = data[pos], pos + 1
        if kind == 1:
            weight, prefix = data[pos], data[pos + 1]
            end = data.index(b"\x00", pos + 2)
            value, pos = data[pos + 2:end].decode(), end + 1
            return QueryOperand(value, weight & 0xF, bool(prefix))
        if kind != 2:
            raise InvalidBinaryRepresentation("invalid tsquery: unrecognized item type")
        oper, pos = codes[data[pos]], pos + 1
        distance = 1
        if oper == OP_PHRASE:
            (distance,), pos = struct.unpack_from("!h", data, pos), pos + 2
        right = item()
        left = None if oper == OP_NOT else item()
        return QueryOperator(oper, right, left, distance)

    try:
        (n,) = struct.unpack_from("!i", data)
        return TSQuery(item() if n else None)
    except (struct.error, ValueError, IndexError, KeyError, UnicodeDecodeError):
        raise InvalidBinaryRepresentation("invalid tsquery binary data") from None
