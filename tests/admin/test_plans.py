"""Plans through the admin API: upload with metadata, list with versions, replace, remove; answers follow at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from admin.api import admin_router
from admin.errors import install_error_handlers
from core.models import Role
from core.settings import Settings
from tests.admin.conftest import login
from tests.factories import make_reviewer
from tests.fakes import FakeEmbeddings
from thidua.runtime import Runtime, build_runtime

PLAN_V1 = """KẾ HOẠCH
Phát động phong trào thi đua đổi mới sáng tạo trên địa bàn xã Tân Lập năm 2026

I. MỤC ĐÍCH, YÊU CẦU
1. Mục đích
Khơi dậy tinh thần đổi mới sáng tạo của người dân xã Tân Lập.

II. NỘI DUNG
1. Thời hạn gửi sáng kiến
Hạn cuối gửi sáng kiến về UBND xã Tân Lập là ngày 20/10/2026.
"""
PLAN_V2 = PLAN_V1.replace("20/10/2026", "30/11/2026")
META = {
    "title": "Kế hoạch phát động phong trào thi đua xã Tân Lập năm 2026",
    "issuer": "UBND xã Tân Lập",
    "level": "xã",
    "locality": "xã Tân Lập",
    "number": "12/KH-UBND",
    "date": "2026-01-05",
    "aliases": "Tân Lập; X. Tân Lập",
}


@pytest.fixture
def runtime(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[Runtime]:
    """A real runtime with a fake embedder and an empty index."""
    built = build_runtime(settings, embedder=FakeEmbeddings(), sessions=session_factory, load=False)
    yield built
    built.close()


@pytest.fixture
def plans_client(runtime: Runtime) -> Iterator[TestClient]:
    """The admin API over the real runtime."""
    app = FastAPI()
    app.state.runtime = runtime
    app.include_router(admin_router)
    install_error_handlers(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _passages_of(runtime: Runtime, name: str) -> list[str]:
    return [s.passage.text for s in runtime.index.all_passages() if s.passage.document == name]


def test_upload_replace_remove_change_the_answers_at_once(
    plans_client: TestClient, runtime: Runtime, session: Session
) -> None:
    make_reviewer(session, username="quan.tri", role=Role.ADMIN)
    make_reviewer(session, username="can.bo")
    session.commit()
    admin = login(plans_client, "quan.tri")
    reviewer = login(plans_client, "can.bo")
    upload = {"file": ("KH 12 Tân Lập.txt", PLAN_V1.encode(), "text/plain")}

    refused = plans_client.post("/api/plans", files=upload, data=META, headers=reviewer)
    assert refused.status_code == 403
    created = plans_client.post("/api/plans", files=upload, data=META, headers=admin)
    assert created.status_code == 201, created.text
    plan = created.json()
    assert plan["name"] == "KH 12 Tân Lập.txt"
    assert (plan["issuer"], plan["number"], plan["source"], plan["version"]) == (
        "UBND xã Tân Lập",
        "12/KH-UBND",
        "upload",
        1,
    )
    assert [v["actor"] for v in plan["versions"]] == ["reviewer:quan.tri"]
    assert any("20/10/2026" in text for text in _passages_of(runtime, plan["name"]))
    before = runtime.answer("Hạn cuối gửi sáng kiến ở xã Tân Lập là ngày nào?")
    assert "20/10/2026" in before.text

    again = plans_client.post("/api/plans", files=upload, data=META, headers=admin)
    assert again.status_code == 409

    replaced = plans_client.put(
        f"/api/plans/{plan['id']}",
        files={"file": ("ban-moi.txt", PLAN_V2.encode(), "text/plain")},
        headers=admin,
    )
    assert replaced.status_code == 200, replaced.text
    assert [v["version"] for v in replaced.json()["versions"]] == [1, 2]
    assert replaced.json()["number"] == "12/KH-UBND"  # metadata given before is kept
    after = runtime.answer("Hạn cuối gửi sáng kiến ở xã Tân Lập là ngày nào?")
    assert "30/11/2026" in after.text
    assert "20/10/2026" not in after.text

    listed = plans_client.get("/api/plans", headers=reviewer)
    assert [p["name"] for p in listed.json()] == [plan["name"]]
    removed = plans_client.delete(f"/api/plans/{plan['id']}", headers=admin)
    assert removed.status_code == 200
    assert removed.json()["is_active"] is False
    assert _passages_of(runtime, plan["name"]) == []
    assert "30/11/2026" not in runtime.answer("Hạn cuối gửi sáng kiến ở xã Tân Lập là ngày nào?").text
    assert plans_client.get("/api/plans", headers=reviewer).json() == []
    assert len(plans_client.get("/api/plans", params={"include_removed": True}, headers=reviewer).json()) == 1
    assert plans_client.delete(f"/api/plans/{plan['id']}", headers=admin).status_code == 404


def test_uploads_are_checked(plans_client: TestClient, settings: Settings, session: Session) -> None:
    make_reviewer(session, username="quan.tri2", role=Role.ADMIN)
    session.commit()
    admin = login(plans_client, "quan.tri2")
    wrong_type = plans_client.post(
        "/api/plans", files={"file": ("a.exe", b"MZ", "application/octet-stream")}, headers=admin
    )
    assert wrong_type.status_code == 415
    assert wrong_type.json()["error"] == "unsupported_type"
    big = b"a" * (settings.max_upload_mb * 1024 * 1024 + 1)
    too_large = plans_client.post("/api/plans", files={"file": ("big.txt", big, "text/plain")}, headers=admin)
    assert too_large.status_code == 413
    assert too_large.json()["error"] == "too_large"
    empty = plans_client.post("/api/plans", files={"file": ("empty.txt", b"", "text/plain")}, headers=admin)
    assert empty.status_code == 422
    traversal = plans_client.post(
        "/api/plans", files={"file": ("../../etc/kế hoạch.txt", PLAN_V1.encode(), "text/plain")}, headers=admin
    )
    assert traversal.status_code == 201
    assert traversal.json()["name"] == "kế hoạch.txt"
    assert not list((settings.uploads_dir / "tmp").iterdir())


def test_upload_errors_name_the_uploaded_file_and_a_docx_bomb_fails_fast(
    plans_client: TestClient, session: Session
) -> None:
    import io

    import docx

    make_reviewer(session, username="quan.tri3", role=Role.ADMIN)
    session.commit()
    admin = login(plans_client, "quan.tri3")
    broken = plans_client.post(
        "/api/plans", files={"file": ("Kế hoạch hỏng.pdf", b"%PDF-1.4 garbage", "application/pdf")}, headers=admin
    )
    assert broken.status_code == 422
    assert "Kế hoạch hỏng.pdf" in broken.json()["detail"] or "Kế_hoạch_hỏng.pdf" in broken.json()["detail"]
    assert "tmp" not in broken.json()["detail"]
    bomb = docx.Document()
    for _ in range(40):
        bomb.add_paragraph("Nội dung lặp lại " * 25_000)  # 17 million characters in about 90 KB
    packed = io.BytesIO()
    bomb.save(packed)
    refused = plans_client.post(
        "/api/plans", files={"file": ("bom.docx", packed.getvalue(), "application/zip")}, headers=admin
    )
    assert refused.status_code == 413
    assert "bom.docx" in refused.json()["detail"] and "ký tự" in refused.json()["detail"]
