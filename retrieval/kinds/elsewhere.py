"""A question about a place none of the plans covers ("phường Cầu Giấy")."""

from __future__ import annotations

from retrieval.answers import Answer
from retrieval.compose import decline_elsewhere
from retrieval.kinds.context import Context


def unknown_place(ctx: Context) -> str | None:
    """The place the question names that no plan is about (and no passage mentions), if any."""
    if ctx.question.docs:
        return None
    place = ctx.library.resolver.unknown_locality(ctx.question.query.text)
    return place if place is not None and not ctx.library.mentioned(place) else None


def compose(ctx: Context) -> Answer:
    """Say that no plan of that place is held, and whom to ask."""
    place = unknown_place(ctx) or ""
    return Answer(ctx.question.raw, decline_elsewhere(place), False, [], [])
