"""Table privileges: GRANT/REVOKE and their enforcement (42501).

ACLs are PostgreSQL's aclitems on the relation ("bob=arw/postgres", "=r/postgres" for
PUBLIC); an empty ACL means the default: the owner has every privilege and nobody else any.
Superusers and owners pass every check. Privilege letters: r SELECT, a INSERT, w UPDATE,
d DELETE, D TRUNCATE, x REFERENCES, t TRIGGER. What a plan needs is derived once when it is
planned (`required`) and checked on every execution, because cached plans are shared by
sessions of different users and GRANT/REVOKE may happen in between.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.results import Result
from quantadb.errors import (InsufficientPrivilege, InvalidParameterValue, SyntaxError as SqlSyntaxError,
                             UndefinedObject, UndefinedTable)
from quantadb.sql import plan as P
from quantadb.sql.lexer import tokenize
from quantadb.storage.catalog import RelationDef

if TYPE_CHECKING:
    from quantadb.engine.session import Session

ALL_PRIVILEGES = "arwdDxt"
_LETTERS = {"select": "r", "insert": "a", "update": "w", "delete": "d", "truncate": "D", "references": "x",
            "trigger": "t"}
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


def role_has_privilege(user: str, role_oid: int, superuser: bool, rel: RelationDef, letter: str) -> bool:
    if superuser or rel.owner == role_oid:
        return True
    for item in rel.acl:
        grantee, _, rest = item.partition("=")
        privs = rest.split("/", 1)[0]
        if letter in privs and grantee in ("", user):
            return True
    return False


def privilege_letters(text: str) -> str:
    """has_table_privilege's privilege argument: 'SELECT', 'select, insert', 'UPDATE WITH GRANT
    OPTION' (grant options are not tracked: the privilege itself is what is checked)."""
    letters = ""
    for part in text.split(","):
        words = part.strip().lower()
        if words.endswith(" with grant option"):
            words = words[: -len(" with grant option")].strip()
        if words not in _LETTERS:
            raise InvalidParameterValue(f'unrecognized privilege type: "{part.strip()}"')
        letters += _LETTERS[words]
    return letters


def check(session: "Session", needs: tuple[tuple[int, str], ...]) -> None:
    if session.superuser or not needs:
        return
    catalog = session.catalog()
    for oid, letter in needs:
        rel = catalog.relation(oid)
        if rel is not None and not has_privilege(session, rel, letter):
            raise InsufficientPrivilege(f"permission denied for {_KIND_WORD.get(rel.kind, 'relation')} {rel.name}")


# -- GRANT / REVOKE ----------------------------------------------------------------------------------

def run_grant(session: "Session", text: str, grant: bool) -> Result:
    """GRANT/REVOKE privileges ON [TABLE] names | ALL TABLES IN SCHEMA s TO/FROM roles.

    Other object kinds (schemas, databases, sequences' USAGE, role membership) are accepted
    and change nothing: every role may use them."""
    words = [t.value for t in tokenize(text)]
    tag = "GRANT" if grant else "REVOKE"
    if "on" not in words:
        return Result(tag=f"{tag} ROLE")
    i = 1
    if not grant and words[1:4] == ["grant", "option", "for"]:
        i = 4
    on = words.index("on")
    privs = _privileges(words[i:on])
    rest = words[on + 1:]
    target_word = "to" if grant else "from"
    if target_word not in rest:
        raise SqlSyntaxError("syntax error at end of input")
    cut = rest.index(target_word)
    objects, grantees = rest[:cut], [w for w in rest[cut + 1:] if w not in (",", "group")]
    grantees = grantees[:_until(grantees, ("with", "granted", "cascade", "restrict"))]
    relations = _relations(session, objects)
    if relations is None:
        return Result(tag=tag)
    store, txn = session.store, session._ensure_txn()
    grantor = session.user
    snap = store.snapshot(txn)
    for rel in relations:
        owner = store.catalog.role(snap, rel.owner)
        acl = _acl_dict(rel, owner.name if owner is not None else grantor)
        for grantee in grantees:
            key = "" if grantee == "public" else grantee
            if key and store.catalog.find_role(store.snapshot(txn), key) is None:
                raise UndefinedObject(f'role "{grantee}" does not exist')
            current = acl.get(key, "")
            if grant:
                acl[key] = "".join(p for p in ALL_PRIVILEGES if p in current or p in privs)
            else:
                acl[key] = "".join(p for p in current if p not in privs)
        items = tuple(f"{g}={p}/{grantor}" for g, p in acl.items() if p)
        store.alter_relation(txn, replace(rel, acl=items))
    return Result(tag=tag)


def _until(words: list[str], stops: tuple[str, ...]) -> int:
    return next((k for k, w in enumerate(words) if w in stops), len(words))


def _privileges(words: list[str]) -> str:
    names = [w for w in words if w not in (",", "privileges")]
    if not names or names == ["all"]:
        return ALL_PRIVILEGES
    out = ""
    for name in names:
        if name not in _LETTERS:
            raise SqlSyntaxError(f'unrecognized privilege type "{name}"')
        out += _LETTERS[name]
    return out


def _relations(session: "Session", objects: list[str]) -> list[RelationDef] | None:
    """The tables named after ON; None for object kinds that carry no ACL here."""
    catalog = session.catalog()
    if objects[:1] and objects[0] in ("schema", "database", "function", "sequence", "language", "type",
                                      "domain", "procedure", "routine", "tablespace", "foreign"):
        return None
    if objects[:3] == ["all", "tables", "in"]:
        schemas = [w for w in objects[4:] if w != ","]
        out = []
        for name in schemas:
            ns = catalog.namespace_oid(name)
            if ns is None:
                raise UndefinedObject(f'schema "{name}" does not exist')
            out += [r for r in catalog.relations() if r.namespace == ns and r.kind in ("r", "v")]
        return out
    if objects[:1] == ["table"]:
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


def _acl_dict(rel: RelationDef, owner: str) -> dict[str, str]:
    """The ACL as grantee -> privileges; a default ACL becomes explicit (the owner has all)."""
    if not rel.acl:
        return {owner: ALL_PRIVILEGES}
    acl: dict[str, str] = {}
    for item in rel.acl:
        grantee, _, rest = item.partition("=")
        acl[grantee] = rest.split("/", 1)[0]
    return acl
