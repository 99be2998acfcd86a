"""Lexical search: BM25 over diacritic-folded syllables, syllable pairs and (for OCR text) character trigrams."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from core.vietnamese import fold

_WORD = re.compile(r"[0-9a-z]+")
K1 = 1.2
B = 0.75
# How much each kind of feature counts. Pairs carry word order ("báo cáo" is not "cáo báo"); trigrams only rescue
# syllables that OCR damage left misspelt, so they count little.
FIELD_WEIGHTS = {"w": 1.0, "p": 1.4, "s": 0.6, "c": 0.25}


def syllables(text: str) -> list[str]:
    """Folded syllables (letters or digits) of ``text``."""
    return _WORD.findall(fold(text))


def pairs(tokens: Sequence[str]) -> list[str]:
    """Adjacent syllable pairs."""
    return [f"{a} {b}" for a, b in pairwise(tokens)]


def char_trigrams(tokens: Sequence[str]) -> list[str]:
    """Word-internal character trigrams with boundary marks, for matching misspelt OCR syllables."""
    grams: list[str] = []
    for token in tokens:
        if len(token) < 3 or token.isdigit():
            continue
        padded = f"<{token}>"
        grams.extend(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def features(text: str, section: str = "", *, trigrams: bool = False) -> Counter[str]:
    """Every lexical feature of a passage or query, each prefixed by its field (w, p, s, c)."""
    tokens = syllables(text)
    counts: Counter[str] = Counter()
    counts.update("w:" + t for t in tokens)
    counts.update("p:" + p for p in pairs(tokens))
    if section:
        counts.update("s:" + t for t in set(syllables(section)))
    if trigrams:
        counts.update("c:" + g for g in char_trigrams(tokens))
    return counts


@dataclass(frozen=True)
class _Posting:
    rows: npt.NDArray[np.int32]
    weights: npt.NDArray[np.float32]  # idf × saturated term frequency, precomputed


class LexicalIndex:
    """BM25 over folded features, with numpy postings so a query costs a few array additions."""

    def __init__(self, docs: Sequence[Counter[str]]) -> None:
        self.size = len(docs)
        self.df: Counter[str] = Counter()
        for counts in docs:
            self.df.update(counts.keys())
        field_lengths: dict[str, list[int]] = {f: [] for f in FIELD_WEIGHTS}
        for counts in docs:
            per_field = Counter[str]()
            for key, n in counts.items():
                per_field[key[0]] += n
            for f in FIELD_WEIGHTS:
                field_lengths[f].append(per_field[f])
        averages = {f: (sum(v) / len(v) if v and sum(v) else 1.0) for f, v in field_lengths.items()}
        rows: dict[str, list[int]] = {}
        weights: dict[str, list[float]] = {}
        for row, counts in enumerate(docs):
            for key, tf in counts.items():
                f = key[0]
                norm = field_lengths[f][row] / averages[f]
                saturated = tf * (K1 + 1) / (tf + K1 * (1 - B + B * norm))
                rows.setdefault(key, []).append(row)
                weights.setdefault(key, []).append(FIELD_WEIGHTS[f] * self.idf(key) * saturated)
        self._postings = {
            key: _Posting(np.asarray(rows[key], dtype=np.int32), np.asarray(weights[key], dtype=np.float32))
            for key in rows
        }

    def idf(self, key: str) -> float:
        """BM25 inverse document frequency of a feature (positive; unseen features get the largest value)."""
        n = self.df.get(key, 0)
        return math.log(1 + (self.size - n + 0.5) / (n + 0.5))

    def scores(self, query: Counter[str]) -> npt.NDArray[np.float32]:
        """BM25 score of every passage for the query's features."""
        total = np.zeros(self.size, dtype=np.float32)
        for key in query:
            posting = self._postings.get(key)
            if posting is not None:
                total[posting.rows] += posting.weights
        return total
