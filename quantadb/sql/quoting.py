"""Identifiers as PostgreSQL quotes them (quote_identifier in ruleutils.c): plain when lower-case
ASCII letters, digits and underscores not starting with a digit, and not a keyword that is
reserved in any way; double-quoted otherwise. quote_ident(), deparsed SQL, messages and the
statements the engine writes itself all quote this one way."""

from __future__ import annotations

import re

from sqlglot import exp

# every keyword that is not UNRESERVED_KEYWORD in PostgreSQL 15's kwlist.h
RESERVED = frozenset("""all analyse analyze and any array as asc asymmetric authorization binary both case cast
check collate collation column concurrently constraint create cross current_catalog current_date current_role
current_schema current_time current_timestamp current_user default deferrable desc distinct do else end except
false fetch for foreign freeze from full grant group having ilike in initially inner intersect into is isnull
join lateral leading left like limit localtime localtimestamp natural not notnull null offset on only or order
outer overlaps placing primary references returning right select session_user similar some symmetric system_user
table tablesample then to trailing true union unique user using variadic verbose when where window with
between bigint bit boolean char character coalesce dec decimal exists extract float greatest grouping inout int
integer interval least national nchar none normalize nullif numeric out overlay position precision real row
setof smallint substring time timestamp treat trim values varchar xmlattributes xmlconcat xmlelement xmlexists
xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable""".split())
_PLAIN_IDENT = re.compile(r"[a-z_][a-z0-9_]*\Z")


def quote_ident(name: str) -> str:
    if _PLAIN_IDENT.match(name) and name not in RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def ident(name: str) -> exp.Identifier:
    """`name` as a sqlglot identifier, quoted where PostgreSQL would quote it."""
    return exp.to_identifier(name, quoted=quote_ident(name) != name)
