"""Answer a question from the plans: understand it, search (lexical + dense, fused, scoped), compose, cite."""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from knowledge.card import PlanCard, build_cards
from knowledge.passages import Fact, Passage, PlanMeta
from retrieval.compose import (
    Unit,
    block,
    citation,
    decline,
    decline_elsewhere,
    has_date,
    has_number,
    lead_text,
    plan_identity,
    select_quote,
    unit_score,
)
from retrieval.decline import DeclineModel, decline_features
from retrieval.document_answers import Aspect, card_answer, document_aspect
from retrieval.follow_up import DETAIL_MARK, Places, read_follow_up
from retrieval.fusion import reciprocal_rank_fusion
from retrieval.generator import AnswerGenerator
from retrieval.grouping import same_wording, shared_block
from retrieval.lexical import LexicalIndex, char_trigrams, syllables
from retrieval.passage_view import PassageView, carried_headings, in_title, passage_features
from retrieval.query import ParsedQuery, parse_query, warm_up
from retrieval.scoping import LocalityResolver
from retrieval.terms import QuestionTerms, question_terms, synonym_held
from retrieval.vectorstore import PassageIndex, StoredPassage

logger = logging.getLogger(__name__)

CANDIDATES = 30  # passages taken from each search before fusion
LEXICAL_WEIGHT = 1.0  # weights of the two rankings in reciprocal rank fusion
DENSE_WEIGHT = 1.0
MAX_SOURCES = 5

# Ranking: score = 0.6·fused + DENSE_BONUS·dense + support + section weight·section + 0.8·sentence + FACT_WEIGHT·facts
DENSE_BONUS = 0.15  # weight of the embedder's relative cosine
SECTION_WEIGHT = 0.4  # how much a section title naming the question's words counts
DUTY_SECTION_WEIGHT = 1.0  # … when the question asks what someone must do: sections are titled by who
FACT_WEIGHT = 0.1  # an extracted fact of the wanted kind (deadline, body, award, target)

# Declining: the evidence must cover the question, not merely share loose words with it.
MIN_SUPPORT = 0.3  # below this share of the question's content found in the evidence, the plans do not say
MIN_COMPOUNDS = 0.45  # below this share of the question's dictionary compounds ("giấy phép") …
CLEAR_SUPPORT = 0.45  # … the evidence must cover at least this share of its content

# A question about the plan itself ("kế hoạch của X số mấy, ban hành ngày nào") is answered from its metadata.
_IDENTITY_WORDS = frozenset({"ban", "hanh", "ky", "so", "ngay", "thang", "nam", "ten", "goi", "hieu"})
_CITING_DOCUMENT = re.compile(r" (nghi quyet|quyet dinh|chi thi|thong tu|cong van|chuong trinh)\b")
_CITING = re.compile(
    r" (thuc hien|can cu|nhac|dan chieu|theo|nghi quyet|quyet dinh|chuong trinh|chi thi|thong tu|cong van|cua tinh) "
)

_CONTACT = re.compile(r"\b0\d{2,3}[ .]?\d{3}[ .]?\d{3,4}\b|@|https?://|www\.")

# Composition
MAX_BLOCKS = 5  # plans answered separately when no locality is named
PLAN_SCORE = 0.75  # a plan gets its own block when its best passage scores this close to the best plan's …
PLAN_SUPPORT = 0.7  # … and covers the question (words and compounds) nearly as well
RUNNER_UP = 0.9  # a second passage scoring this close to the best is quoted as well …
RUNNER_UP_SENTENCE = 0.7  # … when its best sentence answers nearly as well
MAX_RUNNERS_UP = 2
DETAIL_CACHE = 2048  # passages whose sentences and words are kept between questions


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


@dataclass(frozen=True)
class _Entry:
    stored: StoredPassage
    facts: list[Fact]
    carried: str = ""  # a heading left at the end of the previous passage, which titles this one
    gives_heading: bool = False  # this passage's last line is such a heading


