"""Answer a question from the plans: understand it, choose the kind of answer, let that kind's strategy compose it.

The pieces: ``library`` (what is loaded), ``ranking`` (search and the decision to answer), ``kinds`` (one strategy per
kind of answer), ``compose`` (quotes and citations), ``follow_up`` (questions read with the previous one).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from knowledge.passages import Fact, Passage
from retrieval.answer_line import LineChooser
from retrieval.answers import Answer, Source, answer_to_json, format_answer_text
from retrieval.compose import leaf_title
from retrieval.decline import DeclineModel, decline_features
from retrieval.follow_up import DETAIL_MARK, Places, read_follow_up
from retrieval.generator import AnswerGenerator
from retrieval.kinds import AnswerKind
from retrieval.kinds.choice import STRATEGIES, choose
from retrieval.kinds.context import Context
from retrieval.kinds.plan_choice import PLAN_FEATURES, PLAN_MODEL_FILE
from retrieval.library import Library
from retrieval.linear_model import LinearModel
from retrieval.query import parse_query, warm_up
from retrieval.ranking import RANK_FEATURES, RANK_MODEL_FILE, Question, Ranker, rank_features
from retrieval.shelf import HeldSource, PlanSource, Shelf
from retrieval.terms import question_terms
from retrieval.vectorstore import PassageIndex, StoredPassage

# Said under an answer drawn from the highest-level plan because the question named no place among many plans.
BROAD_NOTE = (
    "\n\nĐây là nội dung kế hoạch cấp trên cùng ({plans}); kế hoạch của từng tỉnh, thành phố, xã, phường có thể "
    "quy định khác. Anh/chị hãy nêu tên địa bàn trong câu hỏi hoặc chọn địa bàn bằng lệnh /diaban."
)

__all__ = ["Answer", "Answerer", "Source", "answer_to_json", "format_answer_text"]


@dataclass(frozen=True)
class Evidence:
    """A candidate passage with the features of the ranking and decline models."""

    passage: Passage
    rank_features: dict[str, float]
    decline_features: dict[str, float]


class Answerer:
    """Answers questions from the indexed plans; ``load`` (re)builds what is held in memory."""

    def __init__(self, index: PassageIndex, generator: AnswerGenerator | None = None, *, link_base: str = "") -> None:
        self._index = index
        self._generator = generator
        self._link_base = link_base  # citations link to {link_base}/plans/{document}#{passage}
        self.reload_models()
        self._shelf = Shelf()

    def load(self, passages: list[StoredPassage], facts: list[Fact]) -> None:
        """Hold exactly these passages and facts (tests, evaluation): no store is read afterwards."""
        self.attach(HeldSource(passages, facts))

    def attach(self, source: PlanSource) -> None:
        """Answer from the plans of ``source``, read a few plans at a time as questions need them."""
        self._shelf = Shelf(source)  # swapped whole: answers under way keep the snapshot they began with
        warm_up()

    def refresh(self) -> list[str]:
        """Take in the plans added, replaced or removed since the last look; the plans that changed."""
        return self._shelf.refresh()

    def localities(self) -> list[str]:
        """Known localities and issuers, for the /diaban choice."""
        return self._shelf.catalog.resolver.localities()

    def follow_up(self, question: str, previous: str | None) -> str:
        """The whole question a follow-up stands for, given the previous one (subject or locality carried over)."""
        return read_follow_up(question, previous, Places(self._shelf.catalog.resolver.named))

    def answer(self, question: str, *, locality: str | None = None) -> Answer:
        """Answer ``question``; ``locality`` (a remembered /diaban choice) scopes it unless the question names one."""
        ctx = self._context(question, locality)
        answer = STRATEGIES[choose(ctx)](ctx)
        if self._shelf.small or ctx.question.docs or not answer.found:
            return answer
        plans = ", ".join(m.citation for m in ctx.library.metas.values())
        return replace(answer, text=answer.text + BROAD_NOTE.format(plans=plans))

    def kind(self, question: str, *, locality: str | None = None) -> AnswerKind:
        """The kind of answer ``question`` gets."""
        return choose(self._context(question, locality))

    def ranked_evidence(self, question: str) -> list[Evidence]:
        """The ranked candidate passages with the features the two models read (for building them)."""
        ctx = self._context(question, None)
        query, terms = ctx.question.query, ctx.question.terms
        return [
            Evidence(ctx.entry(c).passage, rank_features(c), decline_features(c, query, terms)) for c in ctx.candidates
        ]

    def answer_lines(self, question: str) -> list[tuple[Passage, list[str], list[dict[str, float]]]]:
        """For each ranked candidate passage: its candidate answer lines and their line-model features (for
        building the line model)."""
        from retrieval.answer_line import asked_words, candidate_lines

        ctx = self._context(question, None)
        found = []
        for candidate in ctx.candidates:
            entry = ctx.entry(candidate)
            units = ctx.library.details(candidate.row).units
            lines = candidate_lines(units, asked_words(ctx.question.query), leaf_title(entry.passage))
            found.append((entry.passage, [ln.unit.text for ln in lines], ctx.line_features(units, lines)))
        return found

    def plan_evidence(self, question: str) -> tuple[list[str], list[dict[str, float]]]:
        """For a question naming no plan: each plan's best passage's document and plan-model features."""
        from retrieval.kinds.plan_choice import plan_evidence, plan_features

        ctx = self._context(question, None)
        if ctx.question.docs or not ctx.candidates:
            return [], []
        best = plan_evidence(ctx)
        top = next(iter(best.values()))
        return list(best), [plan_features(ctx, c, top) for c in best.values()]

    def reload_models(self) -> None:
        """Read the shipped model files (again, after ``thidua train-models`` wrote them)."""
        self._decline = DeclineModel.shipped()
        self._rank_model = LinearModel.load(RANK_MODEL_FILE, RANK_FEATURES)
        self._plan_model = LinearModel.load(PLAN_MODEL_FILE, PLAN_FEATURES)
        self._line_chooser = LineChooser.shipped()

    def _context(self, question: str, locality: str | None) -> Context:
        shelf = self._shelf
        detailed = question.endswith(DETAIL_MARK)  # "cụ thể hơn": the previous question, quoted in full
        raw = question.removesuffix(DETAIL_MARK)
        query = parse_query(raw)
        docs, phrases = shelf.catalog.resolver.named(query.text)
        if not docs and locality:
            docs = shelf.catalog.resolver.documents_named(locality)
        if not docs and not shelf.small:  # among many plans, a plan's number names it as well as its place
            docs = shelf.catalog.numbered(query.text)
        library = self._library_for(docs)
        named_words = {w for phrase in phrases for w in phrase.split()}
        terms = question_terms(
            query, named_words, known=lambda word: library.lexical.known("w:" + word), named_phrases=phrases
        )
        understood = Question(raw, query, docs, terms, detailed, tuple(phrases))
        ranker = Ranker(library, self._index, self._decline, self._rank_model, self._plan_model)
        return Context(understood, library, ranker, self._link_base, self._generator, self._line_chooser)

    def _library_for(self, docs: list[str]) -> Library:
        """Every plan for a small corpus; else the named plans and those above them, or the highest-level plans."""
        shelf = self._shelf
        if shelf.small:
            return shelf.everything()
        return shelf.library(shelf.catalog.scope(docs) if docs else shelf.catalog.top())
