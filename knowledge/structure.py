"""Parse a plan's heading structure (I./II., 1./2., 2.1., "Đối với …:", a)/b)) into a tree of sections.

The parser works on lines and is tolerant of OCR damage: roman numerals read as ``|.``, ``I1.``, ``IIl.``,
letters read as ``¢)`` or lost altogether, ``đ)`` read as ``d)``. Every candidate heading is checked against the
numbering expected at its place, so a line of body text that happens to start with "3." is not taken for a heading
unless the numbering leads there. The preamble before the first heading, the closing paragraph ("Trên đây là …")
and the recipients and signature block ("Nơi nhận:", "KT. CHỦ TỊCH") each become a top-level section of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.vietnamese import fold, squash_spaces

# Levels of the tree, outermost first. Gaps leave room for levels a later plan may need.
LEVEL_ROOT = 0
LEVEL_PART = 1  # I., II., … and the preamble, closing and trailer sections
LEVEL_NUMBER = 2  # 1., 2., …
LEVEL_SUBNUMBER = 3  # 2.1., 2.2 …
LEVEL_LABEL = 4  # an unnumbered label line such as "Đối với doanh nghiệp:"
LEVEL_LETTER = 5  # a), b), … đ) (or a., b.)

PREAMBLE_TITLE = "Mở đầu"
CLOSING_TITLE = "Phần kết"
TRAILER_TITLE = "Nơi nhận"

# Vietnamese list letters in order; documents never use f, j, w, z.
_LETTERS = "abcdđeghiklmnopqrstuvxy"
# OCR readings of a letter marker and the letters each may stand for.
_LETTER_READINGS: dict[str, tuple[str, ...]] = {
    "¢": ("c",),
    "©": ("c",),
    "€": ("c", "e"),
    "d": ("d", "đ"),
    "đ": ("đ", "d"),
    "e": ("e", "c"),
}

_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}
# Characters OCR substitutes for the roman "I".
_ROMAN_I_LOOKALIKES = str.maketrans({"1": "I", "l": "I", "|": "I", "!": "I", "]": "I", "[": "I"})

_ROMAN_HEADING = re.compile(r"^([IVXl1|!\[\]]{1,5})\s*[.,]\s*(\S.*)$")
_NUMBER_HEADING = re.compile(r"^(\d{1,2})\s*\.\s*(\S.*)$")
_SUBNUMBER_HEADING = re.compile(r"^(\d{1,2})\.(\d{1,2})\.?\s*(\S.*)$")
_LETTER_HEADING = re.compile(r"^([a-zđ¢©€])\s*([).])\s*(\S.*)$")
_LOST_LETTER_HEADING = re.compile(r"^\)\s*(\S.*)$")
_PAGE_NUMBER = re.compile(r"^\s*(?:[-–—]\s*)?(?:trang\s+)?\d{1,3}(?:\s*/\s*\d{1,3})?(?:\s*[-–—])?\s*$", re.IGNORECASE)

# Folded starts of the closing paragraph and of the trailer; tolerant of OCR damage ("noi nhin", "noi nhdn").
_CLOSING_START = re.compile(
    r"^(?:tr\S{1,2}n\s+d\S{1,2}y\s+\S{1,2}\s+k\S{1,2}\s+ho"
    r"|trong\s+qu\S{1,2}\s+tr\S{1,3}nh\s+.{0,30}n\S{1,2}u\s+(?:c|g))"
)
_TRAILER_START = re.compile(
    r"^(?:n\S{1,2}i\s+nh\S{1,3}n\s*:"
    r"|(?:tm|kt|tl|q|tuq)\s*\.\s*(?:uy\s+ban|chu\s+tich|giam\s|pho\s+chu|pho\s+giam|ubnd|so\b))"
)
_TITLE_STOP = re.compile(r"[.:](?:\s|$)")
_MIN_CUT_REMAINDER = 25
_MARKER = re.compile(r"^[-+•–—*]\s*")
_MARKER_PREFIX = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})?\.?|[^\s.)]{0,4}[.)])\s*")  # "2.1.", "c)", a damaged "có)"
_MAX_TITLE = 90
_MAX_LABEL = 60

_ACRONYMS = frozenset(
    {
        "UBND",
        "HĐND",
        "HDND",
        "MTTQ",
        "TĐKT",
        "TDKT",
        "KH&CN",
        "KHCN",
        "CNTT",
        "DTI",
        "AI",
        "TW",
        "TP",
        "VN",
        "VHXH",
        "XH",
    }
)


@dataclass
class Section:
    """One node of a plan's outline: its heading and the line range it covers in the source text."""

    level: int
    label: str  # the normalised numbering: "III.", "1.", "2.1.", "c)" or "" for unnumbered sections
    title: str  # the cleaned heading text without its numbering
    line_start: int  # first line of the heading (0-based)
    body_start: int  # first line after the heading
    line_end: int = 0  # one past the last line of the section, children included
    children: list[Section] = field(default_factory=list)

    @property
    def heading(self) -> str:
        """The heading as shown in a section path, e.g. "III. Tiêu chí thi đua"."""
        return f"{self.label} {self.title}".strip() if self.title else self.label

    @property
    def body_end(self) -> int:
        """One past the last line of the section's own text, before its first child."""
        return self.children[0].line_start if self.children else self.line_end

    def walk(self) -> list[Section]:
        """This section and all its descendants in document order."""
        found = [self]
        for child in self.children:
            found.extend(child.walk())
        return found


