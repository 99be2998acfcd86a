"""Questions about a plan as a document — who signed it, its number and date, what it implements, whom it is sent to —
answered from the plan's document card (``knowledge.card``), one line per plan, citing the passage that shows it."""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import Enum

from knowledge.card import PlanCard
from knowledge.passages import Passage, PlanMeta
from retrieval.answers import Answer, Source
from retrieval.compose import citation, display_date
from retrieval.kinds.context import MAX_SOURCES, Context
from retrieval.kinds.identity import asks_identity
from retrieval.query import canonical_wording


class Aspect(Enum):
    """Which part of the document card a question asks for."""

    SIGNER = "signer"
    IDENTITY = "identity"  # number, date of issue, issuing body
    BASES = "bases"  # the documents it is based on
    IMPLEMENTS = "implements"  # the higher plan it carries out
    IMPLEMENTED_BY = "implemented_by"  # the plans held that carry it out
    RECIPIENTS = "recipients"
    MOVEMENT = "movement"  # the full name of the movement it launches


# Read on the folded question (shorthand expanded); the first that matches wins, most specific first.
_PATTERNS: tuple[tuple[Aspect, re.Pattern[str]], ...] = tuple(
    (aspect, re.compile("|".join(alternatives)))
    for aspect, alternatives in (
        (
            Aspect.SIGNER,
            (
                r"\b(ai|nguoi nao|nguoi|ong nao|ba nao|lanh dao nao) (da )?(ky|ky ban hanh)\b",
                r"\bnguoi ky\b",
                r"\bky ten\b",
                r"\bky boi\b",
                r"\bdo ai ky\b",
                r"\bnguoi ky .*\bchuc vu\b",
                r"\bky ten\b",
            ),
        ),
        (
            Aspect.IMPLEMENTED_BY,
            (
                r"\b((ke hoach|van ban|don vi|dia phuong|noi) nao|ai) (da )?(trien khai|thuc hien|cu the hoa)\b"
                r".*\b(ke hoach|so) ?\d",
                r"\bduoc ((cac |nhung )?(ke hoach|don vi|dia phuong) nao|ai) (trien khai|thuc hien)",
                r"\b(ke hoach|van ban) nao\b.*\b(trien khai|thuc hien|cu the hoa) (ke hoach|van ban)? ?(so )?\d",
            ),
        ),
        (
            Aspect.RECIPIENTS,
            (
                r"\bnoi nhan\b",
                r"\bgui (den |toi |cho )?(nhung |cac )?(ai|co quan nao|don vi nao|noi nao)\b",
                r"\bduoc gui (den|toi|cho)\b",
                r"\b(ke hoach|van ban)\b[a-z0-9 ]* co gui (den |toi |cho )?[a-z ]+ (khong|chua) ?$",
                r"\b(ke hoach|van ban)\b[a-z0-9 ]* duoc gui\b[a-z ]* (ai|(co quan|don vi|noi)\b[a-z ]*\bnao)\b",
            ),
        ),
        (
            Aspect.IMPLEMENTS,
            (
                r"\b(thuc hien|trien khai|cu the hoa) (ke hoach|van ban|chi dao) (nao|cua cap nao|cua ai|cap tren)\b",
                r"\bke hoach cap tren\b",
                r"\btheo ke hoach nao\b",
                r"\b(thuc hien|trien khai) theo (van ban|ke hoach) nao\b",
            ),
        ),
        (
            Aspect.BASES,
            (
                r"\bcan cu (vao )?(van ban|nhung van ban|cac van ban|nghi quyet|phap ly|nao|gi)\b",
                r"\bco so phap ly\b",
                r"\bdua tren (van ban|nghi quyet|nhung van ban) nao\b",
                r"\bcan cu phap ly\b",
            ),
        ),
        (
            Aspect.MOVEMENT,
            (
                r"\bten (day du |chinh xac )?(cua )?(phong trao|ke hoach)\b",
                r"\bphong trao (thi dua )?(ten|co ten) (la )?gi\b",
                r"\bphat dong phong trao (nao|gi)\b",
                r"\bten goi\b",
                r"\bco ten (day du |chinh xac )?(la )?gi\b",
                r"\bten (day du|chinh xac)\b",
            ),
        ),
        (
            Aspect.IDENTITY,
            (
                r"\b(ke hoach|van ban)( cua [a-z ]+)? (so hieu|so may|so bao nhieu|ky hieu)\b",
                r"\bso hieu\b",
                r"\bso may\b",
                r"\bban hanh (ngay|khi|luc|vao ngay|thang) (nao|may|bao gio)",
                r"\bban hanh (vao )?(ngay|thang|nam)( thang)?( nam)? (nao|may|bao nhieu)\b",
                r"\bban hanh (khi nao|bao gio|luc nao)\b",
                r"\bngay ban hanh\b",
                r"\b(co quan|don vi|ai) ban hanh\b",
                r"\bban hanh boi\b",
                r"\bngay (ky|nao ky)\b",
            ),
        ),
    )
)


