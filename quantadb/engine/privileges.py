"""Table, sequence, schema and database privileges: GRANT/REVOKE and their enforcement (42501).

ACLs are PostgreSQL's aclitems on the relation or schema ("bob=arw/postgres", "=r/postgres"
for PUBLIC); an empty ACL means the default: the owner has every privilege and nobody else
any, except that the built-in schemas grant USAGE to PUBLIC (as after initdb; PostgreSQL 15
no longer grants CREATE on public to PUBLIC). Superusers and owners pass every check.
Table privilege letters: r SELECT, a INSERT, w UPDATE, d DELETE, D TRUNCATE, x REFERENCES,
t TRIGGER; sequence letters: r SELECT (currval), w UPDATE (nextval, setval), U USAGE (nextval,
currval); schema letters: U USAGE, C CREATE; database letters: C CREATE, T TEMPORARY, c CONNECT
(PUBLIC has TEMPORARY and CONNECT by default). What a plan needs is derived once when it is
planned (`required`) and checked on every execution, because cached plans are shared by
sessions of different users and GRANT/REVOKE may happen in between.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.results import Result
from quantadb.errors import (InsufficientPrivilege, InvalidCatalogName, InvalidGrantOperation, InvalidParameterValue,
                             InvalidSchemaName, SyntaxError as SqlSyntaxError, UndefinedObject, UndefinedTable)
from quantadb.sql import plan as P
from quantadb.sql.lexer import tokenize
from quantadb.storage.catalog import BUILTIN_NAMESPACES, PG_TOAST_NAMESPACE, DatabaseDef, NamespaceDef, RelationDef

if TYPE_CHECKING:
    from quantadb.engine.session import Session

# (PUBLIC's privileges, the owner's) of an object whose ACL is NULL, per acldefault's object
# kind letter (utils/adt/acl.c, PostgreSQL 15): r table, s sequence, n schema, d database, ...
DEFAULT_PRIVILEGES = {"c": ("", ""), "r": ("", "arwdDxt"), "s": ("", "rwU"), "f": ("X", "X"), "p": ("", "sA"),
                      "l": ("U", "U"), "L": ("", "rw"), "n": ("", "UC"), "d": ("Tc", "CTc"), "t": ("", "C"),
                      "F": ("", "U"), "S": ("", "U"), "T": ("U", "U")}
ALL_PRIVILEGES = DEFAULT_PRIVILEGES["r"][1]
_LETTERS = {"select": "r", "insert": "a", "update": "w", "delete": "d", "truncate": "D", "references": "x",
            "trigger": "t"}
ALL_SCHEMA_PRIVILEGES = DEFAULT_PRIVILEGES["n"][1]
_SCHEMA_LETTERS = {"usage": "U", "create": "C"}
ALL_DATABASE_PRIVILEGES = DEFAULT_PRIVILEGES["d"][1]
_DATABASE_LETTERS = {"create": "C", "temporary": "T", "temp": "T", "connect": "c"}
ALL_SEQUENCE_PRIVILEGES = DEFAULT_PRIVILEGES["s"][1]
_SEQUENCE_LETTERS = {"usage": "U", "select": "r", "update": "w"}
_NAMES = {"table": _LETTERS, "schema": _SCHEMA_LETTERS, "sequence": _SEQUENCE_LETTERS, "database": _DATABASE_LETTERS}
_EVERYTHING = {"table": ALL_PRIVILEGES, "schema": ALL_SCHEMA_PRIVILEGES, "sequence": ALL_SEQUENCE_PRIVILEGES,
               "database": ALL_DATABASE_PRIVILEGES}
_PUBLIC_USAGE = frozenset(oid for oid, _ in BUILTIN_NAMESPACES) - {PG_TOAST_NAMESPACE}
_KIND_WORD = {"r": "table", "v": "view", "S": "sequence", "i": "index"}


def required(plan: P.Plan) -> tuple[tuple[int, str], ...]:
    """(relation OID, privilege letter) pairs a plan needs."""
    out: set[tuple[int, str]] = set()
    stack = [plan]
    seen: set[int] = set()  # a recursive CTE's plan reads itself
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, (P.TableScan, P.IndexScan)) and not node.via_view:
            out.add((node.rel_oid, "r"))
        elif isinstance(node, P.Insert):
            out.add((node.rel_oid, "a"))
        elif isinstance(node, P.Update):
            out.add((node.rel_oid, "w"))
        elif isinstance(node, P.Delete):
            out.add((node.rel_oid, "d"))
        stack.extend(node.children())
        for value in vars(node).values():
            for e in (value if isinstance(value, list) else [value]):
                sub = getattr(e, "plan", None)
                if isinstance(sub, P.Plan):
                    stack.append(sub)
        if isinstance(node, P.CteScan):
            stack.extend(p for p in (node.cte.plan, node.cte.recursive_plan) if p is not None)
    return tuple(sorted(out))


def has_privilege(session: "Session", rel: RelationDef, letter: str) -> bool:
    return role_has_privilege(session.user, session.role_oid, session.superuser, rel, letter)


AclObject = RelationDef | NamespaceDef | DatabaseDef


def role_has_privilege(user: str, role_oid: int, superuser: bool, obj: AclObject, letter: str) -> bool:
    if superuser or obj.owner == role_oid:
        return True
    for item in effective_acl(obj, "postgres"):
        grantee, _, rest = item.partition("=")
        privs = rest.split("/", 1)[0]
        if letter in privs and grantee in ("", user):
            return True
    return False


def effective_acl(obj: AclObject, owner: str) -> tuple[str, ...]:
    """The ACL in force; a default that grants PUBLIC something is written out as PostgreSQL
    shows it (built-in schemas: USAGE; databases: TEMPORARY and CONNECT)."""
    if obj.acl:
        return obj.acl
    if isinstance(obj, NamespaceDef) and obj.oid in _PUBLIC_USAGE:  # as initdb grants them
        return (f"{owner}={ALL_SCHEMA_PRIVILEGES}/{owner}", f"=U/{owner}")
    if isinstance(obj, DatabaseDef):
        public, own = DEFAULT_PRIVILEGES["d"]
        return (f"={public}/{owner}", f"{owner}={own}/{owner}")
    return ()


def database_privilege(user: str, role_oid: int, superuser: bool, db: DatabaseDef, letter: str) -> None:
    if not role_has_privilege(user, role_oid, superuser, db, letter):
        raise InsufficientPrivilege(f'permission denied for database {db.name}' if letter != "c"
                                    else f'permission denied for database "{db.name}"',
                                    detail="User does not have CONNECT privilege." if letter == "c" else None)


def sequence_privilege(session: "Session", seq: RelationDef, letters: str) -> None:
    """nextval/currval/setval: any one of `letters` on the sequence will do."""
    if not any(has_privilege(session, seq, letter) for letter in letters):
        raise InsufficientPrivilege(f"permission denied for sequence {seq.name}")


def schema_usage(session: "Session", namespace_oid: int) -> None:
    _require_schema(session, namespace_oid, "U")


def schema_create(session: "Session", namespace_oid: int) -> None:
    _require_schema(session, namespace_oid, "C")


def _require_schema(session: "Session", namespace_oid: int, letter: str) -> None:
    if session.superuser:
        return
    ns = session.store.catalog.namespace(session.catalog().snap, session.database_oid, namespace_oid)
    if ns is not None and not role_has_privilege(session.user, session.role_oid, False, ns, letter):
        raise InsufficientPrivilege(f"permission denied for schema {ns.name}")


def privilege_letters(text: str, kind: str = "table") -> str:
    """has_*_privilege's privilege argument: 'SELECT', 'select, insert', 'UPDATE WITH GRANT
    OPTION' (grant options are not tracked: the privilege itself is what is checked)."""
    names = _NAMES[kind]
    letters = ""
    for part in text.split(","):
        words = part.strip().lower()
        if words.endswith(" with grant option"):
            words = words[: -len(" with grant option")].strip()
        if words not in names:
            raise InvalidParameterValue(f'unrecognized privilege type: "{part.strip()}"')
        letters += names[words]
    return letters


