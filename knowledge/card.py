"""A plan's document card: what the plan is as a document — who signed it, what it implements, whom it is sent to.

Read from the plan's own passages (the preamble before section I and the closing "Nơi nhận" block), so it is rebuilt
whenever the plans held change. The links between plans (which plan implements which) are derived over all cards.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from core.vietnamese import fold, squash_spaces
from knowledge.passages import Passage, PlanMeta

_KINDS = (
    r"Nghị quyết|Quyết định|Kế hoạch|Chương trình(?: hành động)?|văn bản|Văn bản|Chỉ thị|Công văn|Hướng dẫn|Thông tư"
)
# "Kế hoạch số 190/KH-UBND ngày 18/7/2025 của UBND thành phố Hà Nội về …": kind, number, date, issuer
_REFERENCE = re.compile(
    rf"(?P<kind>{_KINDS})\s+(?:số\s*)?(?P<number>\d{{1,5}}\s*[-/]\s*[0-9A-Za-zĐđ/\-–. ]{{1,24}}?)\s+ngày\s+"
    r"(?P<date>\d{1,2}\s*(?:/|tháng)\s*\d{1,2}\s*(?:/|năm)\s*\d{4})"
    r"(?:\s+(?:của|do)\s+(?P<issuer>[^;,(“]+?))?(?=\s+(?:về|ban hành|triển khai|trên)\b|[;,(“]|$)"
)
_MOVEMENT = re.compile(r"[Pp]hong trào(?: thi đua)?\s*[“\"]([^”\"]{8,200})[”\"]")
# On the folded original (OCR reads "GIÁM ĐỐC" as "GIAM bOC"): "kt. chu tich", "pho chu tich", "kt. giam doc"
_SIGNER_TITLE = re.compile(r"\b(?:(kt|tm|tl)\s*\.\s*|(pho)\s+)(chu tich|giam [db]oc)\b")
_TITLES = {"chu tich": "Chủ tịch", "giam doc": "Giám đốc", "giam boc": "Giám đốc"}
_NAME = re.compile(r"^[~\-–•*.\s]*([A-ZÀ-Ỹ][a-zà-ỹ]+(?:\s+[A-ZÀ-Ỹ][a-zà-ỹ]+){1,4})\s*\.?$")
_RECIPIENT_TAIL = re.compile(r"(?:[;,]\s*|\s+)(?:[A-ZÀ-Ỹ][A-ZÀ-Ỹ.]+\s*)+$|\s*\((?:b/c|để[^)]*|dự[^)]*)\)?.*$", re.I)


@dataclass(frozen=True)
class Reference:
    """A document a plan names in its preamble: "Kế hoạch số 190/KH-UBND ngày 18/7/2025 của UBND Thành phố"."""

    kind: str
    number: str
    date: str
    issuer: str

    @property
    def label(self) -> str:
        """The reference as a person reads it."""
        issuer = f" của {self.issuer}" if self.issuer else ""
        return f"{self.kind} số {self.number} ngày {self.date}{issuer}"


@dataclass(frozen=True)
class PlanCard:
    """What a plan is as a document, with the passages that show each part (for citing)."""

    meta: PlanMeta
    opening: Passage | None
    closing: Passage | None
    movement: str = ""
    bases: tuple[Reference, ...] = ()  # every document the preamble cites
    implements: tuple[Reference, ...] = ()  # the higher plan(s) it carries out ("Thực hiện Kế hoạch số …")
    recipients: tuple[str, ...] = ()
    signer: str = ""  # the name under the signature, as read
    signer_title: str = ""  # "KT. Chủ tịch – Phó Chủ tịch"
    implemented_by: tuple[PlanMeta, ...] = field(default_factory=tuple)

    @property
    def document(self) -> str:
        """The plan's document identifier."""
        return self.meta.document


def build_cards(passages_by_doc: Mapping[str, Sequence[Passage]], metas: Mapping[str, PlanMeta]) -> dict[str, PlanCard]:
    """Every plan's card, with the implemented-by links between the plans held."""
    cards = {doc: read_card(metas[doc], passages) for doc, passages in passages_by_doc.items() if doc in metas}
    return link_cards(cards)


def read_card(meta: PlanMeta, passages: Sequence[Passage]) -> PlanCard:
    """One plan's card from its passages in reading order."""
    ordered = sorted(passages, key=lambda p: p.order)
    preamble = _preamble(ordered)
    closing = _closing(ordered)
    text = squash_spaces(" ".join(p.text for p in preamble).replace("\n", " "))
    bases = tuple(_references(text))
    implements = tuple(r for r in bases if _implements(text, r))
    signer_title, signer = _signature(closing)
    return PlanCard(
        meta=meta,
        opening=preamble[0] if preamble else (ordered[0] if ordered else None),
        closing=closing,
        movement=_movement(meta.title) or _movement(text),
        bases=bases,
        implements=implements,
        recipients=_recipients(closing),
        signer=signer,
        signer_title=signer_title,
    )


