"""pg_trigger, pg_get_triggerdef and information_schema.triggers from the triggers kept on the
tables' catalog entries (storage TriggerDef), as PostgreSQL 15 shows them (psql's \\d lists them
from pg_get_triggerdef(oid, true)).

A WHEN condition is kept as written: pg_get_triggerdef prints it inside the parentheses
ruleutils.c adds (one pair more without `pretty`) rather than deparsing it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from quantadb.engine.pg_catalog.deparse import qualified
from quantadb.engine.pg_catalog.functions import define
from quantadb.engine.pg_catalog.tables import Row, rows
from quantadb.sql.quoting import quote_ident
from quantadb.storage.catalog import RelationDef, TriggerDef
from quantadb.types.registry import BOOL, OID, TEXT

if TYPE_CHECKING:
    from quantadb.engine.catalog_view import SessionCatalog
    from quantadb.engine.session import Session

# pg_trigger.tgtype bits (trigger.h)
TRIGGER_TYPE_ROW = 1 << 0
_TIMING_BITS = {"BEFORE": 1 << 1, "AFTER": 0, "INSTEAD OF": 1 << 6}
_EVENT_BITS = {"INSERT": 1 << 2, "DELETE": 1 << 3, "UPDATE": 1 << 4}
_EVENT_ORDER = ("INSERT", "DELETE", "UPDATE")  # as pg_get_triggerdef lists them


def tgtype(t: TriggerDef) -> int:
    bits = (TRIGGER_TYPE_ROW if t.row else 0) | _TIMING_BITS[t.timing]
    return bits | sum(_EVENT_BITS[e] for e in t.events)


def _triggers(catalog: "SessionCatalog") -> Iterator[tuple[RelationDef, TriggerDef]]:
    for rel in catalog.relations():
        for t in rel.triggers:
            yield rel, t


@rows("pg_catalog.pg_trigger")
def pg_trigger(session: "Session") -> Iterator[Row]:
    for rel, t in _triggers(session.catalog()):
        yield {"oid": t.oid, "tgrelid": rel.oid, "tgparentid": 0, "tgname": t.name, "tgfoid": t.function_oid,
               "tgtype": tgtype(t), "tgenabled": t.enabled, "tgisinternal": False, "tgconstrrelid": 0,
               "tgconstrindid": 0, "tgconstraint": 0, "tgdeferrable": False, "tginitdeferred": False,
               "tgnargs": len(t.args), "tgattr": " ".join(map(str, t.columns)),
               "tgargs": b"".join(a.encode() + b"\0" for a in t.args), "tgqual": t.when}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def trigger_def(catalog: "SessionCatalog", rel: RelationDef, t: TriggerDef, pretty: bool) -> str:
    """CREATE TRIGGER as pg_get_triggerdef writes it."""
    events = []
    for e in _EVENT_ORDER:
        if e in t.events:
            names = {c.attnum: c.name for c in rel.columns}
            of = f" OF {', '.join(quote_ident(names[a]) for a in t.columns)}" if e == "UPDATE" and t.columns else ""
            events.append(e + of)
    table = qualified(catalog, rel, visible_bare=pretty)
    when = "" if t.when is None else (f" WHEN ({t.when})" if pretty else f" WHEN (({t.when}))")
    return (f"CREATE TRIGGER {quote_ident(t.name)} {t.timing} {' OR '.join(events)} ON {table} "
            f"FOR EACH {'ROW' if t.row else 'STATEMENT'}{when} EXECUTE FUNCTION {action_call(catalog, t)}")


def action_call(catalog: "SessionCatalog", t: TriggerDef) -> str:
    """f('arg', ...), the function schema-qualified when the search path does not find it."""
    fn = catalog.function(t.function_oid)
    if fn is None:
        return f"{t.function_oid}()"
    name = quote_ident(fn.name)
    if not any(f.oid == fn.oid for f in catalog.functions_named(fn.name)):
        name = f"{quote_ident(catalog.namespace_name(fn.namespace))}.{name}"
    return f"{name}({', '.join(_literal(a) for a in t.args)})"


@define("pg_get_triggerdef", ((OID,), (OID, BOOL)), TEXT)
def pg_get_triggerdef(session, oid, pretty=False):
    catalog = session.catalog()
    found = next(((rel, t) for rel, t in _triggers(catalog) if t.oid == oid), None)
    return None if found is None else trigger_def(catalog, *found, bool(pretty))


@rows("information_schema.triggers")
def triggers(session: "Session") -> Iterator[Row]:
    """One row per trigger and event; action_order counts the table's triggers of the same event,
    timing and level in name order, as PostgreSQL's view does."""
    catalog = session.catalog()
    for rel in catalog.relations():
        schema = catalog.namespace_name(rel.namespace)
        for event in _EVENT_ORDER:
            same: dict[tuple, int] = {}
            for t in sorted(rel.triggers, key=lambda t: t.name):
                if event not in t.events:
                    continue
                group = (t.timing, t.row)
                same[group] = same.get(group, 0) + 1
                yield {"trigger_catalog": session.database, "trigger_schema": schema, "trigger_name": t.name,
                       "event_manipulation": event, "event_object_catalog": session.database,
                       "event_object_schema": schema, "event_object_table": rel.name, "action_order": same[group],
                       "action_condition": None if t.when is None else f"({t.when})",
                       "action_statement": f"EXECUTE FUNCTION {action_call(catalog, t)}",
                       "action_orientation": "ROW" if t.row else "STATEMENT", "action_timing": t.timing}
