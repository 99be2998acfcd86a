"""The dashboard: counts by state, field, locality and month for the current filters, as server-drawn charts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from admin.console import render
from admin.console.charts import bar_chart
from admin.console.deps import ViewerDep
from admin.console.queue_query import QueueQuery
from admin.deps import SessionDep
from core.initiatives import FIELDS
from core.models import InitiativeState
from core.review import known_localities, stats
from core.reviewers import list_reviewers

router = APIRouter(prefix="/admin")


def _month_label(key: str) -> str:
    year, _, month = key.partition("-")
    return f"{month}/{year}" if month else key


@router.get("/dashboard")
def dashboard(
    request: Request, session: SessionDep, viewer: ViewerDep, view: Annotated[QueueQuery, Query()]
) -> Response:
    """Figures of the submissions matching the filters."""
    figures = stats(session=session, filters=view.filters(viewer_id=viewer.reviewer.id))
    charts = [
        bar_chart("Theo trạng thái", [(InitiativeState(key).label, count) for key, count in figures.by_state]),
        bar_chart("Theo lĩnh vực", figures.by_field),
        bar_chart("Theo địa bàn", figures.by_locality),
        bar_chart("Theo tháng gửi", [(_month_label(key), count) for key, count in figures.by_month], limit=24),
    ]
    context = {
        "view": view,
        "total": figures.total,
        "charts": charts,
        "fields": FIELDS,
        "localities": known_localities(session=session),
        "reviewers": list_reviewers(session=session, include_inactive=False),
        "states": list(InitiativeState),
    }
    return render.page(request, "dashboard.html", context)
