"""Which plan a question is about: localities and issuers found in the question, learnt from each plan's metadata."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from core.vietnamese import fold
from knowledge.lexicon import modern_tone_placement
from knowledge.passages import PlanMeta

# Broad levels give way to narrower ones named in the same question: "the city plan cited by phường Hoàng Mai".
_LEVEL_RANK = {
    "tỉnh": 0,
    "thành phố": 0,
    "sở": 1,
    "quận": 1,
    "huyện": 1,
    "thị xã": 1,
    "phường": 2,
    "xã": 2,
    "thị trấn": 2,
}
_LEVEL_WORDS = ("thành phố", "thị trấn", "thị xã", "phường", "quận", "huyện", "tỉnh", "xã", "tp")
_ISSUER_PREFIXES = ("ubnd ", "uy ban nhan dan ")
_NAMED_PLACE = re.compile(
    r"\b(phường|xã|quận|huyện|thị trấn|thị xã|tỉnh|thành phố)((?:\s+[^\W\d_]+){1,4})", re.IGNORECASE
)


def _phrase(text: str) -> str:
    return " ".join(re.findall(r"[0-9a-z]+", fold(text)))


# Words a place or issuer may be said with besides its own name ("ngành Y tế" for "Sở Y tế", "UBND xã …").
_NAME_WORDS = frozenset(
    [
        "ngành",
        "sở",
        "phường",
        "xã",
        "thành",
        "phố",
        "tỉnh",
        "quận",
        "huyện",
        "thị",
        "trấn",
        "ủy",
        "ban",
        "nhân",
        "dân",
        "ubnd",
        "thủ",
        "đô",
    ]
)


def _typed_words(text: str) -> list[str]:
    """Lower-case words as typed, tone marks placed one way ("uỷ" → "ủy", "hoà" → "hòa")."""
    words = re.findall(r"[0-9a-zà-ỹđ]+", unicodedata.normalize("NFC", text.lower()))
    return [modern_tone_placement(w) for w in words]


def _accented_words(text: str) -> list[str] | None:
    """``text``'s words as typed (lower case), aligned with its folded words; None when they do not align."""
    typed = _typed_words(text)
    return typed if len(typed) == len(_phrase(text).split()) else None


def _initials(locality: str) -> list[str]:
    """A place as chat writes it with its level: "phường Hoàng Mai" → "phuong hm", "thành phố Hà Nội" → "tp hn"
    (shorthand expansion turns "p." and "tp" into the level words first, so both spellings are given)."""
    lowered = _phrase(locality.split(",")[0])
    for level in _LEVEL_WORDS:
        level_folded = _phrase(level)
        if lowered.startswith(level_folded + " "):
            name = lowered.removeprefix(level_folded + " ").split()
            if len(name) < 2:
                return []
            initials = "".join(word[0] for word in name)
            return [f"{level_folded} {initials}"]
    return []


@dataclass(frozen=True)
class _Alias:
    phrase: str  # folded, single-spaced
    document: str
    strong: bool  # given in the metadata, as opposed to derived from it


