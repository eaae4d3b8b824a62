"""COPY ... FROM STDIN and COPY ... TO STDOUT in text, CSV and binary formats.

Text format: one row per line, columns separated by DELIMITER (tab), `\\N` for NULL,
backslash escapes (\\t \\n \\\\ ...), and a line `\\.` ends the data. CSV: RFC 4180 quoting
with QUOTE/ESCAPE, NULL is the unquoted empty string by default, optional HEADER. Binary:
the PGCOPY signature, flags and header extension, then per row int16 field count and
(int32 length | -1, bytes) per field, ended by int16 -1.

COPY FROM keeps nothing of a COPY that fails: rows are parsed as they arrive, checked, and
written in one insert when the client sends CopyDone. Text and CSV arrive in chunks of whole
lines (about _FEED_BYTES); a chunk that needs no unescaping is decoded from its bytes
(copy_scan.py), any other as strings (copy_csv.py reads CSV records; copy_decode.py decodes
columns of strings), and a failing value is reported from the exact value-at-a-time path.
"""

from __future__ import annotations

import re
import struct
from typing import TYPE_CHECKING, NoReturn

from quantadb.engine.copy_csv import CsvReader
from quantadb.engine.copy_decode import decode_column
from quantadb.engine.copy_out import SIGNATURE, copy_out
from quantadb.engine.copy_scan import PlainChunk, decode_fields, field_strs, scan_plain
from quantadb.engine.deferred import check_unique_keys
from quantadb.engine.copy_write import write_rows
from quantadb.engine.locking import lock_relation
from quantadb.engine.results import Result, RunInWorker
from quantadb.errors import (BadCopyFileFormat, CharacterNotInRepertoire, FeatureNotSupported, InvalidColumnReference,
                             InvalidParameterValue,
                             QueryCanceled, SqlError, UndefinedColumn, UndefinedTable, WrongObjectType)
from quantadb.exec.columns import concat_columns, from_values
from quantadb.sql.bind_view_dml import instead_of
from quantadb.sql.plan import Insert
from quantadb.sql.typenames import user_types
from quantadb.sql.utility import CopyStmt
from quantadb.storage.locks import ACCESS_SHARE, ROW_EXCLUSIVE
from quantadb.types.casts import coerce_typmod
from quantadb.types.codecs import binary_decoder, text_decoder
from quantadb.types.column import Batch, Column
from quantadb.types.enums import uncommitted_labels
from quantadb.types.registry import SqlType

if TYPE_CHECKING:
    from quantadb.engine.session import Session

_TEXT_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}


class CopyOptions:
    def __init__(self, options: dict[str, str | None]) -> None:
        fmt = (options.get("format") or "text").lower()
        if fmt not in ("text", "csv", "binary"):
            raise InvalidParameterValue(f'COPY format "{fmt}" not recognized')
        self.format = fmt
        self.delimiter = options.get("delimiter") or ("," if fmt == "csv" else "\t")
        if len(self.delimiter) != 1:
            raise FeatureNotSupported("COPY delimiter must be a single one-byte character")
        self.null = options.get("null", None)
        if self.null is None:
            self.null = "" if fmt == "csv" else "\\N"
        self.header = (options.get("header") or "false").lower() in ("true", "on", "1", "match") \
            if "header" in options else False
        if "header" in options and options.get("header") is None:
            self.header = True
        self.quote = options.get("quote") or '"'
        self.escape = options.get("escape") or self.quote
        self.force_null = set((options.get("force_null") or "").split(",")) - {""}
        self.force_not_null = set((options.get("force_not_null") or "").split(",")) - {""}


