"""Lexical search: BM25 over diacritic-folded syllables, syllable pairs and (for OCR text) character trigrams."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
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
    """Folded syllables (letters or digits) of ``text``; "%" reads as "phần trăm", as people ask for a "tỷ lệ"."""
    return _WORD.findall(fold(text).replace("%", " phan tram "))


def pairs(tokens: Sequence[str]) -> list[str]:
    """Adjacent syllable pairs."""
    return [f"{a} {b}" for a, b in pairwise(tokens)]


def char_trigrams(tokens: Sequence[str]) -> list[str]:
    """Word-internal character trigrams with boundary marks, for matching misspelt OCR syllables."""
    grams: list[str] = []
    for token in tokens:
        grams.extend(_token_trigrams(token))
    return grams


@lru_cache(maxsize=65536)
def _token_trigrams(token: str) -> tuple[str, ...]:
    """One syllable's trigrams (cached: a plan repeats a few thousand syllables over and over)."""
    if len(token) < 3 or token.isdigit():
        return ()
    padded = f"<{token}>"
    return tuple(padded[i : i + 3] for i in range(len(padded) - 2))


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


class LexicalIndex:
    """BM25 over folded features, held as compressed postings (numpy), so a query costs a few array additions.

    Built in two passes over compact per-passage arrays: no per-passage dictionaries stay in memory, which keeps a
    corpus of a few thousand passages within a few tens of megabytes.
    """

    def __init__(self, docs: Iterable[Counter[str]]) -> None:
        vocab: dict[str, int] = {}
        feature_ids: list[npt.NDArray[np.int32]] = []
        counts: list[npt.NDArray[np.float32]] = []
        for doc in docs:
            ids = np.fromiter((vocab.setdefault(key, len(vocab)) for key in doc), dtype=np.int32, count=len(doc))
            feature_ids.append(ids)
            counts.append(np.fromiter(doc.values(), dtype=np.float32, count=len(doc)))
        self.size = len(feature_ids)
        self._vocab = vocab
        field_of = np.zeros(len(vocab), dtype=np.int8)
        fields = list(FIELD_WEIGHTS)
        for key, index in vocab.items():
            field_of[index] = fields.index(key[0])
        field_weight = np.asarray([FIELD_WEIGHTS[f] for f in fields], dtype=np.float32)
        if not feature_ids:
            self._df = np.zeros(0, dtype=np.int32)
            self._offsets = np.zeros(1, dtype=np.int64)
            self._rows = np.zeros(0, dtype=np.int32)
            self._weights = np.zeros(0, dtype=np.float32)
            return
        all_ids = np.concatenate(feature_ids)
        all_tf = np.concatenate(counts)
        rows = np.repeat(np.arange(self.size, dtype=np.int32), [len(ids) for ids in feature_ids])
        del feature_ids, counts
        self._df = np.bincount(all_ids, minlength=len(vocab)).astype(np.int32)
        # document length per field, for BM25's length normalisation
        fields_of_postings = field_of[all_ids]
        lengths = np.zeros((self.size, len(fields)), dtype=np.float32)
        np.add.at(lengths, (rows, fields_of_postings), all_tf)
        averages = lengths.mean(axis=0)
        averages[averages == 0] = 1.0
        norm = lengths[rows, fields_of_postings] / averages[fields_of_postings]
        saturated = all_tf * (K1 + 1) / (all_tf + K1 * (1 - B + B * norm))
        idf = np.log1p((self.size - self._df + 0.5) / (self._df + 0.5)).astype(np.float32)
        weights = field_weight[fields_of_postings] * idf[all_ids] * saturated
        order = np.argsort(all_ids, kind="stable")
        self._rows = rows[order]
        self._weights = weights[order].astype(np.float32)
        self._offsets = np.concatenate([[0], np.cumsum(self._df, dtype=np.int64)])

    def idf(self, key: str) -> float:
        """BM25 inverse document frequency of a feature (positive; unseen features get the largest value)."""
        index = self._vocab.get(key)
        n = int(self._df[index]) if index is not None else 0
        return math.log(1 + (self.size - n + 0.5) / (n + 0.5))

    def known(self, key: str) -> bool:
        """Tell whether any passage has the feature."""
        return key in self._vocab

    def scores(self, query: Iterable[str]) -> npt.NDArray[np.float32]:
        """BM25 score of every passage for the query's features."""
        total = np.zeros(self.size, dtype=np.float32)
        for key in query:
            index = self._vocab.get(key)
            if index is not None:
                start, end = self._offsets[index], self._offsets[index + 1]
                total[self._rows[start:end]] += self._weights[start:end]
        return total
