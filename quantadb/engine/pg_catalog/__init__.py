"""pg_catalog and information_schema: PostgreSQL's catalog relations and catalog functions,
generated from QuantaDB's live catalog at query time (see tables.py for how a relation is
declared, shapes.py for their PostgreSQL 15 column lists).

Importing the package registers everything; `engine.database` imports it at start-up."""

from quantadb.engine.pg_catalog import (  # noqa: F401  (each module registers its rows / functions)
    acl, files, functions, information_schema, options, procs, relations, roles, sizes, stats, text_search, triggers,
    types, views,
)
from quantadb.engine.pg_catalog.tables import register_all

register_all()
