"""A question about a place none of the plans covers ("phường Cầu Giấy")."""

from __future__ import annotations

import re

from retrieval.answers import Answer
from retrieval.compose import decline_elsewhere
from retrieval.kinds.context import Context
from retrieval.query import STOPWORDS

# A level word and the two words after it, in a question typed in lower case ("xa tan lap", "phuong cau giay").
_LOWER_PLACE = re.compile(r"\b(phuong|xa|quan|huyen|tinh|thi tran|thi xa) ([a-z]+ [a-z]+)\b")


def unknown_place(ctx: Context) -> str | None:
    """The place the question names that no plan is about (and no passage mentions), if any."""
    if ctx.question.docs:
        return None
    place = ctx.library.resolver.unknown_locality(ctx.question.query.text) or _lower_case_place(ctx)
    return place if place is not None and not ctx.library.mentioned(place) else None


def _lower_case_place(ctx: Context) -> str | None:
    """A place typed without capitals, when its name is no pair of words the plans use ("trên địa" is)."""
    for match in _LOWER_PLACE.finditer(ctx.question.query.folded):
        first, second = match.group(2).split()
        if first in STOPWORDS or second in STOPWORDS or ctx.library.lexical.known(f"p:{first} {second}"):
            continue
        words = match.group(2).title()
        if not ctx.library.resolver.documents_named(words):
            return f"{_LEVELS[match.group(1)]} {words}"
    return None


_LEVELS = {
    "phuong": "phường",
    "xa": "xã",
    "quan": "quận",
    "huyen": "huyện",
    "tinh": "tỉnh",
    "thi tran": "thị trấn",
    "thi xa": "thị xã",
}


def compose(ctx: Context) -> Answer:
    """Say that no plan of that place is held, and whom to ask."""
    place = unknown_place(ctx) or ""
    return Answer(ctx.question.raw, decline_elsewhere(place), False, [], [])
