"""Extractive answer composition: pick the sentences or list items that answer, and cite where they come from."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Protocol
from urllib.parse import quote as quote_url

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
SHORT_PASSAGE = 400  # a passage up to this long is quoted whole
SECTION_CHARS = 70  # a section title longer than this is cut in a citation
_SECTION_NUMBER = re.compile(r"^\s*([IVX]{1,4}|\d{1,2}(?:\.\d{1,2})*|[a-zđ])[.)]")
LEAD_CHARS = 200  # the answer line: the unit that answers, cut to its best clauses past this
_LEADING_MARKER = re.compile(r"^\s*(?:[-+•*]|[a-zđ]\)|\d{1,2}[.)])\s+")
_NO_SPACE = re.compile(r"\s+")
MAX_QUOTE = 1600
QUOTE_BUDGET = 400  # a quote beside the answer line: the best sentence, and others while it stays this short
NEIGHBOUR_SHARE = 0.6  # a sentence answering this share of the best one is quoted beside it

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
    if any(h and (key == h or (len(key) < 120 and h.startswith(key))) for h in headings):
        return True
    # the same title under a number the scan misread ("I1. TIÊU CHÍ …" for "III. Tiêu chí …")
    bare = _unnumbered(key)
    return len(bare) >= HEADING_WORDS_CHARS and any(_unnumbered(h) == bare for h in headings)


HEADING_WORDS_CHARS = 12  # a title matched without its number must say this much


def _unnumbered(key: str) -> str:
    return _KEY_NUMBER.sub("", key)


_KEY_NUMBER = re.compile(r"^(?:[ivxl1]{1,4}|\d{1,2}(?: \d{1,2})*|[a-z])\s+")


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


_DAY = re.compile(r"\b\d{1,2}/\d{1,2}\b|\bngay \d{1,2}\b|\btruoc ngay\b|\bhang (?:quy|thang)\b")


def has_day(folded: str) -> bool:
    """Tell whether folded text states a day or a deadline ("trước ngày 15/12"), not only a year."""
    return bool(_DAY.search(folded))


def answers_when(folded: str, query: WhenAsked) -> bool:
    """Whether a line answers a "when" question: a day for a deadline asked (or the period a plan sets instead of
    one: "định kỳ hằng năm"), else any date or year."""
    return (has_day(folded) or periodic(folded)) if query.wants_day else has_date(folded)


_PERIODIC = re.compile(r"\bdinh ky\b")


def periodic(folded: str) -> bool:
    """Whether folded text sets a recurring time ("định kỳ hằng năm") rather than a day."""
    return bool(_PERIODIC.search(folded))


class WhenAsked(Protocol):
    """What a "when" question asks for."""

    @property
    def wants_day(self) -> bool: ...


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
        if top > 0 and score >= NEIGHBOUR_SHARE * top:
            chosen.add(i)
    # a sentence that announces a list ("… như sau:") is useless without the list
    if units[best].text.rstrip().endswith(":"):
        chosen.update(range(best + 1, len(units)))
    # one unit of context before a short answer helps it read on its own
    if len(units[best].text) < 120 and best > 0:
        chosen.add(best - 1)
    picked = [units[i].text for i in sorted(chosen, key=lambda i: (i != best, -scores[i]))]
    kept = [picked[0]]
    for part in picked[1:]:  # the best unit, then the others best first while the quote stays short
        if sum(len(k) for k in kept) + len(part) <= QUOTE_BUDGET:
            kept.append(part)
    text = _join([units[i].text for i in sorted(chosen) if units[i].text in kept])
    return text if len(text) <= MAX_QUOTE else text[:MAX_QUOTE].rsplit(" ", 1)[0] + " …"


def _join(parts: Sequence[str]) -> str:
    lines: list[str] = []
    for part in parts:
        lines.append(part)
    return "\n".join(lines)


def short_section(path: Sequence[str]) -> str:
    """A section path as a citation names it: the numbers of the outer sections, then the section's own title
    ("IV › 3. Các cơ quan, đơn vị, Tổ dân phố trên địa bàn Phường")."""
    if not path:
        return ""
    outer = [m.group(1) for m in (_SECTION_NUMBER.match(p) for p in path[:-1]) if m]
    if len(outer) < len(path) - 1:
        outer = list(path[:-1])  # an unnumbered outer section ("Mở đầu") is named in full
    last = path[-1] if len(path[-1]) <= SECTION_CHARS else path[-1][:SECTION_CHARS].rsplit(" ", 1)[0] + "…"
    return " › ".join([*outer, last])


def citation(meta: PlanMeta, passage: Passage, link_base: str | None = None) -> str:
    """The citation line: plan number, issuer and section; with ``link_base``, where to read the section."""
    where = f", mục {short_section(passage.section_path)}" if passage.section_path else ""
    scanned = "; văn bản số hóa từ bản quét" if is_scanned(passage) else ""
    link = "" if link_base is None else f"\nĐọc mục này: {plan_link(link_base, passage)}"
    return f"(Nguồn: {meta.citation}{where}{scanned}){link}"


def plan_link(link_base: str, passage: Passage) -> str:
    """The address of the passage on the plan page served by the app."""
    return f"{link_base.rstrip('/')}/plans/{quote_url(passage.document)}#{passage.anchor}"


def leaf_title(passage: Passage) -> str:
    """The title of the passage's own section ("" for none)."""
    return passage.section_path[-1] if passage.section_path else ""