def _resolve_target(session: "Session", stmt: CopyStmt):
    catalog = session.catalog()
    hit = catalog.resolve_relation(stmt.table)
    if hit is None:
        raise UndefinedTable(f'relation "{".".join(stmt.table)}" does not exist')
    into_view = stmt.is_from and hit.relation is not None and instead_of(hit.relation, "INSERT")
    if hit.relation is None or hit.relation.kind != "r" and not into_view:
        kind = {"v": "view", "m": "materialized view", "S": "sequence"}.get(hit.relation.kind if hit.relation
                                                                             else "", "relation")
        hint = "Try the COPY (SELECT ...) TO variant." if not stmt.is_from else \
            "To enable copying to a view, provide an INSTEAD OF INSERT trigger." if kind == "view" else None
        raise WrongObjectType(f'cannot copy {"to" if stmt.is_from else "from"} {kind} "{stmt.table[-1]}"', hint=hint)
    rel = hit.relation
    lock_relation(session, rel, ROW_EXCLUSIVE if stmt.is_from else ACCESS_SHARE)
    all_cols = sorted(rel.columns, key=lambda c: c.attnum)
    live = [c for c in all_cols if c.visible and not c.generated]  # generated: no COPY, as PostgreSQL 15
    if stmt.columns:
        chosen = []
        for name in stmt.columns:
            col = rel.column(name)
            if col is None:
                raise UndefinedColumn(f'column "{name}" of relation "{rel.name}" does not exist')
            if col.generated:
                raise InvalidColumnReference(f'column "{name}" is a generated column',
                                             detail="Generated columns cannot be used in COPY.")
            chosen.append(col)
    else:
        chosen = live
    return rel, all_cols, chosen


def start_copy(session: "Session", stmt: CopyStmt, inline: bool) -> Result:
    if stmt.target not in ("stdin", "stdout"):
        raise FeatureNotSupported("COPY to or from a file or program is not supported; use STDIN/STDOUT "
                                  "(psql's \\copy)")
    options = CopyOptions(stmt.options)
    if stmt.is_from:
        if stmt.table is None:
            raise FeatureNotSupported("COPY FROM requires a table")
        rel, all_cols, chosen = _resolve_target(session, stmt)
        return Result(copy_in=CopyFromStdin(session, rel, all_cols, chosen, options))
    if stmt.query is not None:
        return copy_out(session, stmt.query, options, inline)
    rel, _, chosen = _resolve_target(session, stmt)
    schema = session.catalog().namespace_name(rel.namespace)
    query = f"SELECT {', '.join(_quote(c.name) for c in chosen)} FROM {_quote(schema)}.{_quote(rel.name)}"
    return copy_out(session, query, options, inline)


