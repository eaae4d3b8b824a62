"""Full-text search functions and operators (to_tsany.c, tsvector_op.c, tsquery_op.c, tsrank.c):
to_tsvector and the to_tsquery family, @@, ts_rank / ts_rank_cd, setweight, strip, length,
numnode, querytree, tsvector || tsvector and tsquery && || !!, plus the comparisons.

A function called without a configuration uses the session's default_text_search_config.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from quantadb.errors import InternalError, InvalidParameterValue
from quantadb.exec.functions import scalar, setfn
from quantadb.exec.functions.compare import OPS, _object
from quantadb.exec.functions.support import map_rows, obj_array
from quantadb.exec.functions.tsearch_config import (
    DEFAULT_CONFIG, DICTIONARIES_BY_OID, Config, config_by_oid, lookup_config, parse_text,
)
from quantadb.exec.functions.tsearch_match import VectorIndex, ts_execute
from quantadb.exec.functions.tsearch_parse import TOKEN_DESCRIPTIONS, TOKEN_TYPES
from quantadb.exec.functions.tsearch_rank import rank_weights, ts_rank, ts_rank_cd
from quantadb.types.column import Column
from quantadb.types.tsearch import (
    MAXNUMPOS, OP_AND, OP_NOT, OP_OR, OP_PHRASE, WEIGHT_LETTERS, QueryNode, QueryOperand, QueryOperator, TSQuery,
    TSVector, make_pos, make_tsvector, pos_of, walk, weight_of,
)
from quantadb.types.tsearch_query import STOP, clean_stopwords, combine, parse_tsquery, parse_websearch

for _op in OPS:
    scalar("tsvector_" + _op, "tsquery_" + _op)(_object(_op))


def _default_config(ctx: Any) -> Config:
    """default_text_search_config (regconfig input rules)."""
    settings = getattr(ctx.session, "settings", None)  # the engine's Session (exec cannot import it)
    name = settings.get("default_text_search_config") if settings is not None else None
    return lookup_config(name or DEFAULT_CONFIG)


def _with_config(fn: Callable[[Config, Any], Any], args: list[Column], n: int, ctx: Any, nargs: int,
                 dtype: Any = object) -> Column:
    """fn(config, value) per row, the configuration given as first argument or the default."""
    if len(args) > nargs:
        return Column(map_rows(lambda c, v: fn(config_by_oid(c), v), args, n, dtype))
    cfg = _default_config(ctx)
    return Column(map_rows(lambda v: fn(cfg, v), args, n, dtype))


def to_tsvector_value(cfg: Config, text: str) -> TSVector:
    return make_tsvector([(lex, [make_pos(pos)]) for lex, pos in parse_text(cfg, text)], MAXNUMPOS - 1)


@scalar("to_tsvector")
def to_tsvector(args: list[Column], n: int, ctx: Any, call: Any) -> Column:
    return _with_config(to_tsvector_value, args, n, ctx, 1)


def _morph(cfg: Config, qop: str) -> Callable[[str, int, bool], Any]:
    """pushval_morph: an operand's words through the configuration; several lexemes join with
    `qop` (stop words between them keep their place), none at all is a stop word."""
    def operand(value: str, weight: int, prefix: bool) -> Any:
        words = parse_text(cfg, value)
        if not words:
            return STOP
        node, last = None, 0
        for lex, pos in words:
            if node is not None and pos == last:  # several lexemes at one position: any of them
                node = combine(OP_OR, node, QueryOperand(lex, weight, prefix))
                continue
            while node is not None and last + 1 < pos:
                node = combine(qop, node, STOP)
                last += 1
            item = QueryOperand(lex, weight, prefix)
            node = item if node is None else combine(qop, node, item)
            last = pos
        return node
    return operand


def _query_fn(parse: Callable[[Config, str], Any]) -> Callable:
    def impl(args: list[Column], n: int, ctx: Any, call: Any) -> Column:
        def one(cfg: Config, text: str) -> TSQuery:
            query = clean_stopwords(parse(cfg, text))
            if query.root is None and ctx.session is not None and hasattr(ctx.session, "notice"):
                ctx.session.notice("text-search query doesn't contain lexemes: \"\"" if not text.strip() else
                                   "text-search query contains only stop words or doesn't contain lexemes, ignored")
            return query
        return _with_config(one, args, n, ctx, 1)
    return impl


def _whole(qop: str) -> Callable[[Config, str], Any]:
    return lambda cfg, text: _morph(cfg, qop)(text, 0, False)


scalar("to_tsquery")(_query_fn(lambda cfg, text: parse_tsquery(text, _morph(cfg, OP_PHRASE))))
scalar("plainto_tsquery")(_query_fn(_whole(OP_AND)))
scalar("phraseto_tsquery")(_query_fn(_whole(OP_PHRASE)))
scalar("websearch_to_tsquery")(_query_fn(lambda cfg, text: parse_websearch(text, _morph(cfg, OP_PHRASE))))


def match(vector: TSVector, query: TSQuery) -> bool:
    """ts_match_vq: an empty query matches nothing."""
    return query.root is not None and ts_execute(query.root, VectorIndex(vector).check)


@scalar("ts_match_vq")
def ts_match_vq(args: list[Column], n: int, ctx: Any, call: Any) -> Column:
    return Column(map_rows(match, args, n, bool, False))


@scalar("ts_match_qv")
def ts_match_qv(args: list[Column], n: int, ctx: Any, call: Any) -> Column:
    return Column(map_rows(lambda q, v: match(v, q), args, n, bool, False))


@scalar("ts_match_tq")
def ts_match_tq(args: list[Column], n: int, ctx: Any, call: Any) -> Column:
    cfg = _default_config(ctx)
    return Column(map_rows(lambda t, q: match(to_tsvector_value(cfg, t), q), args, n, bool, False))


@scalar("ts_match_tt")
def ts_match_tt(args: list[Column], n: int, ctx: Any, call: Any) -> Column:
    cfg = _default_config(ctx)
    plain = _whole(OP_AND)
    return Column(map_rows(lambda t, q: match(to_tsvector_value(cfg, t), clean_stopwords(plain(cfg, q))),
                           args, n, bool, False))


def _rank_fn(rank: Callable[..., float]) -> Callable:
    """ts_rank([weights,] vector, query [, normalization]) and the same for ts_rank_cd."""
    def impl(args: list[Column], n: int, ctx: Any, call: Any) -> Column:
        has_weights = call.args[0].type.pg.is_array

        def one(*vals: Any) -> float:
            weights = rank_weights(vals[0] if has_weights else None)
            rest = vals[1:] if has_weights else vals
            return rank(weights, rest[0], rest[1], int(rest[2]) if len(rest) > 2 else 0)
        return Column(map_rows(one, args, n, np.float32, 0.0))
    return impl


scalar("ts_rank")(_rank_fn(ts_rank))
scalar("ts_rank_cd")(_rank_fn(ts_rank_cd))


def _weight_code(letter: str) -> int:
    up = letter.upper()
    if len(up) != 1 or up not in "ABCD":
        raise InternalError(f"unrecognized weight: {ord(letter[0]) if letter else 0}")  # PostgreSQL's elog
    return WEIGHT_LETTERS.index(up)


def setweight(vector: TSVector, letter: str, lexemes: list | None = None) -> TSVector:
    w = _weight_code(letter)
    chosen = None if lexemes is None else {x for x in lexemes if x is not None}
    return TSVector(tuple((lex, tuple(make_pos(pos_of(p), w) for p in ps) if chosen is None or lex in chosen else ps)
                          for lex, ps in vector.entries))


@scalar("setweight")
def setweight_impl(args: list[Column], n: int, ctx: Any, call: Any) -> Column:
    return Column(map_rows(setweight, args, n))


@scalar("strip")
def strip(args: list[Column], n: int, ctx: Any, call: Any) -> Column:
    return Column(map_rows(lambda v: TSVector(tuple((lex, ()) for lex, _ in v.entries)), args, n))


@scalar("tsvector_length")
def tsvector_length(args: list[Column], n: int, ctx: Any, call: Any) -> Column:
    return Column(map_rows(lambda v: len(v.entries), args, n, np.int32, 0))


@scalar("tsvector_concat")
def tsvector_concat(args: list[Column], n: int, ctx: Any, call: Any) -> Column:
    def concat(a: TSVector, b: TSVector) -> TSVector:
        shift = max((pos_of(p) for _, ps in a.entries for p in ps), default=0)
        shifted = [(lex, [make_pos(pos_of(p) + shift, weight_of(p)) for p in ps]) for lex, ps in b.entries]
        return make_tsvector([(lex, list(ps)) for lex, ps in a.entries] + shifted)
    return Column(map_rows(concat, args, n))


@scalar("numnode")
def numnode(args: list[Column], n: int, ctx: Any, call: Any) -> Column:
    return Column(map_rows(lambda q: len(walk(q.root)), args, n, np.int32, 0))


def _without_not(node: QueryNode) -> QueryNode | None:
    """clean_NOT_intree: what an index could check (NOT parts dropped; an OR with one goes too)."""
    if isinstance(node, QueryOperand):
        return node
    if node.oper == OP_NOT:
        return None
    left, right = _without_not(node.left), _without_not(node.right)
    if node.oper == OP_OR:
        return None if left is None or right is None else QueryOperator(OP_OR, right, left)
    if left is None or right is None:
        return left or right
    return QueryOperator(node.oper, right, left, node.distance)


@scalar("querytree")
def querytree(args: list[Column], n: int, ctx: Any, call: Any) -> Column:
    def tree(q: TSQuery) -> str:
        if q.root is None:
            return ""
        cleaned = _without_not(q.root)
        return "T" if cleaned is None else str(TSQuery(cleaned))
    return Column(map_rows(tree, args, n))


def _join(op: str) -> Callable[[TSQuery, TSQuery], TSQuery]:
    """tsquery_and / tsquery_or: an empty side gives the other."""
    def join(a: TSQuery, b: TSQuery, distance: int = 1) -> TSQuery:
        if a.root is None:
            return b
        if b.root is None:
            return a
        return TSQuery(QueryOperator(op, b.root, a.root, distance))
    return join


@scalar("tsquery_and")
def tsquery_and(args: list[Column], n: int, ctx: Any, call: Any) -> Column:
    return Column(map_rows(_join(OP_AND), args, n))


@scalar("tsquery_or")
def tsquery_or(args: list[Column], n: int, ctx: Any, call: Any) -> Column:
    return Column(map_rows(_join(OP_OR), args, n))


@scalar("tsquery_phrase")
def tsquery_phrase(args: list[Column], n: int, ctx: Any, call: Any) -> Column:
    phrase = _join(OP_PHRASE)

    def one(a: TSQuery, b: TSQuery, distance: int = 1) -> TSQuery:
        if not 0 <= int(distance) <= 16384:
            raise InvalidParameterValue("distance in phrase operator must be an integer value between zero and "
                                        "16384 inclusive")
        return phrase(a, b, int(distance))
    return Column(map_rows(one, args, n))


@scalar("tsquery_not")
def tsquery_not(args: list[Column], n: int, ctx: Any, call: Any) -> Column:
    return Column(map_rows(lambda q: q if q.root is None else TSQuery(QueryOperator(OP_NOT, q.root)), args, n))


@scalar("ts_lexize")
def ts_lexize(args: list[Column], n: int, ctx: Any, call: Any) -> Column:
    """A dictionary's lexemes for one token ({} for a stop word)."""
    return Column(map_rows(lambda d, token: DICTIONARIES_BY_OID[int(d)].lexize(token), args, n))


@setfn("ts_token_type")
def ts_token_type(args: list[Column], n: int, ctx: Any, call: Any) -> tuple[np.ndarray, list[Column]]:
    """The default parser's token types (tokid, alias, description) for each row's parser."""
    rows = [i for i in range(n) if args[0].valid is None or args[0].valid[i]]
    count = len(TOKEN_TYPES)
    source = np.repeat(np.asarray(rows, dtype=np.int64), count)
    return source, [Column(np.tile(np.arange(1, count + 1, dtype=np.int32), len(rows))),
                    Column(obj_array(list(TOKEN_TYPES) * len(rows))),
                    Column(obj_array(list(TOKEN_DESCRIPTIONS) * len(rows)))]
