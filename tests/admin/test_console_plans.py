"""Plans in the console (admins): upload, replace and remove through the pages, and the public page that follows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from core.models import Role
from core.settings import Settings
from tests.admin.console_support import sign_in
from tests.factories import make_reviewer
from tests.fakes import FakeEmbeddings
from tests.knowledge.documents import SAMPLE_TEXT
from thidua.app import create_app
from thidua.runtime import Runtime, build_runtime


@pytest.fixture
def client(settings: Settings, session_factory: sessionmaker[Session], session: Session) -> Iterator[TestClient]:
    """The product app over a real runtime (fake embedder, empty index), with an admin signed in."""
    runtime: Runtime = build_runtime(settings, embedder=FakeEmbeddings(), sessions=session_factory, load=False)
    make_reviewer(session, username="tran.admin", role=Role.ADMIN)
    session.commit()
    with TestClient(create_app(runtime), raise_server_exceptions=False) as test_client:
        yield test_client
    runtime.close()


def test_upload_replace_and_remove_a_plan(client: TestClient) -> None:
    csrf = sign_in(client, "tran.admin")
    uploaded = client.post(
        "/admin/plans",
        data={"csrf_token": csrf, "issuer": "UBND phường Hòa Bình", "number": "12/KH-UBND", "level": "phường"},
        files={"file": ("ke-hoach-hoa-binh.txt", SAMPLE_TEXT.encode(), "text/plain")},
    )
    assert "Kế hoạch ke-hoach-hoa-binh.txt: đã thêm" in uploaded.text
    assert "12/KH-UBND" in uploaded.text and "Bản 1" in uploaded.text
    public = client.get("/plans/ke-hoach-hoa-binh.txt")
    assert public.status_code == 200 and 'id="p0"' in public.text and "Giấy khen" in public.text

    again = client.post(
        "/admin/plans",
        data={"csrf_token": csrf},
        files={"file": ("ke-hoach-hoa-binh.txt", SAMPLE_TEXT.encode(), "text/plain")},
        headers={"referer": "http://testserver/admin/plans"},
    )
    assert "hãy dùng chức năng thay thế" in again.text

    plan_id = uploaded.text.split('action="/admin/plans/')[1].split("/")[0]
    replaced = client.post(
        f"/admin/plans/{plan_id}/replace",
        data={"csrf_token": csrf},
        files={"file": ("moi.txt", (SAMPLE_TEXT + "\nBổ sung: hạn chót 20 tháng 11.").encode(), "text/plain")},
    )
    assert "đã cập nhật" in replaced.text and "Bản 2" in replaced.text
    assert "hạn chót 20 tháng 11" in client.get("/plans/ke-hoach-hoa-binh.txt").text

    removed = client.post(f"/admin/plans/{plan_id}/remove", data={"csrf_token": csrf})
    assert "đã gỡ" in removed.text and "Đã gỡ" in removed.text
    assert client.get("/plans/ke-hoach-hoa-binh.txt").status_code == 404


def test_a_wrong_file_type_is_refused_on_the_page(client: TestClient) -> None:
    csrf = sign_in(client, "tran.admin")
    refused = client.post(
        "/admin/plans",
        data={"csrf_token": csrf},
        files={"file": ("ke-hoach.exe", b"MZ", "application/octet-stream")},
        headers={"referer": "http://testserver/admin/plans"},
    )
    assert refused.status_code == 200
    assert "Chỉ nhận kế hoạch dạng .txt, .docx hoặc .pdf." in refused.text
