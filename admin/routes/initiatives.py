"""Submissions: list with filters, one in full, its attachments, state changes, comments and assignment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from admin.deps import CurrentReviewer, SessionDep, SettingsDep
from admin.errors import error_responses
from admin.schemas import (
    AssignmentUpdate,
    AttachmentRead,
    CommentCreate,
    EventRead,
    InitiativeDetail,
    InitiativePage,
    InitiativeSummary,
    NoticeRead,
    SimilarRead,
    TransitionCreate,
)
from core.errors import ErrorCode
from core.models import Initiative, InitiativeState
from core.review import (
    InitiativeFilters,
    SortKey,
    add_comment,
    assign,
    attachment_file,
    get_attachment,
    get_initiative,
    list_initiatives,
    reviewer_names,
    similar_initiatives,
    transition,
)

router = APIRouter(prefix="/initiatives", tags=["initiatives"])

InitiativeId = Annotated[int, Path(ge=1, le=2**31 - 1)]
AttachmentId = Annotated[int, Path(ge=1, le=2**31 - 1)]
FiltersQuery = Annotated[InitiativeFilters, Query()]


def _detail(session: Session, initiative: Initiative) -> InitiativeDetail:
    names = reviewer_names(session=session, reviewer_ids=[initiative.assigned_reviewer_id])
    summary = InitiativeSummary.of(initiative, names)
    return InitiativeDetail(
        **summary.model_dump(),
        description=initiative.description,
        benefit=initiative.benefit,
        scope=initiative.scope,
        contact_phone=initiative.contact_phone,
        contact_email=initiative.contact_email,
        consent_at=initiative.consent_at,
        allowed_transitions=sorted(InitiativeState(initiative.state).reviewer_choices()),
        attachments=[AttachmentRead.of(attachment) for attachment in initiative.attachments],
        history=[EventRead.of(event) for event in initiative.events],
        notice_log=[NoticeRead.of(notice) for notice in initiative.notices],
        similar=[SimilarRead.of(match) for match in similar_initiatives(session=session, initiative=initiative)],
    )


@router.get("", response_model=InitiativePage, responses=error_responses(ErrorCode.VALIDATION))
def read_initiatives(
    session: SessionDep,
    filters: FiltersQuery,
    sort: Annotated[SortKey, Query(description="Order; a leading minus reverses it.")] = SortKey.CREATED_DESC,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> InitiativePage:
    """Submissions matching the filters, one page at a time."""
    result = list_initiatives(session=session, filters=filters, sort=sort, page=page, page_size=page_size)
    names = reviewer_names(session=session, reviewer_ids=[item.assigned_reviewer_id for item in result.items])
    return InitiativePage(
        items=[InitiativeSummary.of(item, names) for item in result.items],
        total=result.total,
        page=result.page,
        page_size=result.page_size,
    )


@router.get("/{initiative_id}", response_model=InitiativeDetail, responses=error_responses(ErrorCode.NOT_FOUND))
def read_initiative(initiative_id: InitiativeId, session: SessionDep) -> InitiativeDetail:
    """One submission in full, with its history, notices and similar earlier submissions."""
    return _detail(session, get_initiative(session=session, initiative_id=initiative_id))


@router.get("/{initiative_id}/history", response_model=list[EventRead], responses=error_responses(ErrorCode.NOT_FOUND))
def read_history(initiative_id: InitiativeId, session: SessionDep) -> list[EventRead]:
    """The append-only history of a submission, oldest first."""
    return [EventRead.of(event) for event in get_initiative(session=session, initiative_id=initiative_id).events]


@router.get(
    "/{initiative_id}/attachments/{attachment_id}",
    response_class=FileResponse,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The file, as a download."},
        **error_responses(ErrorCode.NOT_FOUND),
    },
)
def download_attachment(
    initiative_id: InitiativeId, attachment_id: AttachmentId, session: SessionDep, settings: SettingsDep
) -> FileResponse:
    """Download a file sent with a submission."""
    attachment = get_attachment(session=session, initiative_id=initiative_id, attachment_id=attachment_id)
    path = attachment_file(settings=settings, attachment=attachment)
    # Always a download of opaque bytes: a submitted file must never render inside the admin's origin.
    return FileResponse(
        path,
        media_type="application/octet-stream",
        filename=attachment.filename,
        headers={"X-Content-Type-Options": "nosniff"},
    )


@router.post(
    "/{initiative_id}/transitions",
    response_model=InitiativeDetail,
    responses=error_responses(
        ErrorCode.BAD_REQUEST,
        ErrorCode.NOT_FOUND,
        ErrorCode.ILLEGAL_TRANSITION,
        ErrorCode.CONFLICT,
        ErrorCode.VALIDATION,
    ),
)
def move_initiative(
    initiative_id: InitiativeId, transition_in: TransitionCreate, session: SessionDep, reviewer: CurrentReviewer
) -> InitiativeDetail:
    """Move a submission to another state; the submitter is told on their channel."""
    initiative = get_initiative(session=session, initiative_id=initiative_id)
    transition(
        session=session,
        initiative=initiative,
        reviewer=reviewer,
        to_state=transition_in.to_state,
        note=transition_in.note,
        internal_note=transition_in.internal_note,
    )
    session.refresh(initiative)
    return _detail(session, initiative)


@router.post(
    "/{initiative_id}/comments",
    response_model=EventRead,
    status_code=201,
    responses=error_responses(ErrorCode.BAD_REQUEST, ErrorCode.NOT_FOUND, ErrorCode.VALIDATION),
)
def comment_initiative(
    initiative_id: InitiativeId, comment_in: CommentCreate, session: SessionDep, reviewer: CurrentReviewer
) -> EventRead:
    """Add an internal comment, or (``internal: false``) an answer sent to the submitter."""
    initiative = get_initiative(session=session, initiative_id=initiative_id)
    entry = add_comment(
        session=session, initiative=initiative, reviewer=reviewer, text=comment_in.text, internal=comment_in.internal
    )
    return EventRead.of(entry)


@router.put(
    "/{initiative_id}/assignment",
    response_model=InitiativeDetail,
    responses=error_responses(ErrorCode.BAD_REQUEST, ErrorCode.NOT_FOUND, ErrorCode.VALIDATION),
)
def assign_initiative(
    initiative_id: InitiativeId, assignment_in: AssignmentUpdate, session: SessionDep, reviewer: CurrentReviewer
) -> InitiativeDetail:
    """Assign a submission to a reviewer, or to nobody."""
    initiative = get_initiative(session=session, initiative_id=initiative_id)
    assign(session=session, initiative=initiative, reviewer=reviewer, assignee_id=assignment_in.reviewer_id)
    session.refresh(initiative)
    return _detail(session, initiative)
