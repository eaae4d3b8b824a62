"""User-defined functions and procedures in the catalogs: their pg_proc rows and the text
pg_get_functiondef / pg_get_function_arguments / _identity_arguments / _result print for them,
as PostgreSQL 15's ruleutils.c writes it (psql's \\df and \\sf, pg_dump, pgAdmin read these)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Iterator

from quantadb.engine.pg_catalog.tables import Row
from quantadb.engine.pg_catalog.types import PLPGSQL_LANGUAGE
from quantadb.sql.lexer import split_statements
from quantadb.sql.quoting import quote_ident
from quantadb.storage.catalog import FunctionDef
from quantadb.types import registry as R

if TYPE_CHECKING:
    from quantadb.engine.session import Session

SQL_LANGUAGE = 14  # pg_language.oid of 'sql'
LANGUAGE_OIDS = {"sql": SQL_LANGUAGE, "plpgsql": PLPGSQL_LANGUAGE}
_MODE_WORDS = {"o": "OUT ", "b": "INOUT ", "v": "VARIADIC "}


def user_function(session: "Session", oid: int) -> FunctionDef | None:
    return session.catalog().function(oid) if oid >= 16384 else None


def proc_rows(session: "Session") -> Iterator[Row]:
    for fn in session.catalog().functions():
        inputs = fn.input_types
        all_args = len(fn.arg_modes) != len(inputs)  # OUT or TABLE parameters: the full lists too
        yield {"oid": fn.oid, "proname": fn.name, "pronamespace": fn.namespace, "proowner": fn.owner,
               "prolang": LANGUAGE_OIDS[fn.language], "procost": fn.cost, "prorows": fn.rows, "provariadic": 0,
               "prokind": fn.kind, "prosecdef": fn.security_definer, "proleakproof": fn.leakproof,
               "proisstrict": fn.strict, "proretset": fn.returns_set, "provolatile": fn.volatility,
               "proparallel": fn.parallel, "pronargs": len(inputs), "pronargdefaults": len(fn.defaults),
               "prorettype": fn.return_type.oid, "proargtypes": " ".join(str(t.oid) for t in inputs),
               "proallargtypes": [t.oid for t in fn.arg_types] if all_args else None,
               "proargmodes": list(fn.arg_modes) if all_args or "v" in fn.arg_modes else None,
               "proargnames": list(fn.arg_names) if any(fn.arg_names) else None,
               "proargdefaults": _defaults_tree(fn), "prosrc": "" if fn.standard_body else fn.body,
               "prosqlbody": fn.body if fn.standard_body else None, "proacl": list(fn.acl) or None,
               "proconfig": list(fn.config) or None}


def _defaults_tree(fn: FunctionDef) -> str | None:
    """proargdefaults: PostgreSQL keeps a node list; here the default texts, as pg_get_expr shows them."""
    return ", ".join(default_text(fn, i) for i in range(len(fn.defaults))) if fn.defaults else None


def default_text(fn: FunctionDef, k: int) -> str:
    """The k-th DEFAULT as ruleutils prints it: a string literal with its parameter's type."""
    text = fn.defaults[k]
    param_type = fn.input_types[len(fn.input_types) - len(fn.defaults) + k]
    if text.startswith("'") and text.endswith("'") and "'" not in text[1:-1].replace("''", ""):
        return f"{text}::{R.format_type(param_type.pg, -1)}"
    return text


def arguments(fn: FunctionDef, type_name: Callable[[int], str], defaults: bool = True) -> str:
    """pg_get_function_arguments (defaults=True) / pg_get_function_identity_arguments; `type_name`
    is format_type's (a user type schema-qualified where the search path does not find it)."""
    out = []
    first_default = len(fn.input_types) - len(fn.defaults)
    k = 0
    for name, t, mode in zip(fn.arg_names, fn.arg_types, fn.arg_modes):
        if mode == "t":
            continue
        word = _MODE_WORDS.get(mode, "IN " if fn.kind == "p" else "")
        item = f"{word}{quote_ident(name) + ' ' if name else ''}{type_name(t.pg.oid)}"
        if mode in "ibv":
            if defaults and k >= first_default:
                item += f" DEFAULT {default_text(fn, k - first_default)}"
            k += 1
        out.append(item)
    return ", ".join(out)


