"""A prepared point read's Bind, Execute and Sync as one call, as the Session's mixin.

Outside a transaction block, `SELECT ... WHERE key = $1` prepared once and run again and again
arrives as Bind, [Describe of the portal,] Execute, Sync: one implicit transaction of one
statement (pgbench -M prepared, psycopg's and asyncpg's prepared statements). Taken message by
message (Session.bind, execute, sync) it builds a portal, goes through the statement's retry
loop and ends the transaction: more CPU than the read itself. Here the round runs the same
steps without what it cannot need: the parameters decoded, the plan found (Session._plan, as
Execute), privileges checked, the read run as a txn-free statement (Session.run_txn_free: the
relation locks published, the horizon held, the statement gate), counted in the statistics
(a committed transaction with one index scan) and shown in pg_stat_activity as the general
path shows it.

point_round() returns None, having changed nothing a client can see, whenever the general path
may answer otherwise (the statement is not a point read or is not planned yet, a transaction is
open, a parameter does not decode, a privilege is missing, a strong lock is pending, ...): the
wire layer then hands the messages to their own handlers, which do what PostgreSQL does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from quantadb.engine import privileges
from quantadb.engine import statements as S
from quantadb.engine.point import point_batch
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
        state = self.state
        if state.txn is not None or state.block or state.started_us or len(result_formats) > 1:
            return None
        prepared = self.prepared.get(statement)
        if prepared is None or not prepared.described or len(params) != len(prepared.param_types):
            return None
        if prepared.stmt.utility is not None or self._txn_defaults_now()[1] in REPEATABLE_READ_LEVELS:
            return None
        try:
            bound = self._plan(prepared)
            if bound.point is None or not bound.txn_free:
                return None
            values = self._decode_params(prepared.param_types, param_formats, params)
            privileges.check(self, bound.needs, bound.superuser_passes)
        except Exception:  # the general path reports it, at the message PostgreSQL does
            return None
        if self._cancel.is_set():  # a cancel that came while no statement ran is dropped
            self._cancel.clear()
        self.query_text = prepared.stmt.text
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
        if self.portals:  # Sync ends them (a cursor WITH HOLD stays)
            self._drop_cursors()
        self.db.pgstat.transaction_ended(self.pgstat, True)
        formats = result_formats * len(bound.columns) if result_formats else _text_formats(len(bound.columns))
        return prepared.columns, bound.columns, formats, batch, f"SELECT {batch.length}"


_TEXT_FORMATS: dict[int, list[int]] = {}


def _text_formats(n: int) -> list[int]:
    """All-text result formats for n columns: one list per n, so the wire finds its shape by identity."""
    formats = _TEXT_FORMATS.get(n)
    if formats is None:
        formats = _TEXT_FORMATS[n] = [0] * n
    return formats
