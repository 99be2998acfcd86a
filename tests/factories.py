"""Small factories of test data; each takes the session and keyword overrides."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from core.initiatives import InitiativeCreate, create_initiative
from core.models import Initiative, Reviewer, Role
from core.reviewers import ReviewerCreate, create_reviewer

_counter = itertools.count(1)


def make_initiative(session: Session, **overrides: Any) -> Initiative:
    """A valid submission from the web chat; any form field can be overridden."""
    n = next(_counter)
    data: dict[str, Any] = {
        "channel": "web",
        "channel_user_id": f"web-user-{n}",
        "submission_key": f"test-submission-{n:08d}",
        "proposer_name": "Nguyễn Văn An",
        "participant_kind": "Cá nhân",
        "unit": "UBND phường Hoàn Kiếm",
        "locality": "Hà Nội",
        "field": "Chuyển đổi số",
        "title": f"Ứng dụng mã QR tra cứu thủ tục hành chính số {n}",
        "description": f"Người dân quét mã QR tại bộ phận một cửa để tra cứu hồ sơ và nộp trực tuyến, phiên bản {n}.",
        "benefit": "Giảm thời gian chờ đợi",
        "scope": "Toàn phường",
        "contact_phone": "0912345678",
        "contact_email": "",
        "consent": True,
    }
    data.update(overrides)
    return create_initiative(session=session, initiative_in=InitiativeCreate(**data))


def make_reviewer(
    session: Session,
    *,
    username: str | None = None,
    password: str = "mat-khau-du-dai",  # noqa: S107 - a test password
    role: Role = Role.REVIEWER,
) -> Reviewer:
    """A reviewer (or admin) account."""
    name = username or f"reviewer{next(_counter)}"
    return create_reviewer(
        session=session,
        reviewer_in=ReviewerCreate(username=name, password=password, full_name="Cán bộ thử", role=role),
    )
