"""Table, sequence, schema, database and function privileges: GRANT/REVOKE and their enforcement (42501).

ACLs are PostgreSQL's aclitems on the relation or schema ("bob=ar*w/postgres": grantee =
privileges / grantor, a `*` after a letter is the grant option for it; "=r/postgres" for
PUBLIC); an empty ACL means the default: the owner has every privilege and nobody else any,
except that the built-in schemas grant USAGE to PUBLIC (as after initdb; PostgreSQL 15 no
longer grants CREATE on public to PUBLIC). A role has the privileges granted to it, to PUBLIC and
to the roles whose privileges it inherits (engine/membership.py: ActingRoles), and through
pg_read_all_data / pg_write_all_data. Superusers and owners (or members of the owning role) pass
every check and hold every grant option; a superuser grants as the owner. Another role grants only what it holds WITH
GRANT OPTION (for the rest: a warning, as in PostgreSQL) and revokes only what it granted;
revoking a grant option also revokes what the grantee granted on with it (CASCADE; without
it, 2B000).
Table privilege letters: r SELECT, a INSERT, w UPDATE, d DELETE, D TRUNCATE, x REFERENCES,
t TRIGGER; sequence letters: r SELECT (currval), w UPDATE (nextval, setval), U USAGE (nextval,
currval); schema letters: U USAGE, C CREATE; database letters: C CREATE, T TEMPORARY, c CONNECT
(PUBLIC has TEMPORARY and CONNECT by default); function letter: X EXECUTE (PUBLIC's by default;
a call of a user function needs it, checked like a table's privileges; built-ins need none). What a plan needs is derived once when it is
planned (`required`) and checked on every execution, because cached plans are shared by
sessions of different users and GRANT/REVOKE may happen in between.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.membership import PG_READ_ALL_DATA, PG_WRITE_ALL_DATA, ActingRoles, acting_roles, run_membership
from quantadb.engine.results import Result
from quantadb.errors import (DependentPrivilegeDescriptorsStillExist, FeatureNotSupported, InsufficientPrivilege,
                             InvalidCatalogName, InvalidGrantOperation, InvalidParameterValue, InvalidSchemaName,
                             SyntaxError as SqlSyntaxError, UndefinedObject, UndefinedTable)
from quantadb.sql import expr as E
from quantadb.sql import plan as P
from quantadb.sql.lexer import tokenize
from quantadb.storage.catalog import (BUILTIN_NAMESPACES, PG_TOAST_NAMESPACE, DatabaseDef, FunctionDef, NamespaceDef,
                                     RelationDef)

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
_COLUMN_LETTERS = {name: _LETTERS[name] for name in ("select", "insert", "update", "references")}
_NAMES = {"table": _LETTERS, "column": _COLUMN_LETTERS, "schema": _SCHEMA_LETTERS, "sequence": _SEQUENCE_LETTERS,
          "database": _DATABASE_LETTERS, "function": {"execute": "X"}}
_WITH_GRANT_OPTION = " with grant option"
_EVERYTHING = {"table": ALL_PRIVILEGES, "schema": ALL_SCHEMA_PRIVILEGES, "sequence": ALL_SEQUENCE_PRIVILEGES,
               "database": ALL_DATABASE_PRIVILEGES, "function": "X"}
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
        elif isinstance(node, (P.Insert, P.Update, P.Delete)):
            letter = "a" if isinstance(node, P.Insert) else "w" if isinstance(node, P.Update) else "d"
            out.update(node.view_privileges if node.view_privileges is not None else [(node.rel_oid, letter)])
        stack.extend(node.children())
        for value in vars(node).values():
            for e in (value if isinstance(value, list) else [value]):
                sub = getattr(e, "plan", None)
                if isinstance(sub, P.Plan):
                    stack.append(sub)
        if isinstance(node, P.CteScan):
            stack.extend(p for p in (node.cte.plan, node.cte.recursive_plan) if p is not None)
        for call in _routine_calls(vars(node).values()):
            out.update(_routine_needs(call))
    # the user's own privileges first (a view's before those its owner needs on the base table, as PostgreSQL)
    return tuple(sorted(out, key=lambda need: ("@" in need[1], need)))


def _routine_needs(call: E.Call) -> set[tuple[int, str]]:
    """EXECUTE on a user function, and what its body needs: of the caller, or of the function's
    owner for a SECURITY DEFINER one (the letter then reads "r@owner-oid")."""
    fn = call.routine.fn
    out = {(fn.oid, "X")}
    for plan in call.routine.plans:
        for oid, letter in required(plan):
            out.add((oid, letter if not fn.security_definer or "@" in letter else f"{letter}@{fn.owner}"))
    return out


def expression_needs(e: E.Expr) -> tuple[tuple[int, str], ...]:
    """What evaluating an expression needs: EXECUTE on the user functions it calls, and theirs."""
    out: set[tuple[int, str]] = set()
    for call in _routine_calls([e]):
        out.update(_routine_needs(call))
    return tuple(sorted(out))


def _routine_calls(values) -> list[E.Call]:
    """Calls of non-inlined user functions in a plan node's expressions (sql/functions/user.py)."""
    found = []
    for value in values:
        for item in (value if isinstance(value, (list, tuple)) else [value]):
            for e in (item if isinstance(item, (list, tuple)) else [item]):
                if isinstance(e, E.Expr):
                    found += [n for n in E.walk(e) if isinstance(n, E.Call) and n.routine is not None]
    return found


