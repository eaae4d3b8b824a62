"""Type names as SQL spells them ("numeric(10,2)", "character varying", "int[]") -> SqlType.

Built-in names resolve here; other names (user-defined types: enums) resolve in the catalog of
the statement being bound, which the engine makes current with `user_types` around binding
and DDL (type names are read in many places that hold no catalog).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlglot import exp

from quantadb.errors import FeatureNotSupported, UndefinedObject
from quantadb.types import registry as R
from quantadb.types.domains import array_domain_type, domain_of
from quantadb.types.registry import SqlType

# schema-qualified or plain name parts, or an OID -> the user type visible to the statement, or None
TypeResolver = Callable[["list[str] | int"], "SqlType | None"]
_RESOLVER: ContextVar[TypeResolver | None] = ContextVar("user_types", default=None)


@contextmanager
def user_types(resolve: TypeResolver) -> Iterator[None]:
    token = _RESOLVER.set(resolve)
    try:
        yield
    finally:
        _RESOLVER.reset(token)


def set_user_types(resolve: TypeResolver) -> object:
    """user_types without the context manager (the per-statement path): reset with the token."""
    return _RESOLVER.set(resolve)


def reset_user_types(token: object) -> None:
    _RESOLVER.reset(token)


def _user_type(name: str) -> SqlType | None:
    resolve = _RESOLVER.get()
    if resolve is None:
        return None
    return resolve([p.strip('"') for p in name.split(".")])


def current_user_type(oid: int) -> SqlType | None:
    """The user type of this OID as the statement's catalog has it now (None outside a statement)."""
    resolve = _RESOLVER.get()
    return resolve(oid) if resolve is not None else None


_TYPE = re.compile(r'^\s*(?P<name>[a-z_"][a-z0-9_ ."]*?)\s*(\((?P<mods>[^)]*)\))?\s*(?P<tz>with(out)? time zone)?'
                   r"\s*(?P<array>(\[\d*\]\s*)+|array)?\s*$", re.IGNORECASE)


def parse_type_name(text: str) -> SqlType:
    """Resolve a type name with optional modifiers and array brackets; 42704 if unknown."""
    whole = R.lookup(text.strip().lower())
    if whole is not None and not text.strip().startswith('"'):  # anyarray is not "any" ARRAY
        return SqlType(whole)
    m = _TYPE.match(text)
    if not m:
        raise UndefinedObject(f'type "{text}" does not exist')
    raw = m.group("name").strip()
    # a quoted name is taken literally: "char" is the one-byte type, char is bpchar
    name = raw[1:-1] if raw.startswith('"') and raw.endswith('"') else " ".join(raw.lower().split())
    if name.startswith("pg_catalog."):
        name = name[len("pg_catalog."):]
    if m.group("tz"):
        name = f"{name} {m.group('tz').lower()}"
    base = R.BY_NAME.get(name) if raw.startswith('"') else R.lookup(name)
    if base is None:
        user = _user_type(name)
        if user is not None and user.extra:  # a domain: its base type, marked (types/domains.py)
            return _domain_array(user) if m.group("array") else user
        base = user.pg if user is not None else None
    if base is None:
        raise UndefinedObject(f'type "{name}" does not exist')
    typmod = _typmod(base, m.group("mods"))
    if m.group("array"):
        return SqlType(R.array_of(base), typmod)
    return SqlType(base, typmod)


def _domain_array(element: SqlType) -> SqlType:
    domain = domain_of(element)
    if not R.BY_OID[domain.oid].array_oid:
        raise FeatureNotSupported(f"domain {domain.name} was created without an array type")
    return array_domain_type(element)


def _typmod(base: R.PgType, mods: str | None) -> int:
    if not mods:
        return -1
    values = [int(v) for v in mods.replace(" ", "").split(",") if v]
    if base in (R.VARCHAR, R.BPCHAR) and values:
        return R.varchar_typmod(values[0])
    if base is R.NUMERIC and values:
        return R.numeric_typmod(values[0], values[1] if len(values) > 1 else 0)
    if base in (R.TIMESTAMP, R.TIMESTAMPTZ, R.TIME, R.TIMETZ, R.BIT, R.VARBIT) and values:
        return values[0]
    return -1


_SQLGLOT_NAMES = {
    "DOUBLE": "float8", "FLOAT": "float4", "VARBINARY": "bytea", "BLOB": "bytea", "BINARY": "bytea",
    "TIMESTAMPTZ": "timestamptz", "TIMESTAMP": "timestamp", "DATETIME": "timestamp", "TINYINT": "int2",
    "SERIAL": "int4", "BIGSERIAL": "int8", "SMALLSERIAL": "int2", "DECIMAL": "numeric", "BIGDECIMAL": "numeric",
    "NCHAR": "bpchar", "CHAR": "bpchar", "NVARCHAR": "varchar", "TIMETZ": "timetz", "INT": "int4",
    "BIGINT": "int8", "SMALLINT": "int2", "BOOLEAN": "bool", "NAME": "name", "OBJECT_IDENTIFIER": "oid",
}


def from_datatype(node: exp.Expression) -> SqlType:
    """Convert sqlglot's DataType (or ObjectIdentifier for regclass & co.) to a SqlType."""
    if isinstance(node, exp.ObjectIdentifier):
        return parse_type_name(node.name)
    if not isinstance(node, exp.DataType):
        return parse_type_name(node.sql(dialect="postgres"))
    dtype = node.this
    if dtype == exp.DataType.Type.ARRAY:
        inner = from_datatype(node.expressions[0])
        if inner.pg.is_array:  # int[][]: PostgreSQL arrays do not fix their dimensions
            return inner
        if inner.extra and domain_of(inner) is not None:
            return _domain_array(inner)
        return SqlType(R.array_of(inner.pg), inner.typmod)
    if dtype == exp.DataType.Type.USERDEFINED:  # a name sqlglot does not know (varbit(2), "char")
        kind = node.args.get("kind")
        params = [p.this.name for p in node.expressions if isinstance(p, exp.DataTypeParam)]
        mods = f"({','.join(params)})" if params else ""
        if isinstance(kind, exp.Identifier):
            return parse_type_name((f'"{kind.name}"' if kind.quoted else kind.name) + mods)
        return parse_type_name(str(kind) + mods)
    name = _SQLGLOT_NAMES.get(dtype.value, dtype.value.lower())
    params = [p.this for p in node.expressions if isinstance(p, exp.DataTypeParam)]
    mods = ",".join(p.name for p in params) if params else None
    base = R.lookup(name)
    if base is None:
        raise UndefinedObject(f'type "{name}" does not exist')
    return SqlType(base, _typmod(base, mods))


def is_serial(node: exp.Expression) -> bool:
    return isinstance(node, exp.DataType) and node.this in (
        exp.DataType.Type.SERIAL, exp.DataType.Type.BIGSERIAL, exp.DataType.Type.SMALLSERIAL)