def check(session: "Session", needs: tuple[tuple[int, str], ...]) -> None:
    if session.superuser or not needs:
        return
    catalog = session.catalog()
    for oid, letter in needs:
        rel = catalog.relation(oid)
        if rel is not None:
            schema_usage(session, rel.namespace)
        if rel is not None and not has_privilege(session, rel, letter):
            raise InsufficientPrivilege(f"permission denied for {_KIND_WORD.get(rel.kind, 'relation')} {rel.name}")


# -- GRANT / REVOKE ----------------------------------------------------------------------------------

def run_grant(session: "Session", text: str, grant: bool) -> Result:
    """GRANT/REVOKE privileges ON [TABLE|SEQUENCE] names | ALL TABLES/SEQUENCES IN SCHEMA s |
    SCHEMA s | DATABASE d TO/FROM roles.

    Other object kinds (functions, languages, types, role membership) are accepted and change
    nothing: every role may use them."""
    words = [t.value for t in tokenize(text)]
    tag = "GRANT" if grant else "REVOKE"
    if "on" not in words:
        return Result(tag=f"{tag} ROLE")
    i = 1
    if not grant and words[1:4] == ["grant", "option", "for"]:
        i = 4
    on = words.index("on")
    rest = words[on + 1:]
    target_word = "to" if grant else "from"
    if target_word not in rest:
        raise SqlSyntaxError("syntax error at end of input")
    cut = rest.index(target_word)
    objects, grantees = rest[:cut], [w for w in rest[cut + 1:] if w not in (",", "group")]
    grantees = grantees[:_until(grantees, ("with", "granted", "cascade", "restrict"))]
    if objects[:1] == ["schema"]:
        targets, kind = _schemas(session, objects[1:]), "schema"
    elif objects[:1] == ["database"]:
        targets, kind = _databases(session, objects[1:]), "database"
    elif objects[:1] == ["sequence"] or objects[:3] == ["all", "sequences", "in"]:
        targets, kind = _relations(session, objects, "S"), "sequence"
    else:
        targets, kind = _relations(session, objects, "rv"), "table"
    privs = _privileges(words[i:on], kind)
    if targets is None:
        return Result(tag=tag)
    store, txn = session.store, session._ensure_txn()
    for grantee in grantees:
        if grantee != "public" and store.catalog.find_role(store.snapshot(txn), grantee) is None:
            raise UndefinedObject(f'role "{grantee}" does not exist')
    for obj in targets:
        owner = store.catalog.role(store.snapshot(txn), obj.owner)
        acl = _changed_acl(obj, owner.name if owner is not None else session.user, grantees, privs, grant,
                           _EVERYTHING[kind])
        items = tuple(f"{g}={p}/{session.user}" for g, p in acl.items() if p)
        if isinstance(obj, NamespaceDef):
            store.alter_namespace(txn, replace(obj, acl=items))
        elif isinstance(obj, DatabaseDef):
            store.alter_database(txn, replace(obj, acl=items))
        else:
            store.alter_relation(txn, replace(obj, acl=items))
    return Result(tag=tag)


