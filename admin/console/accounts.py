"""Reviewer accounts (admins): create, disable, re-enable, reset a password."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import APIRouter, Form, Path, Request
from pydantic import BaseModel, ValidationError
from starlette.responses import Response

from admin.console import render
from admin.console.deps import AdminViewerDep, CheckedAdmin
from admin.deps import SessionDep
from admin.errors import validation_detail
from core.errors import ErrorCode, ThiduaError
from core.models import Role
from core.reviewers import (
    ReviewerCreate,
    ReviewerUpdate,
    create_reviewer,
    get_reviewer,
    list_reviewers,
    update_reviewer,
)

router = APIRouter(prefix="/admin/accounts")
_Model = TypeVar("_Model", bound=BaseModel)

ReviewerId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Text = Annotated[str, Form(max_length=256)]


def _checked(build: type[_Model], **values: object) -> _Model:
    try:
        return build.model_validate(values)
    except ValidationError as exc:
        raise ThiduaError(ErrorCode.VALIDATION, validation_detail([dict(error) for error in exc.errors()])) from exc


@router.get("")
def accounts_page(request: Request, session: SessionDep, _admin: AdminViewerDep) -> Response:
    """Every account."""
    return render.page(request, "accounts.html", {"accounts": list_reviewers(session=session), "roles": list(Role)})


@router.post("")
def create(
    request: Request,
    session: SessionDep,
    _admin: CheckedAdmin,
    username: Text,
    password: Text,
    full_name: Text = "",
    role: Annotated[Role, Form()] = Role.REVIEWER,
) -> Response:
    """Create an account."""
    reviewer_in = _checked(ReviewerCreate, username=username, password=password, full_name=full_name, role=role)
    created = create_reviewer(session=session, reviewer_in=reviewer_in)
    return render.redirect(request, "/admin/accounts", ok=f"Đã tạo tài khoản {created.username}.")


@router.post("/{reviewer_id}")
def change(
    request: Request,
    reviewer_id: ReviewerId,
    session: SessionDep,
    _admin: CheckedAdmin,
    action: Annotated[str, Form(max_length=20)],
    password: Text = "",
) -> Response:
    """Disable, re-enable, unlock or reset the password of an account."""
    reviewer = get_reviewer(session=session, reviewer_id=reviewer_id)
    changes: dict[str, dict[str, object]] = {
        "disable": {"is_active": False},
        "enable": {"is_active": True, "unlock": True},
        "password": {"password": password},
    }
    if action not in changes:
        raise ThiduaError(ErrorCode.VALIDATION, "Thao tác không hợp lệ.")
    update_reviewer(session=session, reviewer=reviewer, reviewer_in=_checked(ReviewerUpdate, **changes[action]))
    done = {"disable": "Đã khóa", "enable": "Đã mở lại", "password": "Đã đặt lại mật khẩu cho"}[action]
    return render.redirect(request, "/admin/accounts", ok=f"{done} tài khoản {reviewer.username}.")
