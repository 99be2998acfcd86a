"""Answer a question from the plans: understand it, search (lexical + dense, fused, scoped), compose, cite."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from knowledge.passages import Fact, Passage, PlanMeta
from retrieval.compose import Unit, block, decline, has_date, has_number, select_quote, split_units, unit_score
from retrieval.fusion import reciprocal_rank_fusion
from retrieval.generator import AnswerGenerator
from retrieval.lexical import LexicalIndex, char_trigrams, features, syllables
from retrieval.query import STOPWORDS, ParsedQuery, parse_query
from retrieval.scoping import LocalityResolver
from retrieval.vectorstore import PassageIndex, StoredPassage

logger = logging.getLogger(__name__)

CANDIDATES = 30  # passages taken from each search before fusion
MAX_SOURCES = 5
MIN_SUPPORT = 0.3  # below this share of the question's content found in the evidence, the plans do not say
MAX_BLOCKS = 5
DENSE_WEIGHT = 1.0
LEXICAL_WEIGHT = 1.0


@dataclass(frozen=True)
class Source:
    """A cited passage: which plan, which section, and the (repaired) text."""

    document: str
    title: str
    section: str
    text: str
    score: float
    number: str
    issuer: str
    passage_id: str


@dataclass(frozen=True)
class Answer:
    """An answer for a person: ``text`` holds the whole reply with its citation lines."""

    question: str
    text: str
    found: bool
    sources: list[Source]
    localities: list[str] = field(default_factory=list)


@dataclass
class _Entry:
    stored: StoredPassage
    units: list[Unit]
    words: frozenset[str]
    pairs: frozenset[str]
    facts: list[Fact]


@dataclass(frozen=True)
class _Candidate:
    row: int
    fused: float
    support: float


class Answerer:
    """Answers questions from the indexed plans; ``load`` (re)builds the in-memory lexical side."""

    def __init__(self, index: PassageIndex, generator: AnswerGenerator | None = None) -> None:
        self._index = index
        self._generator = generator
        self._entries: list[_Entry] = []
        self._row_of: dict[str, int] = {}
        self._doc_rows: dict[str, np.ndarray] = {}
        self._lexical = LexicalIndex([])
        self._resolver = LocalityResolver([])
        self._metas: dict[str, PlanMeta] = {}

    # -- building -------------------------------------------------------------------------------------------------

    def load(self, passages: list[StoredPassage], facts: list[Fact]) -> None:
        """Rebuild the lexical index, sentence units, locality names and fact lookup from the stored passages."""
        by_passage: dict[str, list[Fact]] = {}
        for fact in facts:
            by_passage.setdefault(fact.passage_id, []).append(fact)
        entries: list[_Entry] = []
        docs: list[Counter[str]] = []
        for stored in passages:
            p = stored.passage
            counts = features(p.text, p.section)
            tokens = syllables(p.text)
            if p.original and p.original != p.text:
                counts.update("c:" + g for g in char_trigrams(syllables(p.original)))
            counts.update("c:" + g for g in char_trigrams(tokens))
            docs.append(counts)
            section_tokens = syllables(p.section)
            entries.append(
                _Entry(
                    stored=stored,
                    units=split_units(p),
                    words=frozenset(tokens) | frozenset(section_tokens),
                    pairs=frozenset(f"{a} {b}" for a, b in pairwise(tokens))
                    | frozenset(f"{a} {b}" for a, b in pairwise(section_tokens)),
                    facts=by_passage.get(p.id, []),
                )
            )
        metas = {s.meta.document: s.meta for s in passages}
        rows_by_doc: dict[str, list[int]] = {}
        for row, stored in enumerate(passages):
            rows_by_doc.setdefault(stored.passage.document, []).append(row)
        self._entries = entries
        self._row_of = {s.passage.id: i for i, s in enumerate(passages)}
        self._doc_rows = {d: np.asarray(r, dtype=np.int64) for d, r in rows_by_doc.items()}
        self._lexical = LexicalIndex(docs)
        self._resolver = LocalityResolver(metas.values())
        self._metas = metas

    def localities(self) -> list[str]:
        """Known localities and issuers, for the /diaban choice."""
        return self._resolver.localities()

    # -- answering ------------------------------------------------------------------------------------------------

    def answer(self, question: str, *, locality: str | None = None) -> Answer:
        """Answer ``question``; ``locality`` (a remembered /diaban choice) scopes it unless the question names one."""
        query = parse_query(question)
        docs, phrases = self._resolver.named(query.text)
        if not docs and locality:
            docs = self._resolver.documents_named(locality)
        named_words = {w for phrase in phrases for w in phrase.split()}
        content = [t for t in query.content if t not in named_words]
        pairs = _content_pairs(query.tokens, named_words)
        candidates = self._search(query, content, pairs, docs or None)
        if not candidates:
            return self._declined(question, docs)
        if not docs and (query.asks_which_plans or self._plans_differ(candidates)):
            return self._per_plan(question, query, content, pairs, candidates)
        best = candidates[0]
        if not self._answers(best, query, content):
            return self._declined(question, docs)
        entry = self._entries[best.row]
        quote = self._quote(entry, query, content, pairs)
        meta = entry.stored.meta
        text = block(meta, entry.stored.passage, quote)
        sources = [self._source(c) for c in candidates[:MAX_SOURCES]]
        text = self._generated(question, [self._entries[c.row] for c in candidates[:3]], text)
        return Answer(question, text, True, sources, [meta.locality])

    def _search(
        self, query: ParsedQuery, content: Sequence[str], pairs: Sequence[str], docs: list[str] | None
    ) -> list[_Candidate]:
        if not self._entries:
            return []
        qfeatures: Counter[str] = Counter()
        qfeatures.update("w:" + t for t in set(content))
        qfeatures.update("p:" + p for p in set(pairs))
        qfeatures.update("s:" + t for t in set(content))
        qfeatures.update("c:" + g for g in set(char_trigrams(content)))
        scores = self._lexical.scores(qfeatures)
        if docs is not None:
            mask = np.full(len(scores), -1.0, dtype=np.float32)
            for doc in docs:
                rows = self._doc_rows.get(doc)
                if rows is not None:
                    mask[rows] = 0.0
            scores = np.where(mask < 0, -1.0, scores).astype(np.float32)
        order = np.argsort(-scores)[:CANDIDATES]
        lexical_ids = [self._entries[i].stored.passage.id for i in order if scores[i] > 0]
        try:
            dense = self._index.search(query.text, CANDIDATES, documents=docs)
        except Exception:  # the dense side failing must not take answers down: lexical still answers
            logger.exception("dense search failed")
            dense = []
        dense_ids = [pid for pid, _ in dense if pid in self._row_of]
        fused = reciprocal_rank_fusion([lexical_ids, dense_ids], [LEXICAL_WEIGHT, DENSE_WEIGHT])
        candidates = []
        for pid, score in fused.items():
            row = self._row_of[pid]
            support = self._support(self._entries[row], content, pairs)
            candidates.append(_Candidate(row, score, support))
        top = max((c.fused for c in candidates), default=1.0) or 1.0
        candidates.sort(key=lambda c: c.fused / top + 0.5 * c.support, reverse=True)
        return candidates

    def _support(self, entry: _Entry, content: Sequence[str], pairs: Sequence[str]) -> float:
        """The idf-weighted share of the question's content words and word pairs that the passage holds."""
        idf = self._lexical.idf
        words = set(content)
        total_w = sum(idf("w:" + t) for t in words)
        have_w = sum(idf("w:" + t) for t in words if t in entry.words)
        wanted_pairs = set(pairs)
        total_p = sum(idf("p:" + p) for p in wanted_pairs)
        have_p = sum(idf("p:" + p) for p in wanted_pairs if p in entry.pairs)
        word_share = have_w / total_w if total_w else 0.0
        pair_share = have_p / total_p if total_p else word_share
        return 0.6 * word_share + 0.4 * pair_share

    def _answers(self, candidate: _Candidate, query: ParsedQuery, content: Sequence[str]) -> bool:
        """Tell whether the best evidence covers the question's subject and holds the kind of answer asked for."""
        entry = self._entries[candidate.row]
        folded = " ".join(u.folded for u in entry.units)
        if query.wants_date and not has_date(folded):
            return False
        if query.wants_number and not has_number(folded):
            return False
        if not content:
            return True
        return candidate.support >= MIN_SUPPORT

    def _plans_differ(self, candidates: list[_Candidate]) -> bool:
        """Tell whether several plans answer about equally well, so each plan's answer should be given."""
        best_by_doc: dict[str, _Candidate] = {}
        for c in candidates:
            doc = self._entries[c.row].stored.passage.document
            best_by_doc.setdefault(doc, c)
        if len(best_by_doc) < 2:
            return False
        top = candidates[0].support
        strong = [c for c in best_by_doc.values() if c.support >= MIN_SUPPORT and c.support >= 0.85 * top]
        return len(strong) >= 2

    def _per_plan(
        self,
        question: str,
        query: ParsedQuery,
        content: Sequence[str],
        pairs: Sequence[str],
        candidates: list[_Candidate],
    ) -> Answer:
        best_by_doc: dict[str, _Candidate] = {}
        for c in candidates:
            doc = self._entries[c.row].stored.passage.document
            if doc not in best_by_doc or c.support > best_by_doc[doc].support:
                best_by_doc[doc] = c
        top = max(c.support for c in best_by_doc.values())
        chosen = [c for c in best_by_doc.values() if c.support >= MIN_SUPPORT and c.support >= 0.7 * top]
        if not chosen:
            return self._declined(question, [])
        chosen.sort(key=lambda c: (-c.support, self._entries[c.row].stored.passage.document))
        chosen = chosen[:MAX_BLOCKS]
        blocks = []
        for c in chosen:
            entry = self._entries[c.row]
            blocks.append(block(entry.stored.meta, entry.stored.passage, self._quote(entry, query, content, pairs)))
        names = ", ".join(self._entries[c.row].stored.meta.issuer for c in chosen)
        intro = f"Nội dung này có trong {len(chosen)} kế hoạch ({names}):" if len(chosen) > 1 else ""
        text = "\n\n".join(([intro] if intro else []) + blocks)
        sources = [self._source(c) for c in chosen]
        rest = [c for c in candidates if c not in chosen][: max(0, MAX_SOURCES - len(sources))]
        sources += [self._source(c) for c in rest]
        localities = [self._entries[c.row].stored.meta.locality for c in chosen]
        text = self._generated(question, [self._entries[c.row] for c in chosen], text)
        return Answer(question, text, True, sources, localities)

    def _quote(self, entry: _Entry, query: ParsedQuery, content: Sequence[str], pairs: Sequence[str]) -> str:
        scores = [
            unit_score(
                u, content, pairs, self._lexical.idf, wants_date=query.wants_date, wants_number=query.wants_number
            )
            for u in entry.units
        ]
        quote = select_quote(entry.units, scores, whole=query.wants_list)
        return quote or entry.stored.passage.text

    def _source(self, candidate: _Candidate) -> Source:
        stored = self._entries[candidate.row].stored
        p: Passage = stored.passage
        m: PlanMeta = stored.meta
        return Source(
            document=p.document,
            title=m.title,
            section=p.section,
            text=p.text,
            score=round(float(candidate.fused), 6),
            number=m.number,
            issuer=m.issuer,
            passage_id=p.id,
        )

    def _declined(self, question: str, docs: list[str]) -> Answer:
        metas = [self._metas[d] for d in docs if d in self._metas]
        return Answer(question, decline(metas), False, [], [m.locality for m in metas])

    def _generated(self, question: str, entries: Sequence[_Entry], draft: str) -> str:
        if self._generator is None:
            return draft
        try:
            return self._generator.generate(question, [e.stored.passage.text for e in entries], draft)
        except Exception:  # any failure or timeout falls back to the extractive answer
            logger.warning("answer generator failed; answering extractively", exc_info=True)
            return draft


def _content_pairs(tokens: Sequence[str], named_words: set[str]) -> list[str]:
    """Adjacent word pairs of the question that carry content (not two question words, not a place name)."""
    words = [w for t in tokens for w in t.replace("/", " ").replace("-", " ").replace(".", " ").split()]
    result = []
    for a, b in pairwise(words):
        if (a in STOPWORDS and b in STOPWORDS) or (a in named_words and b in named_words):
            continue
        result.append(f"{a} {b}")
    return result


def answer_to_json(answer: Answer, *, elapsed_ms: float, id: str | None) -> dict[str, object]:
    """The ``thidua ask --jsonl`` line for an answer."""
    return {
        "id": id,
        "question": answer.question,
        "answer": answer.text,
        "found": answer.found,
        "elapsed_ms": round(elapsed_ms, 1),
        "sources": [
            {"document": s.document, "title": s.title, "section": s.section, "text": s.text, "score": s.score}
            for s in answer.sources
        ],
    }


def format_answer_text(answer: Answer) -> str:
    """The answer as plain text for a terminal."""
    return answer.text
