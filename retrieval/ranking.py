"""Ranking the evidence: lexical and dense search fused, each candidate passage described by the features the
ranking and the decline model read, and the decision whether the best evidence answers at all."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache, cached_property
from pathlib import Path

import numpy as np

from core.vietnamese import fold
from knowledge.passages import Fact
from retrieval.compose import Unit, has_date, has_number, unit_score
from retrieval.decline import DeclineModel, decline_features
from retrieval.fusion import reciprocal_rank_fusion
from retrieval.lexical import char_trigrams, syllables
from retrieval.library import Library
from retrieval.linear_model import LinearModel
from retrieval.passage_view import PassageView, in_title, names_number
from retrieval.query import ParsedQuery
from retrieval.terms import QuestionTerms, synonym_held
from retrieval.vectorstore import PassageIndex

logger = logging.getLogger(__name__)

CANDIDATES = 30  # passages taken from each search before fusion
LEXICAL_WEIGHT = 1.0  # weights of the two rankings in reciprocal rank fusion
DENSE_WEIGHT = 1.0

# score = 0.6·fused + DENSE_BONUS·dense + support + section weight·section + 0.8·sentence + FACT_WEIGHT·facts
DENSE_BONUS = 0.15  # weight of the embedder's relative cosine
SECTION_WEIGHT = 0.4  # how much a section title naming the question's words counts
DUTY_SECTION_WEIGHT = 1.0  # … when the question asks what someone must do: sections are titled by who
TITLE_MATCH_WEIGHT = 1.0  # a name the question holds whole is what the section is titled
FACT_WEIGHT = 0.1  # an extracted fact of the wanted kind (deadline, body, award, target)

_CLOCK = re.compile(r"\b\d{1,2} ?(?:h|gio)(?: ?\d{2})?\b|\bthu (?:hai|ba|tu|nam|sau|bay|[2-7])\b|\bchu nhat\b")
_CONTACT = re.compile(r"\b0\d{2,3}[ .]?\d{3}[ .]?\d{3,4}\b|@|https?://|www\.")


@dataclass(frozen=True)
class Question:
    """A question as understood: parsed, its plans (named or remembered), its search terms."""

    raw: str
    query: ParsedQuery
    docs: list[str]
    terms: QuestionTerms
    detailed: bool = False  # "cụ thể hơn": quote the answering passage whole
    places: tuple[str, ...] = ()  # the place names it contains, folded ("phuong thanh binh")

    @cached_property
    def unplaced_phrases(self) -> frozenset[tuple[str | None, ...]]:
        """Every run of the question's tokens, its place names blanked out (worked out once, not per candidate)."""
        tokens = self.unplaced_tokens()
        return frozenset(tuple(tokens[i:j]) for i in range(len(tokens)) for j in range(i + 1, len(tokens) + 1))

    def unplaced_tokens(self) -> list[str | None]:
        """The question's folded tokens with its place names (and an "ubnd" before one) blanked out."""
        tokens: list[str | None] = list(self.query.tokens)
        for phrase in self.places:
            words = phrase.split()
            for start in range(len(tokens) - len(words) + 1):
                if tokens[start : start + len(words)] == words:
                    tokens[start : start + len(words)] = [None] * len(words)
                    if start and tokens[start - 1] == "ubnd":
                        tokens[start - 1] = None
        return tokens