def is_scanned(passage: Passage) -> bool:
    """Whether the passage was machine-read from a scan (its shown text is an OCR repair of the source)."""
    # the shown text is the source reflowed (lines joined, a number cut at a line end rejoined): only a change of
    # letters, not of white space, means the text was repaired
    return _NO_SPACE.sub("", passage.original) != _NO_SPACE.sub("", passage.text)


def place_label(meta: PlanMeta) -> str:
    """The plan's place as a line opens with it: "Phường Hoàng Mai", "Sở Y tế Hà Nội"."""
    name = meta.locality or meta.issuer
    return name[:1].upper() + name[1:]


def block(meta: PlanMeta, passage: Passage, quote: str, *, lead: str = "", link_base: str | None = None) -> str:
    """One plan's answer: the answer first (a line from the plan), then the supporting quote, then the citation."""
    first = f"{place_label(meta)}: {lead}" if lead else f"Theo {meta.citation}:"
    body = f"\n“{quote}”" if quote and lead else (f"\n{quote}" if quote else "")
    return f"{first}{body}\n{citation(meta, passage, link_base)}"


def _opening(clauses: Sequence[str], limit: int) -> str:
    window = clauses[0]
    for clause in clauses[1:]:
        if len(window) + 1 + len(clause) > limit:
            break
        window = f"{window} {clause}"
    return window


def lead_text(unit: Unit, score: Callable[[Unit], float], *, limit: int | None = None) -> str:
    """The unit that answers, cut to its best clauses when longer than ``limit`` (0: never cut), so the answer reads
    in a line or two."""
    text = _LEADING_MARKER.sub("", unit.text).strip()
    limit = LEAD_CHARS if limit is None else limit
    if not limit or len(text) <= limit:
        return text
    clauses = [c for c in re.split(r"(?<=[,;:])\s+", text) if c]
    best_window, best_score = text[:limit], -1.0
    for start in range(len(clauses)):
        window = ""
        for end in range(start, len(clauses)):
            candidate = f"{window} {clauses[end]}".strip()
            if len(candidate) > limit and window:
                break
            window = candidate
            value = score(_unit(window)) - 0.001 * len(window)
            if value > best_score:
                best_window, best_score = window, value
    if best_score <= 0:  # no window says a word of the question: the unit's opening says what it is about
        best_window = _opening(clauses, limit)
    head = "… " if not text.startswith(best_window) else ""
    tail = " …" if not text.endswith(best_window) else ""
    return f"{head}{best_window.rstrip(',;: ')}{tail}"


ITEM_MARK = re.compile(r"^\s*[-+•*]\s*")
TITLE_NUMBER = re.compile(r"^\s*(?:[IVX]{1,4}\.|\d{1,2}(?:\.\d{1,2})*\.?|[a-zđ][.)])\s+")
HEAD_CHARS = 100  # a title line ("2.1. Hình thức khen thưởng", "a. Giai đoạn 1: (từ 2025 - 2027)") is shorter
HEAD_SHARE = 0.8  # a title answers first when it matches the question nearly as well as the best sentence


