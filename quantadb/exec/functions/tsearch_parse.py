"""The default text search parser (wparser_def.c), reduced to one ordered set of patterns: each
token gets PostgreSQL's token type alias (ts_token_type('default')).

PostgreSQL's parser is a state machine; the patterns below are tried in its order of preference
at each position: XML tags and entities, URLs (protocol, host, path), e-mail addresses, hosts,
numbers (version, scientific, decimal), file paths, signed and unsigned integers, hyphenated words (the whole
word, then each part) and words. Anything else is `blank`.
"""

from __future__ import annotations

import re

TOKEN_TYPES = (
    "asciiword", "word", "numword", "email", "url", "host", "sfloat", "version", "hword_numpart",
    "hword_part", "hword_asciipart", "blank", "tag", "protocol", "numhword", "asciihword", "hword",
    "url_path", "file", "float", "int", "uint", "entity",
)
TOKEN_DESCRIPTIONS = (
    "Word, all ASCII", "Word, all letters", "Word, letters and digits", "Email address", "URL", "Host",
    "Scientific notation", "Version number", "Hyphenated word part, letters and digits",
    "Hyphenated word part, all letters", "Hyphenated word part, all ASCII", "Space symbols", "XML tag",
    "Protocol head", "Hyphenated word, letters and digits", "Hyphenated word, all ASCII",
    "Hyphenated word, all letters", "URL path", "File or path name", "Decimal notation", "Signed integer",
    "Unsigned integer", "XML entity",
)

_W = r"[^\W_]+"  # letters and digits
_HOST_NAME = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}"
_HOST = _HOST_NAME + r"(?![\w.-]*\w)"  # a whole host, not the start of a file name
_PATH = r"/[^\s<>\"']*"
_PATTERNS = [
    ("tag", r"</?[A-Za-z][^<>]*>"),
    ("entity", r"&(?:[A-Za-z]+|#[0-9]+|#x[0-9A-Fa-f]+);"),
    ("url", rf"(?P<proto>(?:https?|ftp)://)(?P<host>{_HOST_NAME})(?P<path>{_PATH})?"),
    ("email", rf"[A-Za-z0-9_.-]+@{_HOST_NAME}"),
    ("host", _HOST),
    ("version", r"[0-9]+(?:\.[0-9]+){2,}"),
    ("sfloat", r"[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]+"),
    ("float", r"[0-9]+\.[0-9]+"),
    ("file", r"(?:/[\w.-]+)+/?|[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+(?![\w])"),
    ("int", r"(?<![\w])[+-][0-9]+"),
    ("uint", r"[0-9]+(?![^\W_])"),
    ("hword", rf"(?![0-9]+(?![^\W_])){_W}(?:-{_W})+"),
    ("word", _W),
]
_SCANNER = re.compile("|".join(f"(?P<t{i}>{p})" for i, (_, p) in enumerate(_PATTERNS)))
_NESTED = re.compile(rf"(?P<host>{_HOST_NAME})(?P<path>{_PATH})?")


def _word_alias(word: str, base: str) -> str:
    """asciiword / word / numword (base "") or the hyphenated forms (base "h")."""
    if word.isascii() and word.isalpha():
        return "ascii" + base + "word"
    if word.isalpha():
        return base + "word"
    return "num" + base + "word"


def _part_alias(part: str) -> str:
    if part.isascii() and part.isalpha():
        return "hword_asciipart"
    return "hword_part" if part.isalpha() else "hword_numpart"


def tokens(text: str) -> list[tuple[str, str]]:
    """(token type alias, token) for every token of the text, blanks included."""
    out: list[tuple[str, str]] = []
    pos = 0
    for m in _SCANNER.finditer(text):
        if m.start() > pos:
            out.append(("blank", text[pos:m.start()]))
        pos = m.end()
        kind = next(_PATTERNS[i][0] for i in range(len(_PATTERNS)) if m.group(f"t{i}") is not None)
        token = m.group()
        if kind == "url":
            nested = _NESTED.match(token, len(m.group("proto")))
            out.append(("protocol", m.group("proto")))
            if nested.group("path"):
                out.append(("url", token[len(m.group("proto")):]))
            out.append(("host", nested.group("host")))
            if nested.group("path"):
                out.append(("url_path", nested.group("path")))
        elif kind == "hword":
            parts = token.split("-")
            out.append((_word_alias(token.replace("-", ""), "h"), token))
            for i, part in enumerate(parts):
                if i:
                    out.append(("blank", "-"))
                out.append((_part_alias(part), part))
        elif kind == "word":
            out.append((_word_alias(token, ""), token))
        else:
            out.append((kind, token))
    if pos < len(text):
        out.append(("blank", text[pos:]))
    return out
