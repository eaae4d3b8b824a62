"""Prepared statements and portals: what Parse/PREPARE create and Bind/DECLARE open.

A prepared statement's parameter and result types are fixed when it is described; a plan bound
later, after the catalog changed, must keep the result type (PostgreSQL's cached plans refuse
otherwise with 0A000, since the client decodes rows by the RowDescription it was sent)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from quantadb.engine.results import ColumnDesc
from quantadb.errors import FeatureNotSupported
from quantadb.types.registry import SqlType

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
    literals: list[str] | None = None  # auto-parameterized literal texts, decoded once types are known
