"""pg_ts_parser, pg_ts_template, pg_ts_dict, pg_ts_config and pg_ts_config_map for the built-in
text search objects QuantaDB has (the default parser, the simple and snowball templates, the
simple and english_stem dictionaries, the simple and english configurations), with PostgreSQL
15's OIDs, and the visibility functions psql's \\dF family calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from quantadb.engine.pg_catalog.functions import define
from quantadb.engine.pg_catalog.procs import OWNER, PG_CATALOG
from quantadb.engine.pg_catalog.tables import Row, rows
from quantadb.exec.functions.tsearch_config import CONFIGS, DICTIONARIES
from quantadb.exec.functions.tsearch_parse import TOKEN_TYPES
from quantadb.types.registry import BOOL, OID

if TYPE_CHECKING:
    from quantadb.engine.session import Session

DEFAULT_PARSER = 3722
# (oid, name, init function, lexize function): PostgreSQL's OIDs
TEMPLATES = ((3727, "simple", 3725, 3726), (13150, "snowball", 13148, 13149))


@rows("pg_catalog.pg_ts_parser")
def pg_ts_parser(session: "Session") -> Iterator[Row]:
    yield {"oid": DEFAULT_PARSER, "prsname": "default", "prsnamespace": PG_CATALOG, "prsstart": 3717,
           "prstoken": 3718, "prsend": 3719, "prsheadline": 3720, "prslextype": 3721}


@rows("pg_catalog.pg_ts_template")
def pg_ts_template(session: "Session") -> Iterator[Row]:
    for oid, name, init, lexize in TEMPLATES:
        yield {"oid": oid, "tmplname": name, "tmplnamespace": PG_CATALOG, "tmplinit": init, "tmpllexize": lexize}


@rows("pg_catalog.pg_ts_dict")
def pg_ts_dict(session: "Session") -> Iterator[Row]:
    for d in DICTIONARIES:
        yield {"oid": d.oid, "dictname": d.name, "dictnamespace": PG_CATALOG, "dictowner": OWNER,
               "dicttemplate": d.template_oid, "dictinitoption": d.init_option}


@rows("pg_catalog.pg_ts_config")
def pg_ts_config(session: "Session") -> Iterator[Row]:
    for cfg in CONFIGS.values():
        yield {"oid": cfg.oid, "cfgname": cfg.name, "cfgnamespace": PG_CATALOG, "cfgowner": OWNER,
               "cfgparser": DEFAULT_PARSER}


@rows("pg_catalog.pg_ts_config_map")
def pg_ts_config_map(session: "Session") -> Iterator[Row]:
    for cfg in CONFIGS.values():
        for tokid, alias in enumerate(TOKEN_TYPES, start=1):
            if (d := cfg.dictionary_for(alias)) is not None:
                yield {"mapcfg": cfg.oid, "maptokentype": tokid, "mapseqno": 1, "mapdict": d.oid}


@define("pg_ts_config_is_visible", ((OID,),), BOOL)
@define("pg_ts_dict_is_visible", ((OID,),), BOOL)
@define("pg_ts_parser_is_visible", ((OID,),), BOOL)
@define("pg_ts_template_is_visible", ((OID,),), BOOL)
def ts_object_is_visible(session: "Session", oid: int) -> bool:
    """Every text search object is a built-in one in pg_catalog, which is always searched."""
    return True
