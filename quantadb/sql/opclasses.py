"""Operator classes and families of the btree and hash access methods (pg_opclass,
pg_opfamily), PostgreSQL 15's rows for the types QuantaDB has, with their OIDs; the default
class of a column's type for an index key, and `col opclass` checked against the column.

Every btree class orders a type as its own comparison does (the pattern classes compare
strings byte by byte, which every collation here does too), so a class changes what the
catalog records and shows, not how an index orders its keys.
"""

from __future__ import annotations

from quantadb.errors import DatatypeMismatch, UndefinedObject
from quantadb.types import registry as R
from quantadb.types.domains import domain_of
from quantadb.types.ranges import kind_of
from quantadb.types.registry import SqlType

BTREE_AM, HASH_AM = 403, 405
METHODS = {"btree": BTREE_AM, "hash": HASH_AM}

# (oid, opcmethod, opcname, opcfamily, opcintype, opcdefault, opckeytype), PostgreSQL 15's
OPCLASSES = ((1978, 403, "int4_ops", 1976, 23, True, 0), (1979, 403, "int2_ops", 1976, 21, True, 0),
    (1981, 403, "oid_ops", 1989, 26, True, 0), (3122, 403, "date_ops", 434, 1082, True, 0),
    (3123, 403, "float8_ops", 1970, 701, True, 0), (3124, 403, "int8_ops", 1976, 20, True, 0),
    (3125, 403, "numeric_ops", 1988, 1700, True, 0), (3126, 403, "text_ops", 1994, 25, True, 0),
    (3127, 403, "timestamptz_ops", 434, 1184, True, 0), (3128, 403, "timestamp_ops", 434, 1114, True, 0),
    (4217, 403, "text_pattern_ops", 2095, 25, False, 0),
    (4218, 403, "varchar_pattern_ops", 2095, 25, False, 0),
    (4219, 403, "bpchar_pattern_ops", 2097, 1042, False, 0), (10000, 403, "array_ops", 397, 2277, True, 0),
    (10002, 403, "bit_ops", 423, 1560, True, 0), (10003, 403, "bool_ops", 424, 16, True, 0),
    (10004, 403, "bpchar_ops", 426, 1042, True, 0), (10006, 403, "bytea_ops", 428, 17, True, 0),
    (10007, 403, "char_ops", 429, 18, True, 0), (10009, 403, "cidr_ops", 1974, 869, False, 0),
    (10012, 403, "float4_ops", 1970, 700, True, 0), (10015, 403, "inet_ops", 1974, 869, True, 0),
    (10022, 403, "interval_ops", 1982, 1186, True, 0), (10028, 403, "name_ops", 1994, 19, True, 2275),
    (10032, 403, "oidvector_ops", 1991, 30, True, 0), (10034, 403, "record_ops", 2994, 2249, True, 0),
    (10036, 403, "record_image_ops", 3194, 2249, False, 0), (10038, 403, "time_ops", 1996, 1083, True, 0),
    (10041, 403, "timetz_ops", 2000, 1266, True, 0), (10043, 403, "varbit_ops", 2002, 1562, True, 0),
    (10044, 403, "varchar_ops", 1994, 25, False, 0), (10047, 403, "money_ops", 2099, 790, True, 0),
    (10050, 403, "tid_ops", 2789, 27, True, 0), (10053, 403, "xid8_ops", 5067, 5069, True, 0),
    (10065, 403, "uuid_ops", 2968, 2950, True, 0), (10067, 403, "pg_lsn_ops", 3253, 3220, True, 0),
    (10069, 403, "enum_ops", 3522, 3500, True, 0), (10071, 403, "tsvector_ops", 3626, 3614, True, 0),
    (10074, 403, "tsquery_ops", 3683, 3615, True, 0), (10076, 403, "range_ops", 3901, 3831, True, 0),
    (10088, 403, "jsonb_ops", 4033, 3802, True, 0), (10001, 405, "array_ops", 627, 2277, True, 0),
    (10005, 405, "bpchar_ops", 427, 1042, True, 0), (10008, 405, "char_ops", 431, 18, True, 0),
    (10010, 405, "cidr_ops", 1975, 869, False, 0), (10011, 405, "date_ops", 435, 1082, True, 0),
    (10013, 405, "float4_ops", 1971, 700, True, 0), (10014, 405, "float8_ops", 1971, 701, True, 0),
    (10016, 405, "inet_ops", 1975, 869, True, 0), (10019, 405, "int2_ops", 1977, 21, True, 0),
    (10020, 405, "int4_ops", 1977, 23, True, 0), (10021, 405, "int8_ops", 1977, 20, True, 0),
    (10023, 405, "interval_ops", 1983, 1186, True, 0), (10029, 405, "name_ops", 1995, 19, True, 0),
    (10030, 405, "numeric_ops", 1998, 1700, True, 0), (10031, 405, "oid_ops", 1990, 26, True, 0),
    (10033, 405, "oidvector_ops", 1992, 30, True, 0), (10035, 405, "record_ops", 6194, 2249, True, 0),
    (10037, 405, "text_ops", 1995, 25, True, 0), (10039, 405, "time_ops", 1997, 1083, True, 0),
    (10040, 405, "timestamptz_ops", 1999, 1184, True, 0), (10042, 405, "timetz_ops", 2001, 1266, True, 0),
    (10045, 405, "varchar_ops", 1995, 25, False, 0), (10046, 405, "timestamp_ops", 2040, 1114, True, 0),
    (10048, 405, "bool_ops", 2222, 16, True, 0), (10049, 405, "bytea_ops", 2223, 17, True, 0),
    (10051, 405, "xid_ops", 2225, 28, True, 0), (10052, 405, "xid8_ops", 5032, 5069, True, 0),
    (10054, 405, "cid_ops", 2226, 29, True, 0), (10055, 405, "tid_ops", 2227, 27, True, 0),
    (10056, 405, "text_pattern_ops", 2229, 25, False, 0),
    (10057, 405, "varchar_pattern_ops", 2229, 25, False, 0),
    (10058, 405, "bpchar_pattern_ops", 2231, 1042, False, 0),
    (10059, 405, "aclitem_ops", 2235, 1033, True, 0), (10066, 405, "uuid_ops", 2969, 2950, True, 0),
    (10068, 405, "pg_lsn_ops", 3254, 3220, True, 0), (10070, 405, "enum_ops", 3523, 3500, True, 0),
    (10077, 405, "range_ops", 3903, 3831, True, 0), (10089, 405, "jsonb_ops", 4034, 3802, True, 0))