@dataclass(frozen=True)
class Group:
    """A title line of a passage and the units under it (a list, or the sentences of a titled part)."""

    head: Unit
    body: tuple[Unit, ...]

    @property
    def is_list(self) -> bool:
        """Whether everything under the title is a list item."""
        return len(self.body) >= 2 and all(ITEM_MARK.match(u.text) for u in self.body)

    @property
    def said(self) -> tuple[Unit, ...]:
        """The units its line says: the title with every item of a list, or with its first sentence."""
        return (self.head, *(self.body if self.is_list else self.body[:1]))

    def line(self, asked: frozenset[str] = frozenset()) -> str:
        """The title with what it introduces, on one line: a list's items joined, or the first sentence. A list
        whose title only repeats the question (every title word in ``asked``) is said without its title."""
        head = TITLE_NUMBER.sub("", ITEM_MARK.sub("", self.head.text)).strip().rstrip(" :")
        if self.is_list:
            items = [ITEM_MARK.sub("", u.text).strip().rstrip(" ;.") for u in self.body]
            if _unit(head).words <= asked:
                return f"{'; '.join(items)}."
            return f"{head}: {'; '.join(items)}."
        return f"{head}: {ITEM_MARK.sub('', self.body[0].text).strip()}" if self.body else head


def _is_head(unit: Unit, following: Unit | None) -> bool:
    text = unit.text.strip()
    if following is None:
        return False
    if text.endswith(":"):
        return True
    if text.startswith("-") and following.text.lstrip().startswith("+"):
        return True  # "- Khen thưởng tổng kết" over "+ Huân chương Lao động; …"
    return not ITEM_MARK.match(text) and len(text) < HEAD_CHARS and not text.endswith((".", ";", ","))


def groups(units: Sequence[Unit]) -> list[Group]:
    """Each title line of a passage with the units under it, up to the next title."""
    heads = {i for i, unit in enumerate(units) if _is_head(unit, units[i + 1] if i + 1 < len(units) else None)}
    found = []
    for i in sorted(heads):
        nested = units[i].text.lstrip().startswith("-")
        body = []
        for j in range(i + 1, len(units)):
            text = units[j].text.lstrip()
            if (nested and not text.startswith("+")) or (not nested and j in heads):
                break
            body.append(units[j])
        if body:
            found.append(Group(units[i], tuple(body)))
    return found


_LISTED = re.compile(r"\b(?:nhung|cac|gom|co) ([a-z]+ [a-z]+) nao\b")


def listed_noun(folded_question: str) -> str:
    """What a list question asks to be listed: "gồm những hình thức nào" → "hinh thuc" ("" when it names none)."""
    match = _LISTED.search(folded_question)
    return match.group(1) if match else ""


def names_listed(listed: str, unit: Unit) -> bool:
    """Whether a line names what a list question asks to be listed (``listed``, from ``listed_noun``)."""
    return bool(listed) and f" {listed} " in f" {unit.folded} "


def lead_group(
    units: Sequence[Unit],
    score: Callable[[Unit], float],
    *,
    wants_list: bool,
    wants_date: bool,
    names_kind: Callable[[Unit], bool] = lambda _: False,
) -> Group | None:
    """A title that answers first, with what it introduces: for a list asked for ("gồm những hình thức nào"), the
    list under the title the question names, or that names the kind asked for ("2.1. Hình thức khen thưởng"); for
    "when", a dated title ("Giai đoạn 1: (từ 2025 - 2027)")."""
    if not (wants_list or wants_date) or not units:
        return None
    best = max(score(u) for u in units)

    def answers(group: Group) -> bool:
        if wants_list and group.is_list:
            return score(group.head) >= HEAD_SHARE * best > 0 or (score(group.head) > 0 and names_kind(group.head))
        return wants_date and has_date(group.head.folded) and score(group.head) >= HEAD_SHARE * best > 0

    candidates = [g for g in groups(units) if answers(g)]
    return max(candidates, key=lambda g: score(g.head), default=None)


def plan_identity(meta: PlanMeta, opening: Passage) -> str:
    """What a plan is: its number, date, issuer and title (from its metadata), cited to its opening passage."""
    date = display_date(meta.date)
    when = f", ban hành {date}" if date else ""
    return f"{meta.citation}{when}.\nTên kế hoạch: {meta.title}\n{citation(meta, opening)}"


def display_date(iso: str) -> str:
    """An ISO date or year as Vietnamese text: "ngày 18/7/2025", "tháng 7/2025", "năm 2025"."""
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
