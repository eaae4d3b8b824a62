"""The equality keys of a join condition: what the hash join (exec/join.py) matches on, and
what an index lookup of the right side (index_paths.use_index_lookups) reads by."""

from __future__ import annotations

from quantadb.sql.expr import BoolOp, Call, ColumnRef, Expr, OuterRef, transform, walk

def split_equi_keys(condition: Expr | None, nleft: int) -> tuple[list[Expr], list[Expr], Expr | None]:
    """Equality conjuncts `l = r` with l over the left input only and r over the right only
    (r renumbered to the right input's columns), and the rest of the condition."""
    if condition is None:
        return [], [], None
    conjuncts = condition.args if isinstance(condition, BoolOp) and condition.op == "and" else [condition]
    left_keys, right_keys, rest = [], [], []
    for c in conjuncts:
        if isinstance(c, Call) and c.name == "=" and len(c.args) == 2:
            a, b = c.args
            sa, sb = _side(a, nleft), _side(b, nleft)
            if sa == "l" and sb == "r":
                left_keys.append(a)
                right_keys.append(_shift(b, nleft))
                continue
            if sa == "r" and sb == "l":
                left_keys.append(b)
                right_keys.append(_shift(a, nleft))
                continue
        rest.append(c)
    residual = None if not rest else (rest[0] if len(rest) == 1 else BoolOp("and", rest, condition.type))
    return left_keys, right_keys, residual


def _side(e: Expr, nleft: int) -> str:
    sides = set()
    for n in walk(e):
        if isinstance(n, ColumnRef):
            sides.add("l" if n.index < nleft else "r")
        elif isinstance(n, OuterRef) or hasattr(n, "plan"):
            return "x"
    return sides.pop() if len(sides) == 1 else "x"


def _shift(e: Expr, nleft: int) -> Expr:
    return transform(e, lambda n: ColumnRef(n.index - nleft, n.type, n.name) if isinstance(n, ColumnRef) else None)
