"""What depends on a relation's row type, for the DDL of the relation.

A table, view or materialized view has a composite type of its name (pg_class.reltype; the
storage catalog derives it from the relation, so it follows every ALTER, RENAME and SET SCHEMA
by itself). Other objects may use it: a column of another table (of the type or of its array),
a function taking or returning it. So, as in PostgreSQL: DROP TABLE fails with 2BP01 while they
exist and drops them with CASCADE; ADD and DROP COLUMN reshape the values such columns hold
(a new field is NULL in them, a dropped one leaves them); ALTER COLUMN TYPE is refused (0A000,
find_composite_type_dependencies).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from quantadb.engine.ddl.common import kind_word, notice_cascade
from quantadb.engine.ddl.composite import restore_values, stage_values
from quantadb.engine.ddl.types import drop_dependents, type_dependents, type_users
from quantadb.engine.ddl.view_deps import CASCADE_HINT, VIEW_WORD, dependent_views, with_their_dependents
from quantadb.errors import DependentObjectsStillExist, FeatureNotSupported
from quantadb.storage.catalog import RelationDef, TypeDef, row_type

if TYPE_CHECKING:
    from quantadb.engine.session import Session


def relation_dependents(session: "Session", rel: RelationDef, dropping: set[int]) -> list[tuple[str, str, object]]:
    """What goes with table, view or materialized view `rel` (`dropping`: relations the same
    statement drops): (what, what it depends on, the object) for what uses its row type (as
    types.type_dependents), then the views on it (RelationDefs), as PostgreSQL lists them."""
    what = f"{kind_word(rel.kind)} {rel.name}"
    dependents = [(d, on, obj) for d, on, obj in (type_dependents(session, row_type(rel)) if rel.type_oid else [])
                  if not (isinstance(obj, tuple) and obj[0].oid in dropping)]  # (a column of a table it drops)
    views = [v for v in dependent_views(session, rel.oid) if v.oid not in dropping]
    return [(f"{d} depends on type {on}", f"{d}", obj) for d, on, obj in dependents] + \
        [(f"{VIEW_WORD[v.kind]} {v.name} depends on {what}", f"{VIEW_WORD[v.kind]} {v.name}", v) for v in views]


def drop_relation_dependents(session: "Session", rel: RelationDef, cascade: bool, dropping: set[int],
                             quiet: bool = False) -> None:
    """Before `rel` is dropped: relation_dependents, 2BP01 listing them, or with CASCADE a NOTICE
    (none when `quiet`: DROP SCHEMA's lists them), and they go (the views on views too)."""
    dependents = relation_dependents(session, rel, dropping)
    if dependents and not cascade:
        raise DependentObjectsStillExist(f"cannot drop {kind_word(rel.kind)} {rel.name} because other objects "
                                         f"depend on it", detail="\n".join(d for d, _, _ in dependents),
                                         hint=CASCADE_HINT)
    views = with_their_dependents(session, [obj for _, _, obj in dependents if isinstance(obj, RelationDef)])
    if not quiet:
        notice_cascade(session, [name for _, name, obj in dependents if not isinstance(obj, RelationDef)] +
                       [f"{VIEW_WORD[v.kind]} {v.name}" for v in views])
    drop_dependents(session, [(name, "", obj) for _, name, obj in dependents if not isinstance(obj, RelationDef)])
    for view in reversed(views):  # the views on views first
        session.store.drop_relation(session.state.txn, view.oid)


def refuse_row_type_retype(session: "Session", rel: RelationDef) -> None:
    """ALTER COLUMN TYPE of a table whose row type a column holds: 0A000, as in PostgreSQL."""
    users = _column_users(session, rel)
    if users:
        owner, column = users[0]
        while isinstance(owner, TypeDef):  # the table column holding it inside a composite type
            owner, column = type_users(session, owner)[0]
        raise FeatureNotSupported(f'cannot alter table "{rel.name}" because column "{owner.name}.{column}" '
                                  f'uses its row type')


def reshaping_values(session: "Session", rel: RelationDef, new_names: Callable[[list[str]], list[str]],
                     change: Callable[[], RelationDef]) -> RelationDef:
    """Run `change` (ADD or DROP COLUMN of `rel`), reshaping the values of its row type that other
    tables' columns hold: `new_names` gives the fields' names after it from those before."""
    users = _column_users(session, rel)
    if not users:
        return change()
    old = row_type(rel)
    names = [f for f, _ in old.fields]
    keep = [names.index(n) if n in names else None for n in new_names(names)]
    staged = stage_values(session, old, keep, users)
    changed = change()
    restore_values(session, old.oid, staged)
    return changed


def _column_users(session: "Session", rel: RelationDef) -> list[tuple]:
    """(table, column) and (composite type, attribute) holding values of the row type (type_users)."""
    return type_users(session, row_type(rel)) if rel.type_oid else []