def document_aspect(folded_question: str) -> Aspect | None:
    """The card part a question asks for, or None for a question about the plan's content."""
    text = f" {canonical_wording(folded_question)} "
    text = text.replace(" gui bao cao ", " bao cao ")  # sending reports is the plan's content, not its recipients
    for aspect, pattern in _PATTERNS:
        if pattern.search(text):
            return aspect
    return None


_CITING_DOCUMENT = re.compile(r" (nghi quyet|quyet dinh|chi thi|thong tu|cong van|chuong trinh)\b")


# The words the patterns above are written with: a question with more words than these is about the content.
_ASPECT_WORDS = frozenset(
    word for _, pattern in _PATTERNS for word in re.findall(r"[a-z]{2,}", pattern.pattern.replace("\\b", " "))
)
MAX_OTHER_WORDS = 3


def applies(ctx: Context) -> bool:
    """A question about the plan itself, not about a document it cites ("Nghị quyết 57 … ngày nào") nor about
    the plan's content in the words of one ("tiêu chí … báo cáo theo kế hoạch nào")."""
    aspect = document_aspect(ctx.question.query.folded)
    if aspect is None:
        return False
    numbers = {w for meta in ctx.library.metas.values() for w in re.findall(r"[a-z]+", meta.number.lower())}
    other = [w for w in ctx.question.terms.content if w not in _ASPECT_WORDS | numbers and not w.isdigit()]
    if len(other) > MAX_OTHER_WORDS or not _numbers_held(ctx):
        return False
    if aspect is Aspect.IDENTITY:
        return asks_identity(ctx) or _asks_every_plan(ctx)
    return aspect is Aspect.IMPLEMENTED_BY or _CITING_DOCUMENT.search(f" {ctx.question.query.folded} ") is None


def _asks_every_plan(ctx: Context) -> bool:
    """No plan named, no number cited, and the plans asked of in the plural ("các kế hoạch … số hiệu"): each
    plan's own card answers."""
    query = ctx.question.query
    plural = re.search(r"\b(cac|nhung|moi|may) (ke hoach|van ban)\b", query.folded) is not None
    return not ctx.question.docs and not query.numbers and plural


def about_a_document_not_held(ctx: Context) -> bool:
    """Who signed a document, or whom it was sent to, asked of one the plans cite but nobody holds ("kế hoạch 2038
    của tỉnh … do ai ký"): the sentence citing it cannot say, so the plans do not."""
    aspect = document_aspect(ctx.question.query.folded)
    return aspect in (Aspect.SIGNER, Aspect.RECIPIENTS) and not _numbers_held(ctx)


def compose(ctx: Context) -> Answer:
    """One line per plan asked about (every plan when none is named), from its document card."""
    aspect = document_aspect(ctx.question.query.folded)
    assert aspect is not None
    cards = _cards_asked(ctx)
    lines: list[str] = []
    sources: list[Source] = []
    silent: list[PlanMeta] = []
    for card in cards:
        found = card_answer(card, aspect)
        if found is None:
            silent.append(card.meta)
            continue
        line, passage = found
        lines.append(line if passage is None else f"{line}\n{citation(card.meta, passage, ctx.link_base)}")
        if passage is not None:
            sources.append(ctx.source_of(passage))
    if not lines:
        return ctx.declined([m.document for m in silent])
    if silent:
        names = ", ".join(meta.citation for meta in silent)
        lines.append(f"{names}: văn bản em có không ghi rõ (hoặc bản quét không đọc được) nội dung này.")
    localities = [c.meta.locality for c in cards]
    return Answer(ctx.question.raw, "\n\n".join(lines), True, sources[:MAX_SOURCES], localities)


