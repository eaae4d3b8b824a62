"""pg_proc rows for type introspection: pg_typeof("any") -> regtype (resolved at bind time)."""

from __future__ import annotations

from quantadb.sql.functions.signature import add_function
from quantadb.types.registry import ANY, REGTYPE

add_function("pg_typeof", (ANY,), REGTYPE, "pg_typeof", strict=False)
