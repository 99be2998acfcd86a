"""Extractive answer composition: pick the sentences or list items that answer, and cite where they come from."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from core.vietnamese import fold, squash_spaces
from knowledge.passages import Passage, PlanMeta

_SENTENCE_SPLIT = re.compile(r"(?<=[.;!?])\s+(?=[A-ZÀ-Ỹ“\"(])")
_DATE = re.compile(
    r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\b(?:19|20)\d{2}\b|\bquy [1-4iv]+\b|\bhang (?:nam|quy|thang)\b|\bthang \d{1,2}\b"
    r"|\bdinh ky\b|\btruoc ngay\b"
)
_NUMBER = re.compile(r"\d")
_LEADING_NUMBERING = re.compile(r"^\s*(?:(?:\d{1,2}|[ivx]{1,4})[.)]?\s+)+")
_NUMBERING = re.compile(r"^(?:\d{1,2}\.){1,3}\d{0,2}$|^[IVX]{1,4}\.$|^I\d\.$|^[a-zđ][.)]$")
_MARKER_ONLY = re.compile(r"^(?:[-+•*]|[a-zđ]\)|\d{1,2}[.)]|[IVX]{1,4}\.|\|\.?)$")
SHORT_PASSAGE = 700  # a passage up to this long is quoted whole
MAX_QUOTE = 1600

DEFAULT_OFFICE = (
    "Phòng Văn hóa – Xã hội của UBND phường/xã nơi Anh/Chị sinh sống hoặc Sở Khoa học và Công nghệ "
    "(cơ quan thường trực của phong trào)"
)


@dataclass(frozen=True)
class Unit:
    """A sentence or list item of a passage, with its folded words for scoring."""

    text: str
    words: frozenset[str]
    pairs: frozenset[str]
    folded: str


def split_units(passage: Passage) -> list[Unit]:
    """The passage's sentences and list items, in reading order, heading lines left out."""
    headings = {_key(title) for title in passage.section_path}
    units: list[Unit] = []
    for line in passage.text.split("\n"):
        line = squash_spaces(line)
        if not line or _key(line) in headings or _is_heading(line, headings):
            continue
        pending = ""
        for sentence in _SENTENCE_SPLIT.split(line):
            sentence = sentence.strip()
            if _NUMBERING.match(sentence):  # "2.1." split from its title: keep them together
                pending = f"{pending} {sentence}".strip()
                continue
            if sentence and not _MARKER_ONLY.match(sentence):
                units.append(_unit(f"{pending} {sentence}".strip()))
                pending = ""
    return units


def _key(text: str) -> str:
    return " ".join(re.findall(r"[0-9a-z]+", fold(text)))


def _is_heading(line: str, headings: set[str]) -> bool:
    key = _key(line)
    return any(h and (key == h or (len(key) < 120 and h.startswith(key))) for h in headings)


def _unit(text: str) -> Unit:
    words = re.findall(r"[0-9a-z]+", fold(text))
    return Unit(
        text=text,
        words=frozenset(words),
        pairs=frozenset(f"{a} {b}" for a, b in pairwise(words)),
        folded=" ".join(words),
    )


def has_date(folded: str) -> bool:
    """Tell whether folded text states a date, a year or a recurring time."""
    return bool(_DATE.search(folded))


def has_number(folded: str) -> bool:
    """Tell whether folded text holds a figure (a list number like "2." opening it does not count)."""
    return bool(_NUMBER.search(_LEADING_NUMBERING.sub("", folded)))


def unit_score(
    unit: Unit,
    content: Sequence[str],
    pairs: Sequence[str],
    idf: Callable[[str], float],
    *,
    wants_date: bool,
    wants_number: bool,
    extra: Sequence[str] = (),
) -> float:
    """How much of the question a unit answers: idf-weighted words and pairs found, plus the answer kind."""
    score = sum(idf("w:" + t) for t in set(content) if t in unit.words)
    score += sum(0.5 * idf("w:" + t) for t in set(extra) if t in unit.words)
    score += sum(1.4 * idf("p:" + p) for p in set(pairs) if p in unit.pairs)
    if wants_date and has_date(unit.folded):
        score *= 1.5
    if wants_number and has_number(unit.folded):
        score *= 1.3
    return score


