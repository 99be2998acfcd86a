"""Plans of the knowledge base (admins): the list with versions and metadata, upload, replace and remove."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from starlette.responses import Response

from admin.console import render
from admin.console.deps import AdminViewerDep, CheckedAdmin
from admin.deps import RuntimeDep, SessionDep
from admin.plans import ingest_uploaded, plan_file_name, remove_uploaded
from core.documents import find_plan, get_plan, given_meta, list_plans, replacement_meta
from core.errors import ErrorCode, ThiduaError
from core.review import reviewer_actor
from knowledge.ingest import DocumentResult

router = APIRouter(prefix="/admin/plans")

PlanId = Annotated[int, Path(ge=1, le=2**31 - 1)]
MetaField = Annotated[str, Form(max_length=500)]
_STATUS = {"added": "đã thêm", "updated": "đã cập nhật", "unchanged": "không thay đổi", "removed": "đã gỡ"}


def _result_text(result: DocumentResult) -> str:
    status = _STATUS.get(result.status, result.status)
    counts = f"{result.passages} đoạn, {result.facts} dữ kiện, phiên bản {result.version}"
    return f"Kế hoạch {result.name}: {status} — {counts}."


@router.get("")
def plans_page(request: Request, session: SessionDep, _admin: AdminViewerDep) -> Response:
    """Every plan (removed ones too) with its versions and metadata."""
    return render.page(request, "plans.html", {"plans": list_plans(session=session, include_removed=True)})


@router.post("")
def upload(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    admin: CheckedAdmin,
    file: Annotated[UploadFile, File()],
    title: MetaField = "",
    issuer: MetaField = "",
    locality: MetaField = "",
    number: MetaField = "",
    date: MetaField = "",
    level: Annotated[str, Form(max_length=32)] = "",
    aliases: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Add a new plan; metadata left blank is read from the plan's header."""
    name = plan_file_name(file.filename)
    existing = find_plan(session=session, name=name)
    if existing is not None and existing.is_active:
        raise ThiduaError(ErrorCode.CONFLICT, f"Đã có kế hoạch {name}; hãy dùng chức năng thay thế.")
    meta = given_meta(
        title=title, issuer=issuer, level=level, locality=locality, number=number, date=date, aliases=aliases
    )
    actor = reviewer_actor(admin.reviewer)
    result = ingest_uploaded(session=session, runtime=runtime, actor=actor, upload=file, name=name, meta=meta)
    return render.redirect(request, "/admin/plans", ok=_result_text(result))


@router.post("/{plan_id}/replace")
def replace(
    request: Request,
    plan_id: PlanId,
    session: SessionDep,
    runtime: RuntimeDep,
    admin: CheckedAdmin,
    file: Annotated[UploadFile, File()],
) -> Response:
    """Replace a plan with a new file (a new version); metadata an admin gave is kept."""
    document = get_plan(session=session, plan_id=plan_id)
    plan_file_name(file.filename)
    meta = replacement_meta(document, {})
    actor = reviewer_actor(admin.reviewer)
    result = ingest_uploaded(session=session, runtime=runtime, actor=actor, upload=file, name=document.name, meta=meta)
    return render.redirect(request, "/admin/plans", ok=_result_text(result))


@router.post("/{plan_id}/remove")
def remove(
    request: Request, plan_id: PlanId, session: SessionDep, runtime: RuntimeDep, _admin: CheckedAdmin
) -> Response:
    """Take a plan out of the knowledge base (its versions are kept)."""
    result = remove_uploaded(session=session, runtime=runtime, document=get_plan(session=session, plan_id=plan_id))
    return render.redirect(request, "/admin/plans", ok=_result_text(result))