class CopyFromStdin:
    """The CopyIn the wire layer drives: feed() parses rows as data arrives."""

    def __init__(self, session: "Session", rel, all_cols, chosen, options: CopyOptions) -> None:
        self.session = session
        self.rel = rel
        self.all_cols = all_cols
        self.chosen = chosen
        self.options = options
        self.binary = options.format == "binary"
        self.column_count = len(chosen)
        self.buffer = b""
        self.arrived: list[bytes] = []  # CopyData not parsed yet (see feed)
        self.arrived_bytes = 0
        self.line = 0
        self.values: list[list] = [[] for _ in chosen]
        # text/CSV: fields wait here as strings (None = NULL) and are decoded a column at a time
        self.pending: list[list] = [[] for _ in chosen]
        self.pending_lines: list[int] = []
        self.decoded: list[list[Column]] = [[] for _ in chosen]
        self.decoded_rows = 0
        self.ended = False
        self.plan: Insert | None = None  # the rows' insert, once planned (finish)
        self.header_pending = options.header
        self._names = [c.name for c in chosen]
        self._csv = CsvReader(options.delimiter, options.quote, options.escape)
        delim = re.escape(options.delimiter)  # a field: no delimiter unless after a backslash
        self._field_re = re.compile(rf"((?:[^\\{delim}]|\\.|\\$)*)({delim}|$)", re.DOTALL)
        ctx = session.format_context
        if self.binary:
            self.decoders = [binary_decoder(c.type) for c in chosen]
        else:
            self.decoders = [text_decoder(c.type, ctx) for c in chosen]

    # -- CopyIn protocol ---------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        if self.ended:
            return
        # Clients may send a line per CopyData (pgbench -i does): parsing has a fixed cost per
        # call, so it waits for _FEED_BYTES (or the end) rather than running per message.
        self.arrived.append(data)
        self.arrived_bytes += len(data)
        if self.arrived_bytes < _FEED_BYTES:
            return
        self._take_arrived()
        try:
            with uncommitted_labels(self.session.state.new_enum_labels):  # (enum input: types/enums.py)
                if self.binary:
                    self._parse_binary(final=False)
                else:
                    self._parse_lines(final=False)
        except Exception:
            self.session.statement_failed()
            raise

    def _take_arrived(self) -> None:
        self.buffer += b"".join(self.arrived)
        self.arrived, self.arrived_bytes = [], 0

    def finish(self, *, inline: bool) -> Result:
        if not self.ended:
            self._take_arrived()
        self.session.state_name = "active"  # (pg_stat_activity) while it writes, and waits
        try:
            with uncommitted_labels(self.session.state.new_enum_labels):
                if self.binary:
                    self._parse_binary(final=True)
                    n = len(self.values[0]) if self.values else 0
                else:
                    self._parse_lines(final=True)
                    self._flush()
                    n = self.decoded_rows
            if inline and n > 5000:
                raise RunInWorker()
            if self.plan is None:  # (else an attempt that had to wait planned them: on a worker now)
                if n == 0:
                    self._ended()
                    return Result(tag="COPY 0")
                self.plan = self._plan(n)
            count = write_rows(self.session, self.plan, inline)
            txn = self.session.state.txn
            if txn.unique_rechecks:  # DEFERRABLE unique keys written (its rows cannot be undone here)
                check_unique_keys(self.session, txn, inline, undoable=False)
            self._ended()
            return Result(tag=f"COPY {count}")
        except RunInWorker:
            raise
        except Exception:
            self.session.statement_failed()
            self._ended()
            raise

    def _ended(self) -> None:
        self.session.state_name = "idle in transaction" if self.session.state.block else "idle"

    def fail(self, reason: str) -> SqlError:
        self.values = [[] for _ in self.chosen]
        self.pending = [[] for _ in self.chosen]
        self.decoded = [[] for _ in self.chosen]
        self.session.statement_failed()
        return QueryCanceled(reason)

    # -- parsing ---------------------------------------------------------------------------------

    def _context(self, column: str | None = None, value: str | None = None) -> str:
        where = f"COPY {self.rel.name}, line {self.line}"
        if column is not None:
            where += f", column {column}"
            if value is not None:
                where += f': "{value}"'
        return where

    def _parse_lines(self, final: bool) -> None:
        if final:
            chunk, self.buffer = self.buffer, b""
        else:  # whole lines only; the rest waits for the next CopyData
            cut = self.buffer.rfind(b"\n")
            if cut < 0:
                return
            chunk, self.buffer = self.buffer[:cut + 1], self.buffer[cut + 1:]
        self._parse_chunk(chunk, final)

    def _parse_chunk(self, chunk: bytes, final: bool) -> None:
        """Whole lines of text or CSV (the last may lack its newline at the end of the data)."""
        if self.options.format == "text":
            end = _end_marker(chunk)
            if end >= 0:  # the rest of the data is ignored
                chunk, self.ended = chunk[:end], True
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError as e:
            self._bad_encoding(chunk, e.start)
        opts = self.options
        if not self.header_pending and (opts.null == "\\N" if opts.format == "text" else
                                        opts.null == "" and not opts.force_not_null):
            plain = scan_plain(chunk, opts.delimiter, len(self.chosen), opts.quote if opts.format == "csv" else None)
            if plain is not None and self._add_plain(plain):
                return
        if self.options.format == "csv":
            self._parse_csv(text, final)
            return
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if "\r" in text:
            lines = [raw[:-1] if raw.endswith("\r") else raw for raw in lines]
        if self.header_pending and lines:
            self.header_pending = False
            self.line += 1
            lines = lines[1:]
        if not self._add_rows_fast(lines):
            for raw in lines:
                self.line += 1
                fields = self._split(raw)
                self._add_row([None if f == self.options.null else _unescape(f) for f in fields], [raw])

    def _split(self, line: str) -> list[str]:
        """A text-format line's fields, still escaped: a delimiter after a backslash is data."""
        if "\\" not in line:
            return line.split(self.options.delimiter)
        fields = []
        for m in self._field_re.finditer(line):
            fields.append(m.group(1))
            if not m.group(2):
                return fields
        return fields

    def _bad_encoding(self, chunk: bytes, at: int) -> NoReturn:
        """PostgreSQL's error for the invalid UTF-8 at chunk[at]: the lines before it load first
        (an error of theirs comes first), and the error names its line and bytes."""
        cut = chunk.rfind(b"\n", 0, at) + 1
        if cut:
            self._parse_chunk(chunk[:cut], False)
        self._flush()
        lead = chunk[at]
        length = 2 if 0xC0 <= lead < 0xE0 else 3 if 0xE0 <= lead < 0xF0 else 4 if 0xF0 <= lead < 0xF8 else 1
        shown = " ".join(f"0x{b:02x}" for b in chunk[at:at + length])
        self.line += 1
        raise CharacterNotInRepertoire(f'invalid byte sequence for encoding "UTF8": {shown}', where=self._context())

    def _add_plain(self, plain: PlainChunk) -> bool:
        """Decode a scanned chunk a column at a time from its bytes (copy_scan.py); False when a
        value fails, so that the string path reports the first bad one with its line."""
        self._flush()  # earlier lines first: their errors come first
        out: list[Column] = []
        try:
            for i, col in enumerate(self.chosen):
                coded = bool(self.decoded[i]) and self.decoded[i][-1].codes is not None
                fast = decode_fields(col.type, plain, i, coded)
                if fast is None:
                    fast = self._decode_values(i, field_strs(plain, i), plain.nulls is None)
                out.append(coerce_typmod(fast, col.type, False))
        except SqlError:
            return False
        for i, c in enumerate(out):
            self.decoded[i].append(c)
        self.decoded_rows += plain.rows
        self.line += plain.rows
        return True

    def _add_rows_fast(self, lines: list[str]) -> bool:
        """Take whole lines column by column when every line has the right field count (else
        False: the caller goes row by row to report the first bad line exactly)."""
        if not lines:
            return True
        null, width = self.options.null, len(self.chosen)
        rows = [self._split(raw) for raw in lines]
        if any(len(r) != width for r in rows):
            return False
        self._add_columns([[None if f == null else (_unescape(f) if "\\" in f else f) for f in col]
                           for col in zip(*rows)], len(rows))
        return True

    def _add_columns(self, columns: list[list[str | None]], rows: int) -> None:
        """Queue `rows` whole lines given column by column (fields unescaped, None = NULL)."""
        for pending, col in zip(self.pending, columns):
            pending.extend(col)
        self.pending_lines.extend(range(self.line + 1, self.line + 1 + rows))
        self.line += rows
        if len(self.pending_lines) >= _FLUSH_ROWS:
            self._flush()

    def _parse_csv(self, text: str, final: bool) -> None:
        opts = self.options
        plain = None if opts.force_not_null else self._csv.plain_rows(text, opts.null)
        if plain is not None and self._add_csv_rows(*plain):
            return
        records, used = self._csv.records(text, final)
        if used < len(text):  # a record continues in the next CopyData
            self.buffer = text[used:].encode() + self.buffer
        opts = self.options
        for rec in records:
            self.line += rec.lines if self.line else 1  # as PostgreSQL counts (_add_csv_rows)
            if not rec.fields:
                raise BadCopyFileFormat("unterminated CSV quoted field", where=f'{self._context()}: "{rec.raw}"')
            if rec.fields == ["\\."] and rec.quoted is None:
                self.ended = True
                return
            if self.header_pending:
                self.header_pending = False
                continue
            if rec.quoted is None and not opts.force_not_null:
                self._add_row([None if f == opts.null else f for f in rec.fields], [rec.raw])
                continue
            values = [None if f == opts.null and (name in opts.force_null if q else name not in opts.force_not_null)
                      else f for f, q, name in zip(rec.fields, rec.quoted or [False] * len(rec.fields), self._names)]
            self._add_row(values + rec.fields[len(values):], [rec.raw])

    def _add_csv_rows(self, rows: list[list[str]], lines: list[int] | None) -> bool:
        """Queue rows CsvReader.plain_rows read (`lines`: physical lines read after each, None:
        one a row); False when one has the wrong field count (the exact reader reports it)."""
        if lines is None:
            lines = range(1, len(rows) + 1)
        elif not self.line:  # PostgreSQL counts no line inside the first record: it has seen no line end yet
            lines = [n - lines[0] + 1 for n in lines]
        skip = 1 if self.header_pending and rows else 0
        end = rows.index(["\\."]) if ["\\."] in rows else len(rows)
        if set(map(len, rows[skip:end])) - {len(self.chosen)}:
            return False
        self.header_pending = self.header_pending and not skip
        self.ended = end < len(rows)
        null = self.options.null
        for pending, col in zip(self.pending, zip(*rows[skip:end])):
            pending.extend([None if f == null else f for f in col])
        self.pending_lines.extend(self.line + n for n in lines[skip:end])
        self.line += lines[end - 1] if end else 0
        if len(self.pending_lines) >= _FLUSH_ROWS:
            self._flush()
        return True

    def _add_row(self, fields: list[str | None], raw: list[str]) -> None:
        if len(fields) != len(self.chosen):
            self._flush()  # a bad value on an earlier line is reported first
        where = f'{self._context()}: "{self.options.delimiter.join(raw)}"'
        if len(fields) > len(self.chosen):
            raise BadCopyFileFormat("extra data after last expected column", where=where)
        if len(fields) < len(self.chosen):
            missing = self.chosen[len(fields)].name
            raise BadCopyFileFormat(f'missing data for column "{missing}"', where=where)
        for i, value in enumerate(fields):
            self.pending[i].append(value)
        self.pending_lines.append(self.line)
        if len(self.pending_lines) >= _FLUSH_ROWS:
            self._flush()

    def _flush(self) -> None:
        """Decode the pending fields a column at a time; on any failure, decode them value by
        value in row order to report the first bad value with its line and column."""
        n = len(self.pending_lines)
        if not n:
            return
        out: list[Column] = []
        try:
            for i, col in enumerate(self.chosen):
                fast = self._decode_values(i, self.pending[i], False)
                out.append(coerce_typmod(fast, col.type, False))  # numeric(p,s), varchar(n): as the input does
        except SqlError:
            self._decode_rows_exactly()
            raise
        for i, c in enumerate(out):
            self.decoded[i].append(c)
        self.decoded_rows += n
        self.pending = [[] for _ in self.chosen]
        self.pending_lines = []

    def _decode_values(self, i: int, values: list[str | None], plain: bool) -> Column:
        """Column i from its fields as strings (None = NULL; `plain`: no NULL and no NUL)."""
        col = decode_column(self.chosen[i].type, values, plain)
        if col is None:
            dec = self.decoders[i]
            col = from_values([None if v is None else dec(v) for v in values], self.chosen[i].type)
        return col

    def _decode_rows_exactly(self) -> None:
        for r, line in enumerate(self.pending_lines):
            for i, col in enumerate(self.chosen):
                value = self.pending[i][r]
                if value is None:
                    continue
                try:
                    coerce_typmod(from_values([self.decoders[i](value)], col.type), col.type, False)
                except SqlError as e:
                    self.line = line
                    e.where = self._context(col.name, value)
                    raise

    def _parse_binary(self, final: bool) -> None:
        buf = self.buffer
        pos = 0
        if self.line == 0:
            if len(buf) < 19:
                if final:
                    raise BadCopyFileFormat("COPY file signature not recognized")
                return
            if buf[:11] != SIGNATURE:
                raise BadCopyFileFormat("COPY file signature not recognized")
            ext = struct.unpack("!I", buf[15:19])[0]
            pos = 19 + ext
            self.line = 1
        while True:
            if len(buf) - pos < 2:
                break
            nfields = struct.unpack("!h", buf[pos:pos + 2])[0]
            if nfields == -1:
                self.ended = True
                pos += 2
                break
            if nfields != len(self.chosen):
                raise BadCopyFileFormat(f"row field count is {nfields}, expected {len(self.chosen)}",
                                        where=self._context())
            p = pos + 2
            row = []
            complete = True
            for i in range(nfields):
                if len(buf) - p < 4:
                    complete = False
                    break
                length = struct.unpack("!i", buf[p:p + 4])[0]
                p += 4
                if length == -1:
                    row.append(None)
                    continue
                if len(buf) - p < length:
                    complete = False
                    break
                row.append(self.decoders[i](buf[p:p + length]))
                p += length
            if not complete:
                break
            for i, v in enumerate(row):
                self.values[i].append(v)
            self.line += 1
            pos = p
        self.buffer = buf[pos:]
        if final and self.buffer and not self.ended:
            raise BadCopyFileFormat("unexpected EOF in COPY data", where=self._context())

    # -- writing ---------------------------------------------------------------------------------

    def _plan(self, n: int) -> Insert:
        from quantadb.sql.bind_dml import DmlBinder
        from quantadb.sql.bind_query import QueryBinder
        from quantadb.sql.plan import Materialized, PlanColumn
        session = self.session
        if self.binary:
            columns = [coerce_typmod(from_values(vals, c.type), c.type, False) for vals, c in zip(self.values, self.chosen)]
        else:
            columns = [concat_columns(parts, c.type.pg.dtype) for parts, c in zip(self.decoded, self.chosen)]
        self.values = [[] for _ in self.chosen]
        self.decoded = [[] for _ in self.chosen]
        # decoding applied the typmods (varchar(n), numeric(p,s)), with the line of a bad value
        # of the base types: a domain column's values get its checks on the way in
        rows = Materialized(Batch(columns, n), [PlanColumn(c.name, SqlType(c.type.pg, c.type.typmod))
                                                for c in self.chosen])
        queries = QueryBinder(session.catalog(), [], session.format_context)
        with user_types(session.resolve_type):  # CopyData arrives after the COPY statement ran
            return DmlBinder(queries).bind_insert_rows(self.rel, [c.name for c in self.chosen], rows)