def link_cards(cards: dict[str, PlanCard]) -> dict[str, PlanCard]:
    """Fill each card's implemented-by list: the plans held whose preamble says they carry it out."""
    linked: dict[str, PlanCard] = {}
    for doc, card in cards.items():
        own = _number_key(card.meta.number)
        children = tuple(
            other.meta
            for other in cards.values()
            if other.document != doc and own and any(_number_key(r.number) == own for r in other.implements)
        )
        linked[doc] = replace(card, implemented_by=children)
    return linked


def _preamble(ordered: Sequence[Passage]) -> list[Passage]:
    out: list[Passage] = []
    for passage in ordered:
        if passage.section_path and passage.section_path[0] != "Mở đầu":
            break
        out.append(passage)
    return out


def _closing(ordered: Sequence[Passage]) -> Passage | None:
    for passage in reversed(ordered):
        if "noi nhan" in fold(passage.text[:400]) or passage.section_path[:1] == ("Nơi nhận",):
            return passage
    return None


def _references(text: str) -> Iterable[Reference]:
    seen: set[str] = set()
    for match in _REFERENCE.finditer(text):
        number = re.sub(r"\s+", "", match["number"]).rstrip(".-–")
        key = _number_key(number)
        if key in seen:
            continue
        seen.add(key)
        issuer = squash_spaces(match["issuer"] or "").rstrip(" .")
        kind = match["kind"][0].upper() + match["kind"][1:]
        yield Reference(kind, number, squash_spaces(match["date"]), issuer)


def _implements(text: str, reference: Reference) -> bool:
    """Whether the reference is a plan launching the same movement, which this plan carries out at its level."""
    if reference.kind != "Kế hoạch":
        return False
    at = text.find(reference.number)
    about = fold(text[at : at + 220])
    return "phong trao" in about


def _number_key(number: str) -> str:
    return re.sub(r"[^0-9a-z]", "", fold(number))


def _movement(text: str) -> str:
    match = _MOVEMENT.search(text)
    return squash_spaces(match.group(1)) if match else ""


def _signature(closing: Passage | None) -> tuple[str, str]:
    if closing is None:
        return "", ""
    titles: list[str] = []
    for match in _SIGNER_TITLE.finditer(fold(closing.original)):
        prefix, _deputy, office = match.groups()
        title = f"{prefix.upper()}. {_TITLES[office]}" if prefix else f"Phó {_TITLES[office]}"
        if title not in titles:
            titles.append(title)
    if not titles:  # "TM. ỦY BAN NHÂN DÂN" over "CHỦ TỊCH": the head signs in the body's name
        alone = re.search(r"^\s*(chu tich|giam [db]oc)\s*$", fold(closing.original), re.M)
        titles = [_TITLES[alone.group(1)]] if alone else []
    if titles and titles[0].startswith("KT.") and len(titles) == 1:
        titles.append("Phó " + titles[0][4:])  # signing for ("ký thay") the head is a deputy
    name = ""
    for line in reversed(closing.original.splitlines()):
        found = _NAME.match(line.strip())
        if found and len(found.group(1)) >= 8:
            name = found.group(1)
            break
    return " – ".join(titles), _with_surname(name)


# The common Vietnamese surnames: a scan's slip in the first word of a signer's name ("Neguyen") is one of them.
_SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đinh",
    "Trịnh",
    "Đào",
    "Lương",
    "Tạ",
    "Lưu",
    "Đoàn",
    "Vương",
    "Triệu",
    "Lâm",
    "Kiều",
    "Nông",
    "Hứa",
    "Tô",
    "Quách",
    "Khúc",
    "Lã",
    "Mạc",
    "Hà",
    "Cao",
    "Mai",
    "Chu",
    "Thái",
]


def _with_surname(name: str) -> str:
    """The signer's name with its surname spelt as surnames are, when the scan read it one letter off."""
    first, _, rest = name.partition(" ")
    if len(rest.split()) < 2:  # a surname and a given name at least; two words may be a given name alone
        return name
    folded = fold(first)
    for surname in _SURNAMES:
        target = fold(surname)
        if folded == target or (len(folded) >= 4 and _one_edit(folded, target)):
            return f"{surname} {rest}"
    return name


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by one inserted, deleted or replaced letter."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _recipients(closing: Passage | None) -> tuple[str, ...]:
    if closing is None:
        return ()
    out: list[str] = []
    for line in closing.text.splitlines():
        line = line.strip()
        if not line.startswith("-"):
            continue
        item = _RECIPIENT_TAIL.sub("", line.lstrip("- ").strip()).strip(" ;,.")
        item = re.sub(r"\s*[|#]\s*.*$", "", item).strip(" ;,.)(")
        if item and not fold(item).startswith("luu"):
            out.append(item)
    return tuple(out)