def _until(words: list[str], stops: tuple[str, ...]) -> int:
    return next((k for k, w in enumerate(words) if w in stops), len(words))


def _privileges(words: list[str], kind: str) -> str:
    """The privilege letters GRANT/REVOKE names for an object of `kind` (ALL: every one)."""
    privs = [w for w in words if w not in (",", "privileges")]
    if not privs or privs == ["all"]:
        return _EVERYTHING[kind]
    out = ""
    for name in privs:
        if name in _NAMES[kind]:
            out += _NAMES[kind][name]
        elif any(name in known for known in _NAMES.values()):
            raise InvalidGrantOperation(f"invalid privilege type {name.upper()} for {kind}")
        else:
            raise SqlSyntaxError(f'unrecognized privilege type "{name}"')
    return out


def _schemas(session: "Session", names: list[str]) -> list[NamespaceDef]:
    catalog = session.catalog()
    out = []
    for name in (w for w in names if w != ","):
        ns = session.store.catalog.find_namespace(catalog.snap, session.database_oid, name)
        if ns is None:
            raise InvalidSchemaName(f'schema "{name}" does not exist')
        out.append(ns)
    return out


def _databases(session: "Session", names: list[str]) -> list[DatabaseDef]:
    out = []
    for name in (w for w in names if w != ","):
        db = session.store.catalog.find_database(session.catalog().snap, name)
        if db is None:
            raise InvalidCatalogName(f'database "{name}" does not exist')
        out.append(db)
    return out


def _relations(session: "Session", objects: list[str], kinds: str) -> list[RelationDef] | None:
    """The tables (or sequences) named after ON; None for object kinds that carry no ACL here."""
    catalog = session.catalog()
    if objects[:1] and objects[0] in ("function", "language", "type", "domain", "procedure",
                                      "routine", "tablespace", "foreign"):
        return None
    if objects[:2] in (["all", "tables"], ["all", "sequences"]) and objects[2:3] == ["in"]:
        out = []
        for ns in _schemas(session, objects[4:]):
            out += [r for r in catalog.relations() if r.namespace == ns.oid and r.kind in kinds]
        return out
    if objects[:1] in (["table"], ["sequence"]):
        objects = objects[1:]
    out, parts = [], []
    for word in objects + [","]:
        if word == ",":
            hit = catalog.resolve_relation(parts) if parts else None
            if parts and (hit is None or hit.relation is None):
                raise UndefinedTable(f'relation "{".".join(parts)}" does not exist')
            if hit is not None:
                out.append(hit.relation)
            parts = []
        elif word != ".":
            parts.append(word)
    return out


def _changed_acl(obj: AclObject, owner: str, grantees: list[str], privs: str, grant: bool,
                 everything: str) -> dict[str, str]:
    """The ACL as grantee -> privileges after the change; a default ACL is made explicit first."""
    acl: dict[str, str] = {}
    for item in effective_acl(obj, owner) or (f"{owner}={everything}/{owner}",):
        grantee, _, rest = item.partition("=")
        acl[grantee] = rest.split("/", 1)[0]
    for grantee in grantees:
        key = "" if grantee == "public" else grantee
        current = acl.get(key, "")
        if grant:
            acl[key] = "".join(p for p in everything if p in current or p in privs)
        else:
            acl[key] = "".join(p for p in current if p not in privs)
    return acl
