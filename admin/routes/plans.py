"""Plans of the knowledge base: every reviewer may list them; admins upload, replace and remove them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from sqlalchemy.orm import Session

from admin.deps import CurrentAdmin, RuntimeDep, SessionDep
from admin.errors import error_responses
from admin.plans import find_plan, get_plan, list_plans, plan_file_name, spooled_upload
from admin.schemas import PlanDetail, PlanRead
from core.errors import ErrorCode, ThiduaError
from core.models import Reviewer
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


def _meta(**fields: str | None) -> dict[str, Any]:
    meta: dict[str, Any] = {key: value.strip() for key, value in fields.items() if value and value.strip()}
    if "aliases" in meta:
        meta["aliases"] = [alias.strip() for alias in str(meta["aliases"]).split(";") if alias.strip()]
    return meta


def _end_read(session: Session) -> None:
    # The runtime changes the knowledge base in its own unit of work; ending ours first keeps SQLite's read
    # snapshot from hiding that change from us afterwards.
    session.commit()


def _ingest(
    session: Session, runtime: RuntimeDep, admin: Reviewer, upload: UploadFile, name: str, meta: dict[str, Any]
) -> None:
    settings = runtime.settings
    suffix = "." + plan_file_name(upload.filename).rsplit(".", 1)[-1]
    limit = settings.max_upload_mb * 1024 * 1024
    with spooled_upload(upload.file, suffix=suffix, limit_bytes=limit, folder=settings.uploads_dir / "tmp") as path:
        _end_read(session)
        runtime.ingest_upload(path=path, name=name, meta=meta, actor=reviewer_actor(admin))


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
    meta = _meta(title=title, issuer=issuer, level=level, locality=locality, number=number, date=date, aliases=aliases)
    _ingest(session, runtime, admin, file, name, meta)
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
    # Metadata an admin gave is kept; metadata read from the old file's header is read again from the new one.
    keys = ("title", "issuer", "level", "locality", "number", "date")
    kept = {} if document.meta.get("suggested", True) else {key: document.meta.get(key) for key in keys}
    given = _meta(title=title, issuer=issuer, level=level, locality=locality, number=number, date=date, aliases=aliases)
    meta: dict[str, Any] = {key: value for key, value in kept.items() if value}
    if kept and document.meta.get("aliases"):
        meta["aliases"] = list(document.meta["aliases"])
    meta.update(given)
    _ingest(session, runtime, admin, file, document.name, meta)
    return _detail(session, plan_id)


@router.delete(
    "/{plan_id}",
    response_model=PlanDetail,
    responses=error_responses(ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND),
)
def remove_plan(plan_id: PlanId, session: SessionDep, runtime: RuntimeDep, _admin: CurrentAdmin) -> PlanDetail:
    """Take a plan out of the knowledge base (its versions are kept); answers change at once."""
    document = get_plan(session=session, plan_id=plan_id)
    _end_read(session)
    runtime.remove_plan(document.name)
    return _detail(session, plan_id)
