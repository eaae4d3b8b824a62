"""COPY FROM CSV format, read as PostgreSQL's CopyReadAttributesCSV reads it.

A field mixes unquoted text and quoted sections (QUOTE ... QUOTE, where ESCAPE followed by QUOTE
or ESCAPE is that character and a newline is data); DELIMITER ends a field and a newline outside
quotes ends the record. A field is NULL when it matches the NULL string and no quote was seen in
it (or it was quoted and its column is in FORCE_NULL). Records may span lines, and so CopyData
boundaries: what follows the last complete record waits for more data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass
class CsvRecord:
    fields: list[str]
    quoted: list[bool]  # per field: a quote was seen in it
    raw: str  # the record's text without its line end (for error messages)
    lines: int  # physical lines it took


class CsvReader:
    def __init__(self, delimiter: str, quote: str, escape: str) -> None:
        d, q, e = (re.escape(c) for c in (delimiter, quote, escape))
        inside = rf"(?:[^{q}]++|{q}{q})*+" if quote == escape else rf"(?:[^{q}{e}]++|{e}[{q}{e}]|{e})*+"
        self._field = re.compile(rf"((?:[^{d}{q}\r\n]++|{q}{inside}{q})*+)({d}|\r\n|\n|\r|\Z)")
        self._section = re.compile(rf"{q}({inside}){q}")
        self._escaped = re.compile(rf"{e}([{q}{e}])")
        self.quote, self.delimiter = quote, delimiter

    def records(self, text: str, final: bool) -> tuple[list[CsvRecord], int]:
        """The complete records at the start of `text` and how many characters they took. When
        not `final`, a record that the text's end may cut (no line end yet) waits for more data.
        At the end of the data (`final`) an open quoted section leaves a record with no fields."""
        out: list[CsvRecord] = []
        pos, end = 0, len(text)
        while pos < end:
            start = pos
            fields: list[str] = []
            quoted: list[bool] = []
            while True:
                m = self._field.match(text, pos)
                if m is None or (not m.group(2) and not final):  # an open quote, or no line end yet
                    if final:
                        out.append(CsvRecord([], [], text[start:], text.count("\n", start) + 1))
                        return out, end
                    return out, start
                raw, stop = m.group(1), m.group(2)
                has_quote = self.quote in raw
                fields.append(self._section.sub(self._unquote, raw) if has_quote else raw)
                quoted.append(has_quote)
                pos = m.end()
                if stop != self.delimiter:  # a line end, or the end of the data
                    break
            body = text[start:pos].rstrip("\r\n")
            out.append(CsvRecord(fields, quoted, body, body.count("\n") + 1))
        return out, pos

    def _unquote(self, m: re.Match) -> str:
        return self._escaped.sub(r"\1", m.group(1))
