"""pg_proc rows for type introspection: pg_typeof("any") -> regtype (resolved at bind time), and
the typsend functions of the common types (int8send(bigint) -> bytea, ...)."""

from __future__ import annotations

from quantadb.sql.functions.signature import add_function
from quantadb.types import registry as R
from quantadb.types.registry import ANY, BYTEA, REGTYPE

add_function("pg_typeof", (ANY,), REGTYPE, "pg_typeof", strict=False)

for _t in (R.BOOL, R.INT2, R.INT4, R.INT8, R.FLOAT4, R.FLOAT8, R.TEXT, R.VARCHAR, R.BPCHAR, R.BYTEA, R.OID):
    add_function(f"{_t.name}send", (_t,), BYTEA, "type_send")
for _t in (R.NUMERIC, R.DATE, R.TIME, R.TIMESTAMP, R.TIMESTAMPTZ, R.INTERVAL, R.UUID, R.JSONB):
    add_function(f"{_t.name}_send", (_t,), BYTEA, "type_send")  # PostgreSQL spells these with "_"
