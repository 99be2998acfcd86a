"""Plans of the knowledge base: every reviewer may list them; admins upload, replace and remove them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from sqlalchemy.orm import Session

from admin.deps import CurrentAdmin, RuntimeDep, SessionDep
from admin.errors import error_responses
from admin.plans import ingest_uploaded, plan_file_name, remove_uploaded
from admin.schemas import PlanDetail, PlanRead
from core.documents import find_plan, get_plan, given_meta, list_plans, replacement_meta
from core.errors import ErrorCode, ThiduaError
from core.review import reviewer_actor

router = APIRouter(prefix="/plans", tags=["plans"])

PlanId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PlanFile = Annotated[UploadFile, File(description="The plan: .txt, .docx or .pdf.")]
_UPLOAD_ERRORS = (
    ErrorCode.BAD_REQUEST,
    ErrorCode.FORBIDDEN,
    ErrorCode.TOO_LARGE,
    ErrorCode.UNSUPPORTED_TYPE,
    ErrorCode.UNREADABLE_DOCUMENT,
    ErrorCode.VALIDATION,
    ErrorCode.OCR_UNAVAILABLE,
)


def _detail(session: Session, plan_id: int) -> PlanDetail:
    session.expire_all()
    return PlanDetail.of(get_plan(session=session, plan_id=plan_id))


@router.get("", response_model=list[PlanRead], responses=error_responses(ErrorCode.VALIDATION))
def read_plans(
    session: SessionDep,
    include_removed: Annotated[bool, Query(description="Also list removed plans.")] = False,
) -> list[PlanRead]:
    """The plans answers are drawn from."""
    return [PlanRead.of(document) for document in list_plans(session=session, include_removed=include_removed)]


@router.get("/{plan_id}", response_model=PlanDetail, responses=error_responses(ErrorCode.NOT_FOUND))
def read_plan(plan_id: PlanId, session: SessionDep) -> PlanDetail:
    """One plan with every version ingested."""
    return PlanDetail.of(get_plan(session=session, plan_id=plan_id))


@router.post(
    "",
    response_model=PlanDetail,
    status_code=201,
    responses=error_responses(ErrorCode.CONFLICT, *_UPLOAD_ERRORS),
)
def upload_plan(
    file: PlanFile,
    session: SessionDep,
    runtime: RuntimeDep,
    admin: CurrentAdmin,
    title: Annotated[str | None, Form(max_length=500)] = None,
    issuer: Annotated[str | None, Form(max_length=300)] = None,
    level: Annotated[str | None, Form(max_length=32, description="thành phố, sở, phường, xã…")] = None,
    locality: Annotated[str | None, Form(max_length=200)] = None,
    number: Annotated[str | None, Form(max_length=64, description="e.g. 99/KH-UBND")] = None,
    date: Annotated[str | None, Form(max_length=32, description="ISO date or year")] = None,
    aliases: Annotated[str | None, Form(max_length=1000, description="Other names, separated by “;”.")] = None,
) -> PlanDetail:
    """Add a plan; answers use it at once. Metadata left out is read from the plan's header."""
    name = plan_file_name(file.filename)
    existing = find_plan(session=session, name=name)
    if existing is not None and existing.is_active:
        raise ThiduaError(ErrorCode.CONFLICT, f"Đã có kế hoạch {name}; hãy dùng chức năng thay thế.")
    meta = given_meta(
        title=title, issuer=issuer, level=level, locality=locality, number=number, date=date, aliases=aliases
    )
    ingest_uploaded(session=session, runtime=runtime, actor=reviewer_actor(admin), upload=file, name=name, meta=meta)
    created = find_plan(session=session, name=name)
    assert created is not None
    return _detail(session, created.id)


@router.put(
    "/{plan_id}",
    response_model=PlanDetail,
    responses=error_responses(ErrorCode.NOT_FOUND, *_UPLOAD_ERRORS),
)
def replace_plan(
    plan_id: PlanId,
    file: PlanFile,
    session: SessionDep,
    runtime: RuntimeDep,
    admin: CurrentAdmin,
    title: Annotated[str | None, Form(max_length=500)] = None,
    issuer: Annotated[str | None, Form(max_length=300)] = None,
    level: Annotated[str | None, Form(max_length=32)] = None,
    locality: Annotated[str | None, Form(max_length=200)] = None,
    number: Annotated[str | None, Form(max_length=64)] = None,
    date: Annotated[str | None, Form(max_length=32)] = None,
    aliases: Annotated[str | None, Form(max_length=1000)] = None,
) -> PlanDetail:
    """Replace a plan with a new file (a new version); answers change at once. Metadata left out is kept."""
    document = get_plan(session=session, plan_id=plan_id)
    plan_file_name(file.filename)  # the type check; the plan keeps its name
    given = given_meta(
        title=title, issuer=issuer, level=level, locality=locality, number=number, date=date, aliases=aliases
    )
    meta = replacement_meta(document, given)
    ingest_uploaded(
        session=session, runtime=runtime, actor=reviewer_actor(admin), upload=file, name=document.name, meta=meta
    )
    return _detail(session, plan_id)


@router.delete(
    "/{plan_id}",
    response_model=PlanDetail,
    responses=error_responses(ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND),
)
def remove_plan(plan_id: PlanId, session: SessionDep, runtime: RuntimeDep, _admin: CurrentAdmin) -> PlanDetail:
    """Take a plan out of the knowledge base (its versions are kept); answers change at once."""
    remove_uploaded(session=session, runtime=runtime, document=get_plan(session=session, plan_id=plan_id))
    return _detail(session, plan_id)
