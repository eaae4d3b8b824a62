"""Background maintenance of one node: periodic checkpoints and autovacuum.

A daemon thread wakes every `naptime_s`. It vacuums a table once the versions deleted or
updated since its last vacuum exceed a fifth of its live rows (at least 1000, as
PostgreSQL's autovacuum_vacuum_threshold/scale_factor do), and it writes a checkpoint
every `checkpoint_timeout_s` or after `checkpoint_wal_bytes` of WAL, so recovery replays a
bounded tail and old WAL segments are recycled.
"""

from __future__ import annotations

import logging
import threading
import time

from quantadb.storage.store import Store

log = logging.getLogger("quantadb.engine")

VACUUM_THRESHOLD = 1000
VACUUM_SCALE_FACTOR = 0.2


class Maintenance:
    def __init__(self, store: Store, *, naptime_s: float = 5.0, checkpoint_timeout_s: float = 300.0,
                 checkpoint_wal_bytes: int = 256 << 20) -> None:
        self.store = store
        self.naptime_s = naptime_s
        self.checkpoint_timeout_s = checkpoint_timeout_s
        self.checkpoint_wal_bytes = checkpoint_wal_bytes
        self._stop = threading.Event()
        self._last_checkpoint_lsn = store.current_lsn
        self._last_checkpoint_at = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="quantadb-maintenance", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self.naptime_s):
            try:
                self.autovacuum()
                self.maybe_checkpoint()
            except Exception:  # keep the node serving; the next round retries
                log.exception("[maintenance] background round failed")

    def autovacuum(self) -> list[int]:
        vacuumed = []
        snap = self.store.snapshot(None)
        for db in self.store.catalog.databases(snap):
            for rel in self.store.catalog.relations(snap, db.oid):
                if rel.kind != "r":
                    continue
                table = self.store.table(rel.oid)
                if table.dead_since_prune > VACUUM_THRESHOLD + VACUUM_SCALE_FACTOR * table.live_estimate:
                    self.store.vacuum(rel.oid)
                    vacuumed.append(rel.oid)
                    log.info("[maintenance] autovacuum of %s", rel.name)
        return vacuumed

    def maybe_checkpoint(self) -> None:
        lsn = self.store.current_lsn
        due = time.monotonic() - self._last_checkpoint_at >= self.checkpoint_timeout_s
        if lsn != self._last_checkpoint_lsn and (due or lsn - self._last_checkpoint_lsn >= self.checkpoint_wal_bytes):
            self.checkpoint()

    def checkpoint(self) -> int:
        lsn = self.store.checkpoint()
        self._last_checkpoint_lsn = self.store.current_lsn
        self._last_checkpoint_at = time.monotonic()
        return lsn
