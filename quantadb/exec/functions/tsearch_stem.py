"""The Snowball English (Porter2) stemmer, as the english_stem dictionary runs it
(snowball's english.sbl): exceptions, the prelude's Y marking, regions R1/R2 and steps 1a-5.

Snowball's `among` takes the longest listed suffix first and only then checks its condition:
a failed condition ends the step (no shorter suffix is tried). The tables below keep that order.
"""

from __future__ import annotations

_V = frozenset("aeiouy")
_V_WXY = _V | frozenset("wxY")
_VALID_LI = frozenset("cdeghkmnrt")
_DOUBLES = ("bb", "dd", "ff", "gg", "mm", "nn", "pp", "rr", "tt")
_EXCEPTION1 = {"skis": "ski", "skies": "sky", "dying": "die", "lying": "lie", "tying": "tie", "idly": "idl",
               "gently": "gentl", "ugly": "ugli", "early": "earli", "only": "onli", "singly": "singl",
               "sky": "sky", "news": "news", "howe": "howe", "atlas": "atlas", "cosmos": "cosmos",
               "bias": "bias", "andes": "andes"}
_EXCEPTION2 = frozenset(("inning", "outing", "canning", "herring", "earring", "proceed", "exceed", "succeed"))
_REGION_PREFIXES = ("gener", "commun", "arsen")
_STEP2 = {"tional": "tion", "enci": "ence", "anci": "ance", "abli": "able", "entli": "ent", "izer": "ize",
          "ization": "ize", "ational": "ate", "ation": "ate", "ator": "ate", "alism": "al", "aliti": "al",
          "alli": "al", "fulness": "ful", "ousli": "ous", "ousness": "ous", "iveness": "ive", "iviti": "ive",
          "biliti": "ble", "bli": "ble", "ogi": "og", "fulli": "ful", "lessli": "less", "li": ""}
_STEP3 = {"tional": "tion", "ational": "ate", "alize": "al", "icate": "ic", "iciti": "ic", "ical": "ic",
          "ful": "", "ness": "", "ative": ""}
_STEP4 = ("al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ism", "ate", "iti",
          "ous", "ive", "ize", "ion")


def _longest(word: str, suffixes) -> str | None:
    best = None
    for s in suffixes:
        if word.endswith(s) and (best is None or len(s) > len(best)):
            best = s
    return best


def _after_vowel_consonant(word: str, start: int) -> int:
    """gopast v gopast non-v from `start`: the position after the first non-vowel after a vowel."""
    i, n = start, len(word)
    while i < n and word[i] not in _V:
        i += 1
    while i < n and word[i] in _V:
        i += 1
    return i + 1 if i < n else n


def _regions(word: str) -> tuple[int, int]:
    p1 = next((len(p) for p in _REGION_PREFIXES if word.startswith(p)), None)
    if p1 is None:
        p1 = _after_vowel_consonant(word, 0)
    return p1, _after_vowel_consonant(word, p1)


def _short_syllable_before(word: str, end: int) -> bool:
    """shortv at `end`: non-v, v, non-v_WXY ending there, or v, non-v at the word's start."""
    if end >= 3 and word[end - 1] not in _V_WXY and word[end - 2] in _V and word[end - 3] not in _V:
        return True
    return end == 2 and word[1] not in _V and word[0] in _V


def _has_vowel(s: str) -> bool:
    return any(c in _V for c in s)


def _step1a(w: str) -> str:
    for s in ("'s'", "'s", "'"):
        if w.endswith(s):
            w = w[:-len(s)]
            break
    suffix = _longest(w, ("sses", "ied", "ies", "s", "us", "ss"))
    if suffix == "sses":
        return w[:-2]
    if suffix in ("ied", "ies"):
        stem = w[:-3]
        return stem + ("i" if len(stem) > 1 else "ie")
    if suffix == "s" and _has_vowel(w[:-2]):
        return w[:-1]
    return w


def _step1b(w: str, p1: int) -> str:
    suffix = _longest(w, ("eed", "eedly", "ed", "edly", "ing", "ingly"))
    if suffix is None:
        return w
    stem = w[:-len(suffix)]
    if suffix in ("eed", "eedly"):
        return stem + "ee" if len(stem) >= p1 else w
    if not _has_vowel(stem):
        return w
    if stem.endswith(("at", "bl", "iz")):
        return stem + "e"
    if stem.endswith(_DOUBLES):
        return stem[:-1]
    if len(stem) == p1 and _short_syllable_before(stem, len(stem)):
        return stem + "e"
    return stem


def _step1c(w: str) -> str:
    if len(w) > 2 and w[-1] in "yY" and w[-2] not in _V:
        return w[:-1] + "i"
    return w


def _step2(w: str, p1: int) -> str:
    suffix = _longest(w, _STEP2)
    if suffix is None or len(w) - len(suffix) < p1:
        return w
    stem = w[:-len(suffix)]
    if suffix == "li" and not (stem and stem[-1] in _VALID_LI):
        return w
    if suffix == "ogi" and not stem.endswith("l"):
        return w
    return stem + _STEP2[suffix]


def _step3(w: str, p1: int, p2: int) -> str:
    suffix = _longest(w, _STEP3)
    if suffix is None or len(w) - len(suffix) < p1:
        return w
    if suffix == "ative" and len(w) - len(suffix) < p2:
        return w
    return w[:-len(suffix)] + _STEP3[suffix]


def _step4(w: str, p2: int) -> str:
    suffix = _longest(w, _STEP4)
    if suffix is None or len(w) - len(suffix) < p2:
        return w
    stem = w[:-len(suffix)]
    if suffix == "ion" and not stem.endswith(("s", "t")):
        return w
    return stem


def _step5(w: str, p1: int, p2: int) -> str:
    n = len(w) - 1
    if w.endswith("e") and (n >= p2 or (n >= p1 and not _short_syllable_before(w, n))):
        return w[:-1]
    if w.endswith("ll") and n >= p2:
        return w[:-1]
    return w


def _prelude(w: str) -> str:
    if w.startswith("'"):
        w = w[1:]
    chars = list(w)
    for i, c in enumerate(chars):
        if c == "y" and (i == 0 or chars[i - 1] in _V):
            chars[i] = "Y"
    return "".join(chars)


def english_stem(word: str) -> str:
    """The stem of a lower-case word."""
    if word in _EXCEPTION1:
        return _EXCEPTION1[word]
    if len(word) < 3:
        return word
    w = _prelude(word)
    p1, p2 = _regions(w)
    w = _step1a(w)
    if w not in _EXCEPTION2:
        w = _step1b(w, p1)
        w = _step1c(w)
        w = _step2(w, p1)
        w = _step3(w, p1, p2)
        w = _step4(w, p2)
        w = _step5(w, p1, p2)
    return w.replace("Y", "y")
