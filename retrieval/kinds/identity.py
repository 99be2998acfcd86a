"""The plan's own number, date and title ("kế hoạch của X số mấy, ban hành ngày nào"), from its metadata."""

from __future__ import annotations

import re

from retrieval.answers import Answer
from retrieval.compose import plan_identity
from retrieval.kinds.context import Context

_IDENTITY_WORDS = frozenset({"ban", "hanh", "ky", "so", "ngay", "thang", "nam", "ten", "goi", "hieu"})
# Words that describe the plan itself ("kế hoạch phát động phong trào thi đua đổi mới sáng tạo … số mấy")
_PLAN_WORDS = frozenset(
    {
        "ke",
        "hoach",
        "phat",
        "dong",
        "trien",
        "khai",
        "phong",
        "trao",
        "thi",
        "dua",
        "doi",
        "moi",
        "sang",
        "tao",
        "chuyen",
    }
)
# … as long as the question asks for the plan's own number or date of issue, not when the movement runs
_IDENTITY_ASKED = re.compile(
    r"\bban hanh\b|\b(so|ky) hieu\b|\bso (may|bao nhieu|nao|gi)\b|\bngay ky\b|\bky (vao )?ngay\b"
)
_CITING = re.compile(
    r" (thuc hien|can cu|nhac|dan chieu|theo|nghi quyet|quyet dinh|chuong trinh|chi thi|thong tu|cong van|cua tinh) "
)


def asks_identity(ctx: Context) -> bool:
    """Whether one named plan is asked for its own number or date, not for a document it cites."""
    question = ctx.question
    if len(question.docs) != 1 or _CITING.search(f" {question.query.folded} "):
        return False
    if not _IDENTITY_ASKED.search(question.query.folded):
        return False
    own = set(re.findall(r"[0-9a-z]+", ctx.library.metas[question.docs[0]].number.lower()))
    return all(word in _IDENTITY_WORDS | _PLAN_WORDS or word in own for word in question.terms.content)


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
