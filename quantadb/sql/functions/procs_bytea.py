"""pg_proc rows of the bytea byte/bit functions, bytea trimming and substrings."""

from __future__ import annotations

from quantadb.sql.functions.signature import add_function
from quantadb.types.registry import BYTEA, INT4, INT8

add_function("get_byte", (BYTEA, INT4), INT4, "bytea_get_byte")
add_function("set_byte", (BYTEA, INT4, INT4), BYTEA, "bytea_set_byte")
add_function("get_bit", (BYTEA, INT8), INT4, "bytea_get_bit")
add_function("set_bit", (BYTEA, INT8, INT4), BYTEA, "bytea_set_bit")
add_function("bit_count", (BYTEA,), INT8, "bytea_bit_count")
for _name in ("btrim", "ltrim", "rtrim"):
    add_function(_name, (BYTEA, BYTEA), BYTEA, f"bytea_{_name}")
add_function("bit_length", (BYTEA,), INT4, "bytea_bit_length")
for _name in ("substr", "substring"):
    add_function(_name, (BYTEA, INT4, INT4), BYTEA, "text_substr")  # slicing is the same for bytes
    add_function(_name, (BYTEA, INT4), BYTEA, "text_substr")
