"""pg_proc rows of timezone(zone, ts), the function behind `ts AT TIME ZONE zone`."""

from __future__ import annotations

from quantadb.sql.functions.signature import add_function
from quantadb.types.registry import TEXT, TIMESTAMP, TIMESTAMPTZ

add_function("timezone", (TEXT, TIMESTAMPTZ), TIMESTAMP, "timezone_of_timestamptz")
add_function("timezone", (TEXT, TIMESTAMP), TIMESTAMPTZ, "timezone_of_timestamp")