def _numbers_held(ctx: Context) -> bool:
    """Every number the question names (a year, a plan number) belongs to a plan held: "kế hoạch … năm 2020" is
    about no plan here."""
    held = {
        n.lstrip("0")
        for meta in ctx.library.metas.values()
        for n in re.findall(r"\d+", f"{meta.number} {meta.date} {meta.title}")
    }
    return all(n.lstrip("0") in held for n in ctx.question.query.numbers)


def _cards_asked(ctx: Context) -> list[PlanCard]:
    """The plans named (by place, else by number: "kế hoạch 190"), else every plan."""
    cards = ctx.library.cards
    named = [cards[d] for d in ctx.question.docs if d in cards]
    numbered = [
        card
        for card in cards.values()
        if any(card.meta.number.split("/")[0].lstrip("0") == n.lstrip("0") for n in ctx.question.query.numbers)
    ]
    return named or numbered or [cards[d] for d in sorted(cards)]


def card_answer(card: PlanCard, aspect: Aspect) -> tuple[str, Passage | None] | None:
    """One line answering ``aspect`` for this plan, and the passage that shows it; None when the card lacks it."""
    compose = _COMPOSERS[aspect]
    line = compose(card)
    if not line:
        return None
    shown_by = card.closing if aspect in (Aspect.SIGNER, Aspect.RECIPIENTS) else card.opening
    return line, shown_by


def _signer(card: PlanCard) -> str:
    if not card.signer:
        return ""
    title = f" ({card.signer_title})" if card.signer_title else ""
    scanned = card.closing is not None and card.closing.original != card.closing.text
    read = " (tên đọc từ bản quét)" if scanned else ""
    return f"{card.meta.citation} do {card.signer}{title} ký{read}."


def _identity(card: PlanCard) -> str:
    date = display_date(card.meta.date)
    when = f", ban hành {date}" if date else ""
    return f"{card.meta.citation}: số {card.meta.number}{when}, cơ quan ban hành: {card.meta.issuer}."


def _bases(card: PlanCard) -> str:
    if not card.bases:
        return ""
    items = "\n".join(f"- {r.label};" for r in card.bases)
    return f"{card.meta.citation} được ban hành căn cứ/thực hiện {len(card.bases)} văn bản:\n{items}"


def _implements(card: PlanCard) -> str:
    if not card.implements:
        return ""
    return f"{card.meta.citation} thực hiện {'; '.join(r.label for r in card.implements)}."


def _implemented_by(card: PlanCard) -> str:
    if not card.implemented_by:
        return ""
    children = "; ".join(m.citation for m in card.implemented_by)
    return f"{card.meta.citation} được cụ thể hóa bằng: {children}."


def _recipients(card: PlanCard) -> str:
    if not card.recipients:
        return ""
    items = "\n".join(f"- {r};" for r in card.recipients)
    return f"{card.meta.citation} gửi đến (nơi nhận):\n{items}"


def _movement(card: PlanCard) -> str:
    if not card.movement:
        return f"{card.meta.citation}: {card.meta.title}."
    named = "" if card.movement in card.meta.title else f" (Phong trào thi đua “{card.movement}”)"
    return f"{card.meta.citation}: {card.meta.title}{named}."


_COMPOSERS: dict[Aspect, Callable[[PlanCard], str]] = {
    Aspect.SIGNER: _signer,
    Aspect.IDENTITY: _identity,
    Aspect.BASES: _bases,
    Aspect.IMPLEMENTS: _implements,
    Aspect.IMPLEMENTED_BY: _implemented_by,
    Aspect.RECIPIENTS: _recipients,
    Aspect.MOVEMENT: _movement,
}