def has_privilege(session: "Session", rel: RelationDef, letter: str) -> bool:
    return role_has_privilege(session.acting, session.superuser, rel, letter)


def owns(session: "Session", owner: int) -> bool:
    """May the current user act as the owner `owner` (ALTER, DROP, GRANT): a superuser, the
    owner, or a role with the owner's privileges (engine/membership.py)."""
    return session.superuser or owner in session.acting.oids


AclObject = RelationDef | NamespaceDef | DatabaseDef | FunctionDef
# what pg_read_all_data / pg_write_all_data give on every table, view and sequence (schemas: USAGE)
_PREDEFINED_GRANTS = ((PG_READ_ALL_DATA, "r"), (PG_WRITE_ALL_DATA, "awd"))


def role_has_privilege(roles: ActingRoles, superuser: bool, obj: AclObject, letter: str,
                       grant_option: bool = False) -> bool:
    """Does a role with the privileges of `roles` hold `letter` on `obj`?"""
    if superuser or obj.owner in roles.oids:
        return True
    for item in effective_acl(obj, "postgres"):
        grantee, privileges, _ = parse_aclitem(item)
        if (grantee == "" or grantee in roles.names) and holds(privileges, letter, grant_option):
            return True
    if grant_option or not isinstance(obj, (RelationDef, NamespaceDef)):
        return False
    return any(oid in roles.oids and (letter in letters if isinstance(obj, RelationDef) else letter == "U")
               for oid, letters in _PREDEFINED_GRANTS)


def parse_aclitem(item: str) -> tuple[str, str, str]:
    """'grantee=privileges/grantor' -> (grantee, privileges, grantor); an empty grantee is PUBLIC."""
    grantee, sep, rest = item.rpartition("=")
    privileges, slash, grantor = rest.partition("/")
    if not sep or not slash:
        raise InvalidParameterValue(f'invalid input syntax for type aclitem: "{item}"')
    return grantee.strip('"'), privileges, grantor.strip('"')


def format_aclitem(grantee: str, privileges: str, grantor: str) -> str:
    return f"{grantee}={privileges}/{grantor}"


def holds(privileges: str, letter: str, grant_option: bool = False) -> bool:
    """Does an aclitem's privilege string hold `letter` (with its grant option: followed by `*`)?"""
    at = privileges.find(letter)
    return at >= 0 and (not grant_option or privileges[at + 1:at + 2] == "*")