@dataclass(frozen=True)
class Candidate:
    """A candidate passage and what the evidence says of it."""

    row: int
    fused: float  # reciprocal-rank fusion of the lexical and dense rankings
    support: float  # share of the question's content the passage holds
    section: float  # share of the question's content its section titles hold
    unit: float  # share of the question's content its best sentence holds
    compounds: float  # share of the question's two-word terms ("giấy phép", "tham quan") the passage holds
    rare_compounds: float  # the same share weighted by rarity: "nội vụ" counts more than "nhiệm vụ"
    score: float  # the hand-weighted sum of the above (a feature of the models, and the fallback order)
    dense: float = 0.0  # the embedder's cosine, relative to the other candidates
    facts: float = 0.0  # an extracted fact of the wanted kind
    kind_match: float = 0.0  # kinds of section the question asks for ("đối tượng", "thời gian") that its title is
    kind_miss: float = 0.0  # kinds asked for that its title is not
    edge: float = 0.0  # the opening or closing of a plan (they share words with everything)
    lexical_rr: float = 0.0  # 1 / (1 + its place in the lexical ranking)
    dense_rr: float = 0.0  # 1 / (1 + its place in the dense ranking)
    rank: float = 0.0  # the ranking model's probability that this passage answers: what candidates are sorted by
    title_terms: float = 0.0  # share of the question's two-word terms its section path holds ("doanh nghiệp")
    missing: float = 0.0  # the rarest question word the passage lacks, as a share of the rarest possible
    title_match: float = 0.0  # share of the question a name its deepest titles give covers ("Sở Nội vụ")
    unknown: float = 0.0  # share of the question's words that no plan has at all ("thời tiết", "thi tuyển")


# The kinds of section a question may ask for: its wording (folded) → the words of such sections' titles.
SECTION_KINDS: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (re.compile(asked), re.compile(titled))
    for asked, titled in (
        (
            r"\bdoi tuong\b|\bai (duoc|tham gia)\b|\b(tap the|ca nhan|nhung ai|ai) (nao )?(la|duoc|tham gia)\b",
            r"doi tuong",
        ),
        (
            r"\bthoi gian\b|\bmay nam\b|\bbao lau\b|\bgiai doan\b|\btu nam\b|\bnam nao\b",
            r"thoi gian|giai doan|tien do",
        ),
        (r"\btieu chi\b|\byeu cau\b|\bdieu kien\b|\bcan dat\b|\bphai dat\b|\btieu chuan\b", r"tieu chi|tieu chuan"),
        (r"\bkhen\b|\bdanh hieu\b|\bhinh thuc\b", r"khen thuong|hinh thuc"),
        (
            r"\bnhiem vu\b|\btrach nhiem\b|\blam gi\b|\bphu trach\b|\bchu tri\b|\bvai tro\b",
            r"to chuc thuc hien|nhiem vu",
        ),
        (r"\bmuc dich\b|\bmuc tieu\b|\bnham\b", r"muc dich|muc tieu"),
        (r"\bnoi dung\b|\bgiai phap\b", r"noi dung|giai phap"),
    )
)


def asked_kinds(question: Question) -> list[re.Pattern[str]]:
    """The title patterns of the kinds of section the question asks for ("hình thức nào" → award forms)."""
    asked_text = f" {question.query.folded} {' '.join(question.query.expansion)} "
    return [titled for asked, titled in SECTION_KINDS if asked.search(asked_text)]


def _kinds_matched(asked: Sequence[re.Pattern[str]], path: Sequence[str]) -> tuple[float, float]:
    """How far a passage's titles are of the kinds of section asked for: a kind its own title names counts 1, one
    only an enclosing title names ("III. Tiêu chí thi đua và hình thức khen thưởng" above every criteria list) ½."""
    own = fold(path[-1]) if path else ""
    enclosing = fold(" ".join(path[:-1]))
    matched = sum(1.0 if titled.search(own) else 0.5 if titled.search(enclosing) else 0.0 for titled in asked)
    missed = sum(1.0 for titled in asked if not titled.search(own) and not titled.search(enclosing))
    return matched, missed


@cache
def _names_a_kind(segment: tuple[str, ...]) -> bool:
    """Whether a title names a kind of section ("Hình thức khen thưởng", "Yêu cầu"), not a body or a participant:
    kinds are matched by ``SECTION_KINDS``."""
    text = f" {' '.join(segment)} "
    return len(segment) <= 4 and any(asked.search(text) or titled.search(text) for asked, titled in SECTION_KINDS)


