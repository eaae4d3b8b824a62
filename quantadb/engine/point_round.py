"""A point read alone in its implicit transaction, answered in one call, as the Session's mixin.

Outside a transaction block, `SELECT ... WHERE key = $1` prepared once and run again and again
arrives as Bind, [Describe of the portal,] Execute, Sync: one implicit transaction of one
statement (pgbench -M prepared, psycopg's and asyncpg's prepared statements); in the simple
protocol, as a Query whose shape autoparam.py knows (pgbench -S). Taken message by message
(Session.bind, execute, sync; SimpleQuery.run, end_query) it builds a portal, goes through the
statement's retry loop and ends the transaction: more CPU than the read itself. Here
point_round() and point_query() run the same steps without what they cannot need: the parameters
decoded, the plan found (Session._plan, as Execute), privileges checked, the read run as a
txn-free statement (Session.run_txn_free: the relation locks published, the horizon held, the
statement gate), counted in the statistics (a committed transaction with one index scan) and
shown in pg_stat_activity as the general path shows it.

Both return None, having changed nothing a client can see, whenever the general path may answer
otherwise (the statement is not a point read or is not planned yet, a transaction is open, a
parameter does not decode, a privilege is missing, a strong lock is pending, ...): the wire
layer then takes the messages the general way, which does what PostgreSQL does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from quantadb.engine import privileges
from quantadb.engine import statements as S
from quantadb.engine.autoparam import KnownStatement
from quantadb.engine.point import point_batch
from quantadb.engine.prepared import Prepared
from quantadb.engine.results import ColumnDesc
from quantadb.storage.txn import REPEATABLE_READ_LEVELS
from quantadb.types.column import Batch

if TYPE_CHECKING:
    from quantadb.engine.session import Session

# (the described columns, the result's columns, result formats, rows, CommandComplete tag)
PointAnswer = tuple[list[ColumnDesc], list[ColumnDesc], list[int], Batch, str]


class PointRound:
    def point_round(self: "Session", statement: str, param_formats: list[int], params: list[bytes | None],
                    result_formats: list[int]) -> PointAnswer | None:
        """Bind `statement` to the unnamed portal, Execute it for all rows and Sync; None when the
        messages must take the general path (see the module docstring)."""
        if len(result_formats) > 1:
            return None
        prepared = self.prepared.get(statement)
        if prepared is None or not prepared.described or len(params) != len(prepared.param_types):
            return None
        read = self._point_transaction(prepared, prepared.stmt.text, param_formats, params, None)
        if read is None:
            return None
        bound, batch = read
        formats = result_formats * len(bound.columns) if result_formats else _text_formats(len(bound.columns))
        return prepared.columns, bound.columns, formats, batch, f"SELECT {batch.length}"

    def point_query(self: "Session", stmt: S.Statement | KnownStatement) -> tuple[list[ColumnDesc], Batch, str] | None:
        """A simple Query of one statement whose shape is known (autoparam.py) and whose template
        plans as a point read, as one implicit transaction: (columns, rows, tag), or None for the
        general path (SimpleQuery.run)."""
        state = self.state
        if not isinstance(stmt, KnownStatement) or state.txn is not None or state.block:
            return None
        prepared = self._template_statement(stmt.template)  # (bound for the first time: in a transaction)
        if prepared is None:
            return None
        read = self._point_transaction(prepared, stmt.text, _TEXT, None, stmt.template.literals)
        if read is None:
            return None
        bound, batch = read
        return bound.columns, batch, f"SELECT {batch.length}"

    def _point_transaction(self: "Session", prepared: Prepared, text: str, param_formats: list[int],
                           params: list[bytes | None] | None, literals: list[str] | None) -> tuple[S.Bound, Batch] | None:
        """The point read of `prepared` as a whole implicit transaction, shown as `text`; its
        parameters are `params` (Bind's) or, for a simple Query's template, its `literals`."""
        state = self.state
        if state.txn is not None or state.block or state.started_us:
            return None
        bound = self._point_plan(prepared)
        if bound is None:
            return None
        try:
            values = self.decode_literals(bound.param_types, literals) if literals is not None else \
                self._decode_params(prepared.param_types, param_formats, params)
        except Exception:  # the general path reports it, at the message PostgreSQL does
            return None
        if self._cancel.is_set():  # a cancel that came while no statement ran is dropped
            self._cancel.clear()
        self.query_text = text
        self.state_name = "active"
        state.started_us = self.query_started_us = S.now_us()
        try:
            batch = self.run_txn_free(bound, point_batch, self, bound.point, values)
        except Exception:
            self.db.pgstat.transaction_ended(self.pgstat, False)
            raise
        finally:
            self.state_name = "idle"
            state.started_us = 0
        if batch is None:
            return None
        if self.portals:  # the transaction's end ends them (a cursor WITH HOLD stays)
            self._drop_cursors()
        self.db.pgstat.transaction_ended(self.pgstat, True)
        return bound, batch

    def _point_plan(self: "Session", prepared: Prepared) -> S.Bound | None:
        """The plan of `prepared` when it may run as a txn-free point read the session is allowed
        to make, else None; found again only when the catalog (a GRANT too) or the settings (the
        role, search_path, the default isolation) changed since."""
        versions = (self.store.catalog.version, self.settings.version)
        known = prepared.point_plan
        if known is not None and known[0] == versions:
            return known[1]
        bound: S.Bound | None = None
        if prepared.stmt.utility is None and self._txn_defaults_now()[1] not in REPEATABLE_READ_LEVELS:
            try:
                bound = self._plan(prepared)
                privileges.check(self, bound.needs, bound.superuser_passes)
            except Exception:  # the general path reports it, at the message PostgreSQL does
                bound = None
            if bound is not None and (bound.point is None or not bound.txn_free):
                bound = None
        prepared.point_plan = (versions, bound)
        return bound


_TEXT = [0]  # the parameter formats of a template's literals: text
_TEXT_FORMATS: dict[int, list[int]] = {}


def _text_formats(n: int) -> list[int]:
    """All-text result formats for n columns: one list per n, so the wire finds its shape by identity."""
    formats = _TEXT_FORMATS.get(n)
    if formats is None:
        formats = _TEXT_FORMATS[n] = [0] * n
    return formats
