"""Personal data (Nghị định 13/2023): contacts erased after retention; one submitter's data exported or erased."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Initiative, InitiativeEvent, InitiativeState
from core.personal_data import ERASED_NAME, erase_expired_contacts
from tests.factories import make_initiative


def test_contacts_of_decided_submissions_are_erased_after_retention(session: Session) -> None:
    old = make_initiative(session, contact_email="an@example.vn")
    fresh = make_initiative(session)
    open_one = make_initiative(session)
    old.state = fresh.state = InitiativeState.ACCEPTED.value
    session.flush()
    later = datetime.now(UTC) + timedelta(days=400)
    fresh.updated_at = later - timedelta(days=10)
    session.flush()
    assert erase_expired_contacts(session=session, retention=timedelta(days=365), now=later) == 1
    assert (old.contact_phone, old.contact_email) == ("", "")
    assert fresh.contact_phone and open_one.contact_phone, "recent or undecided submissions keep their contact"
    kinds = session.scalars(select(InitiativeEvent.kind).where(InitiativeEvent.initiative_id == old.id)).all()
    assert "contact_erased" in kinds


def test_an_admin_exports_then_erases_one_submitters_data(
    client: TestClient, session: Session, admin_headers: dict[str, str], reviewer_headers: dict[str, str]
) -> None:
    first = make_initiative(session, channel_user_id="zalo-user-1", contact_email="an@example.vn")
    second = make_initiative(session, channel_user_id="zalo-user-1")
    other = make_initiative(session, channel_user_id="someone-else")
    session.commit()
    url = f"/api/initiatives/{first.id}/personal-data"
    assert client.post(f"{url}/export", headers=reviewer_headers).status_code == 403
    exported = client.post(f"{url}/export", headers=admin_headers)
    assert exported.status_code == 200, exported.text
    codes = [item["code"] for item in exported.json()["submissions"]]
    assert codes == [first.code, second.code]
    assert exported.json()["submissions"][0]["contact_email"] == "an@example.vn"
    erased = client.post(f"{url}/erase", headers=admin_headers)
    assert erased.json()["erased"] == [first.code, second.code]
    session.expire_all()
    for row in session.scalars(select(Initiative).where(Initiative.id.in_([first.id, second.id]))):
        assert (row.proposer_name, row.contact_phone, row.contact_email) == (ERASED_NAME, "", "")
        assert row.channel_user_id.startswith("erased:")
    assert session.get(Initiative, other.id).proposer_name != ERASED_NAME  # type: ignore[union-attr]
    history = client.get(f"/api/initiatives/{first.id}/history", headers=admin_headers).json()
    kinds = [event["kind"] for event in history]
    assert "personal_data_exported" in kinds and "personal_data_erased" in kinds
    assert "an@example.vn" not in str(history), "the history records the act, never the data"