def is_noise_line(line: str) -> bool:
    """Tell whether a line is a page number or page footer that carries no content."""
    return bool(_PAGE_NUMBER.match(line))


def roman_value(token: str) -> int | None:
    """Read a possibly OCR-damaged roman numeral ("I1" → 2, "|" → 1); None when it is not one."""
    token = token.translate(_ROMAN_I_LOOKALIKES).upper()
    if not token or any(ch not in _ROMAN_VALUES for ch in token):
        return None
    total = 0
    for index, ch in enumerate(token):
        value = _ROMAN_VALUES[ch]
        following = _ROMAN_VALUES[token[index + 1]] if index + 1 < len(token) else 0
        total += -value if value < following else value
    return total if total > 0 and to_roman(total) == token else None


def to_roman(value: int) -> str:
    """Write ``value`` (1–39) as a roman numeral."""
    parts = []
    for amount, digits in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while value >= amount:
            parts.append(digits)
            value -= amount
    return "".join(parts)


def _upper_ratio(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    return sum(ch.isupper() for ch in letters) / len(letters)


def _starts_upper(text: str) -> bool:
    first = next((ch for ch in text if ch.isalpha()), "")
    return first.isupper()


def clean_title(text: str, *, whole_line: bool = False) -> str:
    """Clean heading text for a section path.

    An all-capitals title (the roman-numbered parts) is put in sentence case, keeping acronyms such as UBND.
    Unless ``whole_line`` is set, a numbered item whose text runs on ("a) Tập thể: các Ban đảng …") is cut at the
    first sentence or clause end, and anything longer than a short line is cut at a word boundary.
    """
    text = squash_spaces(text)
    # A part title is all capitals in the source; after OCR repair some letters may come back in lower case.
    if _upper_ratio(text) >= (0.5 if whole_line else 0.8):
        words = text.split(" ")
        cased = [w if w.upper() in _ACRONYMS else w.lower() for w in words]
        text = " ".join(cased)
        text = text[:1].upper() + text[1:]
    if not whole_line:
        stop = _TITLE_STOP.search(text)
        # "a) Tập thể: các Ban đảng …" is cut to "a) Tập thể"; "Giai đoạn 1: (từ 2025 - 2027)" stays whole.
        if stop and stop.start() > 0 and len(text) - stop.end() > _MIN_CUT_REMAINDER:
            text = text[: stop.start()]
    text = text.rstrip(" ,;:.-–—")
    if len(text) > _MAX_TITLE:
        cut = text.rfind(" ", 0, _MAX_TITLE)
        text = text[: cut if cut > 0 else _MAX_TITLE].rstrip(" ,;:") + "…"
    return text


@dataclass
class _Candidate:
    level: int
    label: str
    title: str
    heading_lines: int = 1


class _Numbering:
    """The numbering seen so far at each level, to check that a candidate heading comes where it should."""

    def __init__(self) -> None:
        self.part = 0
        self.number = 0
        self.subnumber = 0
        self.letter = -1

    def reset_below(self, level: int) -> None:
        if level < LEVEL_NUMBER:
            self.number = 0
        if level < LEVEL_SUBNUMBER:
            self.subnumber = 0
        if level < LEVEL_LETTER:
            self.letter = -1


def _letter_candidate(stripped: str, numbering: _Numbering) -> _Candidate | None:
    expected = numbering.letter + 1
    lost = _LOST_LETTER_HEADING.match(stripped)
    if lost:
        if expected >= len(_LETTERS):
            return None
        return _Candidate(LEVEL_LETTER, f"{_LETTERS[expected]})", lost.group(1))
    match = _LETTER_HEADING.match(stripped)
    if not match:
        return None
    char, closer, rest = match.group(1), match.group(2), match.group(3)
    if not _starts_upper(rest) and closer == ".":
        return None
    readings = _LETTER_READINGS.get(char, (char,))
    # The expected letter first, then one skipped letter, so that a missing item does not lose the rest.
    allowed = [i for i in (expected, expected + 1) if i < len(_LETTERS)]
    if closer == ".":
        allowed = allowed[:1]  # "a." is a weaker sign than "a)", so take it only where it is the next letter
    for index in allowed:
        if _LETTERS[index] in readings:
            return _Candidate(LEVEL_LETTER, f"{_LETTERS[index]})", rest)
    return None


def _candidate(lines: list[str], index: int, numbering: _Numbering, previous: str) -> _Candidate | None:
    """Recognise a heading at ``lines[index]``, or return None."""
    stripped = lines[index].strip()
    if not stripped:
        return None
    roman = _ROMAN_HEADING.match(stripped)
    if (
        roman
        and any(ch in "IVX|" for ch in roman.group(1))
        and _is_part_title(roman.group(1), roman.group(2), numbering)
    ):
        value = roman_value(roman.group(1))
        if value is None or not numbering.part < value <= numbering.part + 2:
            value = numbering.part + 1  # damaged beyond reading: the numbering tells which part this is
        title_parts = [roman.group(2)]
        consumed = 1
        # An all-capitals title may wrap onto the next lines (with blank lines between in some conversions).
        probe = index + 1
        while probe < len(lines) and probe - index <= 4:
            text = lines[probe].strip()
            if not text:
                probe += 1
                continue
            if _upper_ratio(text) >= 0.8 and len(text) <= 80 and not _is_marked(text):
                title_parts.append(text)
                consumed = probe - index + 1
                probe += 1
                continue
            break
        return _Candidate(LEVEL_PART, f"{to_roman(value)}.", " ".join(title_parts), consumed)
    sub = _SUBNUMBER_HEADING.match(stripped)
    if sub and numbering.number and int(sub.group(1)) == numbering.number:
        value = int(sub.group(2))
        if numbering.subnumber < value <= numbering.subnumber + 2 and _starts_upper(sub.group(3)):
            return _Candidate(LEVEL_SUBNUMBER, f"{numbering.number}.{value}.", sub.group(3))
    number = _NUMBER_HEADING.match(stripped)
    if number and _starts_upper(number.group(2)) and not number.group(2)[0].isdigit():
        value = int(number.group(1))
        if numbering.number < value <= numbering.number + 3:
            return _Candidate(LEVEL_NUMBER, f"{value}.", number.group(2))
    letter = _letter_candidate(stripped, numbering)
    if letter:
        return letter
    if _is_label(stripped, previous):
        return _Candidate(LEVEL_LABEL, "", stripped)
    return None


def _is_part_title(token: str, title: str, numbering: _Numbering) -> bool:
    """A part title is in capitals; one in sentence case counts only with a clean numeral that comes next in order."""
    if _upper_ratio(title) >= 0.75:
        return True
    clean = all(ch in "IVX" for ch in token) and roman_value(token) == numbering.part + 1
    return clean and len(title) <= _MAX_TITLE and _starts_upper(title) and not title.rstrip().endswith((".", ";"))


def _is_marked(text: str) -> bool:
    return bool(_MARKER.match(text)) or bool(re.match(r"^(\d{1,2}|[a-zđ¢©€])\s*[.)]\s", text))


def _is_label(stripped: str, previous: str) -> bool:
    """A short line of its own ending in a colon, such as "Đối với doanh nghiệp:" or "Khen thưởng sơ kết:"."""
    if not stripped.endswith(":") or len(stripped) > _MAX_LABEL or _is_marked(stripped):
        return False
    if not _starts_upper(stripped) or not stripped[0].isalpha():
        return False
    # It must open a paragraph: the line before ends a sentence or is itself a heading.
    return (
        not previous or previous.rstrip().endswith((".", ";", ":", "!", "?", "”", ")")) or _upper_ratio(previous) > 0.8
    )


def _title_of(candidate: _Candidate) -> str:
    return clean_title(candidate.title, whole_line=candidate.level == LEVEL_PART)


def full_line_width(lines: list[str]) -> int:
    """The length above which a line is taken to be wrapped by the page rather than ended by the writer."""
    lengths = sorted(len(line.strip()) for line in lines if len(line.strip()) > 20)
    if not lengths:
        return 60
    return int(lengths[len(lengths) // 2] * 0.75)


def _run_on(lines: list[str], index: int, full_width: int, max_lines: int = 3) -> str:
    """The text with which a numbered item's first line runs on, up to the end of its first sentence."""
    parts: list[str] = []
    current = lines[index].strip()
    probe = index + 1
    while len(parts) < max_lines and len(current) >= full_width and not current.endswith((".", ";", ":")):
        while probe < len(lines) and not lines[probe].strip():
            probe += 1
        if probe >= len(lines):
            break
        current = lines[probe].strip()
        if _is_marked(current):
            break
        parts.append(current)
        probe += 1
    return " ".join(parts)


def parse_structure(lines: list[str], fallback: list[str] | None = None) -> Section:
    """Parse the lines of a plan into a tree of sections under a root that covers the whole text.

    The root's children are, in order: the preamble (when there is text before the first heading), the numbered
    parts, the closing paragraph and the recipients and signature block; each descendant covers a contiguous range
    of lines, and sibling ranges follow each other without gaps.

    ``fallback`` holds the same lines before OCR repair: where a repaired line's numbering cannot be read (the repair
    may turn "¢)" into "có)"), the heading is recognised from the original line and titled from the repaired one.
    """
    if fallback is not None and len(fallback) != len(lines):
        raise ValueError("fallback lines must match the lines one for one")
    root = _parse(lines, fallback, unparted=False)
    if not any(child.label for child in root.children):
        # No roman-numbered parts: a short plan may be numbered 1., 2. … from the top.
        flat = _parse(lines, fallback, unparted=True)
        if any(child.label for child in flat.children):
            return flat
    return root


def _parse(lines: list[str], fallback: list[str] | None, *, unparted: bool) -> Section:
    total = len(lines)
    root = Section(LEVEL_ROOT, "", "", 0, 0, total)
    stack: list[Section] = [root]
    numbering = _Numbering()
    seen_part = False
    tail_kind = ""  # "" while in the body, then "closing", then "trailer"
    previous = ""
    index = 0

    def open_section(section: Section) -> None:
        while stack[-1].level >= section.level:
            stack.pop().line_end = section.line_start
        stack[-1].children.append(section)
        stack.append(section)

    first_content = next((i for i, line in enumerate(lines) if line.strip()), total)
    full_width = full_line_width(lines)
    while index < total:
        line = lines[index]
        stripped = line.strip()
        folded = fold(stripped)
        # The closing and the signature block are recognised on either reading ("KT." may be repaired into "KẾ.").
        readings = (folded, fold(fallback[index].strip())) if fallback is not None else (folded,)
        if seen_part and tail_kind != "trailer" and any(_TRAILER_START.match(r) for r in readings):
            tail_kind = "trailer"
            open_section(Section(LEVEL_PART, "", TRAILER_TITLE, index, index))
            index += 1
            previous = stripped
            continue
        if seen_part and not tail_kind and any(_CLOSING_START.match(r) for r in readings):
            tail_kind = "closing"
            open_section(Section(LEVEL_PART, "", CLOSING_TITLE, index, index))
            index += 1
            previous = stripped
            continue
        candidate = None if tail_kind or is_noise_line(line) else _candidate(lines, index, numbering, previous)
        if candidate is None and fallback is not None and not tail_kind and not is_noise_line(line):
            candidate = _candidate(fallback, index, numbering, previous)
            if candidate is not None and candidate.level != LEVEL_PART:
                candidate.title = (
                    _MARKER_PREFIX.sub("", stripped, count=1) if candidate.level != LEVEL_LABEL else stripped
                )
        if candidate is None:
            if stripped and not is_noise_line(line):
                previous = stripped
            index += 1
            continue
        if candidate.level == LEVEL_PART:
            if not seen_part and index > first_content:
                preamble = Section(LEVEL_PART, "", PREAMBLE_TITLE, first_content, first_content)
                open_section(preamble)
            seen_part = True
            numbering.part = int(roman_value(candidate.label[:-1]) or numbering.part + 1)
        elif not seen_part and unparted:
            if index > first_content:
                root.children.append(Section(LEVEL_PART, "", PREAMBLE_TITLE, first_content, first_content, index))
            seen_part = True
        elif not seen_part:
            # Numbered lines before the first part belong to the preamble's text, not to the outline.
            if stripped:
                previous = stripped
            index += 1
            continue
        numbering.reset_below(candidate.level)
        if candidate.level == LEVEL_NUMBER:
            numbering.number = int(candidate.label[:-1])
        elif candidate.level == LEVEL_SUBNUMBER:
            numbering.subnumber = int(candidate.label.split(".")[1])
        elif candidate.level == LEVEL_LETTER:
            numbering.letter = _LETTERS.index(candidate.label[:-1])
        end = index + candidate.heading_lines
        if candidate.level > LEVEL_PART:
            # "a) Thi đua nâng cao nhận thức, …" runs on into the next lines; its title is its first sentence.
            candidate.title = f"{candidate.title} {_run_on(lines, index, full_width)}".strip()
        open_section(Section(candidate.level, candidate.label, _title_of(candidate), index, end))
        previous = ""  # what follows a heading opens a paragraph
        index = end
    if not root.children:
        # No recognisable outline: the whole text is one preamble section.
        root.children.append(Section(LEVEL_PART, "", PREAMBLE_TITLE, first_content, first_content, total))
    while len(stack) > 1:
        stack.pop().line_end = total
    return root