@dataclass(frozen=True)
class _Candidate:
    row: int
    fused: float  # reciprocal-rank fusion of the lexical and dense rankings
    support: float  # share of the question's content the passage holds
    section: float  # share of the question's content its section titles hold
    unit: float  # share of the question's content its best sentence holds
    compounds: float  # share of the question's two-word terms ("giấy phép", "tham quan") the passage holds
    rare_compounds: float  # the same share weighted by rarity: "nội vụ" counts more than "nhiệm vụ"
    score: float  # what the evidence is ranked by


class Answerer:
    """Answers questions from the indexed plans; ``load`` (re)builds the in-memory lexical side."""

    def __init__(self, index: PassageIndex, generator: AnswerGenerator | None = None, *, link_base: str = "") -> None:
        self._index = index
        self._link_base = link_base  # citations link to {link_base}/plans/{document}#{passage}
        self._generator = generator
        self._entries: list[_Entry] = []
        self._row_of: dict[str, int] = {}
        self._doc_rows: dict[str, np.ndarray] = {}
        self._lexical = LexicalIndex([])
        self._resolver = LocalityResolver([])
        self._metas: dict[str, PlanMeta] = {}
        self._cards: dict[str, PlanCard] = {}
        self._decline_model = DeclineModel.shipped()
        self._detail_cache: OrderedDict[int, PassageView] = OrderedDict()
        self._cache_lock = threading.Lock()  # answers may come from several threads of one server

    # -- building -------------------------------------------------------------------------------------------------

    def load(self, passages: list[StoredPassage], facts: list[Fact]) -> None:
        """Rebuild the lexical index, locality names and fact lookup from the stored passages."""
        by_passage: dict[str, list[Fact]] = {}
        for fact in facts:
            by_passage.setdefault(fact.passage_id, []).append(fact)
        metas = {s.meta.document: s.meta for s in passages}
        rows_by_doc: dict[str, list[int]] = {}
        for row, stored in enumerate(passages):
            rows_by_doc.setdefault(stored.passage.document, []).append(row)
        carried = carried_headings([s.passage for s in passages])
        gives = [bool(carried[i + 1]) if i + 1 < len(carried) else False for i in range(len(passages))]
        lexical = LexicalIndex(passage_features(s.passage, carried[i], gives[i]) for i, s in enumerate(passages))
        self._entries = [
            _Entry(s, by_passage.get(s.passage.id, []), carried[i], gives[i]) for i, s in enumerate(passages)
        ]
        self._row_of = {s.passage.id: i for i, s in enumerate(passages)}
        self._doc_rows = {d: np.asarray(r, dtype=np.int64) for d, r in rows_by_doc.items()}
        self._lexical = lexical
        self._resolver = LocalityResolver(metas.values())
        self._metas = metas
        by_doc: dict[str, list[Passage]] = {}
        for s in passages:
            by_doc.setdefault(s.passage.document, []).append(s.passage)
        self._cards = build_cards(by_doc, metas)
        with self._cache_lock:
            self._detail_cache.clear()
        warm_up()

    def _details(self, row: int) -> PassageView:
        with self._cache_lock:
            cached = self._detail_cache.get(row)
            if cached is not None:
                self._detail_cache.move_to_end(row)
                return cached
        entry = self._entries[row]
        details = PassageView.of(entry.stored.passage, entry.carried, entry.gives_heading)
        with self._cache_lock:
            self._detail_cache[row] = details
            if len(self._detail_cache) > DETAIL_CACHE:
                self._detail_cache.popitem(last=False)
        return details

    def follow_up(self, question: str, previous: str | None) -> str:
        """The whole question a follow-up stands for, given the previous one (subject or locality carried over)."""
        return read_follow_up(question, previous, Places(self._resolver.named))

    def localities(self) -> list[str]:
        """Known localities and issuers, for the /diaban choice."""
        return self._resolver.localities()

    # -- answering ------------------------------------------------------------------------------------------------

    def answer(self, question: str, *, locality: str | None = None) -> Answer:
        """Answer ``question``; ``locality`` (a remembered /diaban choice) scopes it unless the question names one."""
        detailed = question.endswith(DETAIL_MARK)  # "cụ thể hơn": the previous question, quoted in full
        question = question.removesuffix(DETAIL_MARK)
        query, docs, terms = self._understand(question, locality)
        elsewhere = None if docs else self._resolver.unknown_locality(query.text)
        if elsewhere is not None and not self._mentioned(elsewhere):
            return Answer(question, decline_elsewhere(elsewhere), False, [], [])
        aspect = document_aspect(query.folded)
        if aspect is not None and self._about_the_plan(query, terms, aspect, docs):
            return self._card_answer(question, query, aspect, docs)
        if len(docs) == 1 and (query.wants_number or query.wants_date) and self._asks_identity(query, terms, docs[0]):
            identity = self._identity(question, docs[0])  # "kế hoạch của X số mấy, ngày nào?"
            if identity is not None:
                return identity
        candidates = self._search(query, terms, docs or None)
        if not candidates:
            return self._declined(question, docs)
        if len(docs) > 1 or (not docs and (query.asks_which_plans or self._plans_differ(candidates))):
            return self._per_plan(question, query, terms, candidates, docs)
        best = candidates[0]
        if not self._answers(best, query, terms):
            return self._declined(question, docs)
        entry = self._entries[best.row]
        meta = entry.stored.meta
        text = self._block(entry, query, terms, whole=True if detailed else None)
        ordered = [best]
        for runner_up in self._runners_up(candidates, query, terms):
            other = self._entries[runner_up.row]
            text += "\n\nNgoài ra:\n" + self._block(other, query, terms)
            ordered.append(runner_up)
        ordered += [c for c in candidates if c not in ordered]
        sources = [self._source(c) for c in ordered[:MAX_SOURCES]]
        text = self._generated(question, [self._entries[c.row] for c in ordered[:3]], text)
        return Answer(question, text, True, sources, [meta.locality])

    def _card_answer(self, question: str, query: ParsedQuery, aspect: Aspect, docs: list[str]) -> Answer:
        """A question about the plan as a document: one line per plan asked about, from its document card."""
        cards = (
            [self._cards[d] for d in docs if d in self._cards]
            or self._cards_numbered(query)
            or [self._cards[d] for d in sorted(self._cards)]
        )
        lines: list[str] = []
        sources: list[Source] = []
        silent: list[PlanMeta] = []
        for card in cards:
            found = card_answer(card, aspect)
            if found is None:
                silent.append(card.meta)
                continue
            line, passage = found
            lines.append(line if passage is None else f"{line}\n{citation(card.meta, passage)}")
            if passage is not None:
                sources.append(self._source_of(passage))
        if not lines:
            return self._declined(question, [m.document for m in silent])
        if silent:
            names = ", ".join(meta.citation for meta in silent)
            lines.append(f"{names}: văn bản em có không ghi rõ (hoặc bản quét không đọc được) nội dung này.")
        return Answer(question, "\n\n".join(lines), True, sources[:MAX_SOURCES], [c.meta.locality for c in cards])

    def _about_the_plan(self, query: ParsedQuery, terms: QuestionTerms, aspect: Aspect, docs: list[str]) -> bool:
        """Whether a question asks about the plan itself, not about a document it cites ("Nghị quyết 57 … ngày nào")."""
        if aspect is Aspect.IDENTITY:
            return len(docs) == 1 and self._asks_identity(query, terms, docs[0])
        cites = _CITING_DOCUMENT.search(f" {query.folded} ")
        return aspect is Aspect.IMPLEMENTED_BY or cites is None

    def _cards_numbered(self, query: ParsedQuery) -> list[PlanCard]:
        """The plans a question names by number ("kế hoạch 190")."""
        return [
            card
            for card in self._cards.values()
            if any(card.meta.number.split("/")[0].lstrip("0") == n.lstrip("0") for n in query.numbers)
        ]

    def _source_of(self, passage: Passage) -> Source:
        row = self._row_of[passage.id]
        return self._source(_Candidate(row, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0))

    def ranked_evidence(self, question: str) -> list[tuple[dict[str, float], Passage]]:
        """The ranked candidate passages with the decline model's features (for building that model)."""
        query, docs, terms = self._understand(question, None)
        return [
            (decline_features(c, query, terms), self._entries[c.row].stored.passage)
            for c in self._search(query, terms, docs or None)
        ]

    def _mentioned(self, place: str) -> bool:
        """Whether some passage names ``place`` (a plan may lack locality metadata but still be about it)."""
        words = syllables(place)
        words = words[2:] if " ".join(words[:2]) in {"thanh pho", "thi tran", "thi xa"} else words[1:]
        if len(words) < 2:
            return bool(words) and self._lexical.known("w:" + words[0])
        return all(self._lexical.known(f"p:{a} {b}") for a, b in pairwise(words))

    def _asks_identity(self, query: ParsedQuery, terms: QuestionTerms, document: str) -> bool:
        """Whether the question asks for the plan's own number or date, not for a document it cites."""
        if _CITING.search(f" {query.folded} "):
            return False
        own = set(re.findall(r"[0-9a-z]+", self._metas[document].number.lower()))
        return all(word in _IDENTITY_WORDS or word in own for word in terms.content)

    def _identity(self, question: str, document: str) -> Answer | None:
        """The plan's own number, date and title, from its metadata, citing its opening passage."""
        rows = self._doc_rows.get(document)
        if rows is None or not len(rows):
            return None
        first = min((self._entries[int(r)] for r in rows), key=lambda e: e.stored.passage.order)
        meta = first.stored.meta
        text = plan_identity(meta, first.stored.passage)
        candidate = _Candidate(int(self._row_of[first.stored.passage.id]), 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0)
        return Answer(question, text, True, [self._source(candidate)], [meta.locality])

    def _runners_up(self, candidates: list[_Candidate], query: ParsedQuery, terms: QuestionTerms) -> list[_Candidate]:
        """Passages that answer nearly as well as the best: quoted too, since the evidence does not pick one."""
        best = candidates[0]
        return [
            c
            for c in candidates[1 : MAX_RUNNERS_UP + 1]
            if c.score >= RUNNER_UP * best.score
            and c.unit >= RUNNER_UP_SENTENCE * best.unit
            and self._answers(c, query, terms)
        ]

    def _understand(self, question: str, locality: str | None) -> tuple[ParsedQuery, list[str], QuestionTerms]:
        """The parsed question, the plans it is about (named, else remembered) and its search terms."""
        query = parse_query(question)
        docs, phrases = self._resolver.named(query.text)
        if not docs and locality:
            docs = self._resolver.documents_named(locality)
        named_words = {w for phrase in phrases for w in phrase.split()}
        terms = question_terms(query, named_words, known=lambda word: self._lexical.known("w:" + word))
        return query, docs, terms

    def _search(self, query: ParsedQuery, terms: QuestionTerms, docs: list[str] | None) -> list[_Candidate]:
        if not self._entries:
            return []
        qfeatures: Counter[str] = Counter()
        qfeatures.update("w:" + t for t in set(terms.topic))
        qfeatures.update("p:" + p for p in set(terms.pairs))
        qfeatures.update("s:" + t for t in set(terms.content))
        qfeatures.update("c:" + g for g in set(char_trigrams(terms.content)))
        qfeatures.update("w:" + t for t in set(terms.expansion))
        qfeatures.update("p:" + p for p in set(terms.expansion_pairs))
        qfeatures.update("w:" + t for t in set(terms.kind_hints))
        scores = self._lexical.scores(qfeatures)
        if docs is not None:
            allowed = np.zeros(len(scores), dtype=bool)
            for doc in docs:
                rows = self._doc_rows.get(doc)
                if rows is not None:
                    allowed[rows] = True
            scores = np.where(allowed, scores, -1.0).astype(np.float32)
        order = np.argsort(-scores)[:CANDIDATES]
        lexical_ids = [self._entries[i].stored.passage.id for i in order if scores[i] > 0]
        try:
            dense = self._index.search(query.text, CANDIDATES, documents=docs)
        except Exception:  # the dense side failing must not take answers down: lexical still answers
            logger.exception("dense search failed")
            dense = []
        dense_ids = [pid for pid, _ in dense if pid in self._row_of]
        fused = reciprocal_rank_fusion([lexical_ids, dense_ids], [LEXICAL_WEIGHT, DENSE_WEIGHT])
        top = max(fused.values(), default=1.0) or 1.0
        # how far above the pack the embedder puts a passage: rescues passages whose OCR-damaged words match badly
        cosines = {pid: cos for pid, cos in dense if pid in self._row_of}
        low, high = (min(cosines.values()), max(cosines.values())) if cosines else (0.0, 0.0)
        spread = (high - low) or 1.0
        candidates = [
            self._candidate(
                self._row_of[pid], score / top, (cosines[pid] - low) / spread if pid in cosines else 0.0, query, terms
            )
            for pid, score in fused.items()
        ]
        candidates.sort(key=lambda c: c.score, reverse=True)
        return candidates

    def _candidate(self, row: int, fused: float, dense: float, query: ParsedQuery, terms: QuestionTerms) -> _Candidate:
        entry = self._details(row)
        idf = self._lexical.idf
        words = set(terms.content)
        total_w = sum(idf("w:" + t) for t in words) or 1.0
        have_w = sum(idf("w:" + t) for t in words if t in entry.words)
        have_x = sum(idf("w:" + t) for t in set(terms.expansion) if t in entry.words)
        wanted_pairs = set(terms.pairs)
        total_p = sum(idf("p:" + p) for p in wanted_pairs)
        have_p = sum(idf("p:" + p) for p in wanted_pairs if p in entry.pairs)
        have_x += sum(idf("p:" + p) for p in set(terms.expansion_pairs) if p in entry.pairs)
        word_share = min(1.0, (have_w + 0.5 * have_x) / total_w)
        pair_share = have_p / total_p if total_p else word_share
        support = 0.6 * word_share + 0.4 * pair_share
        section_have = sum(idf("w:" + t) for t in words if in_title(t, entry.section_words))
        section_have += sum(0.5 * idf("w:" + t) for t in set(terms.expansion) if t in entry.section_words)
        section_have += sum(0.5 * idf("p:" + p) for p in set(terms.expansion_pairs) if p in entry.section_pairs)
        section = min(1.0, section_have / total_w)
        best_unit = max((self._unit_score(u, query, terms) for u in entry.units), default=0.0)
        total_topic = sum(idf("w:" + t) for t in set(terms.topic))
        unit = min(1.0, best_unit / (total_topic + 1.4 * total_p or 1.0))
        section_weight = DUTY_SECTION_WEIGHT if query.asks_duty else SECTION_WEIGHT
        facts = self._fact_match(self._entries[row].facts, query, terms, total_w)
        score = (
            0.6 * fused + DENSE_BONUS * dense + support + section_weight * section + 0.8 * unit + FACT_WEIGHT * facts
        )
        held = {c for c in terms.compounds if c in entry.pairs or synonym_held(c, entry.words)}
        compounds = len(held) / len(terms.compounds) if terms.compounds else 1.0
        compound_weight = sum(idf("p:" + c) for c in set(terms.compounds))
        rare_compounds = sum(idf("p:" + c) for c in held) / compound_weight if compound_weight else 1.0
        return _Candidate(row, fused, support, section, unit, compounds, rare_compounds, score)

    def _fact_match(self, facts: Sequence[Fact], query: ParsedQuery, terms: QuestionTerms, total_w: float) -> float:
        """How well the passage's extracted facts fit the question: a deadline for "when", a body for "who must"."""
        if not facts:
            return 0.0
        kinds = {f.kind for f in facts}
        best = 0.0
        if query.wants_date and kinds & {"deadline", "phase"}:
            best = max(best, 0.5)
        if query.wants_number and "target" in kinds:
            best = max(best, 0.5)
        if {"khen", "thuong"} <= set(terms.content) and "award" in kinds:
            best = max(best, 0.5)
        if query.asks_duty:
            idf = self._lexical.idf
            for fact in facts:
                if fact.kind == "responsibility":
                    body = frozenset(syllables(fact.value))
                    share = sum(idf("w:" + t) for t in set(terms.content) if in_title(t, body)) / total_w
                    best = max(best, min(1.0, share))
        return best

    def _unit_score(self, unit: Unit, query: ParsedQuery, terms: QuestionTerms) -> float:
        return unit_score(
            unit,
            terms.topic,
            terms.pairs,
            self._lexical.idf,
            wants_date=query.wants_date,
            wants_number=query.wants_number,
            extra=terms.expansion + terms.kind_hints,
        )

    def _answers(self, candidate: _Candidate, query: ParsedQuery, terms: QuestionTerms) -> bool:
        """Tell whether the best evidence covers the question's subject and holds the kind of answer asked for."""
        entry = self._details(candidate.row)
        ranked = sorted(entry.units, key=lambda u: self._unit_score(u, query, terms), reverse=True)[:2]
        if query.wants_date and not any(has_date(u.folded) for u in ranked):
            return False
        if query.wants_number and not any(has_number(u.folded) for u in ranked):
            return False
        if query.wants_contact and not any(_CONTACT.search(u.text) for u in entry.units):
            return False
        own = self._entries[candidate.row].stored.meta.number.split("/")[0]
        if any(n not in entry.words and n.lstrip("0") not in entry.words and n != own for n in query.numbers):
            return False  # the question names a year or number the passage never mentions
        if any(name not in entry.words for name in terms.foreign):
            return False  # nor may it name a system or brand ("VNeID") the passage never mentions
        if not terms.content:
            return bool(terms.topic)  # a question of only question words ("là gì?") has nothing to answer
        return self._decline_model.answers(decline_features(candidate, query, terms))

    def _plans_differ(self, candidates: list[_Candidate]) -> bool:
        """Tell whether several plans answer about equally well, so each plan's answer should be given."""
        best_by_doc: dict[str, _Candidate] = {}
        for c in candidates:
            best_by_doc.setdefault(self._entries[c.row].stored.passage.document, c)
        if len(best_by_doc) < 2:
            return False
        top = candidates[0].score
        strong = [c for c in best_by_doc.values() if c.support >= MIN_SUPPORT and c.score >= 0.85 * top]
        return len(strong) >= 2

    def _per_plan(
        self,
        question: str,
        query: ParsedQuery,
        terms: QuestionTerms,
        candidates: list[_Candidate],
        named: Sequence[str] = (),
    ) -> Answer:
        """One block per plan that answers (plans named in the question but silent on it are said to be so)."""
        best_by_doc: dict[str, _Candidate] = {}
        for c in candidates:
            best_by_doc.setdefault(self._entries[c.row].stored.passage.document, c)
        top = max(best_by_doc.values(), key=lambda c: c.score)
        chosen = [
            c
            for c in best_by_doc.values()
            if c.score >= PLAN_SCORE * top.score
            and c.support >= PLAN_SUPPORT * top.support
            and c.rare_compounds >= PLAN_SUPPORT * top.rare_compounds
            and self._answers(c, query, terms)
        ]
        if not chosen:
            return self._declined(question, list(named))
        chosen.sort(key=lambda c: -c.score)
        chosen = chosen[:MAX_BLOCKS]
        quoted = [
            (e.stored.meta, e.stored.passage, self._quote(e, query, terms))
            for e in (self._entries[c.row] for c in chosen)
        ]
        blocks = [shared_block(group) for group in same_wording(quoted)]
        names = ", ".join(self._entries[c.row].stored.meta.issuer for c in chosen)
        intro = f"Nội dung này có trong {len(chosen)} kế hoạch: {names}." if len(chosen) > 1 else ""
        answered = {self._entries[c.row].stored.passage.document for c in chosen}
        silent = [self._metas[d] for d in named if d not in answered and d in self._metas]
        blocks += [f"{meta.citation} không nêu nội dung này." for meta in silent]
        text = "\n\n".join(([intro] if intro else []) + blocks)
        sources = [self._source(c) for c in chosen]
        rest = [c for c in candidates if c not in chosen][: max(0, MAX_SOURCES - len(sources))]
        sources += [self._source(c) for c in rest]
        localities = [self._entries[c.row].stored.meta.locality for c in chosen]
        text = self._generated(question, [self._entries[c.row] for c in chosen], text)
        return Answer(question, text, True, sources, localities)

    def _block(self, entry: _Entry, query: ParsedQuery, terms: QuestionTerms, *, whole: bool | None = None) -> str:
        """One plan's answer: its answering line first, the rest of the supporting quote, the citation."""
        lead, quote = self._lead_and_quote(entry, query, terms, whole=whole)
        return block(entry.stored.meta, entry.stored.passage, quote, lead=lead, link_base=self._link_base)

    def _lead_and_quote(
        self, entry: _Entry, query: ParsedQuery, terms: QuestionTerms, *, whole: bool | None = None
    ) -> tuple[str, str]:
        """The line that answers (the best unit, cut to its best clauses) and what else supports it."""
        units = self._details(self._row_of[entry.stored.passage.id]).units
        if not units:
            return "", entry.stored.passage.text
        best = max(units, key=lambda u: self._unit_score(u, query, terms))
        lead = lead_text(best, lambda u: self._unit_score(u, query, terms))
        quote = self._quote(entry, query, terms, whole=whole)
        lines = quote.split("\n")
        if "…" not in lead and lines.count(best.text) == 1:
            lines.remove(best.text)  # said in full as the answer line already
        if entry.carried:  # the heading left at the end of the previous passage titles the answer
            lines = [line for line in lines if line != entry.carried]
            lead = f"{entry.carried.rstrip(' :')}: {lead}"
        return lead, "\n".join(lines).strip()

    def _quote(
        self,
        entry: _Entry,
        query: ParsedQuery,
        terms: QuestionTerms,
        *,
        whole: bool | None = None,
        best_only: bool = False,
    ) -> str:
        row = self._row_of[entry.stored.passage.id]
        units = self._details(row).units
        scores = [self._unit_score(u, query, terms) for u in units]
        if best_only and units:
            return units[max(range(len(units)), key=lambda i: scores[i])].text
        quote = select_quote(units, scores, whole=query.wants_list if whole is None else whole)
        if entry.carried and quote:
            quote = f"{entry.carried}\n{quote}"
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
            score=round(float(candidate.score), 4),
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
            text = self._generator.generate(question, [e.stored.passage.text for e in entries], draft)
        except Exception:  # any failure or timeout falls back to the extractive answer
            logger.warning("answer generator failed; answering extractively", exc_info=True)
            return draft
        citations = [line for line in draft.splitlines() if line.startswith("(Nguồn:")]
        missing = [line for line in citations if line not in text]
        return text if not missing else text.rstrip() + "\n" + "\n".join(missing)  # citations are not optional


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
