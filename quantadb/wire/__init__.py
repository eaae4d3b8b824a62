"""The PostgreSQL wire protocol (v3) server: the node's SQL front door.

Modules, after CockroachDB's pgwire split and psycopg's protocol-without-I/O:
  frontend.py   client messages: incremental reader + body decoders (no I/O)
  backend.py    server messages as bytes (no I/O)
  encode.py     RowDescription / DataRow from engine batches (the hot path)
  auth.py       cleartext, md5, SCRAM-SHA-256(-PLUS) server side (no I/O)
  hba.py        pg_hba.conf-style rules: which method for which client
  startup.py    SSL/GSS negotiation, StartupMessage, authentication, session creation
  connection.py one connection: an asyncio.BufferedProtocol, input pump, waits, lifecycle
  messages.py   the normal-phase messages (simple and extended query, COPY) -> Session calls
  server.py     listener, max_connections, cancel registry, graceful shutdown
  stats.py      plain counters for /metrics

Choices:
- Engine calls run inline on the event loop first; the engine raises RunInWorker for work
  that would block the loop, and the call is repeated on a small thread pool. Short
  statements (pgbench, catalog queries) thus never pay for a thread hand-off.
- No stream or coroutine per message: data_received handles every whole message in the
  buffer synchronously, in order; only a handler that must wait (worker thread, commit not yet
  durable, COPY, slow reader) continues as a task, and holds the messages behind it.
- Output is buffered per connection and written once the input holds no whole message, at
  Flush, when it grows past 256 KiB, and before a long wait (worker thread, COPY FROM STDIN,
  slow reader). Before a short one (a commit's WAL flush) only answered requests go out: the
  waiting one's first responses go with its CommandComplete, as PostgreSQL sends them. So a
  batch of pipelined messages is answered with one write, as is a TPC-B transaction's COMMIT,
  and pipelining and asyncpg's Parse/Describe/Flush (no Sync) work without special cases.
- Bad input from one client (malformed, truncated, oversized messages) ends that connection
  with a FATAL 08P01; the server and all other sessions are unaffected.
- Only this package turns SqlError into bytes; an unexpected exception from the engine is
  logged with its traceback and reported as XX000, and the session continues.
"""
