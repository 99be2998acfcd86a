"""The public page of one plan: every passage in reading order under its section headings, each with its anchor.

Answer citations link here (``/plans/{document}#p12``); residents reach it from the chat without signing in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Protocol

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from admin.console import render
from admin.deps import SessionDep
from core.documents import get_active_plan
from core.errors import ErrorCode, ThiduaError
from knowledge.passages import Passage

router = APIRouter(include_in_schema=False)

DocumentName = Annotated[str, Path(min_length=1, max_length=255)]


class PlanSource(Protocol):
    """What the page needs from the runtime: the passages of one plan in reading order."""

    def plan_passages(self, document: str) -> list[Passage]:
        """The plan's passages."""
        ...


@dataclass
class Block:
    """A run of passages under the same section path; ``new_heads`` are the headings it opens.

    When the first passage begins with its deepest heading (as most do), that line is shown as the heading
    (``lead_level``) instead of printing the heading twice.
    """

    new_heads: list[tuple[int, str]]
    passages: list[Passage] = field(default_factory=list)
    lead_level: int | None = None


def _begins_with(passage: Passage, heading: str) -> bool:
    """Whether the passage's first line is the heading itself (a longer line is a paragraph, not a heading)."""
    first_line = passage.text.lstrip().split("\n", 1)[0].strip().rstrip(".:").casefold()
    return bool(first_line) and first_line == heading.strip().rstrip(".:").casefold()


def blocks(passages: list[Passage]) -> list[Block]:
    """Group passages under their sections, naming only the headings that change from the previous block."""
    out: list[Block] = []
    current: tuple[str, ...] | None = None
    for passage in passages:
        if passage.section_path != current:
            shared = 0
            previous = current or ()
            while shared < min(len(previous), len(passage.section_path)) and (
                previous[shared] == passage.section_path[shared]
            ):
                shared += 1
            heads = [(level, title) for level, title in enumerate(passage.section_path) if level >= shared]
            lead = heads[-1][0] if heads and _begins_with(passage, heads[-1][1]) else None
            out.append(Block(new_heads=heads[:-1] if lead is not None else heads, lead_level=lead))
            current = passage.section_path
        out[-1].passages.append(passage)
    return out


@router.get("/plans/{document}")
def plan_page(request: Request, document: DocumentName, session: SessionDep) -> Response:
    """The plan, read-only, for anyone."""
    plan = get_active_plan(session=session, name=document)
    source: PlanSource = request.app.state.runtime
    passages = source.plan_passages(plan.name)
    if not passages:
        raise ThiduaError(ErrorCode.NOT_FOUND, "Kế hoạch này chưa được lập chỉ mục để hiển thị.")
    context = {"plan": plan, "meta": plan.meta, "blocks": blocks(passages), "ocr": bool(plan.meta.get("ocr"))}
    response = render.page(request, "plan.html", context)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
