"""The general Vietnamese model shipped with the package: a syllable lexicon with frequencies and word-internal pairs.

The data under ``knowledge/lexicon/`` is derived from pyvi's word list (MIT) and wordfreq's Vietnamese list
(CC BY-SA 4.0); ``knowledge/lexicon/NOTICE.md`` tells how and under which terms.
"""

from __future__ import annotations

import gzip
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from core.vietnamese import fold, nfc

LEXICON_DIR = Path(__file__).with_name("lexicon")

_VOWELS = frozenset("aeiouy")
_TONED = "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
_ONSET = r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
_SYLLABLE = re.compile(rf"^{_ONSET}[aăâeêioôơuưy{_TONED}]{{1,3}}(?:ch|ng|nh|[cmnpt])?$")
_UNLISTED_CENTIBELS = 700  # wordfreq's floor: a syllable it does not list


def is_syllable_shape(text: str) -> bool:
    """Tell whether lower-case ``text`` has the shape of one Vietnamese syllable (onset, vowels, coda, one tone)."""
    return bool(_SYLLABLE.match(text)) and sum(ch in _TONED for ch in text) <= 1


_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below
_OLD_STYLE = re.compile(r"^(?!qu)([^aeiouy]*)([ou])([aey])$")


@cache
def modern_tone_placement(syllable: str) -> str:
    """Put the tone of an open "oa", "oe", "uy" syllable on its first vowel, as the plans mostly do: "hoá" → "hóa".

    The corpus mixes both styles ("hoá"/"hóa", "uỷ"/"ủy"); one spelling per syllable keeps counts together.
    """
    decomposed = unicodedata.normalize("NFD", syllable)
    tones = [ch for ch in decomposed if ch in _TONE_MARKS]
    if len(tones) != 1:
        return syllable
    bare = decomposed.replace(tones[0], "")
    match = _OLD_STYLE.match(unicodedata.normalize("NFC", bare))
    if not match:
        return syllable
    onset, first, second = match.groups()
    return unicodedata.normalize("NFC", onset + first + tones[0] + second)


def skeleton(folded: str) -> str:
    """Collapse every run of vowels in a folded syllable to ``V``: "truoc" → "trVc", "cua" → "cV"."""
    out: list[str] = []
    for ch in folded:
        if ch in _VOWELS:
            if not out or out[-1] != "V":
                out.append("V")
        else:
            out.append(ch)
    return "".join(out)


@dataclass
class Lexicon:
    """Syllables with a log-probability prior, word-internal syllable pairs, and an index by vowel skeleton."""

    log_prior: dict[str, float] = field(default_factory=dict)
    pair_counts: dict[tuple[str, str], int] = field(default_factory=dict)
    pair_totals: dict[str, int] = field(default_factory=dict)
    by_skeleton: dict[str, list[str]] = field(default_factory=dict)
    by_fold: dict[str, list[str]] = field(default_factory=dict)

    def add_syllable(self, syllable: str, log_prior: float) -> None:
        """Register ``syllable`` (lower-case NFC) or raise its prior to ``log_prior``."""
        known = self.log_prior.get(syllable)
        if known is None:
            folded = fold(syllable)
            self.by_skeleton.setdefault(skeleton(folded), []).append(syllable)
            self.by_fold.setdefault(folded, []).append(syllable)
            self.log_prior[syllable] = log_prior
        elif log_prior > known:
            self.log_prior[syllable] = log_prior

    def pair_probability(self, previous: str, syllable: str) -> float:
        """P(syllable | previous) from the word-internal pairs of the word list (0 when never paired)."""
        total = self.pair_totals.get(previous)
        if not total:
            return 0.0
        return self.pair_counts.get((previous, syllable), 0) / total


def _read_syllables(path: Path) -> dict[str, float]:
    priors: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        syllable, centibels, in_words = line.split("\t")
        cb = int(centibels)
        # A syllable that only the dictionary knows still deserves more than wordfreq's floor.
        if cb >= _UNLISTED_CENTIBELS and int(in_words) > 0:
            cb = _UNLISTED_CENTIBELS - 50 + max(0, 50 - 10 * int(in_words))
        priors[syllable] = -cb / 100 * math.log(10)
    return priors


def _read_pairs(path: Path) -> dict[tuple[str, str], int]:
    pairs: dict[tuple[str, str], int] = {}
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            words, count = line.rstrip("\n").split("\t")
            first, second = words.split(" ")
            pairs[(first, second)] = int(count)
    return pairs


@cache
def general_phrases() -> tuple[str, ...]:
    """Common administrative and question phrases shipped with the lexicon ("ủy ban nhân dân tỉnh", "như thế nào")."""
    lines = (LEXICON_DIR / "phrases.txt").read_text(encoding="utf-8").splitlines()
    return tuple(nfc(line.strip()) for line in lines if line.strip() and not line.startswith("#"))


@cache
def general_lexicon() -> Lexicon:
    """Load the shipped general Vietnamese lexicon (cached; callers must not mutate it)."""
    lexicon = Lexicon()
    for syllable, prior in _read_syllables(LEXICON_DIR / "syllables.tsv").items():
        lexicon.add_syllable(nfc(syllable), prior)
    lexicon.pair_counts = _read_pairs(LEXICON_DIR / "word_pairs.txt.gz")
    totals: dict[str, int] = defaultdict(int)
    for (first, _), count in lexicon.pair_counts.items():
        totals[first] += count
    lexicon.pair_totals = dict(totals)
    return lexicon