# (oid, opfmethod, opfname) of the families of those classes
OPFAMILIES = ((397, 403, "array_ops"), (423, 403, "bit_ops"), (424, 403, "bool_ops"),
    (426, 403, "bpchar_ops"), (427, 405, "bpchar_ops"), (428, 403, "bytea_ops"), (429, 403, "char_ops"),
    (431, 405, "char_ops"), (434, 403, "datetime_ops"), (435, 405, "date_ops"), (627, 405, "array_ops"),
    (1970, 403, "float_ops"), (1971, 405, "float_ops"), (1974, 403, "network_ops"),
    (1975, 405, "network_ops"), (1976, 403, "integer_ops"), (1977, 405, "integer_ops"),
    (1982, 403, "interval_ops"), (1983, 405, "interval_ops"), (1988, 403, "numeric_ops"),
    (1989, 403, "oid_ops"), (1990, 405, "oid_ops"), (1991, 403, "oidvector_ops"),
    (1992, 405, "oidvector_ops"), (1994, 403, "text_ops"), (1995, 405, "text_ops"), (1996, 403, "time_ops"),
    (1997, 405, "time_ops"), (1998, 405, "numeric_ops"), (1999, 405, "timestamptz_ops"),
    (2000, 403, "timetz_ops"), (2001, 405, "timetz_ops"), (2002, 403, "varbit_ops"),
    (2040, 405, "timestamp_ops"), (2095, 403, "text_pattern_ops"), (2097, 403, "bpchar_pattern_ops"),
    (2099, 403, "money_ops"), (2222, 405, "bool_ops"), (2223, 405, "bytea_ops"), (2225, 405, "xid_ops"),
    (2226, 405, "cid_ops"), (2227, 405, "tid_ops"), (2229, 405, "text_pattern_ops"),
    (2231, 405, "bpchar_pattern_ops"), (2235, 405, "aclitem_ops"), (2789, 403, "tid_ops"),
    (2968, 403, "uuid_ops"), (2969, 405, "uuid_ops"), (2994, 403, "record_ops"),
    (3194, 403, "record_image_ops"), (3253, 403, "pg_lsn_ops"), (3254, 405, "pg_lsn_ops"),
    (3522, 403, "enum_ops"), (3523, 405, "enum_ops"), (3626, 403, "tsvector_ops"),
    (3683, 403, "tsquery_ops"), (3901, 403, "range_ops"), (3903, 405, "range_ops"), (4033, 403, "jsonb_ops"),
    (4034, 405, "jsonb_ops"), (5032, 405, "xid8_ops"), (5067, 403, "xid8_ops"), (6194, 405, "record_ops"))
# the string classes that compare byte by byte whatever the collation: LIKE 'abc%' is a range of them
PATTERN_OPCLASSES = {4217: "text_pattern_ops", 4218: "varchar_pattern_ops", 4219: "bpchar_pattern_ops"}
_BY_OID = {row[0]: row for row in OPCLASSES}


def input_type(t: SqlType) -> R.PgType:
    """The type an operator class of `t`'s values is declared for: a domain's base type's, a
    varchar's text (binary coercible), and the polymorphic type of an array, enum, composite or
    range type."""
    domain = domain_of(t)
    pg = R.by_oid(domain.base.pg.oid) if domain is not None and domain.base is not None else t.pg
    if pg is R.VARCHAR:
        return R.TEXT
    if pg.is_array:
        return R.ANYARRAY
    if pg.enum is not None:
        return R.ANYENUM
    if pg.composite is not None:
        return R.RECORD
    if kind_of(pg) is not None:
        return R.ANYRANGE
    return pg


def default_opclass(t: SqlType, method: str) -> int:
    """The default operator class of `t` for the access method (0: none)."""
    am, intype = METHODS.get(method, BTREE_AM), input_type(t).oid
    return next((oid for oid, m, _, _, typ, default, _ in OPCLASSES if m == am and typ == intype and default), 0)


def resolve_opclass(name: str, t: SqlType, method: str, type_name: str) -> int:
    """The OID of operator class `name` of the access method for a key of type `t` (PostgreSQL's
    ResolveOpClass errors, `type_name` as they name the type)."""
    am = METHODS.get(method, BTREE_AM)
    found = [row for row in OPCLASSES if row[1] == am and row[2] == name]
    if not found:
        raise UndefinedObject(f'operator class "{name}" does not exist for access method "{method}"')
    intype = input_type(t).oid
    # varchar_pattern_ops is declared for text too: the class of that name fits a varchar
    match = next((row for row in found if row[4] == intype), None)
    if match is None:
        raise DatatypeMismatch(f'operator class "{name}" does not accept data type {type_name}')
    return match[0]


def opclass_name(oid: int) -> str:
    return _BY_OID[oid][2] if oid in _BY_OID else str(oid)
