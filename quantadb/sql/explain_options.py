"""EXPLAIN's options, `EXPLAIN [ANALYZE] [VERBOSE] query` and `EXPLAIN (option [value], ...) query`,
checked as PostgreSQL's ExplainQuery checks them."""

from __future__ import annotations

from dataclasses import dataclass

from quantadb.errors import InvalidParameterValue
from quantadb.errors import SyntaxError as SqlSyntaxError
from quantadb.sql.reader import TokenReader

FORMATS = ("text", "json", "yaml", "xml")
_BOOLEAN_OPTIONS = ("analyze", "verbose", "costs", "settings", "buffers", "wal", "timing", "summary")
_TRUE = ("true", "on", "1", "yes")
_FALSE = ("false", "off", "0", "no")


@dataclass
class ExplainOptions:
    analyze: bool = False
    verbose: bool = False
    costs: bool = True
    timing: bool = True
    summary: bool = False
    format: str = "text"


def parse_explain(r: TokenReader) -> tuple[ExplainOptions, str]:
    """The options and the query text of an EXPLAIN statement (the reader at its first word)."""
    r.next()
    given: dict[str, bool | str] = {}
    if r.op("("):
        while not r.op(")"):
            tok = r.next()
            key = tok.value
            if key not in _BOOLEAN_OPTIONS and key != "format":
                raise SqlSyntaxError(f'unrecognized EXPLAIN option "{tok.value}"', position=tok.pos + 1)
            nxt = r.peek()
            value = r.next().value.lower() if nxt is not None and nxt.kind in ("ident", "number", "string") else None
            given[key] = _value(key, value, tok.pos + 1)
            r.op(",")
    else:
        given["analyze"] = r.word("analyze", "analyse")
        given["verbose"] = r.word("verbose")
    return _options(given), r.rest()


def _value(key: str, value: str | None, position: int) -> bool | str:
    if key == "format":
        if value is None:
            raise SqlSyntaxError("format requires a parameter")
        if value not in FORMATS:
            raise InvalidParameterValue(f'unrecognized value for EXPLAIN option "format": "{value}"',
                                        position=position)
        return value
    if value is None or value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SqlSyntaxError(f"{key} requires a Boolean value")


def _options(given: dict[str, bool | str]) -> ExplainOptions:
    analyze = bool(given.get("analyze", False))
    for key in ("timing", "wal"):  # they measure the execution ANALYZE does
        if given.get(key) and not analyze:
            raise InvalidParameterValue(f"EXPLAIN option {key.upper()} requires ANALYZE")
    return ExplainOptions(analyze, bool(given.get("verbose", False)), bool(given.get("costs", True)),
                          bool(given.get("timing", analyze)), bool(given.get("summary", analyze)),
                          str(given.get("format", "text")))
