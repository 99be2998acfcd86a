"""The queue: tabs per state, filters and search in the URL, sorting, paging, bulk actions and the export."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from admin.console import render
from admin.console.deps import CheckedViewer, ViewerDep
from admin.console.queue_query import PAGE_SIZE, SORT_LABELS, QueueQuery
from admin.deps import SessionDep
from admin.schemas import ExportFormat
from core.bulk_review import bulk_assign, bulk_transition
from core.errors import ErrorCode, ThiduaError
from core.export import to_csv, to_xlsx
from core.initiatives import FIELDS
from core.models import InitiativeState
from core.review import (
    EXPORT_HEADERS,
    count_by_state,
    export_rows,
    get_initiative,
    known_localities,
    list_initiatives,
    reviewer_names,
)
from core.reviewers import list_reviewers

router = APIRouter(prefix="/admin")

QueueQueryDep = Annotated[QueueQuery, Query()]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("")
def queue_page(request: Request, session: SessionDep, viewer: ViewerDep, view: QueueQueryDep) -> Response:
    """The submissions of the chosen tab and filters, one page at a time."""
    filters = view.filters(viewer_id=viewer.reviewer.id)
    result = list_initiatives(session=session, filters=filters, sort=view.sort, page=view.page, page_size=PAGE_SIZE)
    counts = count_by_state(session=session, filters=filters)
    mine = view.model_copy(update={"mine": True, "state": None, "assignee": None})
    context = {
        "view": view,
        "result": result,
        "pages": max(1, -(-result.total // PAGE_SIZE)),
        "counts": counts,
        "all_count": sum(counts.values()),
        "mine_count": sum(count_by_state(session=session, filters=mine.filters(viewer_id=viewer.reviewer.id)).values()),
        "states": list(InitiativeState),
        "names": reviewer_names(session=session, reviewer_ids=[item.assigned_reviewer_id for item in result.items]),
        "fields": FIELDS,
        "localities": known_localities(session=session),
        "reviewers": list_reviewers(session=session, include_inactive=False),
        "sort_labels": SORT_LABELS,
        "bulk_states": [state for state in InitiativeState if state.reviewer_may_choose],
    }
    return render.page(request, "queue.html", context)


@router.get("/export")
def export(
    session: SessionDep, viewer: ViewerDep, view: QueueQueryDep, format: ExportFormat = ExportFormat.XLSX
) -> Response:
    """The submissions of the current view (every page) as XLSX or CSV."""
    rows = export_rows(session=session, filters=view.filters(viewer_id=viewer.reviewer.id), sort=view.sort)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    if format is ExportFormat.CSV:
        body, media_type, suffix = to_csv(EXPORT_HEADERS, rows), "text/csv; charset=utf-8", "csv"
    else:
        body, media_type, suffix = to_xlsx(EXPORT_HEADERS, rows), XLSX_TYPE, "xlsx"
    headers = {"Content-Disposition": f'attachment; filename="sang-kien-{stamp}.{suffix}"'}
    return Response(body, media_type=media_type, headers=headers)


_ACTION_HELP = "Chọn một thao tác: giao cho cán bộ hoặc chuyển trạng thái."


def _parse_action(action: str) -> tuple[str, int | None, InitiativeState | None]:
    kind, _, value = action.partition(":")
    try:
        if kind == "assign":
            return kind, (int(value) if value != "none" else None), None
        if kind == "state":
            return kind, None, InitiativeState(value)
    except ValueError:
        pass
    raise ThiduaError(ErrorCode.VALIDATION, _ACTION_HELP)


def _checked_ids(ids: list[int]) -> list[int]:
    if not ids:
        raise ThiduaError(ErrorCode.VALIDATION, "Chưa chọn sáng kiến nào.")
    return ids


BulkIds = Annotated[list[int], Form(default_factory=list)]
BulkAction = Annotated[str, Form(max_length=40)]
BulkNote = Annotated[str, Form(max_length=2000)]


@router.post("/bulk")
def bulk_confirm(
    request: Request, session: SessionDep, _viewer: CheckedViewer, action: BulkAction, ids: BulkIds, note: BulkNote = ""
) -> Response:
    """Show what the bulk action will do to which submissions, and ask to confirm."""
    _kind, assignee_id, state = _parse_action(action)
    items = [get_initiative(session=session, initiative_id=item) for item in _checked_ids(ids)]
    names = reviewer_names(session=session, reviewer_ids=[assignee_id])
    context = {"items": items, "action": action, "note": note, "state": state, "assignee": names.get(assignee_id or 0)}
    return render.page(request, "bulk_confirm.html", context)


@router.post("/bulk/apply")
def bulk_apply(
    request: Request, session: SessionDep, viewer: CheckedViewer, action: BulkAction, ids: BulkIds, note: BulkNote = ""
) -> Response:
    """Apply the confirmed bulk action to each submission and show each one's result."""
    kind, assignee_id, state = _parse_action(action)
    chosen = _checked_ids(ids)
    if kind == "assign":
        outcomes = bulk_assign(
            session=session, reviewer=viewer.reviewer, initiative_ids=chosen, assignee_id=assignee_id
        )
    else:
        assert state is not None
        outcomes = bulk_transition(
            session=session, reviewer=viewer.reviewer, initiative_ids=chosen, to_state=state, note=note
        )
    return render.page(request, "bulk_result.html", {"outcomes": outcomes})
