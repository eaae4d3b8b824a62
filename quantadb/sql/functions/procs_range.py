"""pg_proc / pg_operator rows of the range types: constructors, lower/upper & co. and the range
operators, declared per range type with its subtype (PostgreSQL declares them on anyrange and
anyelement; one row per concrete type resolves the same calls). Impls: exec/functions/ranges.py.
"""

from __future__ import annotations

from quantadb.sql.functions.signature import add_function
from quantadb.sql.functions.signature import add_operator as op
from quantadb.types.ranges import KINDS
from quantadb.types.registry import BOOL, TEXT

COMPARISONS = {"=": "eq", "<>": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
PREDICATES = (("isempty", "range_empty"), ("lower_inc", "range_lower_inc"), ("upper_inc", "range_upper_inc"),
              ("lower_inf", "range_lower_inf"), ("upper_inf", "range_upper_inf"))
RANGE_PREDICATE_OPS = {"@>": "range_contains", "<@": "range_contained_by", "&&": "range_overlaps",
                       "<<": "range_before", ">>": "range_after", "&<": "range_overleft", "&>": "range_overright",
                       "-|-": "range_adjacent"}
RANGE_SET_OPS = {"+": "range_union", "*": "range_intersect", "-": "range_minus"}

for kind in KINDS.values():
    rng, sub = kind.range, kind.subtype
    add_function(rng.name, (sub, sub), rng, "range_constructor", strict=False)
    add_function(rng.name, (sub, sub, TEXT), rng, "range_constructor", strict=False)
    add_function("lower", (rng,), sub, "range_lower")
    add_function("upper", (rng,), sub, "range_upper")
    for name, impl in PREDICATES:
        add_function(name, (rng,), BOOL, impl)
    add_function("range_merge", (rng, rng), rng, "range_merge")
    for sym, suffix in COMPARISONS.items():
        op(sym, (rng, rng), BOOL, "range_" + suffix)
        add_function("range_" + suffix, (rng, rng), BOOL, "range_" + suffix)
    for sym, impl in RANGE_PREDICATE_OPS.items():
        op(sym, (rng, rng), BOOL, impl)
    for sym, impl in RANGE_SET_OPS.items():
        op(sym, (rng, rng), rng, impl)
    op("@>", (rng, sub), BOOL, "range_contains_elem", exact=True)
    op("<@", (sub, rng), BOOL, "elem_contained_by_range", exact=True)
