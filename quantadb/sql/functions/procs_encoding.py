"""pg_proc rows for binary/text encodings and a few string and array functions: encode,
decode, convert_from, convert_to, length in an encoding, overlay, array_ndims."""

from __future__ import annotations

from quantadb.sql.functions.signature import add_function
from quantadb.types.registry import ANYARRAY, BYTEA, INT4, NAME, TEXT

add_function("encode", (BYTEA, TEXT), TEXT, "binary_encode")
add_function("decode", (TEXT, TEXT), BYTEA, "binary_decode")
add_function("convert_from", (BYTEA, NAME), TEXT, "pg_convert_from")
add_function("convert_to", (TEXT, NAME), BYTEA, "pg_convert_to")
add_function("length", (BYTEA, NAME), INT4, "length_in_encoding")
add_function("overlay", (TEXT, TEXT, INT4), TEXT, "textoverlay")
add_function("overlay", (TEXT, TEXT, INT4, INT4), TEXT, "textoverlay")
add_function("array_ndims", (ANYARRAY,), INT4, "array_ndims")