_EDGES = frozenset({"Mở đầu", "Nơi nhận", "Phần kết"})
RANK_FEATURES = (
    "fused",
    "dense",
    "support",
    "section",
    "unit",
    "compounds",
    "rare_compounds",
    "facts",
    "kind_match",
    "kind_miss",
    "edge",
    "lexical_rr",
    "dense_rr",
    "score",
    "title_terms",
    "title_match",
)
RANK_BLEND = 0.05  # weight of the learned log-odds beside the hand score (chosen on the tuning questions)
RANK_MODEL_FILE = Path(__file__).with_name("rank_model.json")


def rank_features(candidate: Candidate) -> dict[str, float]:
    """The features the ranking model reads, by name."""
    return {name: float(getattr(candidate, name)) for name in RANK_FEATURES}


class Ranker:
    """Finds and ranks the passages that may answer a question, and tells whether the best one does."""

    def __init__(
        self,
        library: Library,
        index: PassageIndex,
        decline: DeclineModel,
        model: LinearModel | None = None,
        plan_model: LinearModel | None = None,
    ) -> None:
        self._library = library
        self._index = index
        self._decline = decline
        self._model = model if model is not None else LinearModel(RANK_FEATURES)
        self.plan_model = plan_model if plan_model is not None else LinearModel(())  # which plans answer (kinds)

    def decline_probability(self, features: dict[str, float]) -> float:
        """The decline model's P(the plans answer) for this evidence (0.5 where no model is built)."""
        return self._decline.probability(features) if self._decline.weights else 0.5

    def search(self, question: Question) -> list[Candidate]:
        """Candidate passages, best first, within the question's plans when it has any."""
        library = self._library
        if not library.entries:
            return []
        lexical_ids = self._lexical_ids(question)
        docs = question.docs or None
        try:
            dense = self._index.search(question.query.text, CANDIDATES, documents=docs)
        except Exception:  # the dense side failing must not take answers down: lexical still answers
            logger.exception("dense search failed")
            dense = []
        dense = [(pid, cos) for pid, cos in dense if pid in library.row_of]
        fused = reciprocal_rank_fusion([lexical_ids, [pid for pid, _ in dense]], [LEXICAL_WEIGHT, DENSE_WEIGHT])
        top = max(fused.values(), default=1.0) or 1.0
        # how far above the pack the embedder puts a passage: rescues passages whose OCR-damaged words match badly
        cosines = dict(dense)
        low, high = (min(cosines.values()), max(cosines.values())) if cosines else (0.0, 0.0)
        spread = (high - low) or 1.0
        lexical_place = {pid: i for i, pid in enumerate(lexical_ids)}
        dense_place = {pid: i for i, (pid, _) in enumerate(dense)}
        asked = asked_kinds(question)
        candidates = []
        for pid, score in fused.items():
            hand = self._candidate(
                library.row_of[pid], score / top, (cosines[pid] - low) / spread if pid in cosines else 0.0, question
            )
            path = library.entries[hand.row].passage.section_path
            matched, missed = _kinds_matched(asked, path)
            if asked and not matched:  # a name in its title answers only in a section of the kind asked for
                hand = replace(hand, score=hand.score - TITLE_MATCH_WEIGHT * hand.title_match)
            candidates.append(
                replace(
                    hand,
                    kind_match=matched,
                    kind_miss=missed,
                    edge=float(bool(path) and path[0] in _EDGES),
                    lexical_rr=1.0 / (1 + lexical_place[pid]) if pid in lexical_place else 0.0,
                    dense_rr=1.0 / (1 + dense_place[pid]) if pid in dense_place else 0.0,
                )
            )
        return self._ranked(candidates)

    def _ranked(self, candidates: list[Candidate]) -> list[Candidate]:
        """Sorted by the ranking model (by the hand score where no model is built)."""
        if not self._model.built:
            ranked = [replace(c, rank=c.score) for c in candidates]
        else:  # the hand score, corrected by what the model learned from the tuning questions
            ranked = [replace(c, rank=c.score + RANK_BLEND * self._model.logit(rank_features(c))) for c in candidates]
        ranked.sort(key=lambda c: c.rank, reverse=True)
        return ranked

    def _lexical_ids(self, question: Question) -> list[str]:
        terms = question.terms
        features: Counter[str] = Counter()
        features.update("w:" + t for t in set(terms.topic))
        features.update("p:" + p for p in set(terms.pairs))
        features.update("s:" + t for t in set(terms.content))
        features.update("c:" + g for g in set(char_trigrams(terms.content)))
        features.update("w:" + t for t in set(terms.expansion))
        features.update("p:" + p for p in set(terms.expansion_pairs))
        features.update("w:" + t for t in set(terms.kind_hints))
        scores = self._library.lexical.scores(features)
        if question.docs:
            scores = np.where(self._library.allowed(question.docs), scores, -1.0).astype(np.float32)
        order = np.argsort(-scores)[:CANDIDATES]
        return [self._library.entries[i].passage.id for i in order if scores[i] > 0]

    def _candidate(self, row: int, fused: float, dense: float, question: Question) -> Candidate:
        query, terms = question.query, question.terms
        view = self._library.details(row)
        idf = self._library.lexical.idf
        words = set(terms.content)
        total_w = sum(idf("w:" + t) for t in words) or 1.0
        support, section = self._coverage(view, terms, total_w)
        best_unit = max((self.unit_score(u, question) for u in view.units), default=0.0)
        total_topic = sum(idf("w:" + t) for t in set(terms.topic))
        total_p = sum(idf("p:" + p) for p in set(terms.pairs))
        unit = min(1.0, best_unit / (total_topic + 1.4 * total_p or 1.0))
        section_weight = DUTY_SECTION_WEIGHT if query.asks_duty else SECTION_WEIGHT
        facts = self._fact_match(self._library.entries[row].facts, question, total_w)
        title_match = self._title_match(view.title_segments, question)
        score = (
            0.6 * fused
            + DENSE_BONUS * dense
            + support
            + section_weight * section
            + 0.8 * unit
            + FACT_WEIGHT * facts
            + TITLE_MATCH_WEIGHT * title_match
        )
        compounds, rare_compounds, title_terms = self._compound_shares(view, terms)
        ceiling = idf("w:\0") or 1.0  # an unseen word's idf: the largest there is
        missing = max((idf("w:" + t) for t in words if t not in view.words), default=0.0) / ceiling
        known = self._library.lexical.known
        unknown = sum(1 for t in words if not known("w:" + t)) / len(words) if words else 0.0
        return Candidate(
            row,
            fused,
            support,
            section,
            unit,
            compounds,
            rare_compounds,
            score,
            dense,
            facts,
            title_terms=title_terms,
            missing=missing,
            unknown=unknown,
            title_match=title_match,
        )

    def _coverage(self, view: PassageView, terms: QuestionTerms, total_w: float) -> tuple[float, float]:
        """How much of the question the passage holds (words and pairs, plan wordings at half), and its titles."""
        idf = self._library.lexical.idf
        words = set(terms.content)
        have_w = sum(idf("w:" + t) for t in words if t in view.words)
        have_x = sum(idf("w:" + t) for t in set(terms.expansion) if t in view.words)
        wanted_pairs = set(terms.pairs)
        total_p = sum(idf("p:" + p) for p in wanted_pairs)
        have_p = sum(idf("p:" + p) for p in wanted_pairs if p in view.pairs)
        have_x += sum(idf("p:" + p) for p in set(terms.expansion_pairs) if p in view.pairs)
        word_share = min(1.0, (have_w + 0.5 * have_x) / total_w)
        pair_share = have_p / total_p if total_p else word_share
        section_have = sum(idf("w:" + t) for t in words if in_title(t, view.section_words))
        section_have += sum(0.5 * idf("w:" + t) for t in set(terms.expansion) if t in view.section_words)
        section_have += sum(0.5 * idf("p:" + p) for p in set(terms.expansion_pairs) if p in view.section_pairs)
        return 0.6 * word_share + 0.4 * pair_share, min(1.0, section_have / total_w)

    def _compound_shares(self, view: PassageView, terms: QuestionTerms) -> tuple[float, float, float]:
        """Shares of the question's compounds the passage holds: plain, weighted by rarity, and in its titles."""
        if not terms.compounds:
            return 1.0, 1.0, 0.0
        idf = self._library.lexical.idf
        wanted = set(terms.compounds)
        held = {c for c in terms.compounds if c in view.pairs or synonym_held(c, view.words)}
        compound_weight = sum(idf("p:" + c) for c in wanted)
        rare = sum(idf("p:" + c) for c in held) / compound_weight if compound_weight else 1.0
        titled = sum(1 for c in wanted if c in view.section_pairs) / len(wanted)
        return len(held) / len(terms.compounds), rare, titled

    def _title_match(self, segments: Sequence[tuple[str, ...]], question: Question) -> float:
        """The largest share of the question's content that one name of the passage's titles covers, where the
        question holds that name whole ("Sở Nội vụ … có trách nhiệm gì" → the section "2. Sở Nội vụ")."""
        if not segments:
            return 0.0
        content = len(question.terms.content) or 1
        named = [s for s in segments if s in question.unplaced_phrases and not _names_a_kind(s)]
        return min(1.0, max((len(s) for s in named), default=0) / content)

    def _fact_match(self, facts: Sequence[Fact], question: Question, total_w: float) -> float:
        """How well the passage's extracted facts fit the question: a deadline for "when", a body for "who must"."""
        if not facts:
            return 0.0
        query, terms = question.query, question.terms
        kinds = {f.kind for f in facts}
        best = 0.0
        if query.wants_date and kinds & {"deadline", "phase"}:
            best = max(best, 0.5)
        if query.wants_number and "target" in kinds:
            best = max(best, 0.5)
        if {"khen", "thuong"} <= set(terms.content) and "award" in kinds:
            best = max(best, 0.5)
        if query.asks_duty:
            idf = self._library.lexical.idf
            for fact in facts:
                if fact.kind == "responsibility":
                    body = frozenset(syllables(fact.value))
                    share = sum(idf("w:" + t) for t in set(terms.content) if in_title(t, body)) / total_w
                    best = max(best, min(1.0, share))
        return best

    def unit_score(self, unit: Unit, question: Question) -> float:
        """How much of the question one sentence or list item answers."""
        query, terms = question.query, question.terms
        return unit_score(
            unit,
            terms.topic,
            terms.pairs,
            self._library.lexical.idf,
            wants_date=query.wants_date,
            wants_number=query.wants_number,
            extra=terms.expansion + terms.kind_hints,
        )

    def answers(self, candidate: Candidate, question: Question) -> bool:
        """Whether the evidence covers the question's subject and holds the kind of answer asked for."""
        if not self._holds_what_is_asked(candidate, question):
            return False
        terms = question.terms
        if not terms.content:
            return bool(terms.topic)  # a question of only question words ("là gì?") has nothing to answer
        return self._decline.answers(decline_features(candidate, question.query, terms))

    def _holds_what_is_asked(self, candidate: Candidate, question: Question) -> bool:
        """The hard conditions: a date for "when", a figure for "how many", the numbers and names it cites."""
        query, terms = question.query, question.terms
        view = self._library.details(candidate.row)
        ranked = sorted(view.units, key=lambda u: self.unit_score(u, question), reverse=True)[:2]
        # "when": the sentence that answers states a date, and it or its section title shares the question's words
        subject = set(terms.content) or set(terms.topic)  # "triển khai từ năm nào": only generic words to go on
        dated = [u for u in ranked if has_date(u.folded)]
        if query.wants_date and not any(subject & (u.words | view.section_words) for u in dated):
            return False
        if query.wants_number and not any(has_number(u.folded) for u in ranked):
            return False
        if query.wants_contact and not any(_CONTACT.search(u.text) for u in view.units):
            return False
        if query.wants_time and not any(_CLOCK.search(u.folded) for u in view.units):
            return False
        own = self._library.entries[candidate.row].meta.number.split("/")[0]
        if any(not names_number(view.words, n) and n != own for n in query.numbers):
            return False  # the question names a year or number the passage never mentions
        # nor may it name a system or brand ("VNeID") the passage never mentions
        return all(name in view.words for name in terms.foreign)
