"""pg_proc rows for the degree-based and hyperbolic trigonometric functions (float8)."""

from __future__ import annotations

from quantadb.sql.functions.signature import add_function
from quantadb.types.registry import FLOAT8

for _name in ("sind", "cosd", "tand", "cotd", "asind", "acosd", "atand",
              "sinh", "cosh", "tanh", "asinh", "acosh", "atanh"):
    add_function(_name, (FLOAT8,), FLOAT8, _name)
add_function("atan2d", (FLOAT8, FLOAT8), FLOAT8, "atan2d")
