"""The regexp_* functions (regexp.c): match, matches, replace, split_to_array/table, count,
instr, substr, like. Flags are PostgreSQL's option letters, checked as its parse_re_flags does;
matches are found as setup_regexp_matches finds them (an empty match advances one character;
splitting ignores empty matches at either end and right after the previous match)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np

from quantadb.errors import InvalidParameterValue
from quantadb.exec.functions import scalar, setfn
from quantadb.exec.functions.patterns import cached_regex
from quantadb.exec.functions.support import and_valid, map_nullable, map_rows, obj_array
from quantadb.types.column import Column

_OPTIONS = frozenset("bceimnpqstwx")  # 'g' is checked apart: only some functions take it


def options(flags: str, function: str, allow_global: bool = False) -> tuple[str, bool]:
    """(flags for compile_regex, global) from a flags argument, with PostgreSQL's errors."""
    for ch in flags:
        if ch not in _OPTIONS and ch != "g":
            raise InvalidParameterValue(f'invalid regular expression option: "{ch}"')
    glob = "g" in flags
    if glob and not allow_global:
        raise InvalidParameterValue(f'{function}() does not support the "global" option',
                                    hint="Use the regexp_matches function instead." if function == "regexp_match"
                                    else None)
    return flags.replace("g", ""), glob


def _positive(name: str, value: int, minimum: int = 1) -> int:
    if value < minimum:
        raise InvalidParameterValue(f'invalid value for parameter "{name}": {value}')
    return value


def find_matches(rx: re.Pattern, s: str, start: int = 0, glob: bool = True,
                 ignore_degenerate: bool = False) -> Iterator[re.Match]:
    pos, prev_end = start, 0
    while pos <= len(s):
        m = rx.search(s, pos)
        if m is None:
            return
        so, eo = m.span()
        if not ignore_degenerate or (so < len(s) and eo > prev_end):
            yield m
            prev_end = eo
        if not glob:
            return
        pos = eo + 1 if so == eo else eo


def _groups(m: re.Match) -> list:
    return list(m.groups()) if m.re.groups else [m.group(0)]


def _split(s: str, pattern: str, flags: str = "", function: str = "regexp_split_to_array") -> list[str]:
    compiled, _ = options(flags, function)
    pieces, last = [], 0
    for m in find_matches(cached_regex(pattern, compiled), s, ignore_degenerate=True):
        pieces.append(s[last:m.start()])
        last = m.end()
    pieces.append(s[last:])
    return pieces


def _regexp_match(s: str, pattern: str, flags: str = ""):
    compiled, _ = options(flags, "regexp_match")
    m = cached_regex(pattern, compiled).search(s)
    return None if m is None else _groups(m)


def _regexp_replace(s: str, pattern: str, repl: str, *rest) -> str:
    """regexp_replace(s, p, r [, flags]) or (s, p, r, start [, n [, flags]]): n = 0 replaces every
    match, n > 0 only the n-th; flags 'g' (without n) replaces every match."""
    start, nth, flags = 1, None, ""
    if rest and isinstance(rest[0], str):
        flags = rest[0]
    elif rest:
        start = _positive("start", int(rest[0]))
        nth = _positive("n", int(rest[1]), 0) if len(rest) > 1 else 1
        flags = rest[2] if len(rest) > 2 else ""
    compiled, glob = options(flags, "regexp_replace", allow_global=True)
    if nth is None:
        nth = 0 if glob else 1
    expand = _expand_replacement(repl)
    out, last = [], 0
    for count, m in enumerate(find_matches(cached_regex(pattern, compiled), s, start - 1), 1):
        if nth and count < nth:
            continue
        out.append(s[last:m.start()])
        out.append(expand(m))
        last = m.end()
        if nth:
            break
    out.append(s[last:])
    return "".join(out)


def _expand_replacement(repl: str):
    """PostgreSQL replacement text: \\1..\\9 groups, \\& the whole match, \\\\ a backslash."""
    pieces: list = []
    i = 0
    while i < len(repl):
        ch = repl[i]
        if ch == "\\" and i + 1 < len(repl):
            nxt = repl[i + 1]
            pieces.append(int(nxt) if nxt.isdigit() else 0 if nxt == "&" else nxt)
            i += 2
        else:
            pieces.append(ch)
            i += 1
    return lambda m: "".join(p if isinstance(p, str) else (m.group(p) or "") for p in pieces)


