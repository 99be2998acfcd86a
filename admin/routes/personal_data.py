"""A submitter's personal data on request (Nghị định 13/2023/NĐ-CP): admins export or erase it; both are recorded."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from admin.deps import CurrentAdmin, SessionDep
from admin.errors import error_responses
from core.errors import ErrorCode
from core.personal_data import erase_personal_data, export_personal_data
from core.review import get_initiative, reviewer_actor

router = APIRouter(prefix="/initiatives", tags=["personal data"])
InitiativeId = Annotated[int, Path(ge=1, le=2**31 - 1)]
_ERRORS = error_responses(ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND, ErrorCode.VALIDATION)


class SubmissionData(BaseModel):
    """What a submitter gave about themselves in one submission."""

    code: str
    proposer_name: str
    unit: str
    contact_phone: str
    contact_email: str
    consent_at: str
    created_at: str
    attachments: list[str]


class PersonalDataExport(BaseModel):
    """Everything personal one submitter (one channel account) gave, over all their submissions."""

    channel: str
    submissions: list[SubmissionData]


class PersonalDataErased(BaseModel):
    """The submissions whose submitter data was erased (their content stays)."""

    erased: list[str] = Field(description="Receipt codes of the submissions touched.")


@router.post("/{initiative_id}/personal-data/export", response_model=PersonalDataExport, responses=_ERRORS)
def export_submitter_data(initiative_id: InitiativeId, session: SessionDep, admin: CurrentAdmin) -> PersonalDataExport:
    """Export the personal data of this submission's submitter, from all their submissions; recorded in the history."""
    initiative = get_initiative(session=session, initiative_id=initiative_id)
    data = export_personal_data(session=session, initiative=initiative, actor=reviewer_actor(admin))
    return PersonalDataExport.model_validate(data)


@router.post("/{initiative_id}/personal-data/erase", response_model=PersonalDataErased, responses=_ERRORS)
def erase_submitter_data(initiative_id: InitiativeId, session: SessionDep, admin: CurrentAdmin) -> PersonalDataErased:
    """Erase name, contact and chat account of this submission's submitter everywhere; recorded in the history."""
    initiative = get_initiative(session=session, initiative_id=initiative_id)
    return PersonalDataErased(
        erased=erase_personal_data(session=session, initiative=initiative, actor=reviewer_actor(admin))
    )
