"""One submission: its fields, attachments, history, comments, state buttons, assignment and similar ones."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import FileResponse
from starlette.responses import Response

from admin.console import render
from admin.console.deps import CheckedViewer, ViewerDep
from admin.deps import SessionDep, SettingsDep
from core.errors import ThiduaError
from core.models import Attachment, InitiativeEvent, InitiativeState
from core.review import (
    SUBMITTER_ACTOR,
    add_comment,
    assign,
    attachment_file,
    get_attachment,
    get_initiative,
    preview_type,
    reviewer_names,
    similar_initiatives,
    transition,
)
from core.reviewers import list_reviewers
from core.settings import Settings

router = APIRouter(prefix="/admin/initiatives")

InitiativeId = Annotated[int, Path(ge=1, le=2**31 - 1)]
AttachmentId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Note = Annotated[str, Form(max_length=2000)]


def _previews(settings: Settings, attachments: list[Attachment]) -> dict[int, str | None]:
    shown: dict[int, str | None] = {}
    for attachment in attachments:
        try:
            shown[attachment.id] = preview_type(
                path=attachment_file(settings=settings, attachment=attachment), attachment=attachment
            )
        except ThiduaError:
            shown[attachment.id] = "missing"
    return shown


def _with_submitter(event: InitiativeEvent) -> bool:
    """Whether the event is part of the exchange with the submitter: their replies, and what reviewers sent them."""
    if event.kind == "reply":
        return True
    sent = event.kind in {"comment", "transition"} and not event.internal and bool(event.note)
    return sent and event.actor != SUBMITTER_ACTOR


@router.get("/{initiative_id}")
def detail_page(
    request: Request, initiative_id: InitiativeId, session: SessionDep, settings: SettingsDep, _viewer: ViewerDep
) -> Response:
    """The submission in full."""
    initiative = get_initiative(session=session, initiative_id=initiative_id)
    state = InitiativeState(initiative.state)
    context = {
        "item": initiative,
        "state": state,
        "choices": state.reviewer_choices(),
        "previews": _previews(settings, initiative.attachments),
        "assignee": reviewer_names(session=session, reviewer_ids=[initiative.assigned_reviewer_id]).get(
            initiative.assigned_reviewer_id or 0
        ),
        "reviewers": list_reviewers(session=session, include_inactive=False),
        "similar": similar_initiatives(session=session, initiative=initiative),
        "internal": [event for event in initiative.events if event.kind == "comment" and event.internal],
        "to_submitter": [
            event
            for event in initiative.events
            if event.kind == "reply"
            or (
                event.kind in {"comment", "transition"}
                and event.actor != SUBMITTER_ACTOR
                and not event.internal
                and event.note
            )
        ],
    }
    return render.page(request, "detail.html", context)


@router.get("/{initiative_id}/attachments/{attachment_id}")
def attachment(
    initiative_id: InitiativeId,
    attachment_id: AttachmentId,
    session: SessionDep,
    settings: SettingsDep,
    _viewer: ViewerDep,
    inline: bool = False,
) -> Response:
    """A file sent with the submission: images and PDF shown inline when asked, anything else downloaded."""
    found = get_attachment(session=session, initiative_id=initiative_id, attachment_id=attachment_id)
    path = attachment_file(settings=settings, attachment=found)
    shown = preview_type(path=path, attachment=found) if inline else None
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"}
    if shown is None:
        return FileResponse(path, media_type="application/octet-stream", filename=found.filename, headers=headers)
    if shown.startswith("image/"):
        headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return FileResponse(
        path, media_type=shown, filename=found.filename, content_disposition_type="inline", headers=headers
    )


def _back(initiative_id: int) -> str:
    return f"/admin/initiatives/{initiative_id}"


@router.post("/{initiative_id}/comments")
def comment(
    request: Request,
    initiative_id: InitiativeId,
    session: SessionDep,
    viewer: CheckedViewer,
    text: Note,
    internal: Annotated[bool, Form()] = True,
) -> Response:
    """Add an internal comment, or an answer the submitter receives."""
    initiative = get_initiative(session=session, initiative_id=initiative_id)
    add_comment(session=session, initiative=initiative, reviewer=viewer.reviewer, text=text, internal=internal)
    done = "Đã thêm trao đổi nội bộ." if internal else "Đã gửi phản hồi cho người đề xuất."
    return render.redirect(request, _back(initiative_id), ok=done)


@router.post("/{initiative_id}/transitions")
def move(
    request: Request,
    initiative_id: InitiativeId,
    session: SessionDep,
    viewer: CheckedViewer,
    to_state: Annotated[InitiativeState, Form()],
    note: Note = "",
) -> Response:
    """Move the submission; the submitter is told on their channel."""
    initiative = get_initiative(session=session, initiative_id=initiative_id)
    transition(session=session, initiative=initiative, reviewer=viewer.reviewer, to_state=to_state, note=note)
    return render.redirect(request, _back(initiative_id), ok=f"Đã chuyển sang “{to_state.label}”.")


@router.post("/{initiative_id}/assignment")
def assignment(
    request: Request,
    initiative_id: InitiativeId,
    session: SessionDep,
    viewer: CheckedViewer,
    assignee: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Give the submission to a reviewer, or to nobody."""
    initiative = get_initiative(session=session, initiative_id=initiative_id)
    assignee_id = int(assignee) if assignee.isdigit() else None
    entry = assign(session=session, initiative=initiative, reviewer=viewer.reviewer, assignee_id=assignee_id)
    return render.redirect(request, _back(initiative_id), ok=entry.note if entry else "Không có gì thay đổi.")
