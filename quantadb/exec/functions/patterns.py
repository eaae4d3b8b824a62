"""Pattern matching: LIKE/ILIKE (~~ ~~*), SIMILAR TO (via similar_to_escape and ~), POSIX
regular expressions (~ ~* and regexp_*), substring(... from pattern), string_to_array.

Each distinct pattern compiles once per call into a predicate; LIKE patterns that are a plain
prefix, suffix or infix test use str methods instead of a regex (the common analytic shapes).
PostgreSQL's ARE syntax is mapped onto Python's re for the constructs clients commonly use
(bracket classes [:alpha:], \\m \\M \\y word boundaries).
"""

from __future__ import annotations

import re
from typing import Callable

import numpy as np

from quantadb.errors import InvalidEscapeSequence, InvalidRegularExpression
from quantadb.exec.functions import scalar
from quantadb.exec.functions.compare import register_array_ops
from quantadb.exec.functions.strings import rows
from quantadb.exec.functions.support import and_valid, map_nullable, obj_array
from quantadb.types.column import Column


def _like_parts(pattern: str) -> list[tuple[str, str]] | None:
    """Tokens ('lit', text) / ('%', '') / ('_', '') with backslash escapes resolved; None for a
    pattern ending in the escape character, which matches nothing."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= len(pattern):
                return None
            out.append(("lit", pattern[i + 1]))
            i += 2
            continue
        out.append((ch, "") if ch in "%_" else ("lit", ch))
        i += 1
    merged: list[tuple[str, str]] = []
    for kind, text in out:
        if kind == "lit" and merged and merged[-1][0] == "lit":
            merged[-1] = ("lit", merged[-1][1] + text)
        elif not (kind == "%" and merged and merged[-1][0] == "%"):
            merged.append((kind, text))
    return merged


def like_predicate(pattern: str, icase: bool = False) -> Callable[[str], bool]:
    parts = _like_parts(pattern.lower() if icase else pattern)
    if parts is None:
        return lambda s: False
    kinds = [k for k, _ in parts]
    simple: Callable[[str], bool] | None = None
    if kinds == ["lit"]:
        lit = parts[0][1]
        simple = lit.__eq__
    elif not parts:
        simple = lambda s: s == ""  # noqa: E731
    elif kinds == ["%"]:
        simple = lambda s: True  # noqa: E731
    elif kinds == ["lit", "%"]:
        lit = parts[0][1]
        simple = lambda s: s.startswith(lit)  # noqa: E731
    elif kinds == ["%", "lit"]:
        lit = parts[1][1]
        simple = lambda s: s.endswith(lit)  # noqa: E731
    elif kinds == ["%", "lit", "%"]:
        lit = parts[1][1]
        simple = lambda s: lit in s  # noqa: E731
    if simple is None:
        rx = "".join(".*" if k == "%" else "." if k == "_" else re.escape(t) for k, t in parts)
        simple = re.compile(rx, re.DOTALL).fullmatch
    if not icase:
        return simple
    return lambda s: bool(simple(s.lower()))


_POSIX_CLASSES = {"alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z",
                  "space": r"\s", "punct": r"!-/:-@\[-`{-~", "xdigit": "0-9a-fA-F", "word": r"\w"}


def compile_regex(pattern: str, flags: str = "") -> re.Pattern:
    """A PostgreSQL ARE as a Python regex. Option letters apply in order, the last of a pair
    winning: i/c case, n or m newline-sensitive, p partial, w inverse partial, s neither, x
    expanded, q the pattern is a literal string."""
    mode, icase, literal, verbose = re.DOTALL, False, False, 0
    for ch in flags:
        if ch in "ic":
            icase = ch == "i"
        elif ch in "nm":
            mode = re.MULTILINE
        elif ch in "pws":
            mode = {"p": 0, "w": re.DOTALL | re.MULTILINE, "s": re.DOTALL}[ch]
        elif ch == "q":
            literal = True
        elif ch == "x":
            verbose = re.VERBOSE
    if literal:
        py = re.escape(pattern)
    else:
        py = re.sub(r"\[:(\w+):\]", lambda m: _POSIX_CLASSES.get(m.group(1), m.group(0)), pattern)
        py = py.replace(r"\y", r"\b").replace(r"\m", r"\b(?=\w)").replace(r"\M", r"\b(?<=\w)")
    try:
        return re.compile(py, (re.IGNORECASE if icase else 0) | mode | (0 if literal else verbose))
    except re.error as e:
        raise InvalidRegularExpression(f"invalid regular expression: {e}") from None


def _cached(make: Callable) -> Callable:
    cache: dict = {}

    def get(*key):
        fn = cache.get(key)
        if fn is None:
            if len(cache) > 256:
                cache.clear()
            fn = cache[key] = make(*key)
        return fn
    return get


_like = _cached(like_predicate)
cached_regex = _cached(compile_regex)


def _match_op(test: Callable[[str, str], bool], negate: bool):
    def impl(args, n, ctx, call) -> Column:
        strings, patterns = args[0].data, args[1].data
        valid = and_valid(args)
        out = np.zeros(n, dtype=bool)
        idx = np.arange(n) if valid is None else np.flatnonzero(valid)
        if len(idx) and patterns[idx[0]] is patterns[idx[-1]] and _all_same(patterns[idx]):
            pred = test(patterns[idx[0]])
            out[idx] = np.fromiter((bool(pred(s)) for s in strings[idx]), dtype=bool, count=len(idx))
        else:
            out[idx] = np.fromiter((bool(test(p)(s)) for s, p in zip(strings[idx], patterns[idx])), dtype=bool,
                                   count=len(idx))
        return Column(~out if negate else out)
    return impl


def _all_same(values: np.ndarray) -> bool:
    first = values[0]
    return bool((values == first).all())


PATTERN_OPS = {
    "textlike": (lambda p: _like(p, False), False), "textnlike": (lambda p: _like(p, False), True),
    "texticlike": (lambda p: _like(p, True), False), "texticnlike": (lambda p: _like(p, True), True),
    "textregexeq": (lambda p: cached_regex(p, "").search, False),
    "textregexne": (lambda p: cached_regex(p, "").search, True),
    "texticregexeq": (lambda p: cached_regex(p, "i").search, False),
    "texticregexne": (lambda p: cached_regex(p, "i").search, True),
}
for _name, (_test, _neg) in PATTERN_OPS.items():
    scalar(_name)(_match_op(_test, _neg))
register_array_ops(list(PATTERN_OPS))


def like_escape(pattern: str, escape: str) -> str:
    """Rewrite a LIKE pattern with a custom ESCAPE character into backslash-escape form."""
    if len(escape) > 1:
        raise InvalidEscapeSequence("invalid escape string", hint="Escape string must be empty or one character.")
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if escape and ch == escape:
            if i + 1 >= len(pattern):
                raise InvalidEscapeSequence("LIKE pattern must not end with escape character")
            nxt = pattern[i + 1]
            out.append("\\" + nxt)
            i += 2
            continue
        out.append("\\\\" if ch == "\\" else ch)
        i += 1
    return "".join(out)


def similar_to_regex(pattern: str, escape: str | None = "\\") -> str:
    """SIMILAR TO pattern -> anchored regex (similar_escape_internal)."""
    if escape is not None and len(escape) > 1:
        raise InvalidEscapeSequence("invalid escape string", hint="Escape string must be empty or one character.")
    out, i, in_bracket = [], 0, False
    while i < len(pattern):
        ch = pattern[i]
        if escape and ch == escape:
            if i + 1 >= len(pattern):
                raise InvalidEscapeSequence("SIMILAR TO pattern must not end with escape character")
            if pattern[i + 1] != '"':  # escape-quote only marks substring()'s part: no effect on matching
                out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if in_bracket:
            in_bracket = ch != "]"
            out.append(ch)
        elif ch == "[":
            in_bracket = True
            out.append(ch)
        elif ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        elif ch in ".^$\\":
            out.append("\\" + ch)
        else:
            out.append(ch)
        i += 1
    return "^(?:" + "".join(out) + ")$"


scalar("like_escape")(rows(like_escape))


scalar("similar_to_escape")(rows(similar_to_regex))


def _regex_substring(s: str, pattern: str):
    m = cached_regex(pattern, "").search(s)
    if m is None:
        return None
    return m.group(1) if m.re.groups else m.group(0)


@scalar("textregexsubstr")
def textregexsubstr(args, n, ctx, call) -> Column:
    return map_nullable(_regex_substring, args, n)


def _similar_substring(s: str, pattern: str, escape: str):
    parts = pattern.split(escape + '"') if escape else [pattern]
    if len(parts) == 3:
        rx = [similar_to_regex(p, escape)[4:-2] for p in parts]
        full = f"^(?:{rx[0]})({rx[1]})(?:{rx[2]})$"
    else:
        full = similar_to_regex(pattern, escape)
    m = re.compile(full, re.DOTALL).search(s)
    if m is None:
        return None
    return m.group(1) if m.re.groups else m.group(0)


@scalar("similar_substring")
def similar_substring(args, n, ctx, call) -> Column:
    return map_nullable(_similar_substring, args, n)


@scalar("text_to_array")
def text_to_array(args, n, ctx, call) -> Column:
    """string_to_array(s, delim [, null_string]): NULL delim splits into characters."""
    out, valid = [], np.ones(n, dtype=bool)
    for i in range(n):
        vals = [None if a.valid is not None and not a.valid[i] else a.data[i] for a in args]
        s, delim = vals[0], vals[1]
        if s is None:
            valid[i] = False
            out.append(None)
            continue
        if s == "":
            items = []
        elif delim is None:
            items = list(s)
        elif delim == "":
            items = [s]
        else:
            items = s.split(delim)
        null_str = vals[2] if len(vals) > 2 else None
        out.append([None if null_str is not None and x == null_str else x for x in items])
    return Column(obj_array(out), None if valid.all() else valid)