def select_quote(units: Sequence[Unit], scores: Sequence[float], *, whole: bool) -> str:
    """The text to quote: every unit when ``whole``, else the best unit with its close neighbours."""
    if not units:
        return ""
    if whole or sum(len(u.text) for u in units) <= SHORT_PASSAGE:
        return _join([u.text for u in units])
    best = max(range(len(units)), key=lambda i: scores[i])
    chosen = {best}
    top = scores[best]
    for i, score in enumerate(scores):
        if top > 0 and score >= 0.6 * top:
            chosen.add(i)
    # a sentence that announces a list ("… như sau:") is useless without the list
    if units[best].text.rstrip().endswith(":"):
        chosen.update(range(best + 1, len(units)))
    # one unit of context before a short answer helps it read on its own
    if len(units[best].text) < 120 and best > 0:
        chosen.add(best - 1)
    picked = [units[i].text for i in sorted(chosen)]
    text = _join(picked)
    return text if len(text) <= MAX_QUOTE else text[:MAX_QUOTE].rsplit(" ", 1)[0] + " …"


def _join(parts: Sequence[str]) -> str:
    lines: list[str] = []
    for part in parts:
        lines.append(part)
    return "\n".join(lines)


def citation(meta: PlanMeta, passage: Passage) -> str:
    """The citation line: plan number, issuer and section path."""
    where = f", mục {passage.section}" if passage.section_path else ""
    return f"(Nguồn: {meta.citation}{where})"


def block(meta: PlanMeta, passage: Passage, quote: str) -> str:
    """One plan's answer: who says it, the quoted text, and the citation."""
    return f"Theo {meta.citation}:\n{quote}\n{citation(meta, passage)}"


def plan_identity(meta: PlanMeta, opening: Passage) -> str:
    """What a plan is: its number, date, issuer and title (from its metadata), cited to its opening passage."""
    date = _display_date(meta.date)
    when = f", ban hành {date}" if date else ""
    return f"{meta.citation}{when}.\nTên kế hoạch: {meta.title}\n{citation(meta, opening)}"


def _display_date(iso: str) -> str:
    parts = iso.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return f"ngày {int(parts[2])}/{int(parts[1])}/{parts[0]}"
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return f"tháng {int(parts[1])}/{parts[0]}"
    return f"năm {iso}" if iso.isdigit() else ""


def decline(metas: Sequence[PlanMeta]) -> str:
    """The answer when the plans do not say: what is missing and whom to ask."""
    if len(metas) == 1:
        office = _office(metas[0])
        where = f"{metas[0].citation}"
    else:
        office = DEFAULT_OFFICE
        where = "các kế hoạch hiện có"
    return (
        f"Xin lỗi, {where} không đề cập nội dung Anh/Chị hỏi, nên em không thể trả lời chính xác.\n"
        f"Anh/Chị vui lòng liên hệ {office} để được hướng dẫn."
    )


def decline_elsewhere(place: str) -> str:
    """The answer when the question is about a place none of the plans covers."""
    return (
        f"Hiện chưa có kế hoạch của {place} trong dữ liệu, nên em không thể trả lời chính xác.\n"
        f"Anh/Chị vui lòng liên hệ Phòng Văn hóa – Xã hội của UBND {place} hoặc Sở Khoa học và Công nghệ "
        "của tỉnh, thành phố để được hướng dẫn; hoặc chọn một địa bàn có sẵn bằng lệnh /diaban."
    )


def _office(meta: PlanMeta) -> str:
    level = meta.level.strip().lower()
    if level in {"phường", "xã", "thị trấn"}:
        return f"Phòng Văn hóa – Xã hội của {meta.issuer}"
    if level == "sở":
        return f"bộ phận phụ trách thi đua – khen thưởng của {meta.issuer}"
    return f"Sở Khoa học và Công nghệ hoặc Sở Nội vụ (Ban Thi đua – Khen thưởng) của {meta.locality or meta.issuer}"
