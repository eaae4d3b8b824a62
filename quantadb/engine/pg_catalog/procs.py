"""pg_proc and pg_operator from the SQL layer's function catalog (ALL_SIGNATURES).

The signatures carry no OIDs; each gets a stable one derived from its name and argument types,
in ranges below FirstNormalObjectId (16384) that PostgreSQL 15's own objects leave free, so
clients treat them as system objects. The OIDs are computed once, on first use.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Iterator

from quantadb.engine.pg_catalog.tables import Row, rows, stable_oid
from quantadb.sql.functions.signature import FUNCTIONS, OPERATORS, Signature
from quantadb.types.registry import format_type

if TYPE_CHECKING:
    from quantadb.engine.session import Session

PG_CATALOG, OWNER, INTERNAL_LANGUAGE = 11, 10, 12
PROC_OIDS, OPERATOR_OIDS = (14000, 15200), (15200, 16384)
_PROKIND = {"f": "f", "s": "f", "a": "a", "w": "w"}


def signature_key(sig: Signature) -> str:
    return f"{sig.name}({','.join(str(a.oid) for a in sig.args)})"


@lru_cache(maxsize=1)
def functions() -> tuple[tuple[int, Signature], ...]:
    taken: set[int] = set()
    sigs = [s for name in sorted(FUNCTIONS) for s in FUNCTIONS[name]]
    return tuple((stable_oid(signature_key(s), taken, *PROC_OIDS), s) for s in sigs)


@lru_cache(maxsize=1)
def operators() -> tuple[tuple[int, Signature], ...]:
    taken: set[int] = set()
    sigs = [s for key in sorted(OPERATORS) for s in OPERATORS[key]]
    return tuple((stable_oid(signature_key(s), taken, *OPERATOR_OIDS), s) for s in sigs)


def identity_arguments(sig: Signature) -> str:
    return ", ".join(format_type(a) for a in sig.args)


@rows("pg_catalog.pg_proc")
def pg_proc(session: "Session") -> Iterator[Row]:
    for oid, sig in functions():
        yield {"oid": oid, "proname": sig.name, "pronamespace": PG_CATALOG, "proowner": OWNER,
               "prolang": INTERNAL_LANGUAGE, "procost": 1.0, "prorows": 1000.0 if sig.kind == "s" else 0.0,
               "provariadic": sig.args[-1].oid if sig.variadic else 0, "prokind": _PROKIND[sig.kind],
               "proisstrict": sig.strict, "proretset": sig.kind == "s", "provolatile": "v" if sig.volatile else "i",
               "proparallel": "s", "pronargs": len(sig.args), "prorettype": sig.ret.oid,
               "proargtypes": " ".join(str(a.oid) for a in sig.args), "prosrc": sig.impl}


@rows("pg_catalog.pg_operator")
def pg_operator(session: "Session") -> Iterator[Row]:
    for oid, sig in operators():
        binary = len(sig.args) == 2
        yield {"oid": oid, "oprname": sig.name, "oprnamespace": PG_CATALOG, "oprowner": OWNER,
               "oprkind": "b" if binary else "l", "oprleft": sig.args[0].oid if binary else 0,
               "oprright": sig.args[-1].oid, "oprresult": sig.ret.oid}
