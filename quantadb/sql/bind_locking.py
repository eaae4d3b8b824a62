"""SELECT's locking clause (FOR UPDATE / NO KEY UPDATE / SHARE / KEY SHARE [NOWAIT | SKIP LOCKED]):
where PostgreSQL allows it (CheckSelectLocking; in a cursor, transformDeclareCursorStmt) and how
the scans below it lock rows."""

from __future__ import annotations

from sqlglot import exp

from quantadb.errors import FeatureNotSupported, InvalidCursorDefinition
from quantadb.sql import plan as P
from quantadb.sql.utility_stmts import DeclareStmt


def strength(lock: exp.Lock) -> str:
    """The clause as PostgreSQL's messages name it (LCS_asString)."""
    if lock.args.get("update"):
        return "FOR NO KEY UPDATE" if lock.args.get("key") else "FOR UPDATE"
    return "FOR KEY SHARE" if lock.args.get("key") else "FOR SHARE"


_STRENGTH_ORDER = ("key share", "share", "no key update", "update")


def check_select_locking(locks: list[exp.Lock], *, distinct: bool, group: bool, having: bool,
                         aggregates: bool, windows: bool, set_returning: bool) -> None:
    """A locking clause needs rows that stand for table rows: 0A000 otherwise, checked in
    PostgreSQL's order, for the first clause."""
    for present, what in ((distinct, "DISTINCT clause"), (group, "GROUP BY clause"), (having, "HAVING clause"),
                          (aggregates, "aggregate functions"), (windows, "window functions"),
                          (set_returning, "set-returning functions in the target list")):
        if present:
            raise FeatureNotSupported(f"{strength(locks[0])} is not allowed with {what}")


def check_set_operation_locking(node: exp.Expression) -> None:
    """sqlglot hangs `... UNION SELECT ... FOR UPDATE` on the last branch; PostgreSQL reads it as the
    set operation's, and allows it on no branch either."""
    for branch in (node.this, node.expression):
        while isinstance(branch, (exp.Subquery, exp.Paren)):
            branch = branch.this
        locks = branch.args.get("locks") if isinstance(branch, exp.Select) else None
        if locks:
            raise FeatureNotSupported(f"{strength(locks[0])} is not allowed with UNION/INTERSECT/EXCEPT")


def lock_rows(plan: P.Plan, locks: list[exp.Lock]) -> None:
    """Make the plan's scans lock the rows they return (run.py, LockRows) in the clause's mode:
    those of the tables FOR UPDATE OF names, else all."""
    # the strongest clause's strength (storage/row_locks.py), as PostgreSQL takes for a table in several
    mode = max((strength(lock).removeprefix("FOR ").lower() for lock in locks), key=_STRENGTH_ORDER.index)
    wait = locks[0].args.get("wait")  # sqlglot: True for NOWAIT, False for SKIP LOCKED
    if wait is not None:
        mode += " nowait" if wait else " skip locked"
    scans = [node for node in P.walk_plan(plan) if isinstance(node, (P.TableScan, P.IndexScan))]
    # FOR UPDATE OF names the range variables whose rows it locks (one naming a subquery or a
    # view stands for the tables read in it: all of them, here)
    named = {table.name for lock in locks for table in lock.expressions}
    chosen = [scan for scan in scans if (scan.alias or scan.table_name) in named] if named else scans
    nullable = _nullable_scans(plan, False)
    for node in chosen or scans:
        if id(node) in nullable:  # (its rows may be NULLs standing for none: nothing to lock)
            raise FeatureNotSupported(f"{strength(locks[0])} cannot be applied to the nullable side of an outer join")
        node.lock_mode = mode


def _nullable_scans(plan: P.Plan, nullable: bool) -> set[int]:
    """The ids of the scans on the side of an outer join that NULLs may stand in for."""
    if isinstance(plan, (P.TableScan, P.IndexScan)):
        return {id(plan)} if nullable else set()
    if isinstance(plan, P.Join):
        return _nullable_scans(plan.left, nullable or plan.kind in ("right", "full")) | \
            _nullable_scans(plan.right, nullable or plan.kind in ("left", "full"))
    return set().union(*(_nullable_scans(child, nullable) for child in plan.children()))


def refuse_cursor_locking(u: DeclareStmt, query: exp.Expression) -> None:
    """A cursor that locks rows (the one that WHERE CURRENT OF may update through) is read once,
    forward, in its transaction: PostgreSQL refuses it WITH HOLD or SCROLL (0A000), or
    INSENSITIVE (42P11)."""
    locks = query.args.get("locks") if isinstance(query, exp.Select) else None
    if not locks:
        return
    clause = strength(locks[0])
    if u.hold:
        raise FeatureNotSupported(f"DECLARE CURSOR WITH HOLD ... {clause} is not supported",
                                  detail="Holdable cursors must be READ ONLY.")
    if u.scroll:
        raise FeatureNotSupported(f"DECLARE SCROLL CURSOR ... {clause} is not supported",
                                  detail="Scrollable cursors must be READ ONLY.")
    if u.insensitive:
        raise InvalidCursorDefinition(f"DECLARE INSENSITIVE CURSOR ... {clause} is not valid",
                                      detail="Insensitive cursors must be READ ONLY.")
