"""CREATE EXTENSION / DROP EXTENSION. QuantaDB has no extension files to install: plpgsql is there
from the start (as after PostgreSQL's initdb) and stays; any other name is not available."""

from __future__ import annotations

from typing import TYPE_CHECKING

from quantadb.engine.pg_catalog.types import INSTALLED_EXTENSIONS
from quantadb.engine.results import Result
from quantadb.errors import DuplicateObject, FeatureNotSupported, UndefinedObject
from quantadb.sql import ddl_stmts as D

if TYPE_CHECKING:
    from quantadb.engine.session import Session


def create_extension(session: "Session", stmt: D.CreateExtension) -> Result:
    if stmt.name in INSTALLED_EXTENSIONS:
        message = f'extension "{stmt.name}" already exists'
        if not stmt.if_not_exists:
            raise DuplicateObject(message)
        session.notice(f"{message}, skipping", "42710")
        return Result(tag="CREATE EXTENSION")
    raise FeatureNotSupported(f'extension "{stmt.name}" is not available',
                              detail="QuantaDB has only the extensions pg_available_extensions lists.")


def drop_extension(session: "Session", stmt: D.DropExtension) -> Result:
    for name in stmt.names:
        if name in INSTALLED_EXTENSIONS:
            raise FeatureNotSupported(f'dropping extension "{name}" is not supported')
        if not stmt.if_exists:
            raise UndefinedObject(f'extension "{name}" does not exist')
        session.notice(f'extension "{name}" does not exist, skipping')
    return Result(tag="DROP EXTENSION")
