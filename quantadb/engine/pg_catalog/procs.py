"""pg_proc and pg_operator from the SQL layer's function catalog (ALL_SIGNATURES), plus the
types' I/O functions and the languages' handlers with PostgreSQL's OIDs.

The signatures carry no OIDs; each gets a stable one derived from its name and argument types,
in ranges below FirstNormalObjectId (16384) that PostgreSQL 15's own objects leave free, so
clients treat them as system objects. The OIDs are computed once, on first use.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Iterator

from quantadb.engine.pg_catalog.routines import proc_rows
from quantadb.engine.pg_catalog.tables import Row, rows, stable_oid
from quantadb.engine.pg_catalog.typeio import io_procs
from quantadb.sql.functions.signature import FUNCTIONS, OPERATORS, Signature
from quantadb.types.registry import format_type

if TYPE_CHECKING:
    from quantadb.engine.session import Session

PG_CATALOG, OWNER, INTERNAL_LANGUAGE, C_LANGUAGE = 11, 10, 12, 13
# The procedural languages' handlers and validators (pg_language points at them), as in PostgreSQL 15:
# (oid, name, return type, argument types, language, volatility, strict, probin)
LANGUAGE_PROCS = (
    (2246, "fmgr_internal_validator", 2278, (26,), INTERNAL_LANGUAGE, "s", True, None),
    (2247, "fmgr_c_validator", 2278, (26,), INTERNAL_LANGUAGE, "s", True, None),
    (2248, "fmgr_sql_validator", 2278, (26,), INTERNAL_LANGUAGE, "s", True, None),
    (13560, "plpgsql_call_handler", 2280, (), C_LANGUAGE, "v", False, "$libdir/plpgsql"),
    (13561, "plpgsql_inline_handler", 2278, (2281,), C_LANGUAGE, "v", True, "$libdir/plpgsql"),
    (13562, "plpgsql_validator", 2278, (26,), C_LANGUAGE, "v", True, "$libdir/plpgsql"),
)
PROC_OIDS, OPERATOR_OIDS = (14000, 15200), (15200, 16384)
_PROKIND = {"f": "f", "s": "f", "a": "a", "w": "w"}


def signature_key(sig: Signature) -> str:
    return f"{sig.name}({','.join(str(a.oid) for a in sig.args)})"


@lru_cache(maxsize=1)
def functions() -> tuple[tuple[int, Signature], ...]:
    """OID and signature of each callable built-in; one that is also a type's I/O function
    (int4send) has that function's OID, as in PostgreSQL."""
    io_oids = {(p.name, p.argtypes): p.oid for p in io_procs()}
    taken: set[int] = set(io_oids.values())
    sigs = [s for name in sorted(FUNCTIONS) for s in FUNCTIONS[name]]
    return tuple((io_oids.get((s.name, tuple(a.oid for a in s.args))) or stable_oid(signature_key(s), taken,
                                                                                    *PROC_OIDS), s) for s in sigs)


@lru_cache(maxsize=1)
def operators() -> tuple[tuple[int, Signature], ...]:
    taken: set[int] = set()
    sigs = [s for key in sorted(OPERATORS) for s in OPERATORS[key]]
    return tuple((stable_oid(signature_key(s), taken, *OPERATOR_OIDS), s) for s in sigs)


def identity_arguments(sig: Signature) -> str:
    return ", ".join(format_type(a) for a in sig.args)


@lru_cache(maxsize=1)
def _names() -> tuple[dict[int, str], dict[str, list[int]]]:
    by_oid = ({oid: sig.name for oid, sig in functions()} | {p.oid: p.name for p in io_procs()}
              | {p[0]: p[1] for p in LANGUAGE_PROCS})
    by_name: dict[str, list[int]] = {}
    for oid, name in by_oid.items():
        by_name.setdefault(name, []).append(oid)
    return by_oid, by_name


def proc_name(oid: int) -> str | None:
    return _names()[0].get(oid)


def procs_named(name: str) -> list[int]:
    """OIDs of the built-in functions called `name` (all live in pg_catalog)."""
    return _names()[1].get(name, [])


def _proc_row(oid: int, name: str, args: list[int], ret: int, **kw: object) -> Row:
    return {"oid": oid, "proname": name, "pronamespace": PG_CATALOG, "proowner": OWNER,
            "prolang": INTERNAL_LANGUAGE, "procost": 1.0, "proparallel": "s", "pronargs": len(args),
            "prorettype": ret, "proargtypes": " ".join(str(a) for a in args), **kw}


@rows("pg_catalog.pg_proc")
def pg_proc(session: "Session") -> Iterator[Row]:
    for oid, sig in functions():
        yield _proc_row(oid, sig.name, [a.oid for a in sig.args], sig.ret.oid,
                        prorows=1000.0 if sig.kind == "s" else 0.0,
                        provariadic=sig.args[-1].oid if sig.variadic else 0, prokind=_PROKIND[sig.kind],
                        proisstrict=sig.strict, proretset=sig.kind == "s", provolatile="v" if sig.volatile else "i",
                        prosrc=sig.impl)
    callable_oids = {oid for oid, _ in functions()}
    for p in io_procs():  # the types' input/output functions
        if p.oid in callable_oids:
            continue
        yield _proc_row(p.oid, p.name, list(p.argtypes), p.rettype, prorows=0.0, provariadic=0, prokind="f",
                        proisstrict=p.strict, proretset=False, provolatile=p.volatile, prosrc=p.name)
    for oid, name, ret, args, lang, volatile, strict, probin in LANGUAGE_PROCS:
        yield _proc_row(oid, name, list(args), ret, prolang=lang, prorows=0.0, provariadic=0, prokind="f",
                        proisstrict=strict, proretset=False, provolatile=volatile, proparallel="u", prosrc=name,
                        probin=probin)
    yield from proc_rows(session)  # user-defined functions and procedures


@rows("pg_catalog.pg_operator")
def pg_operator(session: "Session") -> Iterator[Row]:
    for oid, sig in operators():
        binary = len(sig.args) == 2
        yield {"oid": oid, "oprname": sig.name, "oprnamespace": PG_CATALOG, "oprowner": OWNER,
               "oprkind": "b" if binary else "l", "oprleft": sig.args[0].oid if binary else 0,
               "oprright": sig.args[-1].oid, "oprresult": sig.ret.oid}