def acl_items(obj: AclObject, owner: str, kind: str) -> tuple[str, ...]:
    """The ACL in force with the owner's default written out too (acldefault): what aclexplode
    and information_schema show for an object of `kind` (table, schema, sequence, database)."""
    return effective_acl(obj, owner) or (f"{owner}={_EVERYTHING[kind]}/{owner}",)


def effective_acl(obj: AclObject, owner: str) -> tuple[str, ...]:
    """The ACL in force; a default that grants PUBLIC something is written out as PostgreSQL
    shows it (built-in schemas: USAGE; databases: TEMPORARY and CONNECT)."""
    if obj.acl:
        return obj.acl
    if isinstance(obj, NamespaceDef) and obj.oid in _PUBLIC_USAGE:  # as initdb grants them
        return (f"{owner}={ALL_SCHEMA_PRIVILEGES}/{owner}", f"=U/{owner}")
    if isinstance(obj, (DatabaseDef, FunctionDef)):
        public, own = DEFAULT_PRIVILEGES["d" if isinstance(obj, DatabaseDef) else "f"]
        return (f"={public}/{owner}", f"{owner}={own}/{owner}")
    return ()


def database_privilege(roles: ActingRoles, superuser: bool, db: DatabaseDef, letter: str) -> None:
    if not role_has_privilege(roles, superuser, db, letter):
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
    if ns is not None and not role_has_privilege(session.acting, False, ns, letter):
        raise InsufficientPrivilege(f"permission denied for schema {ns.name}")


def requested_privileges(text: str, kind: str = "table") -> list[tuple[str, bool]]:
    """has_*_privilege's privilege argument ('SELECT', 'select, insert', 'UPDATE WITH GRANT
    OPTION') as (letter, with grant option) pairs; as in PostgreSQL, each item's words are
    single-spaced. `kind` "column" takes only the privileges a column can have."""
    names = _NAMES[kind]
    out = []
    for part in text.split(","):
        words = part.strip()
        name = words.lower()
        option = name.endswith(_WITH_GRANT_OPTION)
        if option:
            name = name[:-len(_WITH_GRANT_OPTION)]
        if name not in names:
            raise InvalidParameterValue(f'unrecognized privilege type: "{words}"')
        out.append((names[name], option))
    return out


def superuser_passes(needs: tuple[tuple[int, str], ...]) -> bool:
    """Does a superuser pass `check` at once? Not inside a SECURITY DEFINER function, whose
    owner's privileges count ("r@owner"). Decided once per plan."""
    return all(len(letter) == 1 for _, letter in needs)


def check(session: "Session", needs: tuple[tuple[int, str], ...], superuser_passes: bool = True) -> None:
    if not needs or superuser_passes and session.superuser:
        return
    catalog = session.catalog()
    for oid, letter in needs:
        letter, _, owner = letter.partition("@")
        if owner:  # inside a SECURITY DEFINER function: its owner's privileges count
            role = session.store.catalog.role(catalog.snap, int(owner))
            if role is None or role.superuser:
                continue
            roles = acting_roles(session.store.catalog, catalog.snap, role.oid)
        elif session.superuser:
            continue
        else:
            roles = session.acting
        if letter == "X":
            fn = catalog.function(oid)
            if fn is not None and not role_has_privilege(roles, False, fn, "X"):
                word = "procedure" if fn.kind == "p" else "function"
                raise InsufficientPrivilege(f"permission denied for {word} {fn.name}")
            continue
        rel = catalog.relation(oid)
        if rel is not None and not owner:
            schema_usage(session, rel.namespace)
        if rel is not None and not role_has_privilege(roles, False, rel, letter):
            raise InsufficientPrivilege(f"permission denied for {_KIND_WORD.get(rel.kind, 'relation')} {rel.name}")


# -- GRANT / REVOKE ----------------------------------------------------------------------------------

