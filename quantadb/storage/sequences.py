"""Sequences: nextval/setval, non-transactional like PostgreSQL's.

Mixed into `store.Store` (uses its `_seq_lock`, `_seq_runtime`, `_state`, `_log`). The state
a crash keeps is the last SEQUENCE record, logged SEQUENCE_LOG_AHEAD increments ahead of the
values handed out, so nextval rarely writes WAL and values are never handed out twice
(after a crash up to SEQUENCE_LOG_AHEAD values are skipped, as in PostgreSQL).
"""

from __future__ import annotations

from quantadb.errors import ObjectNotInPrerequisiteState, SequenceGeneratorLimitExceeded, UndefinedTable

from . import records as R
from .catalog import RelationDef

SEQUENCE_LOG_AHEAD = 32


class Sequences:
    def _seq(self, oid: int) -> tuple[list, RelationDef]:
        rel = self.catalog.current(("rel", 0, oid))
        if rel is None or rel.kind != "S" or oid not in self._state.sequences:
            raise UndefinedTable(f"sequence with OID {oid} does not exist")
        rt = self._seq_runtime.get(oid)
        if rt is None:
            last, called = self._state.sequences[oid]
            rt = self._seq_runtime[oid] = [last, called, last if called else None]
        return rt, rel

    def nextval(self, seq_oid: int) -> int:
        with self._seq_lock:
            rt, rel = self._seq(seq_oid)
            opts = rel.sequence
            inc = opts.increment if opts else 1
            lo = opts.min_value if opts else 1
            hi = opts.max_value if opts else 2**63 - 1
            value = rt[0] + inc if rt[1] else rt[0]
            if value > hi or value < lo:
                if not (opts and opts.cycle):
                    which, bound = ("maximum", hi) if value > hi else ("minimum", lo)
                    raise SequenceGeneratorLimitExceeded(
                        f'nextval: reached {which} value of sequence "{rel.name}" ({bound})')
                value = lo if inc > 0 else hi
            logged = rt[2]
            if logged is None or (value > logged if inc > 0 else value < logged) or \
                    (opts and opts.cycle and value in (lo, hi)):
                ahead = min(hi, value + inc * SEQUENCE_LOG_AHEAD) if inc > 0 else \
                    max(lo, value + inc * SEQUENCE_LOG_AHEAD)
                self._log((R.SEQUENCE, seq_oid, ahead, True))
                rt[2] = ahead
            rt[0], rt[1] = value, True
            return value

    def setval(self, seq_oid: int, value: int, is_called: bool = True) -> None:
        with self._seq_lock:
            rt, rel = self._seq(seq_oid)
            opts = rel.sequence
            lo = opts.min_value if opts else 1
            hi = opts.max_value if opts else 2**63 - 1
            if value < lo or value > hi:
                raise ObjectNotInPrerequisiteState(
                    f'setval: value {value} is out of bounds for sequence "{rel.name}" ({lo}..{hi})')
            self._log((R.SEQUENCE, seq_oid, value, is_called))
            rt[0], rt[1], rt[2] = value, is_called, value

    def sequence_state(self, seq_oid: int) -> tuple[int, bool]:
        """(last_value, is_called) as the session-independent sequence row shows them."""
        with self._seq_lock:
            rt, _ = self._seq(seq_oid)
            return rt[0], rt[1]
