"""What the answerer holds once loaded: the passages with their facts, the lexical index, the places the plans are
about and each plan's document card. One immutable snapshot: a reload builds a new one and swaps it in."""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from knowledge.card import PlanCard, build_cards
from knowledge.passages import Fact, Passage, PlanMeta
from retrieval.lexical import LexicalIndex, syllables
from retrieval.passage_view import PassageView, carried_headings, passage_features
from retrieval.scoping import LocalityResolver
from retrieval.vectorstore import StoredPassage

DETAIL_CACHE = 2048  # passages whose sentences and words are kept between questions


@dataclass(frozen=True)
class Entry:
    """A stored passage with the facts extracted from it and the heading it inherits."""

    stored: StoredPassage
    facts: list[Fact]
    carried: str = ""  # a heading left at the end of the previous passage, which titles this one
    gives_heading: bool = False  # this passage's last line is such a heading

    @property
    def passage(self) -> Passage:
        """The passage."""
        return self.stored.passage

    @property
    def meta(self) -> PlanMeta:
        """Its plan's metadata."""
        return self.stored.meta


def plan_features(passages: Sequence[StoredPassage]) -> list[Counter[str]]:
    """Each passage's lexical features (a heading stranded at the end of a passage counted with the next one)."""
    carried = carried_headings([s.passage for s in passages])
    gives = [bool(carried[i + 1]) if i + 1 < len(carried) else False for i in range(len(passages))]
    return [passage_features(s.passage, carried[i], gives[i]) for i, s in enumerate(passages)]


class Library:
    """The loaded knowledge, read by ranking and by every answer kind."""

    def __init__(
        self,
        passages: Sequence[StoredPassage] = (),
        facts: Sequence[Fact] = (),
        *,
        resolver: LocalityResolver | None = None,
        features: Sequence[Counter[str]] | None = None,
    ) -> None:
        """Index ``passages``; ``resolver`` finds plans among every plan held (by default, among these passages');
        ``features`` are the passages' lexical features when already worked out (``plan_features``)."""
        by_passage: dict[str, list[Fact]] = {}
        for fact in facts:
            by_passage.setdefault(fact.passage_id, []).append(fact)
        carried = carried_headings([s.passage for s in passages])
        gives = [bool(carried[i + 1]) if i + 1 < len(carried) else False for i in range(len(passages))]
        self.lexical = LexicalIndex(features if features is not None else plan_features(passages))
        self.entries = [
            Entry(s, by_passage.get(s.passage.id, []), carried[i], gives[i]) for i, s in enumerate(passages)
        ]
        self.row_of = {s.passage.id: i for i, s in enumerate(passages)}
        rows_by_doc: dict[str, list[int]] = {}
        for row, stored in enumerate(passages):
            rows_by_doc.setdefault(stored.passage.document, []).append(row)
        self.doc_rows = {d: np.asarray(r, dtype=np.int64) for d, r in rows_by_doc.items()}
        self.metas = {s.meta.document: s.meta for s in passages}
        self.resolver = resolver if resolver is not None else LocalityResolver(self.metas.values())
        by_doc: dict[str, list[Passage]] = {}
        for s in passages:
            by_doc.setdefault(s.passage.document, []).append(s.passage)
        self.cards: dict[str, PlanCard] = build_cards(by_doc, self.metas)
        self._details: OrderedDict[int, PassageView] = OrderedDict()
        self._lock = threading.Lock()  # answers may come from several threads of one server

    def details(self, row: int) -> PassageView:
        """The passage's sentences and words (kept for the most recently used passages)."""
        with self._lock:
            cached = self._details.get(row)
            if cached is not None:
                self._details.move_to_end(row)
                return cached
        entry = self.entries[row]
        details = PassageView.of(entry.passage, entry.carried, entry.gives_heading)
        with self._lock:
            self._details[row] = details
            if len(self._details) > DETAIL_CACHE:
                self._details.popitem(last=False)
        return details

    def entry(self, passage_id: str) -> Entry:
        """The entry of a passage."""
        return self.entries[self.row_of[passage_id]]

    def opening(self, document: str) -> Entry | None:
        """A plan's first passage."""
        rows = self.doc_rows.get(document)
        if rows is None or not len(rows):
            return None
        return min((self.entries[int(r)] for r in rows), key=lambda e: e.passage.order)

    def allowed(self, documents: Sequence[str]) -> np.ndarray:
        """A row mask of the given plans' passages."""
        mask = np.zeros(len(self.entries), dtype=bool)
        for doc in documents:
            rows = self.doc_rows.get(doc)
            if rows is not None:
                mask[rows] = True
        return mask

    def mentioned(self, place: str) -> bool:
        """Whether some passage names ``place`` (a plan may lack locality metadata but still be about it)."""
        words = syllables(place)
        words = words[2:] if " ".join(words[:2]) in {"thanh pho", "thi tran", "thi xa"} else words[1:]
        if len(words) < 2:
            return bool(words) and self.lexical.known("w:" + words[0])
        return all(self.lexical.known(f"p:{a} {b}") for a, b in pairwise(words))
