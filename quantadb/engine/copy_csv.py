"""COPY FROM CSV format, read as PostgreSQL's CopyReadAttributesCSV reads it.

A field mixes unquoted text and quoted sections (QUOTE ... QUOTE, where ESCAPE followed by QUOTE
or ESCAPE is that character and a newline is data); DELIMITER ends a field and a newline outside
quotes ends the record. A field is NULL when it matches the NULL string and no quote was seen in
it (or it was quoted and its column is in FORCE_NULL). Records may span lines, and so CopyData
boundaries: what follows the last complete record waits for more data. Chunks whose quoting
the csv module reads alike are read by it (plain_rows); the others field by field here.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass


@dataclass(slots=True)
class CsvRecord:
    fields: list[str]
    quoted: list[bool] | None  # per field: a quote was seen in it (None: in none of them)
    raw: str  # the record's text without its line end (for error messages)
    lines: int  # physical lines it took


class CsvReader:
    def __init__(self, delimiter: str, quote: str, escape: str) -> None:
        d, q, e = (re.escape(c) for c in (delimiter, quote, escape))
        inside = rf"(?:[^{q}]++|{q}{q})*+" if quote == escape else rf"(?:[^{q}{e}]++|{e}[{q}{e}]|{e})*+"
        field = rf"(?:[^{d}{q}\r\n]++|{q}{inside}{q})*+"
        self._record = re.compile(rf"((?:{field}{d})*+{field})(\r\n|\n|\r|\Z)")
        self._field = re.compile(rf"({field})({d}|\Z)")
        self._section = re.compile(rf"{q}({inside}){q}")
        self._escaped = re.compile(rf"{e}([{q}{e}])")
        self.quote, self.delimiter, self.simple = quote, delimiter, quote == escape
        # every field either unquoted without a quote or all quoted: what the csv module reads as
        # PostgreSQL does (it reads a quote inside an unquoted field as data)
        plain = rf"(?:{q}(?:[^{q}]++|{q}{q})*+{q}|[^{d}{q}\r\n]*+)"
        self._before_end = re.compile(rf"{q}{q}(?=[{d}\r\n]|\Z)")  # "" ending a field
        self._plain = re.compile(rf"(?:{plain}(?:{d}{plain})*+(?:\r\n|\n|\r))*+(?:{plain}(?:{d}{plain})*+)?")

    def plain_rows(self, text: str, null: str) -> tuple[list[list[str]], list[int] | None] | None:
        """The records of `text` read by the csv module (in C), and the physical lines read after
        each (None: one a record), when that is exact: plain quoting (above), ESCAPE the QUOTE, no
        quoted field equal to the NULL string and no quoted end marker; else None. An empty line
        is one empty field."""
        q = self.quote
        if not self.simple or q + "\\." + q in text or not self._plain.fullmatch(text):
            return None
        if q + null + q in text and (null or self._quoted_empty(text)):
            return None  # maybe a quoted NULL string (not NULL)
        reader = csv.reader(io.StringIO(text), delimiter=self.delimiter, quotechar=q, doublequote=True, strict=True)
        try:
            rows = list(reader)
        except csv.Error:
            return None
        if [] in rows:
            rows = [row or [""] for row in rows]
        if reader.line_num == len(rows):
            return rows, None
        reader = csv.reader(io.StringIO(text), delimiter=self.delimiter, quotechar=q, doublequote=True, strict=True)
        return rows, [reader.line_num for _ in reader]

    def _quoted_empty(self, text: str) -> bool:
        """Whether a field of `text` may be "" (a quoted empty string): a "" that ends a field
        and starts one (a regex scan for the literal, rather than a lookbehind at every place)."""
        starts = (self.delimiter, "\n", "\r")
        return any(m.start() == 0 or text[m.start() - 1] in starts for m in self._before_end.finditer(text))

    def records(self, text: str, final: bool) -> tuple[list[CsvRecord], int]:
        """The complete records at the start of `text` and how many characters they took. When
        not `final`, a record that the text's end may cut (no line end yet) waits for more data.
        At the end of the data (`final`) an open quoted section leaves a record with no fields."""
        out: list[CsvRecord] = []
        pos, end = 0, len(text)
        match, quote = self._record.match, self.quote
        while pos < end:
            m = match(text, pos)
            if m is None or (not m.group(2) and not final):  # an open quote, or no line end yet
                if final:
                    out.append(CsvRecord([], None, text[pos:], text.count("\n", pos) + 1))
                    return out, end
                return out, pos
            body = m.group(1)
            pos = m.end()
            if quote not in body:
                out.append(CsvRecord(body.split(self.delimiter), None, body, 1))
                continue
            fields, quoted = [], []
            for raw, stop in self._field.findall(body):
                quoted.append(quote in raw)
                fields.append(self._unquote(raw) if quoted[-1] else raw)
                if not stop:  # findall's last match, at the end, ends the last field
                    break
            out.append(CsvRecord(fields, quoted, body, body.count("\n") + 1))
        return out, pos

    def _unquote(self, raw: str) -> str:
        """A field's value: its quoted sections without their quotes, escapes resolved."""
        q = self.quote
        if self.simple and raw[0] == q == raw[-1] and len(raw) > 1 and q not in raw[1:-1].replace(q + q, ""):
            return raw[1:-1].replace(q + q, q)  # the usual "..." field
        return self._section.sub(lambda m: self._escaped.sub(r"\1", m.group(1)), raw)
