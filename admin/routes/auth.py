"""Login (OAuth2 password flow) and the current account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from admin.deps import CurrentReviewer, SessionDep, SettingsDep
from admin.errors import error_responses
from admin.schemas import ReviewerRead, Token
from admin.security import create_access_token
from core.errors import ErrorCode
from core.reviewers import authenticate

public_router = APIRouter(prefix="/auth", tags=["auth"])
router = APIRouter(prefix="/auth", tags=["auth"])


@public_router.post(
    "/token",
    response_model=Token,
    responses=error_responses(ErrorCode.BAD_REQUEST, ErrorCode.UNAUTHORIZED, ErrorCode.VALIDATION),
)
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep, settings: SettingsDep) -> Token:
    """Exchange a username and password for an expiring bearer token; repeated failures lock the account."""
    reviewer = authenticate(session=session, settings=settings, username=form.username, password=form.password)
    token, lifetime = create_access_token(settings=settings, reviewer=reviewer)
    return Token(access_token=token, expires_in=lifetime)


@router.get("/me", response_model=ReviewerRead)
def me(reviewer: CurrentReviewer) -> ReviewerRead:
    """The account the token belongs to."""
    return ReviewerRead.of(reviewer)
