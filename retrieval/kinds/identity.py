"""The plan's own number, date and title ("kế hoạch của X số mấy, ban hành ngày nào"), from its metadata."""

from __future__ import annotations

import re

from retrieval.answers import Answer
from retrieval.compose import plan_identity
from retrieval.kinds.context import Context

_IDENTITY_WORDS = frozenset({"ban", "hanh", "ky", "so", "ngay", "thang", "nam", "ten", "goi", "hieu"})
_CITING = re.compile(
    r" (thuc hien|can cu|nhac|dan chieu|theo|nghi quyet|quyet dinh|chuong trinh|chi thi|thong tu|cong van|cua tinh) "
)


def asks_identity(ctx: Context) -> bool:
    """Whether one named plan is asked for its own number or date, not for a document it cites."""
    question = ctx.question
    if len(question.docs) != 1 or _CITING.search(f" {question.query.folded} "):
        return False
    own = set(re.findall(r"[0-9a-z]+", ctx.library.metas[question.docs[0]].number.lower()))
    return all(word in _IDENTITY_WORDS or word in own for word in question.terms.content)


def applies(ctx: Context) -> bool:
    """A question for the plan's number or date."""
    query = ctx.question.query
    return (query.wants_number or query.wants_date) and asks_identity(ctx)


def compose(ctx: Context) -> Answer:
    """Number, date and title of the plan, citing its opening passage."""
    first = ctx.library.opening(ctx.question.docs[0])
    if first is None:
        return ctx.declined(ctx.question.docs)
    text = plan_identity(first.meta, first.passage)
    return Answer(ctx.question.raw, text, True, [ctx.source_of(first.passage)], [first.meta.locality])
