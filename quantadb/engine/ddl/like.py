"""CREATE TABLE t (LIKE source [INCLUDING | EXCLUDING option ...], ...): the source's columns
(names, types, NOT NULL) copied among the new table's, and with each option what PostgreSQL 15
copies with it:

- DEFAULTS: column defaults (a serial's nextval keeps naming the source's sequence);
- GENERATED: generation expressions (without it a generated column becomes a plain one);
- IDENTITY: identity columns, each with a new sequence of the same options;
- CONSTRAINTS: CHECK constraints, under their names;
- INDEXES: PRIMARY KEY / UNIQUE constraints and the other indexes (expression and partial ones
  too), under names chosen for the new table as PostgreSQL chooses them;
- COMMENTS: the columns' and indexes' comments.

STATISTICS, STORAGE and COMPRESSION are accepted and copy nothing (none is kept here).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from quantadb.engine.ddl.common import kind_word, new_relation, session_txn
from quantadb.engine.ddl.index_exprs import add_index, choose_index_name, elements_of, key_columns
from quantadb.engine.ddl.partial_indexes import predicate_of
from quantadb.engine.ddl.sequences import owned_sequence, serial_default
from quantadb.engine.privileges import check
from quantadb.errors import UndefinedTable, WrongObjectType
from quantadb.sql import ddl_stmts as D
from quantadb.storage.catalog import ColumnDef, RelationDef

if TYPE_CHECKING:
    from quantadb.engine.session import Session

_SOURCE_KINDS = ("r", "v", "m")


def like_source(session: "Session", spec: D.LikeSpec) -> RelationDef:
    hit = session.catalog().resolve_relation(list(spec.table))
    if hit is None or hit.relation is None:
        raise UndefinedTable(f'relation "{spec.table[-1]}" does not exist')
    if hit.relation.kind not in _SOURCE_KINDS:
        raise WrongObjectType(f'relation "{hit.relation.name}" is invalid in LIKE clause',
                              detail=f"This operation is not supported for {kind_word(hit.relation.kind)}s.")
    check(session, ((hit.relation.oid, "r"),))  # what LIKE copies is read: SELECT on it, as in PostgreSQL
    return hit.relation


def like_columns(session: "Session", source: RelationDef, spec: D.LikeSpec, first_attnum: int, table: str,
                 ns: int, table_oid: int) -> tuple[list[ColumnDef], list[RelationDef]]:
    """The columns LIKE adds from attnum `first_attnum` on, and the identity sequences they own."""
    including = spec.including
    columns: list[ColumnDef] = []
    sequences: list[RelationDef] = []
    for c in sorted((c for c in source.columns if c.visible), key=lambda c: c.attnum):
        attnum = first_attnum + len(columns)
        col = ColumnDef(attnum, c.name, c.type, c.not_null,
                        comment=c.comment if "comments" in including else None)
        if c.generated and "generated" in including:
            col = replace(col, default=c.default, generated=c.generated)
        elif c.identity and "identity" in including:
            seq = _identity_sequence(session, source, c, table, ns, table_oid, attnum)
            sequences.append(seq)
            col = replace(col, identity=c.identity, default=serial_default(session, seq))
        elif not c.generated and not c.identity and "defaults" in including:
            col = replace(col, default=c.default)
        columns.append(col)
    return columns, sequences


def _identity_sequence(session: "Session", source: RelationDef, col: ColumnDef, table: str, ns: int,
                       table_oid: int, attnum: int) -> RelationDef:
    """A new sequence for a copied identity column, with the source's sequence's options."""
    seq = owned_sequence(session, table, col.name, ns, table_oid, attnum, col.type.pg)
    original = next((r.sequence for r in session.catalog().relations() if r.kind == "S" and r.sequence is not None
                     and r.sequence.owned_by == (source.oid, col.attnum)), None)
    return seq if original is None else replace(seq, sequence=replace(original, owned_by=seq.sequence.owned_by))


def like_constraints(session: "Session", source: RelationDef, spec: D.LikeSpec) -> list[D.ConstraintSpec]:
    """CHECKs (INCLUDING CONSTRAINTS) and PRIMARY KEY / UNIQUE (INCLUDING INDEXES) to add to the
    new table; the keys are named for it."""
    by_num = {c.attnum: c.name for c in source.columns}
    out = []
    for con in source.constraints:
        if con.kind == "c" and "constraints" in spec.including:
            out.append(D.ConstraintSpec("c", con.name, check=con.check))
        elif con.kind in ("p", "u") and "indexes" in spec.including:
            index = session.catalog().relation(con.index_oid)
            out.append(D.ConstraintSpec(con.kind, None, tuple(by_num[a] for a in con.columns),
                                        deferrable=con.deferrable, initially_deferred=con.deferred,
                                        nulls_not_distinct=index is not None and index.nulls_not_distinct))
    return out


def copy_indexes(session: "Session", source: RelationDef, spec: D.LikeSpec, rel: RelationDef) -> RelationDef:
    """The source's indexes that back no constraint, on the new table (INCLUDING INDEXES)."""
    if "indexes" not in spec.including:
        return rel
    store, txn = session.store, session_txn(session)
    backing = {c.index_oid for c in source.constraints if c.index_oid}
    by_num = {c.attnum: c.name for c in source.columns}
    for index in session.catalog().indexes_of(source.oid):
        if index.oid in backing:
            continue
        elements = elements_of(source, index)
        included = [by_num[a] for a in index.include_columns]
        name = choose_index_name(session, rel, key_columns(session, rel, elements)[2] + included)
        include = tuple(rel.column(n).attnum for n in included)
        copy = new_relation(session, store.allocate_oid(txn), rel.namespace, name, "i", table_oid=rel.oid,
                            unique=index.unique, method=index.method, include_columns=include,
                            comment=index.comment if "comments" in spec.including else None)
        rel = add_index(session, rel, copy, elements, predicate_of(source, index))
    return rel
