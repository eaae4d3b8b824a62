"""Text search configurations `simple` and `english`: which dictionary each token type goes to,
the dictionaries themselves (simple: lower case; english_stem: lower case, english stop words,
then the Snowball stemmer), and parsetext, which numbers the lexemes of a text as to_tsvector
and to_tsquery see them. OIDs and names are PostgreSQL 15's (pg_ts_config, pg_ts_dict).
"""

from __future__ import annotations

from dataclasses import dataclass

from quantadb.errors import InternalError, UndefinedObject
from quantadb.exec.functions.tsearch_parse import tokens
from quantadb.exec.functions.tsearch_stem import english_stem
from quantadb.types.tsearch import MAXPOS, MAXSTRLEN

ENGLISH_STOP_WORDS = frozenset("""
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
herself it its itself they them their theirs themselves what which who whom this that these those am is are
was were be been being have has had having do does did doing a an the and but if or because as until while of
at by for with about against between into through during before after above below to from up down in out on
off over under again further then once here there when where why how all any both each few more most other
some such no nor not only own same so than too very s t can will just don should now
""".split())

# token types both configurations index (the others -- blank, tag, protocol, entity -- are skipped)
INDEXED = ("asciiword", "word", "numword", "email", "url", "host", "sfloat", "version", "hword_numpart",
           "hword_part", "hword_asciipart", "numhword", "asciihword", "hword", "url_path", "file", "float",
           "int", "uint")
# the database's C locale: lower case is ASCII's only (str_tolower), 'ÉCOLE' -> 'École'
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_STEMMED = frozenset(("asciiword", "word", "hword_part", "hword_asciipart", "asciihword", "hword"))


@dataclass(frozen=True)
class Dictionary:
    oid: int
    name: str
    template_oid: int
    init_option: str | None

    def lexize(self, token: str) -> list[str]:
        """The token's lexemes: [] for a stop word (ts_lexize)."""
        word = token.translate(_ASCII_LOWER)
        if self.name == "simple":
            return [word]
        if word in ENGLISH_STOP_WORDS:
            return []
        return [english_stem(word)]


SIMPLE_DICT = Dictionary(3765, "simple", 3727, None)
ENGLISH_STEM = Dictionary(13163, "english_stem", 13150, "language = 'english', stopwords = 'english'")
DICTIONARIES = (SIMPLE_DICT, ENGLISH_STEM)
DICTIONARIES_BY_NAME = {d.name: d for d in DICTIONARIES}
DICTIONARIES_BY_OID = {d.oid: d for d in DICTIONARIES}


@dataclass(frozen=True)
class Config:
    oid: int
    name: str
    mapping: dict

    def dictionary_for(self, alias: str) -> Dictionary | None:
        return self.mapping.get(alias)


SIMPLE = Config(3748, "simple", {alias: SIMPLE_DICT for alias in INDEXED})
ENGLISH = Config(13164, "english", {alias: ENGLISH_STEM if alias in _STEMMED else SIMPLE_DICT
                                    for alias in INDEXED})
CONFIGS = {c.name: c for c in (SIMPLE, ENGLISH)}
CONFIGS_BY_OID = {c.oid: c for c in CONFIGS.values()}
DEFAULT_CONFIG = "pg_catalog.english"


def _object_name(name: str) -> str:
    """A (possibly pg_catalog-qualified, possibly quoted) name as regconfigin reads it."""
    key = name.strip()
    key = key[len("pg_catalog."):] if key.lower().startswith("pg_catalog.") else key
    return key[1:-1] if len(key) > 1 and key[0] == key[-1] == '"' else key.lower()


def lookup_config(name: str) -> Config:
    """A configuration by name, as regconfig input."""
    cfg = CONFIGS.get(_object_name(name))
    if cfg is None:
        raise UndefinedObject(f'text search configuration "{name}" does not exist')
    return cfg


def lookup_dictionary(name: str) -> Dictionary:
    d = DICTIONARIES_BY_NAME.get(_object_name(name))
    if d is None:
        raise UndefinedObject(f'text search dictionary "{name}" does not exist')
    return d


def config_by_oid(oid: int) -> Config:
    """A regconfig value's configuration (an OID naming none is PostgreSQL's cache lookup error)."""
    cfg = CONFIGS_BY_OID.get(int(oid))
    if cfg is None:
        raise InternalError(f"cache lookup failed for text search configuration {int(oid)}")
    return cfg


def parse_text(cfg: Config, text: str) -> list[tuple[str, int]]:
    """parsetext: (lexeme, position) in text order; a stop word uses up a position, a skipped token
    type does not. Positions beyond MAXPOS stay at MAXPOS; over-long words are left out."""
    out: list[tuple[str, int]] = []
    pos = 0
    for alias, token in tokens(text):
        d = cfg.dictionary_for(alias)
        if d is None or len(token.encode()) > MAXSTRLEN:
            continue
        pos += 1
        out.extend((lex, min(pos, MAXPOS)) for lex in d.lexize(token))
    return out
