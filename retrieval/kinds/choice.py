"""Which kind of answer a question gets, and the strategy that composes each kind."""

from __future__ import annotations

from collections.abc import Callable

from retrieval.answers import Answer
from retrieval.kinds import AnswerKind, document, each_plan, elsewhere, identity, one_plan
from retrieval.kinds.context import Context


def choose(ctx: Context) -> AnswerKind:
    """The kind of answer, from the most specific question to the plain one; the plans' silence last."""
    if elsewhere.unknown_place(ctx) is not None:
        return AnswerKind.ELSEWHERE
    if document.about_a_document_not_held(ctx):
        return AnswerKind.NOT_FOUND
    if document.applies(ctx):
        return AnswerKind.DOCUMENT
    if identity.applies(ctx):
        return AnswerKind.IDENTITY
    if each_plan.applies(ctx):
        return AnswerKind.EACH_PLAN
    if one_plan.applies(ctx):
        return AnswerKind.ONE_PLAN
    return AnswerKind.NOT_FOUND


def _not_found(ctx: Context) -> Answer:
    return ctx.declined(ctx.question.docs)


STRATEGIES: dict[AnswerKind, Callable[[Context], Answer]] = {
    AnswerKind.ELSEWHERE: elsewhere.compose,
    AnswerKind.DOCUMENT: document.compose,
    AnswerKind.IDENTITY: identity.compose,
    AnswerKind.EACH_PLAN: each_plan.compose,
    AnswerKind.ONE_PLAN: one_plan.compose,
    AnswerKind.NOT_FOUND: _not_found,
}


def answer(ctx: Context) -> Answer:
    """Compose the answer of the kind the question gets."""
    return STRATEGIES[choose(ctx)](ctx)
