"""Layer 2: columnar MVCC tables, indexes, the WAL, checkpoints and recovery.

The engine talks to `store.Store` only (its docstring is the contract). Inside:

    records   logical WAL records and their binary encoding
    apply     the one deterministic apply (primary, recovery and replicas)
    catalog   schema objects, versioned like rows
    txn       xids, clog, snapshots, subtransactions, lock waits (lock_waits: the store's face of them)
    writes, row_locks, unique_checks   row writes and their checks, row locks, deferred uniqueness
    ssi       SERIALIZABLE: rw-conflicts and dangerous structures; predicate_locks: its SIREAD locks;
              ssi_readonly: read-only transactions found safe, DEFERRABLE ones' wait for a safe snapshot
    table     column segments; index: hash/btree key -> row ids; vacuum
    recovery  checkpoint contents, newest checkpoint + WAL replay
    fs, wal, checkpoint   the file-system seam, the WAL writer/reader, checkpoint files
"""
