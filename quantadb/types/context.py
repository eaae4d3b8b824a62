"""FormatContext: the session settings that change how values read and print as text."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from quantadb.types.datetime import get_zone

# PostgreSQL encoding names -> Python codec names.
PY_ENCODINGS = {"UTF8": "utf-8", "UNICODE": "utf-8", "SQL_ASCII": "utf-8", "LATIN1": "latin-1",
                "WIN1252": "cp1252", "LATIN9": "iso8859-15", "EUC_JP": "euc_jp", "SJIS": "shift_jis",
                "WIN1251": "cp1251", "KOI8R": "koi8-r", "GBK": "gbk", "BIG5": "big5", "EUC_KR": "euc_kr"}


@dataclass(frozen=True)
class FormatContext:
    """Defaults are those of a fresh PostgreSQL 15 session with TimeZone=UTC."""

    timezone: str = "UTC"
    datestyle: str = "ISO, MDY"
    intervalstyle: str = "postgres"
    extra_float_digits: int = 1
    bytea_output: str = "hex"
    client_encoding: str = "UTF8"
    # names for reg* values (regclass, regtype, ...): an object with name(kind, oid) -> str and
    # oid(kind, text) -> int, given by the engine since only the catalog knows them; without it
    # reg* values read and print as numbers
    reg_names: Any = field(default=None, compare=False)
    zone: _dt.tzinfo = field(init=False, repr=False, compare=False)
    date_order: str = field(init=False, repr=False, compare=False)  # how 01/02/2014 reads: MDY, DMY or YMD
    # casts.py's value converters built under these settings, by type pair (they depend on them)
    casts: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone", get_zone(self.timezone))
        order = self.datestyle.replace(",", " ").split()[-1].upper()  # settings.py writes "ISO, DMY"
        object.__setattr__(self, "date_order", order if order in ("MDY", "DMY", "YMD") else "MDY")
        object.__setattr__(self, "casts", {})

    @property
    def py_encoding(self) -> str:
        key = self.client_encoding.upper().replace("-", "")
        return PY_ENCODINGS.get("SQL_ASCII" if key == "SQLASCII" else key, "utf-8")


DEFAULT_CONTEXT = FormatContext()
