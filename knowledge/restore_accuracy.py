"""Word accuracy of diacritic restoration against a hand-made gold set (used by the measure script and the tests)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from core.vietnamese import fold, nfc

_EDGE_PUNCTUATION = "\"'“”‘’()[]{}.,;:!?|*#…"


@dataclass(frozen=True)
class GoldLine:
    """One OCR line of a plan and its correct Vietnamese, written by hand."""

    plan: str
    line: int
    group: str  # "in_corpus": the clean plan holds this wording; "not_in_corpus": it does not
    ocr: str
    gold: str


def load_gold(path: Path) -> list[GoldLine]:
    """Read a gold set: one JSON object per line with plan, line, group, ocr and gold."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [GoldLine(row["plan"], row["line"], row["group"], row["ocr"], row["gold"]) for row in rows]


def comparable_words(text: str) -> list[str]:
    """Split on white space, trim punctuation at the ends, lower-case; pure punctuation is dropped."""
    out = []
    for chunk in nfc(text).split():
        word = chunk.strip(_EDGE_PUNCTUATION).lower()
        if any(ch.isalnum() for ch in word):
            out.append(word)
    return out


def matched_words(gold: str, output: str) -> tuple[int, int]:
    """Count gold words that the output reproduces exactly (case-insensitive), after aligning the two lines.

    Words are aligned on their folded forms, so a word whose diacritics are wrong still lines up with its
    gold counterpart and counts as a miss; unaligned stretches are paired position by position.
    """
    expected = comparable_words(gold)
    produced = comparable_words(output)
    if len(expected) == len(produced):
        pairs = list(zip(expected, produced, strict=True))
    else:
        pairs = []
        matcher = SequenceMatcher(a=[fold(w) for w in expected], b=[fold(w) for w in produced], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag in ("equal", "replace"):
                pairs.extend(zip(expected[i1:i2], produced[j1:j2], strict=False))
    return sum(a == b for a, b in pairs), len(expected)


def group_accuracy(lines: Iterable[GoldLine], restore: Callable[[str], str]) -> dict[str, float]:
    """Word accuracy per gold group of ``restore`` applied to each OCR line."""
    hits: dict[str, int] = {}
    totals: dict[str, int] = {}
    for item in lines:
        hit, total = matched_words(item.gold, restore(item.ocr))
        hits[item.group] = hits.get(item.group, 0) + hit
        totals[item.group] = totals.get(item.group, 0) + total
    return {group: hits[group] / totals[group] for group in sorted(totals)}
