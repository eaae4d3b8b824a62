"""pg_proc / pg_operator rows of full-text search: tsvector and tsquery functions and operators
with PostgreSQL's names; a configuration is a regconfig (an OID) as in PostgreSQL. Impls:
exec/functions/tsearch.py.
"""

from __future__ import annotations

from quantadb.sql.functions.signature import add_function as fn
from quantadb.sql.functions.signature import add_operator as op
from quantadb.types.registry import (
    BOOL, CHAR, FLOAT4, INT4, OID, RECORD, REGCONFIG, REGDICTIONARY, TEXT, TSQUERY, TSVECTOR, array_of,
)

COMPARISONS = {"=": "eq", "<>": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
for t, prefix in ((TSVECTOR, "tsvector_"), (TSQUERY, "tsquery_")):
    for sym, suffix in COMPARISONS.items():
        op(sym, (t, t), BOOL, prefix + suffix)
        fn(prefix + suffix, (t, t), BOOL, prefix + suffix)

fn("to_tsvector", (TEXT,), TSVECTOR, "to_tsvector")
fn("to_tsvector", (REGCONFIG, TEXT), TSVECTOR, "to_tsvector")
for name in ("to_tsquery", "plainto_tsquery", "phraseto_tsquery", "websearch_to_tsquery"):
    fn(name, (TEXT,), TSQUERY, name)
    fn(name, (REGCONFIG, TEXT), TSQUERY, name)

MATCHES = (((TSVECTOR, TSQUERY), "ts_match_vq"), ((TSQUERY, TSVECTOR), "ts_match_qv"),
           ((TEXT, TSQUERY), "ts_match_tq"), ((TEXT, TEXT), "ts_match_tt"))
for args, impl in MATCHES:
    op("@@", args, BOOL, impl)
    fn(impl, args, BOOL, impl)

WEIGHTS = array_of(FLOAT4)
for name in ("ts_rank", "ts_rank_cd"):
    fn(name, (TSVECTOR, TSQUERY), FLOAT4, name)
    fn(name, (TSVECTOR, TSQUERY, INT4), FLOAT4, name)
    fn(name, (WEIGHTS, TSVECTOR, TSQUERY), FLOAT4, name)
    fn(name, (WEIGHTS, TSVECTOR, TSQUERY, INT4), FLOAT4, name)

fn("setweight", (TSVECTOR, CHAR), TSVECTOR, "setweight")
fn("setweight", (TSVECTOR, CHAR, array_of(TEXT)), TSVECTOR, "setweight")
fn("strip", (TSVECTOR,), TSVECTOR, "strip")
fn("length", (TSVECTOR,), INT4, "tsvector_length")
fn("numnode", (TSQUERY,), INT4, "numnode")
fn("querytree", (TSQUERY,), TEXT, "querytree")

op("||", (TSVECTOR, TSVECTOR), TSVECTOR, "tsvector_concat")
fn("tsvector_concat", (TSVECTOR, TSVECTOR), TSVECTOR, "tsvector_concat")
for sym, impl in (("&&", "tsquery_and"), ("||", "tsquery_or"), ("<->", "tsquery_phrase")):
    op(sym, (TSQUERY, TSQUERY), TSQUERY, impl)
    fn(impl, (TSQUERY, TSQUERY), TSQUERY, impl)
fn("tsquery_phrase", (TSQUERY, TSQUERY, INT4), TSQUERY, "tsquery_phrase")
op("!!", (TSQUERY,), TSQUERY, "tsquery_not")
fn("tsquery_not", (TSQUERY,), TSQUERY, "tsquery_not")

for parser in (OID, TEXT):  # the default parser is the only one
    fn("ts_token_type", (parser,), RECORD, "ts_token_type", kind="s",
       out=(("tokid", INT4), ("alias", TEXT), ("description", TEXT)))
fn("ts_lexize", (REGDICTIONARY, TEXT), array_of(TEXT), "ts_lexize")