def run_grant(session: "Session", text: str, grant: bool) -> Result:
    """GRANT/REVOKE [GRANT OPTION FOR] privileges ON [TABLE|SEQUENCE] names | ALL TABLES/SEQUENCES
    IN SCHEMA s | SCHEMA s | DATABASE d TO/FROM roles [WITH GRANT OPTION] [GRANTED BY role]
    [CASCADE | RESTRICT].

    FUNCTION / PROCEDURE / ROUTINE f(args) and ALL FUNCTIONS IN SCHEMA s take EXECUTE. Other
    object kinds (languages, types) are accepted and change nothing: every role may use them.
    Without ON it grants or revokes role membership (engine/membership.py)."""
    words = [t.value for t in tokenize(text)]
    tag = "GRANT" if grant else "REVOKE"
    if "on" not in words:
        return run_membership(session, text, grant)
    option_only = not grant and words[1:4] == ["grant", "option", "for"]
    on = words.index("on")
    rest = words[on + 1:]
    target_word = "to" if grant else "from"
    if target_word not in rest:
        raise SqlSyntaxError("syntax error at end of input")
    cut = rest.index(target_word)
    objects, tail = rest[:cut], rest[cut + 1:]
    end = _until(tail, ("with", "granted", "cascade", "restrict"))
    grantees, clauses = [w for w in tail[:end] if w not in (",", "group")], tail[end:]
    with_option = grant and clauses[:3] == ["with", "grant", "option"]
    if "granted" in clauses:
        _check_granted_by(session, clauses[clauses.index("granted") + 2:][:1])
    if objects[:1] == ["schema"]:
        targets, kind = _schemas(session, objects[1:]), "schema"
    elif objects[:1] == ["database"]:
        targets, kind = _databases(session, objects[1:]), "database"
    elif objects[:1] in (["function"], ["procedure"], ["routine"]) or \
            objects[:2] in (["all", "functions"], ["all", "procedures"], ["all", "routines"]):
        from quantadb.engine.ddl.functions import grant_targets
        targets, kind = grant_targets(session, text), "function"
    elif objects[:1] == ["sequence"] or objects[:3] == ["all", "sequences", "in"]:
        targets, kind = _relations(session, objects, "S"), "sequence"
    else:
        targets, kind = _relations(session, objects, "rv"), "table"
    named = [w for w in words[4 if option_only else 1:on] if w not in (",", "privileges")]
    privs = _privileges(named, kind)
    if targets is None:
        return Result(tag=tag)
    store, txn = session.store, session._ensure_txn()
    for grantee in grantees:
        if grantee != "public" and store.catalog.find_role(store.snapshot(txn), grantee) is None:
            raise UndefinedObject(f'role "{grantee}" does not exist')
    if with_option and "public" in grantees:
        raise InvalidGrantOperation("grant options can only be granted to roles")
    grantees = ["" if g == "public" else g for g in grantees]
    for obj in targets:
        owner_role = store.catalog.role(store.snapshot(txn), obj.owner)
        owner = owner_role.name if owner_role is not None else session.user
        acl = Acl(obj, owner, kind)
        if owns(session, obj.owner):
            grantor, allowed = owner, privs
        else:
            grantor, allowed = session.user, _grantable(session, obj, kind, privs, named in ([], ["all"]), grant)
        for grantee in grantees:
            if grant:
                acl.grant(grantee, grantor, allowed, with_option)
            else:
                acl.revoke(grantee, grantor, allowed, option_only, cascade="cascade" in clauses)
        if isinstance(obj, NamespaceDef):
            store.alter_namespace(txn, replace(obj, acl=acl.items()))
        elif isinstance(obj, DatabaseDef):
            store.alter_database(txn, replace(obj, acl=acl.items()))
        elif isinstance(obj, FunctionDef):
            store.alter_function(txn, replace(obj, acl=acl.items()))
        else:
            store.alter_relation(txn, replace(obj, acl=acl.items()))
    return Result(tag=tag)


def _check_granted_by(session: "Session", name: list[str]) -> None:
    """GRANTED BY: PostgreSQL 15 takes only the current user."""
    role = name[0] if name else ""
    if role in ("current_user", "session_user", "current_role"):
        return
    if session.store.catalog.find_role(session.catalog().snap, role) is None:
        raise UndefinedObject(f'role "{role}" does not exist')
    if role != session.user:
        raise FeatureNotSupported("grantor must be current user")


