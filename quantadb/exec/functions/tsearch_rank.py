"""ts_rank and ts_rank_cd as PostgreSQL's tsrank.c computes them, float4 roundings included
(the C code keeps its running sums in float variables, so `_f4` rounds where it assigns one).

ts_rank: for a query whose top operator is & or <->, the proximity of every pair of matched
operands (calc_rank_and); otherwise the frequency of each operand (calc_rank_or). ts_rank_cd:
cover density, the minimal extents that satisfy the query, each worth its weight over its noise.
"""

from __future__ import annotations

import math
import struct

from quantadb.errors import ArraySubscriptError, InvalidParameterValue, NullValueNotAllowed
from quantadb.exec.functions.tsearch_match import YES, VectorIndex, ts_execute
from quantadb.types.tsearch import (
    MAXPOS, OP_AND, OP_PHRASE, QueryOperand, QueryOperator, TSQuery, TSVector, pos_of, walk, weight_of,
)

DEFAULT_WEIGHTS = (0.1, 0.2, 0.4, 1.0)  # D, C, B, A
NORM_LOGLENGTH, NORM_LENGTH, NORM_EXTDIST, NORM_UNIQ, NORM_LOGUNIQ, NORM_RDIVRPLUS1 = 1, 2, 4, 8, 16, 32
_NULL_POS = (MAXPOS,)  # the stand-in position of a lexeme without positions (weight D)


def _f4(x: float) -> float:
    return struct.unpack("f", struct.pack("f", x))[0]


def rank_weights(array: list | None) -> tuple[float, ...]:
    """The weights argument: four values, none NULL (getWeights)."""
    if array is None:
        return tuple(_f4(w) for w in DEFAULT_WEIGHTS)
    if len(array) < 4:
        raise ArraySubscriptError("array of weight is too short")
    if any(w is None for w in array):
        raise NullValueNotAllowed("array of weight must not contain nulls")
    out = []
    for w, default in zip(array[:4], DEFAULT_WEIGHTS):
        if w > 1.0:
            raise InvalidParameterValue("weight out of range")
        out.append(_f4(w if w >= 0 else default))
    return tuple(out)


def _operands(query: TSQuery) -> list[QueryOperand]:
    """SortAndUniqItems: the distinct operands by their text."""
    seen: dict[bytes, QueryOperand] = {}
    for node in walk(query.root):
        if isinstance(node, QueryOperand):
            seen.setdefault(node.value.encode(), node)
    return [seen[k] for k in sorted(seen)]


def _length(vector: TSVector) -> int:
    return sum(len(ps) or 1 for _, ps in vector.entries)


def _word_distance(w: int) -> float:
    if w > 100:
        return _f4(1e-30)
    return _f4(1.0 / (1.005 + 0.05 * math.exp(_f4(w) / 1.5 - 2)))


def _rank_or(w: tuple, index: VectorIndex, operands: list[QueryOperand]) -> float:
    res = 0.0
    for op in operands:
        for _, positions in index.matching(op):
            posts = positions or (0,)
            resj, wjm, jm = 0.0, -1.0, 0
            for j, p in enumerate(posts):
                wp = w[weight_of(p)]
                resj = _f4(resj + _f4(wp / ((j + 1) * (j + 1))))
                if wp > wjm:
                    wjm, jm = wp, j
            res = _f4(res + _f4(_f4(wjm + resj) - _f4(wjm / ((jm + 1) * (jm + 1)))) / 1.64493406685)
    return _f4(res / len(operands)) if operands else res


def _rank_and(w: tuple, index: VectorIndex, operands: list[QueryOperand]) -> float:
    if len(operands) < 2:
        return _rank_or(w, index, operands)
    res = -1.0
    seen: list[tuple[tuple[int, ...], bool] | None] = [None] * len(operands)
    for i, op in enumerate(operands):
        for _, positions in index.matching(op):
            post = positions or _NULL_POS
            seen[i] = (post, not positions)
            for k in range(i):
                if seen[k] is None:
                    continue
                ct, k_null = seen[k]
                for lp in post:
                    for cp in ct:
                        dist = abs(pos_of(lp) - pos_of(cp))
                        if dist or not positions or k_null:
                            curw = _f4(math.sqrt(_f4(_f4(w[weight_of(lp)] * w[weight_of(cp)])
                                                     * _word_distance(dist or MAXPOS + 1))))
                            res = curw if res < 0 else _f4(1.0 - (1.0 - res) * (1.0 - curw))
    return res


