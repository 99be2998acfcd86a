"""Export of the filtered submissions as CSV or XLSX, and statistics."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from admin.deps import SessionDep
from admin.errors import error_responses
from admin.routes.initiatives import FiltersQuery
from admin.schemas import ExportFormat, StatsRead
from core.errors import ErrorCode
from core.export import to_csv, to_xlsx
from core.review import EXPORT_HEADERS, SortKey, export_rows, stats

router = APIRouter()

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


@router.get(
    "/initiatives/export",
    tags=["export"],
    response_class=Response,
    responses={
        200: {
            "description": "The matching submissions, one row each, with Vietnamese column headers.",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **error_responses(ErrorCode.VALIDATION),
    },
)
def export_initiatives(
    session: SessionDep,
    filters: FiltersQuery,
    format: Annotated[ExportFormat, Query(description="File format.")] = ExportFormat.CSV,
    sort: Annotated[SortKey, Query(description="Order; a leading minus reverses it.")] = SortKey.CREATED_DESC,
) -> Response:
    """Download the submissions matching the filters; cells are safe against formula injection."""
    rows = export_rows(session=session, filters=filters, sort=sort)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    if format is ExportFormat.XLSX:
        body, media_type = to_xlsx(EXPORT_HEADERS, rows), XLSX_TYPE
    else:
        body, media_type = to_csv(EXPORT_HEADERS, rows), CSV_TYPE
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="sang-kien-{stamp}.{format.value}"'},
    )


@router.get("/stats", response_model=StatsRead, tags=["stats"], responses=error_responses(ErrorCode.VALIDATION))
def read_stats(session: SessionDep, filters: FiltersQuery) -> StatsRead:
    """Counts of the matching submissions by state, field, locality and month."""
    return StatsRead.of(stats(session=session, filters=filters))
