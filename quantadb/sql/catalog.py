"""The binder's view of the catalog: name resolution over stored and generated relations.

Stored relations come from `storage.catalog` (seen through the statement's snapshot);
generated ones (pg_catalog, information_schema) are declared here as VirtualTable schemas
and filled at run time by the engine. The engine implements `CatalogView`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from quantadb.sql.plan import PlanColumn
from quantadb.storage.catalog import RelationDef


@dataclass(frozen=True)
class VirtualTable:
    """A generated relation: `schema.name` with fixed columns; rows come from the engine."""

    schema: str
    name: str
    columns: tuple[PlanColumn, ...]
    oid: int = 0  # the relation's OID as PostgreSQL numbers it (pg_class.oid)
    source: str = ""  # the row generator's key; "" = "schema.name"

    @property
    def key(self) -> str:
        return self.source or f"{self.schema}.{self.name}"


VIRTUAL_TABLES: dict[tuple[str, str], VirtualTable] = {}


def register_virtual(table: VirtualTable) -> None:
    VIRTUAL_TABLES[(table.schema, table.name)] = table


# Catalog functions that return the rows of a generated relation, as pg_show_all_settings()
# returns pg_settings' (PostgreSQL defines the view over the function; here it is the other way).
RELATION_FUNCTIONS: dict[str, VirtualTable] = {}


def register_relation_function(name: str, table: VirtualTable) -> None:
    RELATION_FUNCTIONS[name] = table


@dataclass
class ResolvedRelation:
    schema: str
    relation: RelationDef | None = None
    virtual: VirtualTable | None = None

    @property
    def name(self) -> str:
        return self.relation.name if self.relation is not None else self.virtual.name


class CatalogView(Protocol):
    database_oid: int

    def resolve_relation(self, parts: list[str]) -> ResolvedRelation | None:
        """schema.name or name (through search_path, pg_catalog first as PostgreSQL does)."""

    def relation(self, oid: int) -> RelationDef | None: ...

    def indexes_of(self, table_oid: int) -> list[RelationDef]: ...

    def estimated_rows(self, table_oid: int) -> float: ...

    def namespace_name(self, oid: int) -> str: ...

    def creation_namespace(self, parts: list[str]) -> tuple[int, str]:
        """Namespace OID and relation name where CREATE puts `parts` (first of search_path)."""

    def with_search_path(self, path: list[str]) -> "CatalogView":
        """The same catalog seen with another search_path (a function's SET search_path)."""

    def regclass(self, kind: str, text: str) -> int:
        """OID for 'name'::regclass / ::regtype / ::regnamespace / ::regrole / ::regproc."""


@dataclass
class BindOptions:
    """Per-statement knobs for binding (session settings the binder needs)."""

    search_path: list[str] = field(default_factory=lambda: ["public"])
