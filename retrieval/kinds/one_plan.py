"""One plan answers: its answering line first, the rest of the quote, the citation; a passage that answers nearly
as well is added in a short block, since the evidence does not pick one."""

from __future__ import annotations

import re

from core.vietnamese import fold
from retrieval.answers import Answer
from retrieval.compose import answers_when, citation
from retrieval.kinds.context import MAX_SOURCES, Context
from retrieval.ranking import Candidate

RUNNER_UP = 0.9  # a second passage scoring this close to the best is quoted as well …
RUNNER_UP_SENTENCE = 0.7  # … when its best sentence answers nearly as well
MAX_RUNNERS_UP = 2
ANSWER_DEPTH = 2


def applies(ctx: Context) -> bool:
    """Evidence near the top answers (for "when", with a dated answering line)."""
    return _answering(ctx) is not None


def _answering(ctx: Context) -> Candidate | None:
    """The best-ranked of the first few candidates that answers: a passage ranked a little above it that does not
    answer (a section whose title shares the place's words) does not make the plans silent."""
    for candidate in ctx.candidates[:ANSWER_DEPTH]:
        if ctx.answers(candidate) and _dated_if_asked(ctx, candidate):
            return candidate
    return None


def _dated_if_asked(ctx: Context, candidate: Candidate) -> bool:
    """A "when" answer whose answering line states no date answers nothing."""
    query = ctx.question.query
    return not query.wants_date or answers_when(fold(ctx.lead_and_quote(ctx.entry(candidate), cut=False)[0]), query)


def compose(ctx: Context) -> Answer:
    """The best passage's answer, and any runner-up's."""
    best = _answering(ctx) or ctx.candidates[0]
    entry = ctx.entry(best)
    text = ctx.block(entry, whole=True if ctx.question.detailed else None)
    ordered = [best]
    for runner_up in _runners_up(ctx, best):
        other = ctx.entry(runner_up)
        lead, _ = ctx.lead_and_quote(other, cut=False)
        text += f"\n\nNgoài ra: {lead}\n{citation(other.meta, other.passage, ctx.link_base)}"
        ordered.append(runner_up)
    ordered += [c for c in ctx.candidates if c not in ordered]
    sources = [ctx.source(c) for c in ordered[:MAX_SOURCES]]
    text = ctx.generated([ctx.entry(c) for c in ordered[:3]], text)
    return Answer(ctx.question.raw, text, True, sources, [entry.meta.locality])


def _runners_up(ctx: Context, best: Candidate) -> list[Candidate]:
    """Passages giving another date or figure for a "when" or "how much" question (a ward's two report deadlines):
    the evidence does not pick one, so both are said."""
    query = ctx.question.query
    if not (query.wants_date or query.wants_number):
        return []
    said = _figures(ctx.lead_and_quote(ctx.entry(best), cut=False)[0])
    found = []
    for c in [c for c in ctx.candidates if c is not best][:MAX_RUNNERS_UP]:
        if c.score < RUNNER_UP * best.score or c.unit < RUNNER_UP_SENTENCE * best.unit or not ctx.answers(c):
            continue
        figures = _figures(ctx.lead_and_quote(ctx.entry(c), cut=False)[0])
        if figures and not figures <= said:
            found.append(c)
            said |= figures
    return found


def _figures(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:/\d+)*", text))
