"""The records that leave ``knowledge/``: a plan's metadata, its passages and its extracted facts."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PlanMeta:
    """Who issued a plan, where it applies and how it is cited."""

    document: str  # file name under knowledge/plans/ (or the uploaded file's name)
    title: str
    issuer: str  # e.g. "UBND phường Hoàng Mai"
    level: str  # "thành phố" | "sở" | "phường" | "xã"
    locality: str  # e.g. "phường Hoàng Mai"
    number: str  # e.g. "99/KH-UBND"
    date: str  # ISO date or year, e.g. "2025-07-18" or "2025"
    aliases: tuple[str, ...] = ()  # other names people use for the locality or issuer
    suggested: bool = False  # True when read from the header rather than a metadata file

    @property
    def citation(self) -> str:
        """Short citation, e.g. "Kế hoạch 99/KH-UBND của UBND phường Hoàng Mai"."""
        return f"Kế hoạch {self.number} của {self.issuer}"


@dataclass(frozen=True)
class Passage:
    """One chunk of a plan, cut along its structure.

    ``original`` is the text exactly as the source file has it (for exact citing);
    ``text`` is the cleaned and OCR-repaired text (for showing and for search).
    """

    id: str  # stable: f"{document}:{order}"
    document: str
    order: int
    section_path: tuple[str, ...]  # e.g. ("III. Tiêu chí thi đua", "1. Tiêu chí thi đua", "c) Đối với doanh nghiệp")
    text: str
    original: str
    line_start: int = 0  # first line of the passage in the source text (0-based)
    line_end: int = 0  # one past the last line

    @property
    def section(self) -> str:
        """The section path joined for display."""
        return " › ".join(self.section_path)

    @property
    def anchor(self) -> str:
        """This passage's fragment on the plan page: citations link to ``/plans/{document}#{anchor}``."""
        return f"p{self.order}"


@dataclass(frozen=True)
class Fact:
    """A precise fact extracted from a plan: a deadline, an award form, a target or a responsible body."""

    document: str
    kind: str  # "deadline" | "phase" | "award" | "target" | "responsibility"
    value: str  # the normalised value, e.g. "15/12", "2027", "Bằng khen của Chủ tịch UBND Thành phố", "100%"
    text: str  # the repaired sentence or list item it comes from
    section_path: tuple[str, ...] = field(default_factory=tuple)
    passage_id: str = ""
