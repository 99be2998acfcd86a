"""Extract precise facts from a plan's passages: deadlines, phases, award forms, targets and responsible bodies.

Extraction is rule-based and works on folded text (lower case, no diacritics) with patterns that accept the usual
OCR misreadings ("trudc ngay" for "trước ngày", "C0¢ thi dua" for "Cờ thi đua"), so it gives the same facts on raw
OCR text as on repaired text. Values are normalised and written in proper Vietnamese ("Bằng khen của Thủ tướng
Chính phủ", "Giai đoạn 1: 2025–2027"); ``Fact.text`` keeps the passage's own sentence or list item.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import SequenceMatcher

from core.vietnamese import fold, nfc, squash_spaces
from knowledge.passages import Fact, Passage, PlanMeta
from knowledge.structure import TRAILER_TITLE, clean_title

_ITEM_MARKER = re.compile(r"^\s*[-+•–—]\s*(?:[-+]\s*)?")
_HEADING_LABEL = re.compile(r"^\s*(?:[IVXl1|]{1,5}\.|\d{1,2}(?:\.\d{1,2})?\.?|[a-zđ¢]\)|[a-zđ]\.)\s+")
_LETTER_LABEL = re.compile(r"^\s*[a-zđ¢][).]\s")
_SENTENCE_SPLIT = re.compile(r"(?<=[.;!?])\s+(?=\S)")

# --- deadlines ---------------------------------------------------------------------------------------------------
_DEADLINE = re.compile(
    r"\b(?:tr\S{1,3}c|ch\S{1,2}m\s+nh\S{1,2}t|h\S{1,2}n)\s+(?:ng\S{1,2}y\s*)?"
    r"(\d{1,2})\s*(?:/|\s+th\S{1,3}ng\s+)\s*(\d{1,2})(?:\s*(?:/|\s+n\S{1,2}m\s+)\s*(\d{4}))?(?!\d)"
)
_EVERY_YEAR = re.compile(r"h\S{1,2}ng\s+n\S{1,2}m")
_PERIODIC = re.compile(r"[dp]\S{1,2}nh\s+k\S{0,2}\b")  # "định kỳ", read "pinh ky" when Đ is taken for P
_REPORT = re.compile(r"b\S{1,2}o\s+c\S{0,2}o")

# --- phases --------------------------------------------------------------------------------------------------------
_PHASE = re.compile(
    r"giai\s+\S{2,4}n\s+([0-9ivxl\[|]{1,3})(?![0-9])\s*:?\s*\(?\s*(?:t\S{1,3}\s+)?(?:n\S{1,2}m\s+)?"
    r"(\d{4})\s*[-–]+\s*(\d{4})"
)
_PERIOD = re.compile(r"t\S{1,3}\s+n\S{1,2}m\s*(\d{4})\s+d\S{1,2}n\s+n\S{1,2}m\s*(\d{4})")
_REVIEW = re.compile(r"\b(s\S|t\S{1,2}ng)\s+k\S{1,2}t\b[^.;]{0,80}?n\S{1,2}m\s*(\d{4})")
_PHASE_DIGITS = {"[": "1", "|": "1", "l": "1", "i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5"}

# --- awards --------------------------------------------------------------------------------------------------------
_AWARD_TYPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^hu\S{0,2}n\s+ch\S{1,3}ng\b"), "Huân chương"),
    (re.compile(r"^c\S{0,3}\s+thi\s+d\S{1,2}a\b"), "Cờ thi đua"),
    (re.compile(r"^b\S{0,3}\s*khen\b"), "Bằng khen"),
    (re.compile(r"^gi\S{0,3}\s+khen\b"), "Giấy khen"),
    (re.compile(r"^k\S\s+ni\S{1,2}m\s+ch\S{1,3}ng\b"), "Kỷ niệm chương"),
    (re.compile(r"^danh\s+hi\S{1,2}u\b"), "Danh hiệu"),
)
_OF = re.compile(r"^c\S{0,3}a\s+")  # "của" and its misreadings "ctia", "cta", "caa", "ciia"
_AWARD_AUTHORITIES = {
    "lao dong": "Lao động",
    "thu tuong chinh phu": "của Thủ tướng Chính phủ",
    "chinh phu": "của Chính phủ",
    "chu tich ubnd thanh pho": "của Chủ tịch UBND Thành phố",
    "ubnd thanh pho": "của UBND Thành phố",
    "chu tich ubnd tinh": "của Chủ tịch UBND tỉnh",
    "ubnd tinh": "của UBND tỉnh",
    "tinh": "của tỉnh",
    "chu tich ubnd phuong": "của Chủ tịch UBND phường",
    "ubnd phuong": "của UBND phường",
    "chu tich ubnd xa": "của Chủ tịch UBND xã",
    "ubnd xa": "của UBND xã",
    "giam doc so": "của Giám đốc Sở",
    "cac cap": "các cấp",
}
_MAX_AWARD_ITEM = 110  # an award form is a short list item, not a sentence that mentions one

# --- targets -------------------------------------------------------------------------------------------------------
_PERCENT = re.compile(r"(\d{1,3}(?:[.,]\d+)?)\s*%")
_RANK = re.compile(r"x\S{1,2}p\s+t\S{1,2}\s+th\S{1,3}\s+(\d{1,2})\s+d\S{1,2}n\s+(\d{1,2})")

# --- responsibilities ----------------------------------------------------------------------------------------------
_ORGANISATION_PART = re.compile(r"t\S\s+ch\S{1,3}c\s+th\S{1,3}c\s+hi\S{1,3}n")  # "Tổ chức thực hiện"
_DUTY_VERB = re.compile(
    r"\s(?:[l1]a|chu\s+tri|tap\s+trung|thuc\s+hi\S{1,2}n|chu\s+dong|tham\s+m\S{1,2}u|phoi\s+hop|van\s+dong"
    r"|phan\s+cong|can\s+c\S{1,2}|xay\s+dung|huong\s+dan|chi\s+dao|trien\s+khai|co\s+trach\s+nhiem)\b"
)
_REQUEST = re.compile(r"^\S{1,3}\s+ngh\S{0,2}\s+")  # "Đề nghị …" before the body's name
_STANDING_BODY = re.compile(r"([^,;.()]{4,80}?)\s*\(\s*c\S\s+quan\s+th\S{1,3}ng\s+tr\S{1,2}c")
_MAX_BODY = 110


def _item_text(paragraph: str) -> str:
    return _ITEM_MARKER.sub("", paragraph).strip()


def _content(paragraph: str) -> str:
    """A paragraph without its list marker or numbering ("- ", "1. ", "c) "), so "1." is not taken for a sentence."""
    return _HEADING_LABEL.sub("", _item_text(paragraph), count=1).strip()


def _is_part_heading(paragraph: str) -> bool:
    letters = [ch for ch in paragraph if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) / len(letters) >= 0.8


def _sentences(paragraph: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_SPLIT.split(paragraph) if s.strip()]


def _fuzzy_lookup(folded: str, table: dict[str, str], threshold: float = 0.78) -> str | None:
    best, best_ratio = None, threshold
    for key, value in table.items():
        ratio = SequenceMatcher(None, folded, key).ratio()
        if ratio >= best_ratio:
            best, best_ratio = value, ratio
    return best


def award_value(item: str) -> str | None:
    """The normalised award form of a list item ("- Bằng khen ctia Thi tuéng Chinh phu;"), or None."""
    text = _item_text(item).rstrip(" ;.,")
    if not text or len(text) > _MAX_AWARD_ITEM:
        return None
    folded = fold(text)
    for pattern, name in _AWARD_TYPES:
        match = pattern.match(folded)
        if not match:
            continue
        rest_folded = squash_spaces(re.sub(r"[^\w\s&]", " ", folded[match.end() :]))
        rest_folded = rest_folded.replace("uy ban nhan dan", "ubnd")
        rest_folded = _OF.sub("", rest_folded)
        if not rest_folded:
            return name
        authority = _fuzzy_lookup(rest_folded, _AWARD_AUTHORITIES)
        if authority:
            return f"{name} {authority}"
        # An authority not in the table is kept as the plan writes it.
        return f"{name} {squash_spaces(text[match.end() :])}"
    return None


def _award_facts(passage: Passage) -> list[Fact]:
    facts: list[Fact] = []
    # The short lines above a list say which awards follow ("Khen thưởng tổng kết:" › "a) Danh hiệu thi đua …").
    context: list[str] = []
    for paragraph in passage.text.split("\n"):
        value = award_value(paragraph) if _ITEM_MARKER.match(paragraph) else None
        if value is None and _ITEM_MARKER.match(paragraph) and len(paragraph) <= _MAX_AWARD_ITEM:
            value = award_value(_source_line(paragraph, passage.original))
        if value is None:
            if len(paragraph) <= 80:
                title = clean_title(_ITEM_MARKER.sub("", paragraph), whole_line=True)
                lettered = bool(_LETTER_LABEL.match(paragraph))
                keep_parent = lettered and len(context) == 1 and not _LETTER_LABEL.match(context[0])
                context = [*context, title] if keep_parent else [title]
            continue
        path = passage.section_path
        for title in context:
            if title and all(fold(title) not in fold(step) for step in path):
                path = (*path, title)
        facts.append(Fact(passage.document, "award", value, _item_text(paragraph).rstrip(" ;"), path, passage.id))
    return facts


def _source_line(paragraph: str, original: str) -> str:
    """The source line a short repaired paragraph comes from, to read again what the OCR repair may have garbled."""
    target = fold(paragraph)
    best, best_ratio = "", 0.6
    for line in original.splitlines():
        ratio = SequenceMatcher(None, target, fold(line.strip())).ratio()
        if ratio > best_ratio:
            best, best_ratio = line.strip(), ratio
    return best


def _deadline_facts(passage: Passage, sentence: str) -> list[Fact]:
    folded = fold(sentence)
    facts = []
    for match in _DEADLINE.finditer(folded):
        day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
        if 1 <= day <= 31 and 1 <= month <= 12:
            value = f"{day}/{month}/{year}" if year else f"{day}/{month}"
            facts.append(_fact(passage, "deadline", value, sentence))
    if not facts and _PERIODIC.search(folded) and _EVERY_YEAR.search(folded) and _REPORT.search(folded):
        facts.append(_fact(passage, "deadline", "định kỳ hằng năm", sentence))
    return facts


def _phase_facts(passage: Passage, sentence: str) -> list[Fact]:
    folded = fold(sentence)
    facts = []
    for match in _PHASE.finditer(folded):
        token = match.group(1)
        number = token if token.isdigit() else _PHASE_DIGITS.get(token, token)
        facts.append(_fact(passage, "phase", f"Giai đoạn {number}: {match.group(2)}–{match.group(3)}", sentence))
    for match in _PERIOD.finditer(folded):
        facts.append(_fact(passage, "phase", f"Thời gian thực hiện: {match.group(1)}–{match.group(2)}", sentence))
    for match in _REVIEW.finditer(folded):
        kind = "Sơ kết" if match.group(1).startswith("s") else "Tổng kết"
        facts.append(_fact(passage, "phase", f"{kind} {match.group(2)}", sentence))
    return facts


def _target_facts(passage: Passage, paragraph: str) -> list[Fact]:
    item = _item_text(paragraph)
    facts = [_fact(passage, "target", f"{m.group(1)}%", item) for m in _PERCENT.finditer(item)]
    for match in _RANK.finditer(fold(item)):
        facts.append(_fact(passage, "target", f"xếp thứ {match.group(1)}–{match.group(2)}", item))
    return facts


def body_name(heading: str) -> str:
    """The responsible body named at the start of a duty ("1. Phòng Văn hóa – Xã hội là cơ quan …" → the Phòng)."""
    text = _HEADING_LABEL.sub("", nfc(heading)).strip()
    request = _REQUEST.match(fold(text))
    if request:
        text = text[request.end() :]
    folded = fold(text)
    cut = len(text)
    for stop in (folded.find(":"), folded.find("(")):
        if stop > 0:
            cut = min(cut, stop)
    verb = _DUTY_VERB.search(folded)
    if verb and verb.start() > 0:
        cut = min(cut, verb.start())
    name = text[:cut].strip(" ,;.:-–—")
    if len(name) > _MAX_BODY:
        name = name[: name.rfind(" ", 0, _MAX_BODY)] + "…"
    return name


def _responsibility_facts(passage: Passage) -> list[Fact]:
    facts: list[Fact] = []
    path = passage.section_path
    in_organisation = len(path) >= 2 and bool(_ORGANISATION_PART.search(fold(path[0])))
    paragraphs = passage.text.split("\n")
    if in_organisation:
        label = path[1].split(" ", 1)[0]
        # The body's name comes from its own numbered paragraph when the passage has it (the path title is cut short).
        own = next((p for p in paragraphs if p.startswith(label)), path[1])
        body = body_name(own)
        for paragraph in paragraphs:
            if _is_part_heading(paragraph):
                continue  # the part heading ("IV. TỔ CHỨC THỰC HIỆN") is no duty
            duty = _content(paragraph)
            if body and len(duty) > len(body) + 10:
                facts.append(_fact(passage, "responsibility", body, duty))
    for paragraph in paragraphs:
        for sentence in _sentences(_content(paragraph)):
            match = _STANDING_BODY.search(fold(sentence))
            if match:
                name = body_name(sentence[match.start(1) : match.end(1)])
                if name:
                    facts.append(_fact(passage, "responsibility", name, sentence))
    return facts


def _fact(passage: Passage, kind: str, value: str, text: str) -> Fact:
    return Fact(passage.document, kind, value, squash_spaces(text), passage.section_path, passage.id)


def extract_facts(meta: PlanMeta, passages: list[Passage]) -> list[Fact]:
    """Extract a plan's deadlines, phases, award forms, targets and responsible bodies from its passages.

    Facts come in passage order; a fact found twice in the same sentence under the same heading is kept once. The
    recipients and signature block is skipped.
    """
    facts: list[Fact] = []
    for passage in passages:
        if passage.document != meta.document or passage.section_path[:1] == (TRAILER_TITLE,):
            continue
        facts.extend(_award_facts(passage))
        for paragraph in passage.text.split("\n"):
            facts.extend(_target_facts(passage, paragraph))
            for sentence in _sentences(_content(paragraph)):
                facts.extend(_deadline_facts(passage, sentence))
                facts.extend(_phase_facts(passage, sentence))
        facts.extend(_responsibility_facts(passage))
    return _unique(facts)


def _unique(facts: Iterable[Fact]) -> list[Fact]:
    seen: set[tuple[str, str, str, tuple[str, ...]]] = set()
    kept = []
    for fact in facts:
        # The same item under another heading is another fact: a Giấy khen both at sơ kết and at tổng kết.
        key = (fact.kind, fact.value, fact.text, fact.section_path)
        if key not in seen:
            seen.add(key)
            kept.append(fact)
    return kept


def award_forms(facts: Iterable[Fact]) -> list[str]:
    """The complete list of a plan's award forms, each once, in the order the plan gives them."""
    forms: list[str] = []
    for fact in facts:
        if fact.kind == "award" and fact.value not in forms:
            forms.append(fact.value)
    return forms