def _nth_match(function: str, s: str, pattern: str, start: int = 1, nth: int = 1, flags: str = "",
               subexpr: int = 0):
    """The n-th match from `start` and the group asked for: (match, group) or None."""
    start, nth = _positive("start", int(start)), _positive("n", int(nth))
    subexpr = _positive("subexpr", int(subexpr), 0)
    compiled, _ = options(flags, function)
    rx = cached_regex(pattern, compiled)
    for count, m in enumerate(find_matches(rx, s, start - 1), 1):
        if count == nth:
            return (m, subexpr) if subexpr <= rx.groups else None
    return None


def _regexp_instr(s: str, pattern: str, start: int = 1, nth: int = 1, endoption: int = 0, flags: str = "",
                  subexpr: int = 0) -> int:
    if int(endoption) not in (0, 1):
        raise InvalidParameterValue(f'invalid value for parameter "endoption": {endoption}')
    found = _nth_match("regexp_instr", s, pattern, start, nth, flags, subexpr)
    if found is None or found[0].start(found[1]) < 0:
        return 0
    m, group = found
    return (m.end(group) if endoption else m.start(group)) + 1


def _regexp_substr(s: str, pattern: str, start: int = 1, nth: int = 1, flags: str = "", subexpr: int = 0):
    found = _nth_match("regexp_substr", s, pattern, start, nth, flags, subexpr)
    return None if found is None else found[0].group(found[1])


def _regexp_count(s: str, pattern: str, start: int = 1, flags: str = "") -> int:
    start = _positive("start", int(start))
    compiled, _ = options(flags, "regexp_count")
    return sum(1 for _ in find_matches(cached_regex(pattern, compiled), s, start - 1))


def _regexp_like(s: str, pattern: str, flags: str = "") -> bool:
    compiled, _ = options(flags, "regexp_like")
    return cached_regex(pattern, compiled).search(s) is not None


scalar("regexp_match")(lambda args, n, ctx, call: map_nullable(_regexp_match, args, n))
scalar("textregexreplace")(lambda args, n, ctx, call: Column(map_rows(_regexp_replace, args, n)))
scalar("regexp_split_to_array")(lambda args, n, ctx, call: Column(map_rows(_split, args, n)))
scalar("regexp_substr")(lambda args, n, ctx, call: map_nullable(_regexp_substr, args, n))
scalar("regexp_instr")(lambda args, n, ctx, call: Column(map_rows(_regexp_instr, args, n, np.int32, 0)))
scalar("regexp_count")(lambda args, n, ctx, call: Column(map_rows(_regexp_count, args, n, np.int32, 0)))
scalar("regexp_like")(lambda args, n, ctx, call: Column(map_rows(_regexp_like, args, n, bool, False)))


def _live(args: list[Column], n: int) -> list[int]:
    valid = and_valid(args)
    return list(range(n)) if valid is None else np.flatnonzero(valid).tolist()


@setfn("regexp_matches")
def regexp_matches(args, n, ctx, call):
    """One text[] row per match (every match with flag 'g', else the first)."""
    sources, values = [], []
    for i in _live(args, n):
        s, pattern = args[0].data[i], args[1].data[i]
        compiled, glob = options(args[2].data[i] if len(args) > 2 else "", "regexp_matches", allow_global=True)
        for m in find_matches(cached_regex(pattern, compiled), s, glob=glob):
            sources.append(i)
            values.append(_groups(m))
    return np.asarray(sources, dtype=np.int64), [Column(obj_array(values))]


@setfn("regexp_split_to_table")
def regexp_split_to_table(args, n, ctx, call):
    sources, values = [], []
    for i in _live(args, n):
        flags = args[2].data[i] if len(args) > 2 else ""
        pieces = _split(args[0].data[i], args[1].data[i], flags, "regexp_split_to_table")
        sources.extend([i] * len(pieces))
        values.extend(pieces)
    return np.asarray(sources, dtype=np.int64), [Column(obj_array(values))]
