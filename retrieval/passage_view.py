"""A passage as answering sees it: its sentences, words and section words, tolerant of OCR damage."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from knowledge.passages import Passage
from knowledge.structure import CLOSING_TITLE, PREAMBLE_TITLE
from retrieval.compose import Unit, split_units
from retrieval.lexical import char_trigrams, features, syllables

_DANGLING_HEADING = re.compile(r"^(?:[a-zđ]|\d{1,2}(?:\.\d{1,2})?|[IVX]{1,4})[).]\s+\S.{0,110}$")


@dataclass(frozen=True)
class PassageView:
    """What answering needs to know of a passage's words; computed when it is a candidate, kept in a small cache."""

    units: list[Unit]
    words: frozenset[str]
    pairs: frozenset[str]
    section_words: frozenset[str]
    section_pairs: frozenset[str]
    title_segments: tuple[tuple[str, ...], ...] = ()  # the names its deepest titles give ("sở nội vụ", "doanh nghiệp")

    @classmethod
    def of(cls, passage: Passage, carried: str = "", gives_heading: bool = False) -> PassageView:
        """Sentences, words and word pairs of a passage and its section titles (plus a heading carried over)."""
        if gives_heading:  # its last line titles the next passage
            passage = replace(passage, text=passage.text.rstrip().rsplit("\n", 1)[0])
        tokens = syllables(passage.text)
        # the labels given to a plan's untitled opening and closing ("Mở đầu", "Phần kết") are none of its words
        titles = " ".join(t for t in passage.section_path if t not in UNTITLED)
        section_tokens = syllables(f"{titles} {carried}")
        return cls(
            units=split_units(passage),
            words=frozenset(tokens) | frozenset(section_tokens),
            pairs=frozenset(f"{a} {b}" for a, b in pairwise(tokens))
            | frozenset(f"{a} {b}" for a, b in pairwise(section_tokens)),
            section_words=frozenset(section_tokens),
            section_pairs=frozenset(f"{a} {b}" for a, b in pairwise(section_tokens)),
            title_segments=title_segments([*passage.section_path[-2:], carried]),
        )


UNTITLED = frozenset({PREAMBLE_TITLE, CLOSING_TITLE})


def names_number(words: frozenset[str], number: str) -> bool:
    """Whether a passage's words name ``number`` (as written, or without its leading zeros: "07" as "7")."""
    return number in words or number.lstrip("0") in words


_NUMBERING = re.compile(r"^(?:[ivx]{1,4}|[a-dđ]|\d{1,2})$")
_FILLER = frozenset({"doi voi", "cac", "nhung", "ve", "cho"})
_SEGMENT_SPLIT = re.compile(r"[,;:()]| và | va ", re.IGNORECASE)


def title_segments(titles: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """The names section titles give, as folded syllables: "2. Sở Nội vụ" → (so, noi, vu); a title listing several
    ("Các doanh nghiệp, viện nghiên cứu …", "Hình thức và tiêu chuẩn khen thưởng") gives each of its parts."""
    segments: list[tuple[str, ...]] = []
    for title in titles:
        for part in _SEGMENT_SPLIT.split(title):
            tokens = syllables(part)
            while tokens and _NUMBERING.match(tokens[0]):
                tokens = tokens[1:]
            while tokens and (" ".join(tokens[:2]) in _FILLER or tokens[0] in _FILLER):
                tokens = tokens[2:] if " ".join(tokens[:2]) in _FILLER else tokens[1:]
            if len(tokens) >= 2:
                segments.append(tuple(tokens))
    return tuple(dict.fromkeys(segments))


def carried_headings(passages: Sequence[Passage]) -> list[str]:
    """For each passage, a heading stranded as the last line of the previous passage of the same plan.

    OCR damage to a list marker ("¢)" for "c)") can leave a heading where the structure parser does not see one;
    the heading then ends one passage while it titles the next.
    """
    carried = [""] * len(passages)
    for i in range(1, len(passages)):
        previous = passages[i - 1]
        if previous.document != passages[i].document:
            continue
        last = previous.text.rstrip().rsplit("\n", 1)[-1].strip()
        if _DANGLING_HEADING.match(last) and not last.endswith((".", ";", ",", ":")):
            carried[i] = last
    return carried


def passage_features(passage: Passage, carried: str = "", gives_heading: bool = False) -> Counter[str]:
    """Lexical features of a passage: repaired words, pairs, section words, and trigrams of both spellings."""
    if gives_heading:
        passage = replace(passage, text=passage.text.rstrip().rsplit("\n", 1)[0])
    counts = features(passage.text, f"{passage.section} {carried}")
    tokens = syllables(passage.text)
    counts.update("c:" + g for g in char_trigrams(tokens))
    if passage.original and passage.original != passage.text:
        counts.update("c:" + g for g in char_trigrams(syllables(passage.original)))
    return counts


def typed_share(passage: Passage) -> float:
    """Share of the shown words found as such in the source: near 1 for a typed plan, low for a repaired scan."""
    shown = re.findall(r"[^\W\d_]+", passage.text.lower())
    source = set(re.findall(r"[^\W\d_]+", passage.original.lower()))
    return sum(w in source for w in shown) / len(shown) if shown else 0.0


def in_title(word: str, title_words: frozenset[str]) -> bool:
    """Whether a section title holds ``word``, tolerating OCR damage ("donvi", "thugc") since titles are short."""
    if word in title_words:
        return True
    if len(word) < 3 or word.isdigit():
        return False
    grams = trigrams(word)
    for candidate in title_words:
        if len(candidate) >= 3 and word in candidate and len(candidate) <= len(word) + 3:
            return True
        other = trigrams(candidate)
        if len(grams & other) / len(grams | other) >= 0.4:
            return True
    return False


def trigrams(word: str) -> set[str]:
    """Character trigrams of ``word`` with boundary marks."""
    padded = f"<{word}>"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}
