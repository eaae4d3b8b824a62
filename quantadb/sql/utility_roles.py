"""Role statements read by tokens: CREATE/ALTER/DROP ROLE (USER, GROUP) with their options and
memberships (IN ROLE, ROLE, ADMIN), REASSIGN OWNED and DROP OWNED."""

from __future__ import annotations

from quantadb.sql.reader import TokenReader
from quantadb.sql.utility_stmts import OwnedStmt, RoleStmt

_FLAGS = {"superuser": ("superuser", True), "nosuperuser": ("superuser", False),
               "login": ("login", True), "nologin": ("login", False),
               "createdb": ("createdb", True), "nocreatedb": ("createdb", False),
               "createrole": ("createrole", True), "nocreaterole": ("createrole", False),
               "inherit": ("inherit", True), "noinherit": ("inherit", False),
               "replication": ("replication", True), "noreplication": ("replication", False),
               "bypassrls": ("bypassrls", True), "nobypassrls": ("bypassrls", False)}


def role_statement(r: TokenReader) -> RoleStmt | None:
    """CREATE/ALTER/DROP ROLE | USER | GROUP."""
    kind = r.next().value
    is_user = r.word("user")
    if not is_user and not r.word("role", "group"):
        return None
    if kind == "drop":
        if_exists = r.words("if", "exists")
        names = [r.name()]
        while r.op(","):
            names.append(r.name())
        return RoleStmt("drop", names, if_exists=if_exists)
    names = [r.name()]
    options: dict[str, object] = {"login": True} if (is_user and kind == "create") else {}
    if kind == "alter" and r.words("rename", "to"):
        options["rename"] = r.name()
        return RoleStmt(kind, names, options)
    if kind == "alter" and r.word("set", "reset"):
        return RoleStmt(kind, names, {})
    r.word("with")
    while not r.at_end():
        tok = r.next()
        if tok.value in _FLAGS:
            key, value = _FLAGS[tok.value]
            options[key] = value
        elif tok.is_word("password"):
            value_tok = r.next()
            options["password"] = None if value_tok.is_word("null") else value_tok.value
        elif tok.is_word("encrypted"):
            continue
        elif tok.is_word("connection"):
            r.expect("limit")
            sign = -1 if r.op("-") else 1
            options["connection_limit"] = sign * int(r.next().value)
        elif tok.is_word("valid"):
            r.expect("until")
            options["valid_until"] = r.next().value
        elif tok.is_word("in", "role", "admin", "user"):  # memberships (engine/membership.py)
            key = {"in": "in_role", "admin": "admin_members"}.get(tok.value, "role_members")
            if tok.is_word("in"):
                r.word("role", "group")
            roles = [r.name()]
            while r.op(","):
                roles.append(r.name())
            options[key] = roles
        else:
            r.fail(tok)
    return RoleStmt(kind, names, options, is_user=is_user)


def owned_statement(r: TokenReader) -> OwnedStmt:
    """REASSIGN OWNED BY roles TO role | DROP OWNED BY roles [CASCADE | RESTRICT]."""
    kind = r.next().value
    r.expect("owned")
    r.expect("by")
    roles = [r.name()]
    while r.op(","):
        roles.append(r.name())
    if kind == "reassign":
        r.expect("to")
        return OwnedStmt(kind, roles, new_owner=r.name())
    cascade = r.word("cascade")
    if not cascade:
        r.word("restrict")
    return OwnedStmt(kind, roles, cascade=cascade)
