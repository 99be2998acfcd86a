"""One action over many submissions at once (assignment, state change), each applied or refused on its own."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.errors import ThiduaError
from core.models import Initiative, InitiativeState, Reviewer
from core.review import assign, get_initiative, transition

MAX_BULK = 100


@dataclass(frozen=True)
class BulkOutcome:
    """What happened to one submission of a bulk action."""

    initiative_id: int
    code: str
    title: str
    done: bool
    message: str


def _each(session: Session, initiative_ids: Sequence[int], act: Callable[[Initiative], str]) -> list[BulkOutcome]:
    outcomes: list[BulkOutcome] = []
    for initiative_id in list(dict.fromkeys(initiative_ids))[:MAX_BULK]:
        savepoint = session.begin_nested()
        try:
            initiative = get_initiative(session=session, initiative_id=initiative_id)
            code, title = initiative.code, initiative.title
            message = act(initiative)
        except ThiduaError as exc:
            savepoint.rollback()
            outcomes.append(BulkOutcome(initiative_id, f"#{initiative_id}", "", False, exc.detail))
            continue
        savepoint.commit()
        outcomes.append(BulkOutcome(initiative_id, code, title, True, message))
    return outcomes


def bulk_assign(
    *, session: Session, reviewer: Reviewer, initiative_ids: Sequence[int], assignee_id: int | None
) -> list[BulkOutcome]:
    """Assign each submission to ``assignee_id`` (or to nobody); one result per submission."""

    def act(initiative: Initiative) -> str:
        entry = assign(session=session, initiative=initiative, reviewer=reviewer, assignee_id=assignee_id)
        return entry.note if entry is not None else "Không thay đổi (đã giao như vậy)."

    return _each(session, initiative_ids, act)


def bulk_transition(
    *, session: Session, reviewer: Reviewer, initiative_ids: Sequence[int], to_state: InitiativeState, note: str
) -> list[BulkOutcome]:
    """Move each submission to ``to_state`` under the usual rules; one result per submission."""

    def act(initiative: Initiative) -> str:
        transition(session=session, initiative=initiative, reviewer=reviewer, to_state=to_state, note=note)
        return f"Đã chuyển sang “{to_state.label}”."

    return _each(session, initiative_ids, act)
