"""One plan answers: its answering line first, the rest of the quote, the citation; a passage that answers nearly
as well is added in a short block, since the evidence does not pick one."""

from __future__ import annotations

from retrieval.answers import Answer
from retrieval.kinds.context import MAX_SOURCES, Context
from retrieval.ranking import Candidate

RUNNER_UP = 0.9  # a second passage scoring this close to the best is quoted as well …
RUNNER_UP_SENTENCE = 0.7  # … when its best sentence answers nearly as well
MAX_RUNNERS_UP = 2


def applies(ctx: Context) -> bool:
    """The best evidence answers."""
    return bool(ctx.candidates) and ctx.answers(ctx.candidates[0])


def compose(ctx: Context) -> Answer:
    """The best passage's answer, and any runner-up's."""
    best = ctx.candidates[0]
    entry = ctx.entry(best)
    text = ctx.block(entry, whole=True if ctx.question.detailed else None)
    ordered = [best]
    for runner_up in _runners_up(ctx):
        text += "\n\nNgoài ra:\n" + ctx.block(ctx.entry(runner_up))
        ordered.append(runner_up)
    ordered += [c for c in ctx.candidates if c not in ordered]
    sources = [ctx.source(c) for c in ordered[:MAX_SOURCES]]
    text = ctx.generated([ctx.entry(c) for c in ordered[:3]], text)
    return Answer(ctx.question.raw, text, True, sources, [entry.meta.locality])


def _runners_up(ctx: Context) -> list[Candidate]:
    best = ctx.candidates[0]
    return [
        c
        for c in ctx.candidates[1 : MAX_RUNNERS_UP + 1]
        if c.score >= RUNNER_UP * best.score and c.unit >= RUNNER_UP_SENTENCE * best.unit and ctx.answers(c)
    ]
