"""tsquery evaluation as PostgreSQL's TS_execute (tsvector_op.c): three-valued (a stripped
tsvector has no positions, so a phrase over it is only MAYBE), and phrase operators computed
over match positions with widths and negation as TS_phrase_execute does.

An evaluation asks a `Check` about each operand: whether it matches, and when positions are
wanted, where (sorted positions, without weights). tsvector @@ tsquery checks the vector; the
cover search of ts_rank_cd checks the operands seen so far.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field

from quantadb.types.tsearch import (
    OP_AND, OP_NOT, OP_OR, OP_PHRASE, QueryNode, QueryOperand, TSVector, pos_of, weight_of,
)

NO, YES, MAYBE = 0, 1, 2
# (ternary result, positions or None): positions only when asked for and known
Check = Callable[[QueryOperand, bool], "tuple[int, list[int] | None]"]


class VectorIndex:
    """A tsvector's lexemes for lookups: exact and prefix (find_wordentry)."""

    def __init__(self, vector: TSVector) -> None:
        self.entries = vector.entries
        self.keys = [lex.encode() for lex, _ in vector.entries]

    def matching(self, operand: QueryOperand) -> list[tuple[str, tuple[int, ...]]]:
        key = operand.value.encode()
        i = bisect.bisect_left(self.keys, key)
        if not operand.prefix:
            return [self.entries[i]] if i < len(self.keys) and self.keys[i] == key else []
        j = i
        while j < len(self.keys) and self.keys[j].startswith(key):
            j += 1
        return list(self.entries[i:j])

    def check(self, operand: QueryOperand, want_positions: bool) -> tuple[int, list[int] | None]:
        """checkcondition_str / checkclass_str."""
        found: set[int] = set()
        result = NO
        for _, positions in self.matching(operand):
            if not positions:  # stripped: weights are not checked, positions unknown
                if want_positions:
                    return MAYBE, None
                result = YES
                continue
            hits = [pos_of(p) for p in positions if not operand.weight or operand.weight & (1 << weight_of(p))]
            if hits:
                result = YES
                found.update(hits)
        return result, (sorted(found) if want_positions and result == YES else None)


def ts_execute(node: QueryNode, check: Check) -> bool:
    return _execute(node, check) != NO


def _execute(node: QueryNode, check: Check) -> int:
    if isinstance(node, QueryOperand):
        return check(node, False)[0]
    if node.oper == OP_NOT:
        r = _execute(node.right, check)
        return MAYBE if r == MAYBE else (NO if r == YES else YES)
    if node.oper == OP_AND:
        left = _execute(node.left, check)
        if left == NO:
            return NO
        right = _execute(node.right, check)
        return NO if right == NO else (MAYBE if right == MAYBE else left)
    if node.oper == OP_OR:
        left = _execute(node.left, check)
        if left == YES:
            return YES
        right = _execute(node.right, check)
        return left if right == NO else right
    result, _ = _phrase(node, check)
    return NO if result == MAYBE else result


@dataclass
class _PhraseData:
    positions: list[int] = field(default_factory=list)  # match ends, sorted
    width: int = 0
    negate: bool = False  # positions are where it does NOT match


_L_ONLY, _R_ONLY, _BOTH = 1, 2, 4


def _output(left: _PhraseData, right: _PhraseData, emit: int, loffset: int, roffset: int) -> list[int]:
    """TS_phrase_output: merge the two position lists shifted by their offsets."""
    out = []
    li = ri = 0
    lp, rp = left.positions, right.positions
    while li < len(lp) or ri < len(rp):
        lpos = lp[li] + loffset if li < len(lp) else None
        rpos = rp[ri] + roffset if ri < len(rp) else None
        if rpos is None or (lpos is not None and lpos < rpos):
            if emit & _L_ONLY:
                out.append(lpos)
            li += 1
        elif lpos is None or lpos > rpos:
            if emit & _R_ONLY:
                out.append(rpos)
            ri += 1
        else:
            if emit & _BOTH:
                out.append(rpos)
            li += 1
            ri += 1
    return out


def _phrase(node: QueryNode, check: Check) -> tuple[int, _PhraseData]:
    """TS_phrase_execute: the result and where it matches."""
    if isinstance(node, QueryOperand):
        result, positions = check(node, True)
        return result, _PhraseData(positions or [])
    if node.oper == OP_NOT:
        result, data = _phrase(node.right, check)
        if result == NO:
            return YES, _PhraseData([], data.width, True)
        if result == YES and data.positions:
            data.negate = not data.negate
            return YES, data
        if result == YES and data.negate:
            return NO, _PhraseData([], data.width)
        return result, data
    lres, left = _phrase(node.left, check)
    if node.oper != OP_OR and lres == NO:
        return NO, _PhraseData()
    rres, right = _phrase(node.right, check)
    if node.oper == OP_OR:
        if lres == NO and rres == NO:
            return NO, _PhraseData()
    elif rres == NO:
        return NO, _PhraseData()
    if MAYBE in (lres, rres):
        return MAYBE, _PhraseData()
    if node.oper == OP_PHRASE:
        loffset, roffset = node.distance + right.width, 0
        width = node.distance + left.width + right.width
    else:
        if node.oper == OP_OR:
            if lres == NO:
                left.width = right.width
            if rres == NO:
                right.width = left.width
        width = max(left.width, right.width)
        loffset, roffset = width - left.width, width - right.width
    if node.oper == OP_OR:
        plan = {(True, True): (_BOTH, True), (True, False): (_L_ONLY, True), (False, True): (_R_ONLY, True),
                (False, False): (_BOTH | _L_ONLY | _R_ONLY, False)}
    else:
        plan = {(True, True): (_BOTH | _L_ONLY | _R_ONLY, True), (True, False): (_R_ONLY, False),
                (False, True): (_L_ONLY, False), (False, False): (_BOTH, False)}
    emit, negate = plan[(left.negate, right.negate)]
    out = _PhraseData(_output(left, right, emit, loffset, roffset), width, negate)
    return (YES if negate or out.positions else NO), out
