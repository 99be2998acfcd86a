"""Accounts: hashing, login, lock-out, tokens, admin-only management."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from admin.security import create_access_token
from core.errors import ThiduaError
from core.models import Reviewer, Role
from core.reviewers import ReviewerCreate, create_reviewer
from core.settings import Settings
from tests.admin.conftest import PASSWORD, login
from tests.factories import make_reviewer


def test_passwords_are_stored_as_argon2id(session: Session) -> None:
    reviewer = make_reviewer(session, username="hash.check")
    assert reviewer.password_hash.startswith("$argon2id$")
    assert PASSWORD not in reviewer.password_hash


def test_a_taken_username_is_a_conflict(session: Session) -> None:
    make_reviewer(session, username="trung.ten")
    with pytest.raises(ThiduaError) as caught:
        create_reviewer(session=session, reviewer_in=ReviewerCreate(username="Trung.Ten", password=PASSWORD))
    assert caught.value.code == "conflict"


def test_login_gives_an_expiring_bearer_token(client: TestClient, session: Session, settings: Settings) -> None:
    make_reviewer(session, username="dang.nhap")
    session.commit()
    response = client.post("/api/auth/token", data={"username": "dang.nhap", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.access_token_minutes * 60
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == settings.access_token_minutes * 60
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "dang.nhap"
    assert "password_hash" not in me.json()


def test_wrong_password_and_unknown_user_look_the_same(client: TestClient, session: Session) -> None:
    make_reviewer(session, username="co.that")
    session.commit()
    wrong = client.post("/api/auth/token", data={"username": "co.that", "password": "sai-mat-khau-roi"})
    unknown = client.post("/api/auth/token", data={"username": "khong.co", "password": "sai-mat-khau-roi"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"] == "unauthorized"
    assert wrong.headers["www-authenticate"] == "Bearer"


def test_repeated_failures_lock_the_account(client: TestClient, session: Session, settings: Settings) -> None:
    reviewer = make_reviewer(session, username="bi.khoa")
    session.commit()
    for _ in range(settings.login_max_failures):
        assert (
            client.post("/api/auth/token", data={"username": "bi.khoa", "password": "sai-mat-khau"}).status_code == 401
        )
    locked = client.post("/api/auth/token", data={"username": "bi.khoa", "password": PASSWORD})
    unknown = client.post("/api/auth/token", data={"username": "khong.co.ai", "password": PASSWORD})
    assert locked.status_code == unknown.status_code == 401
    assert locked.json() == unknown.json(), "a locked account cannot be told from an unknown one"
    session.refresh(reviewer)
    assert reviewer.locked_until is not None
    # The lock ends by itself after login_lock_minutes.
    reviewer.locked_until = datetime.now(UTC) - timedelta(seconds=1)
    session.commit()
    assert client.post("/api/auth/token", data={"username": "bi.khoa", "password": PASSWORD}).status_code == 200


def test_a_success_resets_the_failure_count(client: TestClient, session: Session, settings: Settings) -> None:
    make_reviewer(session, username="quen.mk")
    session.commit()
    for _ in range(2):
        for _ in range(settings.login_max_failures - 1):
            client.post("/api/auth/token", data={"username": "quen.mk", "password": "sai-mat-khau"})
        login(client, "quen.mk")


def test_admin_unlocks_and_manages_reviewers(
    client: TestClient, session: Session, settings: Settings, admin_headers: dict[str, str]
) -> None:
    created = client.post(
        "/api/reviewers",
        json={"username": "moi.tao", "password": "mot-mat-khau-dai", "full_name": "Lê  Thị Mới", "role": "reviewer"},
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    reviewer_id = created.json()["id"]
    assert created.json()["full_name"] == "Lê Thị Mới"
    for _ in range(settings.login_max_failures):
        client.post("/api/auth/token", data={"username": "moi.tao", "password": "sai-mat-khau"})
    assert client.get(f"/api/reviewers/{reviewer_id}", headers=admin_headers).json()["locked"] is True
    unlocked = client.patch(f"/api/reviewers/{reviewer_id}", json={"unlock": True}, headers=admin_headers)
    assert unlocked.json()["locked"] is False
    login(client, "moi.tao", "mot-mat-khau-dai")
    duplicate = client.post(
        "/api/reviewers", json={"username": "moi.tao", "password": "mot-mat-khau-dai"}, headers=admin_headers
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["error"] == "conflict"


def test_a_password_change_or_deactivation_voids_old_tokens(
    client: TestClient, session: Session, admin_headers: dict[str, str]
) -> None:
    reviewer = make_reviewer(session, username="doi.mk")
    session.commit()
    headers = login(client, "doi.mk")
    changed = client.patch(
        f"/api/reviewers/{reviewer.id}", json={"password": "mat-khau-moi-hon"}, headers=admin_headers
    )
    assert changed.status_code == 200
    assert client.get("/api/auth/me", headers=headers).status_code == 401
    headers = login(client, "doi.mk", "mat-khau-moi-hon")
    client.patch(f"/api/reviewers/{reviewer.id}", json={"is_active": False}, headers=admin_headers)
    assert client.get("/api/auth/me", headers=headers).status_code == 401
    refused = client.post("/api/auth/token", data={"username": "doi.mk", "password": "mat-khau-moi-hon"})
    assert refused.status_code == 401


def test_the_last_admin_cannot_be_demoted(client: TestClient, session: Session, admin_headers: dict[str, str]) -> None:
    me = client.get("/api/auth/me", headers=admin_headers).json()
    response = client.patch(f"/api/reviewers/{me['id']}", json={"role": "reviewer"}, headers=admin_headers)
    assert response.status_code == 409


def test_a_reviewer_cannot_manage_accounts(
    client: TestClient, session: Session, reviewer_headers: dict[str, str]
) -> None:
    other = make_reviewer(session, username="nguoi.khac")
    session.commit()
    assert client.get("/api/reviewers", headers=reviewer_headers).status_code == 200
    create = client.post(
        "/api/reviewers", json={"username": "lam.lieu", "password": "mot-mat-khau-dai"}, headers=reviewer_headers
    )
    assert create.status_code == 403
    assert create.json()["error"] == "forbidden"
    promote = client.patch(f"/api/reviewers/{other.id}", json={"role": "admin"}, headers=reviewer_headers)
    assert promote.status_code == 403
    assert session.get(Reviewer, other.id) is not None
    session.refresh(other)
    assert other.role == Role.REVIEWER.value


def test_expired_and_forged_tokens_are_refused(client: TestClient, session: Session, settings: Settings) -> None:
    reviewer = make_reviewer(session, username="het.han")
    session.commit()
    expired, _ = create_access_token(
        settings=settings,
        reviewer=reviewer,
        now=datetime.now(UTC) - timedelta(minutes=settings.access_token_minutes + 1),
    )
    forged = jwt.encode({"sub": str(reviewer.id), "exp": 4102444800, "iat": 0, "aud": "thidua-admin"}, "x" * 32)
    for token in (expired, forged, "khong-phai-jwt"):
        response = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"
