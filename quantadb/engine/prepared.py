"""Prepared statements and portals: what Parse/PREPARE create and Bind/DECLARE open, and the
decoders of Bind's parameter values.

A prepared statement's parameter and result types are fixed when it is described; a plan bound
later, after the catalog changed, must keep the result type (PostgreSQL's cached plans refuse
otherwise with 0A000, since the client decodes rows by the RowDescription it was sent)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from quantadb.engine.results import ColumnDesc
from quantadb.errors import FeatureNotSupported
from quantadb.types import registry as R
from quantadb.types.codecs import binary_decoder, text_decoder
from quantadb.types.context import FormatContext
from quantadb.types.registry import SqlType

_MAX_DECODER_SETS = 256

if TYPE_CHECKING:
    from quantadb.engine import statements as S


@dataclass
class Prepared:
    """A parsed (and, once bound, planned) statement: the unit Parse and PREPARE create."""

    text: str
    stmt: S.Statement
    param_types: list[SqlType]
    columns: list[ColumnDesc] | None = None
    described: bool = False
    catalog_version: int = 0  # of the plan that described it (its result type is fixed from then)
    # ((catalog version, settings version), its plan when it runs as a point read alone, else
    # None): what PointRound checks once per catalog or settings change (engine/point_round.py)
    point_plan: tuple[tuple[int, int], S.Bound | None] | None = None

    def describe(self, bound: S.Bound) -> None:
        """Fix the parameter and result types from a plan (Parse's Describe, PREPARE)."""
        self.param_types, self.columns = bound.param_types, bound.columns
        self.described, self.catalog_version = True, bound.catalog_version

    def revalidate(self, bound: S.Bound) -> None:
        """A plan bound after the catalog changed must keep the described result type, as
        PostgreSQL's cached plans (a client decodes rows by the RowDescription it was sent)."""
        if _row_type(bound.columns) != _row_type(self.columns):
            raise FeatureNotSupported("cached plan must not change result type")
        self.catalog_version = bound.catalog_version


def _row_type(columns: list[ColumnDesc] | None) -> list[tuple[str, SqlType]] | None:
    return None if columns is None else [(c.name, c.type) for c in columns]


@dataclass
class Portal:
    prepared: Prepared
    params: list[Any]
    formats: list[int]
    rows: Any = None  # the materialized Result once executed
    position: int = 0
    done: bool = False
    cursor: bool = False  # DECLAREd: lives until CLOSE or transaction end (WITH HOLD: session end)
    hold: bool = False
    # SCROLL / NO SCROLL; None, neither said: QuantaDB's cursors are materialized, and scroll as
    # PostgreSQL's plans mostly do
    scrollable: bool | None = None
    current_of: Any = None  # a cursor's row ids, for WHERE CURRENT OF (engine/current_of.py's CursorRows)
    literals: list[str] | None = None  # auto-parameterized literal texts, decoded once types are known


class ParamDecoders:
    """A session's decoders of parameter values: per parameter-type list (a Prepared's or a plan's,
    the same object at every execution, found by identity) the list of decoders, made once for
    the session's FormatContext (a new one, after SET DateStyle and the like, makes them anew)."""

    def __init__(self) -> None:
        self._ctx: FormatContext | None = None
        self._by_type: dict[tuple[SqlType, int], Callable[[bytes], Any]] = {}  # (type, format) -> decoder
        # id(types) -> (the list, the formats, the FormatContext, its decoders)
        self._sets: dict[int, tuple[list[SqlType], list[int], FormatContext, list[Callable[[bytes], Any]]]] = {}

    def decode(self, types: list[SqlType], formats: list[int], params: list[bytes | str | None],
               ctx: FormatContext) -> list[Any]:
        entry = self._sets.get(id(types))
        if entry is None or entry[0] is not types or entry[1] != formats or entry[2] is not ctx:
            if len(self._sets) >= _MAX_DECODER_SETS:
                self._sets.clear()
            entry = self._sets[id(types)] = (types, list(formats), ctx, self._decoders_for(types, formats, ctx))
        return [None if raw is None else decode(raw) for decode, raw in zip(entry[3], params)]

    def _decoders_for(self, types: list[SqlType], formats: list[int],
                      ctx: FormatContext) -> list[Callable[[bytes], Any]]:
        if ctx is not self._ctx:
            self._by_type.clear()
            self._ctx = ctx
        out = []
        for i, t in enumerate(types):
            fmt = formats[0] if len(formats) == 1 else (formats[i] if formats else 0)
            decode = self._by_type.get((t, fmt))
            if decode is None:
                target = t if t.pg is not R.UNKNOWN else SqlType(R.TEXT)
                decode = binary_decoder(target) if fmt == 1 else text_decoder(target, ctx)
                if not t.extra:  # `extra` does not take part in SqlType's equality
                    self._by_type[(t, fmt)] = decode
            out.append(decode)
        return out
