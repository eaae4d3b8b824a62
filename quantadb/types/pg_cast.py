"""PostgreSQL 15's pg_cast rows among QuantaDB's builtin types, and the cast-context rules.

The table below is `select castsource, casttarget, castcontext from pg_cast` from a real
PostgreSQL 15, restricted to the types in types/registry.py; each line reads
`source context: targets` with context i (implicit), a (assignment) or e (explicit).
Casts that pg_cast does not list follow find_coercion_pathway: a type to itself is implicit,
any type to a string type is an assignment I/O cast, a string type to any type is an explicit
I/O cast, unknown converts implicitly to anything, and arrays cast as their elements do.
"""

from __future__ import annotations

from quantadb.types import registry as r
from quantadb.types.registry import PgType

_PG_CAST = """
bool e: int4
bool a: text bpchar varchar
char e: int4
char i: text
char a: bpchar varchar
name i: text
name a: bpchar varchar
int8 a: int2 int4 money
int8 i: regproc oid float4 float8 numeric regprocedure regoper regoperator regclass regtype regnamespace regrole
int8 i: regconfig regdictionary
int8 e: bit
int2 i: int8 int4 regproc oid float4 float8 numeric regprocedure regoper regoperator regclass regtype regnamespace regrole
int2 i: regconfig regdictionary
int4 e: bool char bit
int4 i: int8 regproc oid float4 float8 numeric regprocedure regoper regoperator regclass regtype regnamespace regrole
int4 i: regconfig regdictionary
int4 a: int2 money
regproc a: int8 int4
regproc i: oid regprocedure
text a: char
text i: name bpchar varchar regclass
text e: xml
oid a: int8 int4
oid i: regproc regprocedure regoper regoperator regclass regtype regnamespace regrole
oid i: regconfig regdictionary
json a: jsonb
xml a: text bpchar varchar
pg_node_tree i: text
float4 a: int8 int2 int4 numeric
float4 i: float8
float8 a: int8 int2 int4 float4 numeric
money a: numeric
inet a: text bpchar varchar
bpchar a: char
bpchar i: name text bpchar varchar
bpchar e: xml
varchar a: char
varchar i: name text bpchar varchar regclass
varchar e: xml
date i: timestamp timestamptz
time i: time interval timetz
timestamp a: date time
timestamp i: timestamp timestamptz
timestamptz a: date time timestamp timetz
timestamptz i: timestamptz
interval a: time
interval i: interval
timetz a: time
timetz i: timetz
bit e: int8 int4
bit i: bit varbit
varbit i: bit varbit
numeric a: int8 int2 int4 money
numeric i: float4 float8 numeric
regprocedure a: int8 int4
regprocedure i: regproc oid
regoper a: int8 int4
regoper i: oid regoperator
regoperator a: int8 int4
regoperator i: oid regoper
regclass a: int8 int4
regclass i: oid
regtype a: int8 int4
regtype i: oid
jsonb e: bool int8 int2 int4 float4 float8 numeric
jsonb a: json
regnamespace a: int8 int4
regnamespace i: oid
regrole a: int8 int4
regrole i: oid
regconfig a: int8 int4
regconfig i: oid
regdictionary a: int8 int4
regdictionary i: oid
xid8 e: xid
"""


def _load() -> dict[tuple[int, int], str]:
    table = {}
    for line in _PG_CAST.strip().splitlines():
        head, targets = line.split(":")
        source, context = head.split()
        for target in targets.split():
            table[(r.BY_NAME[source].oid, r.BY_NAME[target].oid)] = context
    return table


PG_CAST: dict[tuple[int, int], str] = _load()
_STRING_CATEGORY = {r.TEXT.oid, r.VARCHAR.oid, r.BPCHAR.oid, r.NAME.oid}


def can_cast(src: PgType, dst: PgType) -> str | None:
    """The context in which `src` converts to `dst`: 'i', 'a', 'e', or None if it cannot."""
    if src.oid == dst.oid:
        return "i"
    if src.oid == r.UNKNOWN.oid:
        return "i"
    found = PG_CAST.get((src.oid, dst.oid))
    if found:
        return found
    if src.oid in (r.INT2VECTOR.oid, r.OIDVECTOR.oid) and dst.is_array:
        return "i"  # binary-coercible to int2[] / oid[] in PostgreSQL; any array by element cast
    if src.is_array and dst.is_array:
        return can_cast(r.element_of(src), r.element_of(dst))
    if src is r.RECORD and dst.composite is not None or src.composite is not None and dst is r.RECORD:
        return "i"  # a row becomes a composite field by field (coerce_record_to_complex)
    if dst.oid in _STRING_CATEGORY:
        return "a"
    if src.oid in _STRING_CATEGORY:
        return "e"
    return None
