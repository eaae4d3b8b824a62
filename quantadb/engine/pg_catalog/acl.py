"""aclexplode(aclitem[]): an ACL as one (grantor, grantee, privilege_type, is_grantable) row per
privilege granted, in PostgreSQL's privilege-bit order; acldefault("char", oid): the ACL an
object of a kind has while its own is NULL. pgAdmin's privilege panels read every object's ACL
through them."""

from __future__ import annotations

import numpy as np

from quantadb.engine.pg_catalog.functions import define
from quantadb.engine.privileges import DEFAULT_PRIVILEGES, parse_aclitem
from quantadb.errors import InternalError, InvalidParameterValue
from quantadb.exec.columns import column_values, from_values
from quantadb.exec.functions import setfn
from quantadb.sql.functions.signature import add_function
from quantadb.types import registry as R

# aclitem letters in the order of their ACL_* bits (utils/acl.h), with the names aclexplode gives
PRIVILEGES = {"a": "INSERT", "r": "SELECT", "w": "UPDATE", "d": "DELETE", "D": "TRUNCATE", "x": "REFERENCES",
              "t": "TRIGGER", "X": "EXECUTE", "U": "USAGE", "C": "CREATE", "T": "TEMPORARY", "c": "CONNECT"}
PUBLIC_OID = 0

add_function("aclexplode", (R.array_of(R.ACLITEM),), R.RECORD, "aclexplode", kind="s",
             out=(("grantor", R.OID), ("grantee", R.OID), ("privilege_type", R.TEXT), ("is_grantable", R.BOOL)))


@setfn("aclexplode")
def aclexplode(args, n, ctx, call):
    session = ctx.session
    snap = session.catalog().snap

    def role_oid(name: str) -> int:
        if not name:
            return PUBLIC_OID
        if name.isdigit():  # a role that does not exist any more shows as its OID (as acldefault prints it)
            return int(name)
        role = session.store.catalog.find_role(snap, name)
        if role is None:
            raise InvalidParameterValue(f'role "{name}" does not exist')
        return role.oid

    sources, grantors, grantees, names, grantable = [], [], [], [], []
    for row, acl in enumerate(column_values(args[0])):
        for item in filter(None, acl or ()):
            grantee, privileges, grantor = parse_aclitem(item)
            for letter, name in PRIVILEGES.items():
                at = privileges.find(letter)
                if at < 0:
                    continue
                sources.append(row)
                grantors.append(role_oid(grantor))
                grantees.append(role_oid(grantee))
                names.append(name)
                grantable.append(privileges[at + 1:at + 2] == "*")
    columns = [(grantors, R.OID), (grantees, R.OID), (names, R.TEXT), (grantable, R.BOOL)]
    return np.asarray(sources, dtype=np.int64), [from_values(values, R.SqlType(t)) for values, t in columns]


@define("acldefault", ((R.CHAR, R.OID),), R.array_of(R.ACLITEM))
def acldefault(session, kind: str, owner_oid: int) -> list[str]:
    if kind not in DEFAULT_PRIVILEGES:
        raise InternalError(f"unrecognized objtype abbreviation: {kind}")
    role = session.store.catalog.role(session.catalog().snap, owner_oid)
    grantor = role.name if role is not None else str(owner_oid)  # an unknown role shows as its OID
    owner = grantor if owner_oid != PUBLIC_OID else ""
    public, own = DEFAULT_PRIVILEGES[kind]
    return [f"{grantee}={privileges}/{grantor}" for grantee, privileges in (("", public), (owner, own)) if privileges]
