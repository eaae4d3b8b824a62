"""Operator and function resolution, PostgreSQL's "Type Conversion" chapter (§10.2, §10.3, §10.5).

Candidates are filtered by implicit coercibility, then narrowed as parse_func.c's
func_select_candidate does: most exact matches, most preferred types where a conversion is
needed, category of unknown-typed inputs (string wins), and finally "unknowns take the type
of the known arguments". Polymorphic parameters resolve like PostgreSQL 14+'s anycompatible
family: the common type of the arguments bound to them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from quantadb.errors import AmbiguousFunction, CannotCoerce, DatatypeMismatch, UndefinedFunction
from quantadb.sql.functions.signature import FUNCTIONS, OPERATORS, POLYMORPHIC, Match, Signature
from quantadb.types.casts import can_cast
from quantadb.types.registry import (
    ANY, ANYARRAY, ANYELEMENT, ANYENUM, ANYNONARRAY, RECORD, TEXT, UNKNOWN, PgType, SqlType, array_of, element_of, format_type,
    lookup,
)

from quantadb.types.rowtypes import record_type

_AMBIGUOUS_HINT = "Could not choose a best candidate {}. You might need to add explicit type casts."


def implicit_coercible(src: SqlType, dst: SqlType) -> bool:
    """Whether `src` converts to `dst` without an explicit cast (pg_cast context 'i')."""
    s, d = src.pg, dst.pg
    if s is d or s is UNKNOWN or d is ANY:
        return True
    if s.is_array and d.is_array:
        return implicit_coercible(SqlType(element_of(s)), SqlType(element_of(d)))
    return can_cast(s, d) == "i"


@lru_cache(maxsize=4096)
def _coercible(src: PgType, dst: PgType) -> bool:
    return implicit_coercible(SqlType(src), SqlType(dst))


def select_common_type(types: list[SqlType], context: str,
                       where: Callable[[int], int | None] | None = None) -> SqlType:
    """The type UNION/CASE/COALESCE/IN/VALUES/ARRAY branches are converted to (parse_coerce.c).
    `where(i)`: the error position of branch i, for the branch an error is about."""
    first = types[0]
    rows = [t.extra for t in types if t.pg is RECORD]
    if rows and all(t.pg in (RECORD, UNKNOWN) for t in types):
        # rows of one shape keep their fields; mixed ones print value by value
        same = all([ft for _, ft in r] == [ft for _, ft in rows[0]] for r in rows)
        return SqlType(RECORD, extra=rows[0] if same else ())
    if first.pg is not UNKNOWN and all(t.pg is first.pg for t in types):
        same_mod = all(t.typmod == first.typmod for t in types)
        return first if same_mod else SqlType(first.pg)
    ptype = first.pg
    for i, t in enumerate(types[1:], 1):
        ntype = t.pg
        if ntype is UNKNOWN or ntype is ptype:
            continue
        if ptype is UNKNOWN:
            ptype = ntype
        elif ntype.category != ptype.category:
            raise DatatypeMismatch(f"{context} types {format_type(ptype)} and {format_type(ntype)} cannot be matched",
                                   position=where(i) if where is not None else None)
        elif not ptype.preferred and _coercible(ptype, ntype) and not _coercible(ntype, ptype):
            ptype = ntype
    if ptype is UNKNOWN:
        ptype = TEXT
    for i, t in enumerate(types):
        if not _coercible(t.pg, ptype):
            raise CannotCoerce(f"{context} could not convert type {format_type(t.pg)} to {format_type(ptype)}",
                               position=where(i) if where is not None else None)
    return SqlType(ptype)


def _expand(sig: Signature, nargs: int) -> tuple[PgType, ...] | None:
    if sig.variadic:
        fixed = len(sig.args) - 1
        return sig.args[:fixed] + (sig.args[-1],) * (nargs - fixed) if nargs >= len(sig.args) else None
    return sig.args if len(sig.args) == nargs else None


def _resolve_polymorphic(params: tuple[PgType, ...], inputs: list[PgType]) -> PgType | None | bool:
    """The element type polymorphic parameters bind to; None when there are none, False on conflict."""
    elems: list[SqlType] = []
    for p, t in zip(params, inputs):
        if p is ANYELEMENT or p is ANYNONARRAY or p is ANYENUM:
            if t is not UNKNOWN:
                elems.append(SqlType(t))
        elif p is ANYARRAY and t is not UNKNOWN:
            if not t.is_array:
                return False
            elems.append(SqlType(element_of(t)))
    if not any(p in POLYMORPHIC for p in params):
        return None
    if not elems:
        return TEXT
    try:
        elem = select_common_type(elems, "polymorphic").pg
    except (DatatypeMismatch, CannotCoerce):
        return False
    if ANYNONARRAY in params and elem.is_array:
        return False
    if ANYENUM in params and elem.enum is None:
        return False
    if ANYARRAY in params and not elem.array_oid:
        return False
    return elem


def _concrete(p: PgType, elem: PgType | None, actual: PgType) -> PgType:
    if p is ANYELEMENT or p is ANYNONARRAY or p is ANYENUM:
        return elem
    if p is ANYARRAY:
        return array_of(elem)
    if p is ANY:
        return TEXT if actual is UNKNOWN else actual
    return p


class _Candidate:
    __slots__ = ("sig", "declared", "concrete", "elem")

    def __init__(self, sig: Signature, declared: tuple[PgType, ...], concrete: tuple[PgType, ...], elem: PgType | None):
        self.sig, self.declared, self.concrete, self.elem = sig, declared, concrete, elem


def _applicable(sigs: list[Signature], inputs: list[PgType]) -> list[_Candidate]:
    out = []
    for sig in sigs:
        declared = _expand(sig, len(inputs))
        if declared is None:
            continue
        elem = _resolve_polymorphic(declared, inputs)
        if elem is False or (sig.ret is ANYARRAY and elem is not None and not elem.array_oid):
            continue
        concrete = tuple(_concrete(p, elem, t) for p, t in zip(declared, inputs))
        if sig.exact and any(t is not c and t is not UNKNOWN for t, c in zip(inputs, concrete)):
            continue
        if all(_coercible(t, c) for t, c in zip(inputs, concrete)):
            out.append(_Candidate(sig, declared, concrete, elem))
    return out


def _select(cands: list[_Candidate], inputs: list[PgType]) -> list[_Candidate]:
    """func_select_candidate: narrow the coercible candidates to (ideally) one."""
    known = [i for i, t in enumerate(inputs) if t is not UNKNOWN]

    def keep_best(score) -> list[_Candidate]:
        scores = [score(c) for c in cands]
        best = max(scores)
        return [c for c, s in zip(cands, scores) if s == best]

    cands = keep_best(lambda c: sum(c.declared[i] is inputs[i] for i in known))
    if len(cands) == 1:
        return cands
    cands = keep_best(lambda c: sum(c.declared[i] is inputs[i] or
                                    (c.declared[i].preferred and c.declared[i].category == inputs[i].category)
                                    for i in known))
    if len(cands) == 1:
        return cands
    unknown_pos = [i for i, t in enumerate(inputs) if t is UNKNOWN]
    if unknown_pos:
        narrowed = cands
        for i in unknown_pos:
            cats = {c.declared[i].category for c in narrowed}
            category = "S" if "S" in cats else (cats.pop() if len(cats) == 1 else None)
            if category is None:
                narrowed = None
                break
            in_cat = [c for c in narrowed if c.declared[i].category == category]
            preferred = [c for c in in_cat if c.declared[i].preferred]
            narrowed = preferred or in_cat
        if narrowed:
            cands = narrowed
            if len(cands) == 1:
                return cands
        known_types = {inputs[i] for i in known}
        if len(known_types) == 1:
            t = known_types.pop()
            fits = [c for c in cands if all(_coercible(t, c.concrete[i]) for i in unknown_pos)]
            if len(fits) == 1:
                return fits
    return cands


def _match(c: _Candidate, inputs: list[PgType]) -> Match:
    sig = c.sig
    ret = _concrete(sig.ret, c.elem, sig.ret) if sig.ret in POLYMORPHIC else sig.ret
    out = [(n, _concrete(t, c.elem, t) if t in POLYMORPHIC else t) for n, t in sig.out]
    # a single OUT parameter of a non-record function only names its column (jsonb_array_elements)
    ret_type = record_type([(n, SqlType(t)) for n, t in out]) if sig.out and ret is RECORD else SqlType(ret)
    return Match(sig, tuple(SqlType(t) for t in c.concrete), ret_type)


def _exact(cands: list[_Candidate], inputs: list[PgType]) -> _Candidate | None:
    for c in cands:
        if all(d is t for d, t in zip(c.declared, inputs)):
            return c
    return None


def _describe_op(op: str, inputs: list[PgType]) -> str:
    if len(inputs) == 1:
        return f"{op} {format_type(inputs[0])}"
    return f"{format_type(inputs[0])} {op} {format_type(inputs[1])}"


def resolve_operator(op: str, left: SqlType | None, right: SqlType) -> Match:
    """Resolve `left op right` (left None: prefix operator) per §10.2."""
    op = "<>" if op == "!=" else op.upper() if op.isalpha() else op
    return _resolve_operator(op, None if left is None else left.pg, right.pg)


@lru_cache(maxsize=4096)  # binding is on the short-statement path; resolution is pure
def _resolve_operator(op: str, left: PgType | None, right: PgType) -> Match:
    inputs = [right] if left is None else [left, right]
    sigs = OPERATORS.get(f"{op}/{len(inputs)}", [])
    cands = _applicable(sigs, inputs)
    # §10.2 step 2a: an unknown operand is assumed to have the other operand's type.
    probe = inputs
    if len(inputs) == 2 and (inputs[0] is UNKNOWN) != (inputs[1] is UNKNOWN):
        other = inputs[1] if inputs[0] is UNKNOWN else inputs[0]
        probe = [other, other]
    exact = _exact(cands, probe)
    if exact is not None:
        return _match(exact, inputs)
    chosen = _select(cands, inputs) if cands else []
    if len(chosen) == 1:
        return _match(chosen[0], inputs)
    if not chosen:
        arg = "argument type. You might need to add an explicit type cast." if left is None else \
            "argument types. You might need to add explicit type casts."
        raise UndefinedFunction(f"operator does not exist: {_describe_op(op, inputs)}",
                                hint=f"No operator matches the given name and {arg}")
    raise AmbiguousFunction(f"operator is not unique: {_describe_op(op, inputs)}",
                            hint=_AMBIGUOUS_HINT.format("operator"))


def resolve_function(name: str, args: list[SqlType]) -> Match:
    """Resolve a function or aggregate call `name(args...)` per §10.3."""
    return _resolve_function(name.lower(), tuple(a.pg for a in args))


@lru_cache(maxsize=4096)
def _resolve_function(name: str, args: tuple[PgType, ...]) -> Match:
    return resolve_among(name, FUNCTIONS.get(name, []), list(args))


def resolve_among(name: str, sigs: list[Signature], inputs: list[PgType]) -> Match:
    """Resolve `name(inputs)` over the candidate signatures `sigs` (built-in and user functions)."""
    cands = _applicable(sigs, inputs)
    exact = _exact(cands, inputs)
    if exact is not None:
        return _match(_determined(exact, inputs), inputs)
    chosen = _select(cands, inputs) if cands else []
    if len(chosen) == 1:
        return _match(_determined(chosen[0], inputs), inputs)
    if not chosen and len(inputs) == 1:
        cast = _function_style_cast(name, inputs[0])
        if cast is not None:
            return cast
    shown = f"{name}({', '.join(format_type(t) for t in inputs)})"
    if not chosen:
        raise UndefinedFunction(f"function {shown} does not exist",
                                hint="No function matches the given name and argument types. "
                                     "You might need to add explicit type casts.")
    raise AmbiguousFunction(f"function {shown} is not unique",
                            hint=_AMBIGUOUS_HINT.format("function"))


# Functions declared with anycompatible* in PostgreSQL: untyped arguments alone resolve to text.
_ANYCOMPATIBLE = frozenset(("array_append", "array_prepend", "array_cat", "array_position", "array_positions",
                            "array_remove", "array_replace"))


def _determined(c: _Candidate, inputs: list[PgType]) -> _Candidate:
    """enforce_generic_type_consistency: anyelement/anyarray parameters need a typed argument."""
    poly = [t for p, t in zip(c.declared, inputs) if p in POLYMORPHIC]
    if poly and all(t is UNKNOWN for t in poly) and c.sig.name not in _ANYCOMPATIBLE:
        raise DatatypeMismatch("could not determine polymorphic type because input has type unknown")
    return c


def _function_style_cast(name: str, src: PgType) -> Match | None:
    """`typename(x)` with no function of that name: an explicit cast (§10.3 step 2), impl
    "cast_function" converting from the argument's type to the call's type."""
    dst = lookup(name)
    if dst is None or dst.category == "P":
        return None
    src = TEXT if src is UNKNOWN else src
    if src is not dst and can_cast(src, dst) is None and "S" not in (src.category, dst.category):
        return None
    sig = Signature(name, (src,), dst, "cast_function")
    return Match(sig, (SqlType(src),), SqlType(dst))


def resolve_array_op(op: str, left: SqlType, array: SqlType, use_or: bool = True) -> Match:
    """`left op ANY(array)` (use_or) or `op ALL(array)`: the element operator, impl suffixed
    "@any"/"@all" (exec registers a wrapper per comparison impl); returns bool."""
    elem = SqlType(element_of(array.pg)) if array.pg.is_array else array
    m = resolve_operator(op, left, elem)
    sig = m.sig
    wrapped = Signature(sig.name, sig.args, sig.ret, sig.impl + ("@any" if use_or else "@all"), sig.kind,
                        False, sig.volatile)
    arr_t = SqlType(array_of(m.arg_types[1].pg))
    return Match(wrapped, (m.arg_types[0], arr_t), m.ret)
