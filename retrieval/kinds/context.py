"""What every answer kind works with: the question, the loaded knowledge, the ranking and the composing steps."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from core.vietnamese import fold
from knowledge.passages import Passage
from retrieval.answer_line import Line, LineChooser, asked_words, candidate_lines, duty_holder, line_features
from retrieval.answers import Answer, Source
from retrieval.compose import (
    Unit,
    answers_when,
    block,
    decline,
    has_day,
    lead_group,
    lead_text,
    leaf_title,
    listed_noun,
    names_listed,
    periodic,
    select_quote,
)
from retrieval.generator import AnswerGenerator
from retrieval.library import Entry, Library
from retrieval.ranking import Candidate, Question, Ranker

logger = logging.getLogger(__name__)

MAX_SOURCES = 5
NO_DAY = "Kế hoạch không nêu ngày cụ thể, chỉ quy định:"
DATED_SHARE = 0.5  # for "when", a dated sentence answering half as well as the best one is the answer line


@dataclass
class Context:
    """One question being answered."""

    question: Question
    library: Library
    ranker: Ranker
    link_base: str = ""  # citations link to {link_base}/plans/{document}#{passage}
    generator: AnswerGenerator | None = None
    line_chooser: LineChooser | None = None  # the learned choice of the answer line (the hand order without it)
    # each passage's answering line and quote, kept for the question: kinds look at a plan's line more than once
    _said: dict[tuple[str, bool | None, bool], tuple[str, str]] = field(default_factory=dict)
    # the plans that answer a question naming none (worked out once: choosing the kind and composing both ask)
    plans_answering: list[Candidate] | None = None

    @cached_property
    def candidates(self) -> list[Candidate]:
        """The ranked evidence (searched once, when a kind first asks for it)."""
        return self.ranker.search(self.question)

    def entry(self, candidate: Candidate) -> Entry:
        """The passage a candidate stands for."""
        return self.library.entries[candidate.row]

    def answers(self, candidate: Candidate) -> bool:
        """Whether this evidence answers the question."""
        return self.ranker.answers(candidate, self.question)

    def source(self, candidate: Candidate) -> Source:
        """A candidate as a cited source."""
        stored = self.library.entries[candidate.row].stored
        p, m = stored.passage, stored.meta
        score = round(float(candidate.score), 4)
        return Source(p.document, m.title, p.section, p.text, score, m.number, m.issuer, p.id)

    def source_of(self, passage: Passage) -> Source:
        """A passage cited without ranking (a document card's, a plan's opening)."""
        stored = self.library.entry(passage.id).stored
        m = stored.meta
        return Source(passage.document, m.title, passage.section, passage.text, 1.0, m.number, m.issuer, passage.id)

    def declined(self, docs: Sequence[str]) -> Answer:
        """The plans do not say: what is missing and whom to ask."""
        metas = [self.library.metas[d] for d in docs if d in self.library.metas]
        return Answer(self.question.raw, decline(metas), False, [], [m.locality for m in metas])

    def block(self, entry: Entry, *, whole: bool | None = None) -> str:
        """One plan's answer: its answering line first, the rest of the supporting quote, the citation."""
        lead, quote = self.lead_and_quote(entry, whole=whole)
        return block(entry.meta, entry.passage, quote, lead=lead, link_base=self.link_base)

    def lead_and_quote(self, entry: Entry, *, whole: bool | None = None, cut: bool = True) -> tuple[str, str]:
        """The line that answers (the best unit, cut to its best clauses unless ``cut`` is off) and what else
        supports it."""
        key = (entry.passage.id, whole, cut)
        if key not in self._said:
            lead, quote = self._lead_and_quote(entry, whole=whole, cut=cut)
            self._said[key] = (self._framed(entry, lead), quote)
        return self._said[key]

    def _framed(self, entry: Entry, lead: str) -> str:
        """The answer line with what it needs to read right: the body a duty belongs to when "who" is asked, and
        that no day is set when a deadline is asked and the plan gives a period instead."""
        holder = duty_holder(leaf_title(entry.passage), self.question.query, lead)
        lead = f"{holder}: {lead}" if holder else lead
        folded = fold(lead)
        if self.question.query.wants_day and not has_day(folded) and periodic(folded):
            lead = f"{NO_DAY} {lead}"
        return lead

    def _lead_and_quote(self, entry: Entry, *, whole: bool | None, cut: bool) -> tuple[str, str]:
        units = self.library.details(self.library.row_of[entry.passage.id]).units
        if not units:
            return "", entry.passage.text
        lead, said, whole_list = self._answer_line(units, leaf_title(entry.passage), cut=cut)
        if whole_list and not whole and self.question.query.wants_list:
            return lead, ""  # the list asked for, word for word, is the answer line: nothing else to quote
        lines = self.quote(entry, whole=whole).split("\n")
        if not whole and len(said) == 1 and lines == [said[0].text]:
            return lead_text(said[0], self._score, limit=0), ""  # that one sentence, whole, is the answer
        for unit in said:
            if "…" not in lead and lines.count(unit.text) == 1:
                lines.remove(unit.text)  # said in full in the answer line already
        if entry.carried:  # the heading left at the end of the previous passage titles the answer
            lines = [line for line in lines if line != entry.carried]
            lead = f"{entry.carried.rstrip(' :')}: {lead}"
        return lead, "\n".join(lines).strip()

    def _score(self, unit: Unit) -> float:
        return self.ranker.unit_score(unit, self.question)

    def _answer_line(self, units: Sequence[Unit], title: str, *, cut: bool) -> tuple[str, list[Unit], bool]:
        """The answer line, the units it says, and whether it is a whole list: the line the line model finds most
        likely to state the answer (a sentence, a list item, or a title with its list or first sentence)."""
        chooser = self.line_chooser
        if chooser is None or not chooser.learned:
            return self._hand_answer_line(units, cut=cut)
        query = self.question.query
        lines = candidate_lines(units, asked_words(query), title)
        if query.wants_date:  # "when": the line gives the date (or period) asked for, when any line does
            lines = [ln for ln in lines if answers_when(ln.unit.folded, query)] or lines
        listed = listed_noun(query.folded)
        # a list asked for under a title that names it is said whole; else the model chooses
        asked = [ln for ln in lines if ln.is_whole_list and ln.titled(listed)]
        line = asked[0] if len(asked) == 1 else chooser.choose(lines, self.line_features(units, lines))
        if line.is_title or line.digest:
            return line.unit.text, list(line.said), line.is_whole_list
        return lead_text(line.unit, self._score, limit=None if cut else 0), list(line.said), False

    def line_features(self, units: Sequence[Unit], lines: Sequence[Line]) -> list[dict[str, float]]:
        """The line model's features of each candidate line of one passage (each line scored once)."""
        query, terms = self.question.query, self.question.terms
        values = [self._score(ln.unit) for ln in lines]
        best = max((v for v, ln in zip(values, lines, strict=True) if ln.group is None), default=0.0)
        listed = listed_noun(query.folded)
        idf = self.library.lexical.idf
        return [
            line_features(ln, len(units), v, best, query, terms, idf, listed)
            for ln, v in zip(lines, values, strict=True)
        ]

    def _hand_answer_line(self, units: Sequence[Unit], *, cut: bool) -> tuple[str, list[Unit], bool]:
        """The hand order: a title that answers with its list or first sentence; else the best sentence (for
        "when", the best one giving the date asked for)."""
        query = self.question.query
        listed = listed_noun(query.folded)
        group = lead_group(
            units,
            self._score,
            wants_list=query.wants_list,
            wants_date=query.wants_date,
            names_kind=lambda u: names_listed(listed, u),
        )
        if group is not None:
            return group.line(), list(group.said), group.is_list
        best = max(units, key=self._score)
        dated = [u for u in units if answers_when(u.folded, query)] if query.wants_date else []
        best_dated = max(dated, key=self._score, default=None)
        if best_dated is not None and self._score(best_dated) >= DATED_SHARE * self._score(best):
            best = best_dated  # "when": the answer line is the sentence that gives the date
        return lead_text(best, self._score, limit=None if cut else 0), [best], False

    def quote(self, entry: Entry, *, whole: bool | None = None) -> str:
        """The sentences or list items of a passage that support the answer (every one for a list)."""
        units = self.library.details(self.library.row_of[entry.passage.id]).units
        scores = [self.ranker.unit_score(u, self.question) for u in units]
        wanted_whole = (self.question.query.wants_list or self.names_section(entry)) if whole is None else whole
        quote = select_quote(units, scores, whole=wanted_whole)
        if entry.carried and quote:
            quote = f"{entry.carried}\n{quote}"
        return quote or entry.passage.text

    def names_section(self, entry: Entry) -> bool:
        """Whether the question's subject is the passage's section itself ("mục đích kế hoạch … là gì", "tiêu chí cá
        nhân ở …"): every content word is a word of its section titles, so the section is the answer, whole."""
        content = set(self.question.terms.content)
        titles = self.library.details(self.library.row_of[entry.passage.id]).section_words
        return bool(content) and content <= titles

    def generated(self, entries: Sequence[Entry], draft: str) -> str:
        """The optional generator's rephrasing of the extractive draft, citations kept; the draft on any failure."""
        if self.generator is None:
            return draft
        try:
            text = self.generator.generate(self.question.raw, [e.passage.text for e in entries], draft)
        except Exception:  # any failure or timeout falls back to the extractive answer
            logger.warning("answer generator failed; answering extractively", exc_info=True)
            return draft
        citations = [line for line in draft.splitlines() if line.startswith("(Nguồn:")]
        missing = [line for line in citations if line not in text]
        return text if not missing else text.rstrip() + "\n" + "\n".join(missing)  # citations are not optional