def result(fn: FunctionDef, type_name: Callable[[int], str]) -> str | None:
    if fn.kind == "p":
        return None
    if "t" in fn.arg_modes:
        columns = [f"{quote_ident(n)} {type_name(t.pg.oid)}"
                   for n, t, m in zip(fn.arg_names, fn.arg_types, fn.arg_modes) if m == "t"]
        return f"TABLE({', '.join(columns)})"
    shown = fn.row_type_name or type_name(fn.return_type.pg.oid)
    return ("SETOF " if fn.returns_set else "") + shown


def functiondef(session: "Session", fn: FunctionDef) -> str:
    """pg_get_functiondef: a CREATE OR REPLACE that makes the function again."""
    word = "PROCEDURE" if fn.kind == "p" else "FUNCTION"
    catalog = session.catalog()
    schema = catalog.namespace_name(fn.namespace)
    lines = [f"CREATE OR REPLACE {word} {quote_ident(schema)}.{quote_ident(fn.name)}"
             f"({arguments(fn, catalog.format_type)})"]
    if fn.kind == "f":
        lines.append(f" RETURNS {result(fn, catalog.format_type)}")
    lines.append(f" LANGUAGE {fn.language}")
    flags = [{"i": "IMMUTABLE", "s": "STABLE"}.get(fn.volatility, "")]
    flags += ["STRICT" if fn.strict else "", "SECURITY DEFINER" if fn.security_definer else "",
              "LEAKPROOF" if fn.leakproof else "",
              {"s": "PARALLEL SAFE", "r": "PARALLEL RESTRICTED"}.get(fn.parallel, "")]
    if any(flags):
        lines.append(" " + " ".join(f for f in flags if f))
    if fn.cost != 100.0:
        lines.append(f" COST {fn.cost:g}")
    if fn.returns_set and fn.rows != 1000.0:
        lines.append(f" ROWS {fn.rows:g}")
    for item in fn.config:
        name, _, value = item.partition("=")
        values = value.split(", ") if name == "search_path" else [value]
        lines.append(f" SET {name} TO " + ", ".join("'" + v.replace("'", "''") + "'" for v in values))
    if fn.standard_body:
        lines.append(standard_body(fn.body))
    else:
        tag = "$function$" if fn.kind == "f" else "$procedure$"
        lines.append(f"AS {tag}{fn.body}{tag}")
    return "\n".join(lines) + "\n"


def standard_body(body: str) -> str:
    """RETURN expr / BEGIN ATOMIC ... END laid out as ruleutils does (one statement a line)."""
    words = body.split(None, 2)
    if words[0].lower() == "return":
        return "RETURN " + body.split(None, 1)[1]
    inner = words[2] if len(words) > 2 else ""
    inner = inner.rstrip().rstrip(";").rstrip()
    inner = inner[:-3] if inner.lower().endswith("end") else inner
    statements = [s for s, _ in split_statements(inner)]
    return "BEGIN ATOMIC\n" + "".join(f" {s};\n" for s in statements) + "END"


def regprocedure_name(session: "Session", fn: FunctionDef) -> str:
    """regprocedureout: name(argtypes), schema-qualified when not visible on the search path."""
    args = ",".join(R.format_type(t.pg, -1) for t in fn.input_types)
    visible = session.catalog().functions_named(fn.name)
    name = quote_ident(fn.name)
    if not any(f.oid == fn.oid for f in visible):
        name = f"{quote_ident(session.catalog().namespace_name(fn.namespace))}.{name}"
    return f"{name}({args})"