_FLUSH_ROWS = 65536
_FEED_BYTES = 1 << 20


def _end_marker(chunk: bytes) -> int:
    """Where the text-format line `\\.` that ends the data starts in `chunk`, or -1."""
    at = chunk.find(b"\\.") if b"\\" in chunk else -1  # memchr first: a two-byte search is slower
    while at >= 0:
        line_end = chunk[at + 2:at + 3] in (b"\n", b"") or chunk[at + 2:at + 4] == b"\r\n"
        if line_end and (at == 0 or chunk[at - 1] == 10):
            return at
        at = chunk.find(b"\\.", at + 2)
    return -1


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _unescape(field: str) -> str:
    if "\\" not in field:
        return field
    out = []
    i = 0
    n = len(field)
    while i < n:
        ch = field[i]
        if ch == "\\" and i + 1 < n:
            nxt = field[i + 1]
            if nxt in _TEXT_ESCAPES:
                out.append(_TEXT_ESCAPES[nxt])
                i += 2
                continue
            if nxt.isdigit() and nxt < "8":
                j = i + 1
                while j < n and j < i + 4 and field[j] in "01234567":
                    j += 1
                out.append(chr(int(field[i + 1:j], 8)))
                i = j
                continue
            if nxt == "x" and i + 2 < n:
                j = i + 2
                while j < n and j < i + 4 and field[j] in "0123456789abcdefABCDEF":
                    j += 1
                if j > i + 2:
                    out.append(chr(int(field[i + 2:j], 16)))
                    i = j
                    continue
            out.append(nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)
