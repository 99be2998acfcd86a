"""Cut a plan into passages along its structure: a section stays whole when it fits, a long one splits between items.

Structure is parsed on the repaired text. A passage covers a contiguous range of source lines; ``Passage.original``
is exactly those lines of the original text, while ``Passage.text`` is the same lines of the repaired text with
OCR line breaks re-flowed into paragraphs (one paragraph a line) and page numbers left out.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from core.vietnamese import squash_spaces
from knowledge.passages import Passage
from knowledge.structure import Section, full_line_width, is_noise_line, parse_structure

MAX_CHARS = 1500  # a section up to this size (re-flowed text) stays one passage
MIN_INTRO = 300  # a section's own text shorter than this travels with its first child instead of standing alone
MIN_CHUNK = 200  # a piece of a split section smaller than this is joined to its neighbour
_SPLIT_ITEM_FACTOR = 2  # a single item is cut at its paragraphs only when it is this many times too long

_DASH = re.compile(r"^\s*[-–—•]\s*")
_PLUS = re.compile(r"^\s*\+\s*")
_SENTENCE_END = (".", ";", ":", "!", "?")  # not a closing quote: OCR lines often end inside a quoted name


@dataclass(frozen=True)
class Paragraph:
    """A re-flowed paragraph and the source lines it spans."""

    line_start: int
    line_end: int
    text: str
    kind: str  # "heading" | "dash" | "plus" | "text"


def _item_kind(line: str) -> str:
    """Tell whether a line opens a "-" or "+" list item; a "-" before a lower-case word is a broken hyphen."""
    for kind, marker in (("dash", _DASH), ("plus", _PLUS)):
        match = marker.match(line)
        if match:
            rest = line[match.end() :].lstrip("-+–— ")
            first = next((ch for ch in rest if ch.isalnum()), "")
            if first and (first.isupper() or first.isdigit()):
                return kind
    return ""


def reflow(lines: list[str], start: int, end: int, headings: set[int], full_width: int) -> list[Paragraph]:
    """Join the lines ``start:end`` into paragraphs.

    A new paragraph starts at a heading, at a "-"/"+" item, and after a line that ends a sentence or stops short of
    the page width; blank lines alone do not end a paragraph, because OCR puts them inside paragraphs too.
    """
    paragraphs: list[Paragraph] = []
    parts: list[str] = []
    para_start = start
    para_end = start
    kind = "text"
    previous = ""

    def flush() -> None:
        if parts:
            paragraphs.append(Paragraph(para_start, para_end, _join(parts), kind))
        parts.clear()

    for index in range(start, end):
        line = lines[index]
        stripped = line.strip()
        if not stripped or is_noise_line(line):
            continue
        item = _item_kind(stripped)
        opens = (
            index in headings
            or bool(item)
            or not parts
            or previous.endswith(_SENTENCE_END)
            or len(previous) < full_width
        )
        if opens:
            flush()
            para_start = index
            kind = "heading" if index in headings else (item or "text")
        parts.append(squash_spaces(stripped))
        para_end = index + 1
        previous = stripped
    flush()
    return paragraphs


def _join(parts: list[str]) -> str:
    text = parts[0]
    for part in parts[1:]:
        # A word cut by a hyphen at the end of a line ("57-" / "NQ/TW") is joined without a space.
        text = text + part if text.endswith("-") and not text.endswith(" -") else f"{text} {part}"
    return text


def _size(paragraphs: list[Paragraph]) -> int:
    return sum(len(p.text) + 1 for p in paragraphs)


def balanced_groups(sizes: list[int], max_size: int) -> list[tuple[int, int]]:
    """Cut a run of items into the fewest contiguous groups of at most ``max_size``, as even as possible.

    Returns ``(start, end)`` index pairs. An item larger than ``max_size`` makes a group of its own. Evening out the
    groups keeps a long section from ending in a scrap of one item.
    """
    count = len(sizes)
    if count == 0:
        return []
    prefix = [0]
    for size in sizes:
        prefix.append(prefix[-1] + size)

    def cost(i: int, j: int) -> float:
        total = prefix[j] - prefix[i]
        return total if total <= max_size or j - i == 1 else math.inf

    for groups in range(max(1, math.ceil(prefix[-1] / max_size)), count + 1):
        # best[k][j]: the smallest largest group when the first j items make k groups; cut[k][j] where the last starts
        best = [[math.inf] * (count + 1) for _ in range(groups + 1)]
        cut = [[0] * (count + 1) for _ in range(groups + 1)]
        best[0][0] = 0
        for k in range(1, groups + 1):
            for j in range(k, count + 1):
                for i in range(k - 1, j):
                    value = max(best[k - 1][i], cost(i, j))
                    if value < best[k][j]:
                        best[k][j], cut[k][j] = value, i
        if best[groups][count] < math.inf:
            bounds: list[tuple[int, int]] = []
            j = count
            for k in range(groups, 0, -1):
                bounds.append((cut[k][j], j))
                j = cut[k][j]
            return bounds[::-1]
    return [(i, i + 1) for i in range(count)]


def _merge_scraps(groups: list[tuple[int, int]], sizes: list[int]) -> list[tuple[int, int]]:
    """Join a group too small to stand alone (a "KẾ HOẠCH" line before a long paragraph) to its smaller neighbour."""
    groups = list(groups)

    def size(group: tuple[int, int]) -> int:
        return sum(sizes[group[0] : group[1]])

    while len(groups) > 1:
        small = min(range(len(groups)), key=lambda i: size(groups[i]))
        if size(groups[small]) >= MIN_CHUNK:
            break
        if small == 0 or (small + 1 < len(groups) and size(groups[small + 1]) < size(groups[small - 1])):
            neighbour = small + 1
        else:
            neighbour = small - 1
        first, second = sorted((small, neighbour))
        groups[first : second + 1] = [(groups[first][0], groups[second][1])]
    return groups


@dataclass
class _Span:
    path: tuple[str, ...]
    start: int
    end: int


class _Chunker:
    def __init__(self, lines: list[str], root: Section, max_chars: int) -> None:
        self.lines = lines
        self.max_chars = max_chars
        self.full_width = full_line_width(lines)
        # Lines that belong to a heading (a roman title may wrap onto a second line) open their own paragraph.
        self.headings: set[int] = set()
        self.heading_tails: set[int] = set()
        for section in root.walk()[1:]:
            if section.body_start == section.line_start:
                continue  # the preamble, closing and trailer have no heading line of their own
            self.headings.add(section.line_start)
            self.heading_tails.update(range(section.line_start + 1, section.body_start))
        self.spans: list[_Span] = []

    def paragraphs(self, start: int, end: int) -> list[Paragraph]:
        found = reflow(self.lines, start, end, self.headings, self.full_width)
        merged: list[Paragraph] = []
        for para in found:
            if merged and para.line_start in self.heading_tails and merged[-1].kind == "heading":
                last = merged.pop()
                para = Paragraph(last.line_start, para.line_end, f"{last.text} {para.text}", "heading")
            merged.append(para)
        return merged

    def size(self, start: int, end: int) -> int:
        return sum(len(p.text) + 1 for p in self.paragraphs(start, end))

    def section(self, section: Section, path: tuple[str, ...], carry: int | None) -> None:
        start = section.line_start if carry is None else carry
        if not section.children or self.size(start, section.line_end) <= self.max_chars:
            self.split(path, start, section.line_end)
            return
        intro_carry: int | None = None
        if self.size(section.body_start, section.body_end) < MIN_INTRO:
            intro_carry = start  # a heading with at most a lead-in sentence joins its first child
        else:
            self.split(path, start, section.body_end)
        for position, child in enumerate(section.children):
            self.section(child, (*path, child.heading), intro_carry if position == 0 else None)

    def split(self, path: tuple[str, ...], start: int, end: int) -> None:
        """Emit ``start:end`` as one span, or as several cut between items when it is too long."""
        paragraphs = self.paragraphs(start, end)
        if not paragraphs:
            return
        units: list[list[Paragraph]] = []
        for unit in self.units(paragraphs):
            if _size(unit) > self.max_chars * _SPLIT_ITEM_FACTOR and len(unit) > 1:
                units.extend([para] for para in unit)  # an item far too long is cut at its own paragraphs
            else:
                units.append(unit)
        sizes = [_size(unit) for unit in units]
        for group in _merge_scraps(balanced_groups(sizes, self.max_chars), sizes):
            chosen = units[group[0] : group[1]]
            self.spans.append(_Span(path, chosen[0][0].line_start, chosen[-1][-1].line_end))

    @staticmethod
    def units(paragraphs: list[Paragraph]) -> list[list[Paragraph]]:
        """Group paragraphs into items that are never cut: a "-" item keeps its "+" items and follow-on text."""
        kinds = {p.kind for p in paragraphs}
        top = "dash" if "dash" in kinds else "plus" if "plus" in kinds else "text"
        units: list[list[Paragraph]] = []
        seen_top = False
        for para in paragraphs:
            if para.kind == "heading" and units and units[-1][-1].kind == "heading":
                units[-1].append(para)  # a run of headings opens the item that follows
                continue
            opens = para.kind == top or (not seen_top and para.kind != "heading") or not units
            if units and units[-1][-1].kind == "heading":
                opens = False  # a heading is never left alone at the end of a chunk
            if opens:
                units.append([para])
            else:
                units[-1].append(para)
            seen_top = seen_top or para.kind == top
        return units


def chunk_plan(document: str, original: str, repaired: str, *, max_chars: int = MAX_CHARS) -> list[Passage]:
    """Cut a plan into passages along its outline, each with its full section path.

    ``original`` and ``repaired`` must have the same number of lines (the OCR repair is line-preserving). The
    outline is read from ``repaired``; each passage's ``original`` is the exact source lines it covers.
    """
    original_lines = original.splitlines()
    repaired_lines = repaired.splitlines()
    if len(original_lines) != len(repaired_lines):
        raise ValueError(
            f"{document}: repaired text has {len(repaired_lines)} lines, original has {len(original_lines)}"
        )
    root = parse_structure(repaired_lines, original_lines)
    chunker = _Chunker(repaired_lines, root, max_chars)
    for part in root.children:
        chunker.section(part, (part.heading,), None)
    passages: list[Passage] = []
    for span in chunker.spans:
        paragraphs = chunker.paragraphs(span.start, span.end)
        if not paragraphs:
            continue
        first = paragraphs[0].line_start
        last = paragraphs[-1].line_end
        order = len(passages)
        passages.append(
            Passage(
                id=f"{document}:{order}",
                document=document,
                order=order,
                section_path=span.path,
                text="\n".join(p.text for p in paragraphs),
                original="\n".join(original_lines[first:last]),
                line_start=first,
                line_end=last,
            )
        )
    return passages