def _grantable(session: "Session", obj: AclObject, kind: str, privs: str, all_named: bool, grant: bool) -> str:
    """The privileges a role that does not own `obj` may grant or revoke: those it holds WITH GRANT
    OPTION. Fewer than named: a warning; none held at all: permission denied."""
    roles = session.acting
    allowed = "".join(p for p in privs if role_has_privilege(roles, False, obj, p, grant_option=True))
    if not allowed and not any(role_has_privilege(roles, False, obj, p) for p in _EVERYTHING[kind]):
        word = _KIND_WORD.get(obj.kind, kind) if isinstance(obj, RelationDef) else kind
        raise InsufficientPrivilege(f"permission denied for {word} {obj.name}")
    verb = "were granted" if grant else "could be revoked"
    if not allowed:
        session.notice(f'no privileges {verb} for "{obj.name}"', "01007" if grant else "01006", "WARNING")
    elif len(allowed) < len(privs) and not all_named:
        session.notice(f'not all privileges {verb} for "{obj.name}"', "01007" if grant else "01006", "WARNING")
    return allowed


class Acl:
    """An object's ACL being changed: (grantee, grantor) -> privilege letters in PostgreSQL's
    order, each followed by `*` when grantable. A default ACL is made explicit first."""

    def __init__(self, obj: AclObject, owner: str, kind: str) -> None:
        self.everything = _EVERYTHING[kind]
        self.entries: dict[tuple[str, str], str] = {}
        for item in acl_items(obj, owner, kind):
            grantee, privileges, grantor = parse_aclitem(item)
            self.entries[(grantee, grantor)] = privileges

    def items(self) -> tuple[str, ...]:
        return tuple(format_aclitem(grantee, privs, grantor) for (grantee, grantor), privs in self.entries.items()
                     if privs)

    def grant(self, grantee: str, grantor: str, privs: str, with_option: bool) -> None:
        current = self.entries.get((grantee, grantor), "")
        self.entries[(grantee, grantor)] = self._spell(
            {p: holds(current, p, True) or (with_option and p in privs)
             for p in self.everything if p in current or p in privs})

    def revoke(self, grantee: str, grantor: str, privs: str, option_only: bool, cascade: bool) -> None:
        """Take `privs` (or only their grant options) from what `grantor` granted `grantee`; the
        grant options the grantee loses take with them what it granted on with them."""
        key = (grantee, grantor)
        current = self.entries.get(key, "")
        if not current:
            return
        kept = {p: holds(current, p, True) and p not in privs
                for p in self.everything if p in current and (option_only or p not in privs)}
        self.entries[key] = self._spell(kept)
        lost = [p for p in privs if holds(current, p, True) and not self._grantable_elsewhere(grantee, p)]
        dependents = [(k, p) for p in lost for k, v in self.entries.items() if k[1] == grantee and p in v]
        if dependents and not cascade:
            raise DependentPrivilegeDescriptorsStillExist("dependent privileges exist",
                                                          hint="Use CASCADE to revoke them too.")
        for (dependent, _), p in dependents:
            self.revoke(dependent, grantee, p, False, True)

    def _grantable_elsewhere(self, grantee: str, letter: str) -> bool:
        return any(holds(privs, letter, True) for (g, _), privs in self.entries.items() if g == grantee)

    def _spell(self, rights: dict[str, bool]) -> str:
        return "".join(p + ("*" if rights[p] else "") for p in self.everything if p in rights)


def _until(words: list[str], stops: tuple[str, ...]) -> int:
    return next((k for k, w in enumerate(words) if w in stops), len(words))


def _privileges(privs: list[str], kind: str) -> str:
    """The privilege letters GRANT/REVOKE names for an object of `kind` (ALL: every one)."""
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
    if objects[:1] and objects[0] in ("language", "type", "domain", "tablespace", "foreign"):
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
