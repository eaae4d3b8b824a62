"""Signature (one pg_proc / pg_operator row) and Match (a resolved call), plus the registry.

Signatures are declared in tables by `ops.py` and `procs.py`; `impl` names a key of the
executor's SCALARS / AGGREGATES / SETFNS registries (this layer never imports them).
"""

from __future__ import annotations

from dataclasses import dataclass

from quantadb.types.registry import ANY, ANYARRAY, ANYELEMENT, ANYENUM, ANYNONARRAY, PgType, SqlType

POLYMORPHIC = (ANYELEMENT, ANYARRAY, ANYNONARRAY, ANYENUM)


@dataclass(frozen=True)
class Signature:
    """One pg_proc (functions) or pg_operator (operators) row.

    `kind`: f scalar, a aggregate, w window, s set-returning. A `variadic` signature's last
    argument repeats one or more times (VARIADIC "any" / VARIADIC anyelement style).
    """

    name: str
    args: tuple[PgType, ...]
    ret: PgType
    impl: str
    kind: str = "f"
    strict: bool = True
    volatile: bool = False
    variadic: bool = False
    out: tuple[tuple[str, PgType], ...] = ()  # OUT parameters (a record's fields, or one column's name)
    # arguments must have the declared types (unknown literals aside): PostgreSQL's anyrange with
    # anyelement, whose element must be the range's subtype without any cast (int8range @> 2 fails)
    exact: bool = False

    @property
    def polymorphic(self) -> bool:
        return any(a in POLYMORPHIC for a in self.args) or self.ret in POLYMORPHIC


@dataclass(frozen=True)
class Match:
    """A resolved call: `arg_types` are the types each argument must be cast to."""

    sig: Signature
    arg_types: tuple[SqlType, ...]
    ret: SqlType


ALL_SIGNATURES: list[Signature] = []
OPERATORS: dict[str, list[Signature]] = {}   # keyed by "op/1" (prefix) or "op/2"
FUNCTIONS: dict[str, list[Signature]] = {}


def add_operator(name: str, args: tuple[PgType, ...], ret: PgType, impl: str, **kw: object) -> Signature:
    sig = Signature(name, args, ret, impl, **kw)
    ALL_SIGNATURES.append(sig)
    OPERATORS.setdefault(f"{name}/{len(args)}", []).append(sig)
    return sig


def add_function(name: str, args: tuple[PgType, ...], ret: PgType, impl: str, **kw: object) -> Signature:
    sig = Signature(name, args, ret, impl, **kw)
    ALL_SIGNATURES.append(sig)
    FUNCTIONS.setdefault(name, []).append(sig)
    return sig


def functions_named(name: str) -> list[Signature]:
    """Every function signature called `name` (pg_proc rows), aggregates included."""
    return list(FUNCTIONS.get(name.lower(), ()))


__all__ = ["Signature", "Match", "ALL_SIGNATURES", "OPERATORS", "FUNCTIONS", "ANY", "functions_named",
           "add_operator", "add_function", "POLYMORPHIC"]
