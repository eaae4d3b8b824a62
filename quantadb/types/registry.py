"""PostgreSQL's built-in types: OIDs, sizes, categories and their in-memory representation.

Every column and every value inside QuantaDB has one of these types. The OIDs are
PostgreSQL's own (src/include/catalog/pg_type.dat) because clients join on them.

In-memory representation (one numpy array per column, a separate validity mask for NULL):

| type                         | numpy dtype | a value is                                        |
| ---------------------------- | ----------- | ------------------------------------------------- |
| bool                         | bool        | bool                                              |
| int2 / int4 / int8           | int16/32/64 | int                                               |
| oid, reg*                    | int64       | int (the OID)                                     |
| float4 / float8              | float32/64  | float                                             |
| numeric                      | object      | decimal.Decimal (NaN and +-Infinity included)     |
| numeric, scaled form         | int64       | value * 10**scale, one scale per column (below)   |
| text, varchar, bpchar, name, "char" | object | str                                            |
| bytea                        | object      | bytes                                             |
| date                         | int32       | days since 2000-01-01 (DATE_POS/NEG_INFINITY)     |
| time                         | int64       | microseconds since midnight                       |
| timestamp, timestamptz       | int64       | microseconds since 2000-01-01 00:00 (UTC for tz)  |
| interval                     | object      | types.values.Interval(months, days, micros)       |
| uuid                         | object      | uuid.UUID                                         |
| json                         | object      | str (the text as given)                           |
| jsonb                        | object      | parsed JSON (dict/list/str/int/Decimal/bool/None) |
| arrays (one dimension)       | object      | list of element values (None for NULL elements)   |
| int4range, numrange, ...     | object      | types.ranges.Range                                |
| tsvector, tsquery            | object      | types.tsearch.TSVector, TSQuery                   |
| unknown (untyped literals)   | object      | str                                               |

Two compact forms stand in for `data` (types/column.py; Column.data still gives the table's form):
- a numeric Column may be *scaled* (Column.scale is not None): int64 value * 10**scale, every value
  with exactly that display scale. Storage keeps numeric(p,s) with p <= 18 so, and kernels keep
  the form while results fit int64. The contract is in types/scaled.py.
- a string Column may be *coded* (Column.codes is not None): int32 codes into a dictionary of
  distinct strings, as storage keeps them and COPY decodes repeating ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class PgType:
    """One row of pg_type, reduced to what QuantaDB needs."""

    oid: int
    name: str  # pg_type.typname ("int4", "_int4" for arrays)
    typlen: int  # bytes, -1 for varlena, -2 for cstring
    category: str  # pg_type.typcategory: B, N, S, D, T, U, A, X ...
    dtype: np.dtype
    array_oid: int = 0  # pg_type.typarray: the array type whose elements are this
    elem_oid: int = 0  # pg_type.typelem: set on array types
    sql_name: str = ""  # format_type() spelling ("integer"); defaults to name
    preferred: bool = False  # pg_type.typispreferred
    typbyval: bool = False
    typalign: str = "i"
    # an enum type's labels (types/enums.py): mutable, so every holder of the type sees ALTER TYPE
    enum: object = field(default=None, compare=False)
    # a composite type's fields (types/composite.py): mutable, so every holder sees ALTER TYPE
    composite: object = field(default=None, compare=False)

    @property
    def is_array(self) -> bool:
        return self.elem_oid != 0

    @property
    def display_name(self) -> str:
        return self.sql_name or self.name

    def __repr__(self) -> str:
        return f"PgType({self.name})"


@dataclass(frozen=True)
class SqlType:
    """A type as a column or expression carries it: the base type plus its typmod, and `extra`:
    an anonymous record's fields (types/rowtypes.py) or a domain's mark (types/domains.py), which
    take part in equality (two records of other fields are other types)."""

    pg: PgType
    typmod: int = -1
    extra: tuple = ()

    @property
    def oid(self) -> int:
        return self.pg.oid

    @property
    def name(self) -> str:
        return self.pg.name

    def __repr__(self) -> str:
        return f"SqlType({self.pg.name}{'' if self.typmod < 0 else f', {self.typmod}'})"


_OBJ = np.dtype(object)
BY_OID: dict[int, PgType] = {}
BY_NAME: dict[str, PgType] = {}


def _register(oid: int, name: str, typlen: int, category: str, dtype: object, array_oid: int,
              sql_name: str = "", preferred: bool = False, byval: bool = False, align: str = "i") -> PgType:
    t = PgType(oid, name, typlen, category, np.dtype(dtype), array_oid, 0, sql_name, preferred, byval, align)
    BY_OID[oid] = t
    BY_NAME[name] = t
    if array_oid:
        arr = PgType(array_oid, "_" + name, -1, "A", _OBJ, 0, oid, (sql_name or name) + "[]", False, False,
                     "d" if align == "d" else "i")
        BY_OID[array_oid] = arr
        BY_NAME[arr.name] = arr
    return t


BOOL = _register(16, "bool", 1, "B", np.bool_, 1000, "boolean", True, True, "c")
BYTEA = _register(17, "bytea", -1, "U", _OBJ, 1001)
CHAR = _register(18, "char", 1, "Z", _OBJ, 1002, '"char"', byval=True, align="c")
NAME = _register(19, "name", 64, "S", _OBJ, 1003, align="c")
INT8 = _register(20, "int8", 8, "N", np.int64, 1016, "bigint", byval=True, align="d")
INT2 = _register(21, "int2", 2, "N", np.int16, 1005, "smallint", byval=True, align="s")
INT2VECTOR = _register(22, "int2vector", -1, "A", _OBJ, 1006)
INT4 = _register(23, "int4", 4, "N", np.int32, 1007, "integer", byval=True)
REGPROC = _register(24, "regproc", 4, "N", np.int64, 1008, byval=True)
TEXT = _register(25, "text", -1, "S", _OBJ, 1009, preferred=True)
OID = _register(26, "oid", 4, "N", np.int64, 1028, byval=True, preferred=True)
TID = _register(27, "tid", 6, "U", np.int64, 1010, align="s")  # block << 16 | offset (types/textio.py)
XID = _register(28, "xid", 4, "U", np.int64, 1011, byval=True)
CID = _register(29, "cid", 4, "U", np.int64, 1012, byval=True)
OIDVECTOR = _register(30, "oidvector", -1, "A", _OBJ, 1013)
JSON = _register(114, "json", -1, "U", _OBJ, 199)
XML = _register(142, "xml", -1, "U", _OBJ, 143)
PG_NODE_TREE = _register(194, "pg_node_tree", -1, "Z", _OBJ, 0)
FLOAT4 = _register(700, "float4", 4, "N", np.float32, 1021, "real", byval=True)
FLOAT8 = _register(701, "float8", 8, "N", np.float64, 1022, "double precision", True, True, "d")
UNKNOWN = _register(705, "unknown", -2, "X", _OBJ, 0, align="c")
MONEY = _register(790, "money", 8, "N", np.int64, 791, byval=True, align="d")
INET = _register(869, "inet", -1, "I", _OBJ, 1041)
ACLITEM = _register(1033, "aclitem", 12, "U", _OBJ, 1034)
BPCHAR = _register(1042, "bpchar", -1, "S", _OBJ, 1014, "character")
VARCHAR = _register(1043, "varchar", -1, "S", _OBJ, 1015, "character varying")
DATE = _register(1082, "date", 4, "D", np.int32, 1182, byval=True)
TIME = _register(1083, "time", 8, "D", np.int64, 1183, "time without time zone", byval=True, align="d")
TIMESTAMP = _register(1114, "timestamp", 8, "D", np.int64, 1115, "timestamp without time zone",
                      byval=True, align="d")
TIMESTAMPTZ = _register(1184, "timestamptz", 8, "D", np.int64, 1185, "timestamp with time zone",
                        True, True, "d")
INTERVAL = _register(1186, "interval", 16, "T", _OBJ, 1187, preferred=True, align="d")
TIMETZ = _register(1266, "timetz", 12, "D", _OBJ, 1270, "time with time zone", align="d")
BIT = _register(1560, "bit", -1, "V", _OBJ, 1561)
VARBIT = _register(1562, "varbit", -1, "V", _OBJ, 1563, "bit varying", preferred=True)
NUMERIC = _register(1700, "numeric", -1, "N", _OBJ, 1231)
REFCURSOR = _register(1790, "refcursor", -1, "U", _OBJ, 2201)
REGPROCEDURE = _register(2202, "regprocedure", 4, "N", np.int64, 2207, byval=True)
REGOPER = _register(2203, "regoper", 4, "N", np.int64, 2208, byval=True)
REGOPERATOR = _register(2204, "regoperator", 4, "N", np.int64, 2209, byval=True)
REGCLASS = _register(2205, "regclass", 4, "N", np.int64, 2210, byval=True)
REGTYPE = _register(2206, "regtype", 4, "N", np.int64, 2211, byval=True)
RECORD = _register(2249, "record", -1, "P", _OBJ, 2287, align="d")
CSTRING = _register(2275, "cstring", -2, "P", _OBJ, 1263, align="c")
ANY = _register(2276, "any", 4, "P", _OBJ, 0, byval=True)
ANYARRAY = _register(2277, "anyarray", -1, "P", _OBJ, 0, align="d")
VOID = _register(2278, "void", 4, "P", _OBJ, 0, byval=True)
TRIGGER = _register(2279, "trigger", 4, "P", _OBJ, 0, byval=True)
LANGUAGE_HANDLER = _register(2280, "language_handler", 4, "P", _OBJ, 0, byval=True)
INTERNAL = _register(2281, "internal", 8, "P", _OBJ, 0, byval=True, align="d")  # receive functions' argument
ANYELEMENT = _register(2283, "anyelement", 4, "P", _OBJ, 0, byval=True)
ANYNONARRAY = _register(2776, "anynonarray", 4, "P", _OBJ, 0, byval=True)
UUID = _register(2950, "uuid", 16, "U", _OBJ, 2951, align="c")
TXID_SNAPSHOT = _register(2970, "txid_snapshot", -1, "U", _OBJ, 2949, align="d")
PG_LSN = _register(3220, "pg_lsn", 8, "U", np.int64, 3221, byval=True, align="d")
ANYENUM = _register(3500, "anyenum", 4, "P", _OBJ, 0, byval=True)
TSVECTOR = _register(3614, "tsvector", -1, "U", _OBJ, 3643)
TSQUERY = _register(3615, "tsquery", -1, "U", _OBJ, 3645)
JSONB = _register(3802, "jsonb", -1, "U", _OBJ, 3807)
JSONPATH = _register(4072, "jsonpath", -1, "U", _OBJ, 4073)
REGNAMESPACE = _register(4089, "regnamespace", 4, "N", np.int64, 4090, byval=True)
REGROLE = _register(4096, "regrole", 4, "N", np.int64, 4097, byval=True)
REGCONFIG = _register(3734, "regconfig", 4, "N", np.int64, 3735, byval=True)
REGDICTIONARY = _register(3769, "regdictionary", 4, "N", np.int64, 3770, byval=True)
ANYRANGE = _register(3831, "anyrange", -1, "P", _OBJ, 0, align="d")
INT4RANGE = _register(3904, "int4range", -1, "R", _OBJ, 3905)
NUMRANGE = _register(3906, "numrange", -1, "R", _OBJ, 3907)
TSRANGE = _register(3908, "tsrange", -1, "R", _OBJ, 3909, align="d")
TSTZRANGE = _register(3910, "tstzrange", -1, "R", _OBJ, 3911, align="d")
DATERANGE = _register(3912, "daterange", -1, "R", _OBJ, 3913)
INT8RANGE = _register(3926, "int8range", -1, "R", _OBJ, 3927, align="d")
PG_DDL_COMMAND = _register(32, "pg_ddl_command", 8, "P", _OBJ, 0, byval=True, align="d")
# a snapshot value is (xmin, xmax, xip tuple) (types/textio.py); xid8 is a 64-bit xid
PG_SNAPSHOT = _register(5038, "pg_snapshot", -1, "U", _OBJ, 5039, align="d")
XID8 = _register(5069, "xid8", 8, "U", np.int64, 271, byval=True, align="d")

# SQL spellings and aliases accepted in casts and column definitions.
ALIASES: dict[str, str] = {
    "integer": "int4", "int": "int4", "smallint": "int2", "bigint": "int8",
    "real": "float4", "double precision": "float8", "float": "float8", "double": "float8",
    "boolean": "bool", "character varying": "varchar", "character": "bpchar", "char": "bpchar",
    "decimal": "numeric", "dec": "numeric", "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamptz", "time without time zone": "time",
    "time with time zone": "timetz", "string": "text", "serial": "int4", "bigserial": "int8",
    "smallserial": "int2", "serial4": "int4", "serial8": "int8", "serial2": "int2",
    '"char"': "char", "bit varying": "varbit",
}

INTEGER_TYPES = (INT2, INT4, INT8)
STRING_TYPES = (TEXT, VARCHAR, BPCHAR, NAME, CHAR, UNKNOWN)
# reg* types whose literals the binder resolves to an OID by name ('pg_class'::regclass)
NAME_RESOLVED_REG_TYPES = (REGCLASS, REGTYPE, REGPROC, REGNAMESPACE, REGROLE, REGCONFIG, REGDICTIONARY)
REG_TYPES = (OID, REGCLASS, REGTYPE, REGPROC, REGPROCEDURE, REGNAMESPACE, REGROLE, REGOPER, REGOPERATOR, REGCONFIG,
             REGDICTIONARY)


def register_user_type(t: PgType, array: PgType) -> None:
    """Make a user-defined type and its array type known by OID (not by name: names resolve in
    the catalog, per database and schema). OIDs are unique in the cluster, never reused."""
    BY_OID[t.oid] = t
    BY_OID[array.oid] = array


def rename_user_type(t: PgType, name: str) -> None:
    """ALTER TYPE ... RENAME TO: the PgType every column and plan holds, and its array type's, take
    the new name in place."""
    object.__setattr__(t, "name", name)
    array = BY_OID[t.array_oid]
    object.__setattr__(array, "name", "_" + name)
    object.__setattr__(array, "sql_name", name + "[]")


def by_oid(oid: int) -> PgType:
    return BY_OID[oid]


def lookup(name: str) -> PgType | None:
    """Find a type by pg_type name, SQL spelling or alias ("integer", "_int4", "int4")."""
    key = name.strip().lower()
    if key.startswith("pg_catalog."):
        key = key[len("pg_catalog."):]
    key = ALIASES.get(key, key)
    return BY_NAME.get(key)


def array_of(elem: PgType) -> PgType:
    return BY_OID[elem.array_oid]


def element_of(arr: PgType) -> PgType:
    return BY_OID[arr.elem_oid]


# The catalog's zero-based vectors: not array types here, but arrays of these elements to clients
# (pg_type.typelem, and int2vectorsend/oidvectorsend are array_send).
VECTOR_ELEMENTS = {INT2VECTOR.oid: INT2, OIDVECTOR.oid: OID}


def sql(t: PgType, typmod: int = -1) -> SqlType:
    return SqlType(t, typmod)


# typmod encodings (as in pg_attribute.atttypmod), inverted by format_type().
def varchar_typmod(length: int) -> int:
    return length + 4


def numeric_typmod(precision: int, scale: int) -> int:
    return ((precision << 16) | (scale & 0xFFFF)) + 4


def numeric_precision_scale(typmod: int) -> tuple[int, int] | None:
    if typmod < 4:
        return None
    v = typmod - 4
    return (v >> 16) & 0xFFFF, v & 0xFFFF


def format_type(t: PgType, typmod: int = -1) -> str:
    """PostgreSQL's format_type(oid, typmod): 'character varying(20)', 'numeric(10,2)', 'integer[]'."""
    if t.is_array:
        return format_type(element_of(t), typmod) + "[]"
    base = t.display_name
    if typmod < 0:
        return base
    if t in (VARCHAR, BPCHAR):
        return f"{base}({typmod - 4})"
    if t is NUMERIC:
        ps = numeric_precision_scale(typmod)
        return f"numeric({ps[0]},{ps[1]})" if ps else base
    if t in (TIMESTAMP, TIMESTAMPTZ, TIME, TIMETZ):
        head, _, tail = base.partition(" ")
        return f"{head}({typmod}){' ' + tail if tail else ''}"
    if t is INTERVAL:
        return f"interval({typmod & 0xFFFF})"
    if t in (BIT, VARBIT):
        return f"{base}({typmod})"
    return base
