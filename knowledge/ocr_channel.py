"""The OCR channel: which true syllables an OCR-damaged token may stand for, and at what cost.

The scanned plans lose almost every diacritic and swap marked vowels for look-alike glyphs
("s6" → "số", "méi" → "mới", "trudc" → "trước", "thirc" → "thức", "1am" → "làm", "Pinh" → "Định").
Candidates are found through a vowel skeleton ("trudc" may read "trVc", the skeleton of "trước")
and ranked by a weighted edit distance whose costs encode those generic confusions.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from itertools import product

from knowledge.lexicon import skeleton

# Base letter of every lower-case Vietnamese letter, and whether it carries any mark.
_MARKED_BASES = {
    "a": "àáảãạăằắẳẵặâầấẩẫậ",
    "e": "èéẻẽẹêềếểễệ",
    "i": "ìíỉĩị",
    "o": "òóỏõọôồốổỗộơờớởỡợ",
    "u": "ùúủũụưừứửữự",
    "y": "ỳýỷỹỵ",
    "d": "đ",
}
_BASE: dict[str, str] = {ch: base for base, chars in _MARKED_BASES.items() for ch in chars}
_VOWEL_BASES = frozenset("aeiouy")
_U_HORN = frozenset("ưừứửữự")
_U_MARKED = frozenset("ùúủũụưừứửữự")
_O_HORN = frozenset("ơờớởỡợ")
_A_MARKED = frozenset("ăằắẳẵặâầấẩẫậ")

# OCR glyph → (base it most often stands for, cost for a marked letter of that base, cost for the plain letter).
_GLYPH_FOR_BASE: dict[str, tuple[str, float, float]] = {
    "6": ("o", 0.2, 0.4),
    "0": ("o", 0.3, 0.3),
    "q": ("o", 0.6, 0.8),
    "b": ("o", 0.5, 1.0),
    "g": ("o", 0.5, 1.2),
    "4": ("a", 0.3, 0.6),
    "3": ("a", 0.4, 0.8),
    "€": ("e", 0.2, 0.8),
    "¢": ("e", 0.3, 0.9),
    "¥": ("y", 0.1, 0.3),
    "j": ("i", 0.3, 0.5),
    "y": ("u", 0.4, 0.8),
    "w": ("u", 0.2, 1.0),
}
# OCR glyph → cost when it stands for any marked vowel (of any base).
_GLYPH_FOR_MARKED: dict[str, float] = {
    "é": 0.4,
    "&": 0.4,
    "d": 0.6,
    "b": 1.0,
    "6": 0.9,
    "i": 0.8,
    "a": 0.8,
    "o": 0.9,
    "e": 0.9,
    "u": 0.9,
    "t": 0.8,
    "l": 0.9,
}
# Two OCR glyphs for one letter: "ciia"/"ctia" → "của", "thirc" → "thức", "ctru" → "cứu", "rn" → "m".
_PAIR_FOR_U_HORN = frozenset({"ii", "ir", "tr", "tt", "it", "ti", "ur", "rr", "ui"})
_PAIR_COST = 0.3

_DELETE_VOWEL = 1.2  # a true letter the OCR dropped ("ngh" for "nghệ")
_DELETE_CONSONANT = 1.3
_INSERT_COST: dict[str, float] = {"§": 0.1, "w": 0.3, "é": 0.5, "¢": 0.4, "6": 0.5, "'": 0.1, "’": 0.1, "y": 0.6}
_INSERT_VOWEL = 1.0
_INSERT_OTHER = 1.3

MAX_COST = 2.0

# OCR glyph → the skeleton classes it may stand for ("V" a vowel, "" nothing); position-dependent ones below.
_CLASSES: dict[str, tuple[str, ...]] = {
    "6": ("V",),
    "0": ("V",),
    "4": ("V",),
    "3": ("V",),
    "&": ("V",),
    "€": ("V",),
    "¥": ("V",),
    "j": ("V",),
    "é": ("V",),
    "w": ("V",),
    "¢": ("V", "c"),
    "§": ("",),
    "'": ("",),
    "’": ("",),
    "$": ("s",),
}
_INNER_CLASSES: dict[str, tuple[str, ...]] = {
    "d": ("d", "V"),
    "b": ("b", "V"),
    "t": ("t", "V"),
    "l": ("l", "V"),
    "q": ("q", "V"),
    "g": ("g", "V"),
    "r": ("r", ""),
    "m": ("m", "n"),
    "1": ("V", "l"),
    "e": ("V", "c"),
}
_INITIAL_CLASSES: dict[str, tuple[str, ...]] = {
    "p": ("p", "d"),
    "b": ("b", "d"),
    "1": ("l",),
    "i": ("V", "l"),
    "g": ("g", "V"),
    "t": ("t", "V"),  # "ủ" read as "t": "Tinh ty" is "Tỉnh ủy"
}
_MAX_KEYS = 256


def _base(ch: str) -> str:
    return _BASE.get(ch, ch)


@cache
def _is_vowel(ch: str) -> bool:
    return _base(ch) in _VOWEL_BASES


def _is_marked(ch: str) -> bool:
    return ch in _BASE


@cache
def substitution_cost(true: str, seen: str, initial: bool) -> float:
    """Cost of reading the true letter ``true`` as the OCR glyph ``seen`` (both lower-case)."""
    if true == seen:
        return 0.0
    base = _base(true)
    if seen == "é":
        if base == "e":
            return 0.2 if _is_marked(true) else 0.5
    elif _base(seen) == base and seen.isascii():
        return 0.0  # a lost diacritic, the usual damage: the language model chooses the tone
    best = 2.0
    if _base(seen) == base and _is_marked(seen) and _is_marked(true):
        best = 0.5  # a Vietnamese OCR model's wrong mark on the right letter ("mởi" for "mới")
    glyph = _GLYPH_FOR_BASE.get(seen)
    if glyph is not None and glyph[0] == base:
        best = glyph[1] if _is_marked(true) else glyph[2]
    if _is_vowel(true):
        if _is_marked(true):
            marked = _GLYPH_FOR_MARKED.get(seen)
            if marked is not None:
                best = min(best, marked)
            if seen == "i" and true in _A_MARKED:
                best = min(best, 1.8)
            if seen in "ti" and true in _U_HORN:
                best = min(best, 1.8)
            if seen == "w" and true in _O_HORN:
                best = min(best, 1.8)
            if seen == "a" and base == "o":
                best = min(best, 1.8)
        if seen == "1" and base == "i":
            best = min(best, 1.8)
        if _is_vowel(seen) or seen in "é6":
            best = min(best, 1.8)
    elif true == "l":
        if seen == "1":
            best = 0.2
        elif seen == "i":
            best = 0.6 if initial else 1.0
    elif true == "n" and seen == "m":
        best = 0.5
    elif true == "c" and seen in "e¢":
        best = 0.6
    elif true == "đ" and initial and seen in "pb":
        best = 0.3 if seen == "p" else 0.5
    elif true == "s" and seen == "$":
        best = 0.1
    if true in _U_HORN and seen == "g" and initial:
        best = min(best, 0.8)
    return best


@cache
def _insert_cost(seen: str) -> float:
    cost = _INSERT_COST.get(seen)
    if cost is not None:
        return cost
    return _INSERT_VOWEL if _is_vowel(seen) or not seen.isalpha() else _INSERT_OTHER


def channel_cost(true: str, seen: str, limit: float = MAX_COST) -> float:
    """Weighted edit distance from the true syllable ``true`` to the OCR token ``seen`` (lower-case, NFC)."""
    n = len(seen)
    inf = float("inf")
    inserts = [_insert_cost(ch) for ch in seen]
    pairs_at = [j >= 2 and seen[j - 2 : j] in _PAIR_FOR_U_HORN for j in range(n + 1)]
    rn_at = [j >= 2 and seen[j - 2 : j] == "rn" for j in range(n + 1)]
    previous = [0.0] * (n + 1)
    for j in range(1, n + 1):
        previous[j] = previous[j - 1] + inserts[j - 1]
    for t in true:
        delete = _DELETE_VOWEL if _is_vowel(t) else _DELETE_CONSONANT
        u_marked = t in _U_MARKED
        row = [previous[0] + delete] + [inf] * n
        best_in_row = row[0]
        for j in range(1, n + 1):
            best = previous[j - 1] + substitution_cost(t, seen[j - 1], j == 1)
            other = previous[j] + delete
            if other < best:
                best = other
            other = row[j - 1] + inserts[j - 1]
            if other < best:
                best = other
            if (u_marked and pairs_at[j]) or (t == "m" and rn_at[j]):
                other = previous[j - 2] + _PAIR_COST
                if other < best:
                    best = other
            row[j] = best
            if best < best_in_row:
                best_in_row = best
        if best_in_row > limit:
            return inf
        previous = row
    return previous[n]


def skeleton_keys(token: str) -> set[str]:
    """Every vowel skeleton the lower-case OCR ``token`` may stand for ("trudc" → {"trdc", "trVc", ...})."""
    options: list[tuple[str, ...]] = []
    for position, ch in enumerate(token):
        if position == 0 and ch in _INITIAL_CLASSES:
            options.append(_INITIAL_CLASSES[ch])
        elif ch == "g" and token[position - 1] == "n":
            options.append(("g",))  # the "g" of "ng" is a consonant, not a misread "ợ"
        elif position > 0 and ch in _INNER_CLASSES:
            options.append(_INNER_CLASSES[ch])
        elif ch in _CLASSES:
            options.append(_CLASSES[ch])
        elif _is_vowel(ch):
            options.append(("V",))
        elif ch == "đ":
            options.append(("d",))
        else:
            options.append((ch,))
    keys: set[str] = set()
    for count, combination in enumerate(product(*options)):
        if count >= _MAX_KEYS:
            break
        keys.add(skeleton("".join(combination).replace("V", "a")))
    # A token with no vowel left lost it to the scan ("ngh" for "nghệ", "s" for "số") or read it as a
    # consonant ("tng" for "ứng").
    for key in list(keys):
        if "V" not in key:
            for cut in range(len(key) + 1):
                keys.add(key[:cut] + "V" + key[cut:])
            if len(key) >= 3:
                keys.add("V" + key[1:])
    return keys


def candidates(token: str, by_skeleton: dict[str, list[str]], limit: float = MAX_COST) -> list[tuple[str, float]]:
    """The syllables ``token`` may stand for, with their channel cost, cheapest first."""
    seen = unicodedata.normalize("NFC", token.lower())
    found: dict[str, float] = {}
    for key in skeleton_keys(seen):
        for syllable in by_skeleton.get(key, ()):
            if syllable in found or abs(len(syllable) - len(seen)) > 3:
                continue
            cost = channel_cost(syllable, seen, limit)
            if cost <= limit:
                found[syllable] = cost
    return sorted(found.items(), key=lambda item: item[1])