def ts_rank(weights: tuple, vector: TSVector, query: TSQuery, method: int = 0) -> float:
    """calc_rank."""
    if not vector.entries or query.root is None:
        return 0.0
    index, operands = VectorIndex(vector), _operands(query)
    root = query.root
    conjunctive = isinstance(root, QueryOperator) and root.oper in (OP_AND, OP_PHRASE)
    res = (_rank_and if conjunctive else _rank_or)(weights, index, operands)
    if res < 0:
        res = _f4(1e-20)
    if method & NORM_LOGLENGTH:
        res = _f4(res / (math.log(_length(vector) + 1) / math.log(2.0)))
    if method & NORM_LENGTH and (n := _length(vector)) > 0:
        res = _f4(res / _f4(n))
    if method & NORM_UNIQ:
        res = _f4(res / _f4(len(vector.entries)))
    if method & NORM_LOGUNIQ:
        res = _f4(res / (math.log(len(vector.entries) + 1) / math.log(2.0)))
    if method & NORM_RDIVRPLUS1:
        res = _f4(res / _f4(res + 1))
    return res


def _doc_representation(index: VectorIndex, query: TSQuery) -> list[tuple[int, int, frozenset[int]]]:
    """get_docrep: (position, weight, ids of the operands found there) in position order."""
    operands = [n for n in walk(query.root) if isinstance(n, QueryOperand)]
    at: dict[tuple[int, int], set[int]] = {}
    for op in operands:
        for _, positions in index.matching(op):
            for p in positions:  # a lexeme without positions counts for nothing here
                if not op.weight or op.weight & (1 << weight_of(p)):
                    at.setdefault((pos_of(p), weight_of(p)), set()).add(id(op))
    return [(pos, weight, frozenset(ids)) for (pos, weight), ids in sorted(at.items())]


def _first_satisfying(query: TSQuery, doc: list, rows: range) -> int | None:
    """The first row of `rows` at which the operands seen so far (scanning in that order)
    satisfy the query, as Cover's loops find the ends of an extent."""
    seen: dict[int, set[int]] = {}

    def check(op: QueryOperand, want_positions: bool) -> tuple[int, list[int] | None]:
        if id(op) not in seen:
            return 0, None
        return YES, sorted(seen[id(op)]) if want_positions else None
    for i in rows:
        for oid in doc[i][2]:
            seen.setdefault(oid, set()).add(doc[i][0])
        if ts_execute(query.root, check):
            return i
    return None


def _covers(doc: list, query: TSQuery):
    """Cover: successive minimal extents (first row, last row) that satisfy the query."""
    start = 0
    while start < len(doc):
        end = _first_satisfying(query, doc, range(start, len(doc)))
        if end is None:
            return
        begin = _first_satisfying(query, doc, range(end, start - 1, -1))
        if begin is not None:
            yield begin, end
            start = begin + 1
        else:
            start += 1


def ts_rank_cd(weights: tuple, vector: TSVector, query: TSQuery, method: int = 0) -> float:
    """calc_rank_cd."""
    if query.root is None:
        return 0.0
    inv = [1.0 / w for w in weights]
    doc = _doc_representation(VectorIndex(vector), query)
    wdoc = sum_dist = prev_ext = 0.0
    extents = 0
    for begin, end in _covers(doc, query):
        inv_sum = sum(inv[doc[i][1]] for i in range(begin, end + 1))
        cpos = (end - begin + 1) / inv_sum
        p, q = doc[begin][0], doc[end][0]
        noise = (q - p) - (end - begin)
        if noise < 0:
            noise = (end - begin) // 2
        wdoc += cpos / (1 + noise)
        cur_ext = (q + p) / 2.0
        if extents > 0 and cur_ext > prev_ext:
            sum_dist += 1.0 / (cur_ext - prev_ext)
        prev_ext = cur_ext
        extents += 1
    if method & NORM_LOGLENGTH and vector.entries:
        wdoc /= math.log(_length(vector) + 1)
    if method & NORM_LENGTH and (n := _length(vector)) > 0:
        wdoc /= n
    if method & NORM_EXTDIST and extents > 0 and sum_dist > 0:
        wdoc /= extents / sum_dist
    if method & NORM_UNIQ and vector.entries:
        wdoc /= len(vector.entries)
    if method & NORM_LOGUNIQ and vector.entries:
        wdoc /= math.log(len(vector.entries) + 1) / math.log(2.0)
    if method & NORM_RDIVRPLUS1:
        wdoc /= wdoc + 1
    return _f4(wdoc)