class LocalityResolver:
    """Finds the plans a question (or a remembered /diaban choice) names, by locality, issuer or alias."""

    def __init__(self, metas: Iterable[PlanMeta]) -> None:
        self._metas = {m.document: m for m in metas}
        claims: dict[str, list[_Alias]] = defaultdict(list)
        for meta in self._metas.values():
            for alias in self._aliases(meta):
                claims[alias.phrase].append(alias)
        self._aliases_by_phrase: dict[str, list[str]] = {}
        for phrase, aliases in claims.items():
            strong = sorted({a.document for a in aliases if a.strong})
            docs = strong or sorted({a.document for a in aliases})
            # a derived alias shared by several plans (e.g. the city both wards lie in) names none of them
            if strong or len(docs) == 1:
                self._aliases_by_phrase[phrase] = docs
        # names are looked up word n-gram by word n-gram (a dictionary), not by one regular expression of every
        # name: with thousands of plans such a pattern takes seconds to compile and tens of milliseconds to match
        self._longest = max((len(p.split()) for p in self._aliases_by_phrase), default=0)
        # each plan's names as spelt, word by word, with the level words any of them may be said with
        self._spellings = {
            m.document: _NAME_WORDS | {w for name in (m.locality, m.issuer, *m.aliases) for w in _typed_words(name)}
            for m in self._metas.values()
        }

    @staticmethod
    def _aliases(meta: PlanMeta) -> list[_Alias]:
        strong = [meta.locality, meta.issuer, *meta.aliases]
        derived: list[str] = []
        for name in strong:
            for part in name.split(","):
                derived.append(part)
            lowered = _phrase(name)
            for prefix in _ISSUER_PREFIXES:
                if lowered.startswith(prefix):
                    derived.append(lowered.removeprefix(prefix))
        for name in list(derived) + strong:
            lowered = _phrase(name)
            if lowered.startswith("so "):  # a department's plan is the sector's: "Sở Y tế" → "ngành Y tế"
                derived.append("nganh " + lowered.removeprefix("so "))
            for level in _LEVEL_WORDS:
                level_folded = _phrase(level)
                if lowered.startswith(level_folded + " "):
                    derived.append(lowered.removeprefix(level_folded + " "))
        result = [_Alias(_phrase(n), meta.document, True) for n in strong if _phrase(n)]
        result += [_Alias(_phrase(n), meta.document, False) for n in derived if len(_phrase(n)) >= 4]
        result += [_Alias(initials, meta.document, False) for initials in _initials(meta.locality)]
        return result

    def meta(self, document: str) -> PlanMeta | None:
        """The metadata of ``document``, if known."""
        return self._metas.get(document)

    def documents_named(self, text: str) -> list[str]:
        """The plans ``text`` names; a broad level gives way to a narrower one named beside it."""
        return self.named(text)[0]

    def named(self, text: str) -> tuple[list[str], list[str]]:
        """The plans ``text`` names and the (folded) names that matched; the longest name wins where names overlap."""
        found: list[str] = []
        phrases: list[str] = []
        for phrase in self._phrases_in(_phrase(text).split(), _accented_words(text)):
            phrases.append(phrase)
            for doc in self._aliases_by_phrase[phrase]:
                if doc not in found:
                    found.append(doc)
        if len(found) > 1:
            ranks = {d: _LEVEL_RANK.get(self._metas[d].level.strip().lower(), 2) for d in found}
            narrowest = max(ranks.values())
            if narrowest > 0:
                found = [d for d in found if ranks[d] > 0]
        return found, phrases

    def _phrases_in(self, words: list[str], typed: list[str] | None = None) -> list[str]:
        """The known names in ``words`` (folded), leftmost first and, where names overlap, the longest. ``typed``:
        the same words as typed; a word typed with marks must be spelt so in a name ("hoàn thành phổ cập" does not
        name "Thành phố")."""
        phrases: list[str] = []
        start = 0
        while start < len(words):
            for size in range(min(self._longest, len(words) - start), 0, -1):
                phrase = " ".join(words[start : start + size])
                if phrase in self._aliases_by_phrase and self._spelt(phrase, typed, start, size):
                    phrases.append(phrase)
                    start += size
                    break
            else:
                start += 1
        return phrases

    def _spelt(self, phrase: str, typed: list[str] | None, start: int, size: int) -> bool:
        if typed is None:
            return True
        said = typed[start : start + size]
        known = set().union(*(self._spellings[d] for d in self._aliases_by_phrase[phrase]))
        return all(fold(word) == word or word in known for word in said)

    def unknown_locality(self, text: str) -> str | None:
        """A place the question names with its level ("phường Cầu Giấy") that no plan is about, if any."""
        for match in _NAMED_PLACE.finditer(text):
            words: list[str] = []
            for word in match.group(2).split():
                if not word[0].isupper():
                    break
                words.append(word)
            name = " ".join(words)
            if name and not self.documents_named(name):
                return f"{match.group(1).lower()} {name}"
        return None

    def localities(self) -> list[str]:
        """Every known locality or issuer, one per plan, for the /diaban choice."""
        names: list[str] = []
        for meta in sorted(self._metas.values(), key=lambda m: (_LEVEL_RANK.get(m.level, 2), m.locality)):
            name = meta.locality or meta.issuer
            if name and name not in names:
                names.append(name)
        return names
