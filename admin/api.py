"""The admin API in one router: login is public, every other route needs a reviewer's bearer token."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from admin.deps import get_current_reviewer
from admin.errors import error_responses
from admin.routes import auth, export, initiatives, personal_data, plans, reviewers
from core.errors import ErrorCode

protected_router = APIRouter(
    dependencies=[Depends(get_current_reviewer)], responses=error_responses(ErrorCode.UNAUTHORIZED)
)
protected_router.include_router(auth.router)
protected_router.include_router(reviewers.router)
# Before the initiatives routes, so "/initiatives/export" is not read as an initiative id.
protected_router.include_router(export.router)
protected_router.include_router(initiatives.router)
protected_router.include_router(personal_data.router)
protected_router.include_router(plans.router)

admin_router = APIRouter(prefix="/api")
admin_router.include_router(auth.public_router)
admin_router.include_router(protected_router)
