"""Reviewer accounts: every reviewer may list them; only admins create and change them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from admin.deps import CurrentAdmin, SessionDep
from admin.errors import error_responses
from admin.schemas import ReviewerRead
from core.errors import ErrorCode
from core.reviewers import (
    ReviewerCreate,
    ReviewerUpdate,
    create_reviewer,
    get_reviewer,
    list_reviewers,
    update_reviewer,
)

router = APIRouter(prefix="/reviewers", tags=["reviewers"])

ReviewerId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("", response_model=list[ReviewerRead])
def read_reviewers(session: SessionDep) -> list[ReviewerRead]:
    """Every account, by username (to pick whom to assign a submission to)."""
    return [ReviewerRead.of(reviewer) for reviewer in list_reviewers(session=session)]


@router.post(
    "",
    response_model=ReviewerRead,
    status_code=201,
    responses=error_responses(ErrorCode.BAD_REQUEST, ErrorCode.FORBIDDEN, ErrorCode.CONFLICT, ErrorCode.VALIDATION),
)
def add_reviewer(reviewer_in: ReviewerCreate, session: SessionDep, _admin: CurrentAdmin) -> ReviewerRead:
    """Create an account (admins only)."""
    return ReviewerRead.of(create_reviewer(session=session, reviewer_in=reviewer_in))


@router.get("/{reviewer_id}", response_model=ReviewerRead, responses=error_responses(ErrorCode.NOT_FOUND))
def read_reviewer(reviewer_id: ReviewerId, session: SessionDep) -> ReviewerRead:
    """One account."""
    return ReviewerRead.of(get_reviewer(session=session, reviewer_id=reviewer_id))


@router.patch(
    "/{reviewer_id}",
    response_model=ReviewerRead,
    responses=error_responses(
        ErrorCode.BAD_REQUEST, ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND, ErrorCode.CONFLICT, ErrorCode.VALIDATION
    ),
)
def change_reviewer(
    reviewer_id: ReviewerId, reviewer_in: ReviewerUpdate, session: SessionDep, _admin: CurrentAdmin
) -> ReviewerRead:
    """Change an account's name, role, password or activity, or unlock it (admins only)."""
    reviewer = get_reviewer(session=session, reviewer_id=reviewer_id)
    return ReviewerRead.of(update_reviewer(session=session, reviewer=reviewer, reviewer_in=reviewer_in))
