"""The public plan page (what answer citations link to) and the offline API docs, with no outside URL anywhere."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from core.models import Document, Role
from core.settings import Settings
from knowledge.passages import Passage
from tests.admin.console_support import ConsoleRuntime, sign_in
from tests.factories import make_reviewer
from thidua.app import create_app

NAME = "000_7c9e29dca9fb33e1.txt"
SECTIONS = (("I. MỤC ĐÍCH, YÊU CẦU",), ("I. MỤC ĐÍCH, YÊU CẦU", "1. Mục đích"), ("II. NỘI DUNG",))


def _passages() -> list[Passage]:
    texts = [
        "Phát động phong trào thi đua.",
        "Khơi dậy tinh thần đổi mới sáng tạo.\nLan tỏa mô hình hay.",
        "II. NỘI DUNG\nHạn báo cáo 15/12.",
    ]
    return [
        Passage(id=f"{NAME}:{order}", document=NAME, order=order, section_path=path, text=text, original=text)
        for order, (path, text) in enumerate(zip(SECTIONS, texts, strict=True), start=11)
    ]


@pytest.fixture
def runtime(settings: Settings, session_factory: sessionmaker[Session]) -> ConsoleRuntime:
    """A runtime holding one OCR plan of three passages."""
    return ConsoleRuntime(settings, session_factory, passages={NAME: _passages()})


@pytest.fixture
def client(runtime: ConsoleRuntime, session: Session) -> Iterator[TestClient]:
    """The product app, with the plan stored."""
    meta = {"title": "Kế hoạch thi đua 2026", "issuer": "UBND phường Hoàng Mai", "ocr": True, "suggested": True}
    session.add(Document(name=NAME, title=meta["title"], issuer=meta["issuer"], number="99/KH-UBND", meta=meta))
    session.commit()
    with TestClient(create_app(runtime), raise_server_exceptions=False) as test_client:  # type: ignore[arg-type]
        yield test_client


def test_plan_page_shows_every_passage_with_its_anchor(client: TestClient) -> None:
    page = client.get(f"/plans/{NAME}")
    assert page.status_code == 200
    html = page.text
    anchors = re.findall(r'class="passage" id="(p\d+)"', html)
    assert anchors == ["p11", "p12", "p13"]
    assert html.index("<h2>I. MỤC ĐÍCH, YÊU CẦU</h2>") < html.index('id="p11"') < html.index("<h3>1. Mục đích</h3>")
    assert html.count("I. MỤC ĐÍCH, YÊU CẦU</h2>") == 1  # a heading shown once, not per passage
    # A passage that begins with its heading shows that line as the heading, not the heading twice.
    assert "<h2>II. NỘI DUNG</h2>" not in html
    assert 'role="heading" aria-level="2">II. NỘI DUNG</p>' in html
    assert "máy đọc từ bản quét" in html
    assert 'name="viewport"' in html
    assert "Đăng xuất" not in html  # public: no console menus


def test_unknown_plan_is_a_vietnamese_404_page(client: TestClient) -> None:
    page = client.get("/plans/khong-co.txt")
    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]
    assert "Không tìm thấy kế hoạch này" in page.text


_EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)
_CSS_EXTERNAL = re.compile(r"""(?:url\(\s*["']?|@import\s+["']?)(?:https?:)?//""", re.IGNORECASE)
_CDN_HOSTS = ("//cdn.", "unpkg.com", "cdnjs.cloudflare.com", "fonts.googleapis.com", "fonts.gstatic.com")
_JS_LOADS = re.compile(r"""(?:src|href)\s*[:=]\s*["'](?:https?:)?//""")
_ASSET = re.compile(r"""(?:src|href)="(/[^"#?]+\.(?:js|css|svg|png))""")


def _assets_are_local(client: TestClient, html: str) -> None:
    assert not _EXTERNAL.findall(html), _EXTERNAL.findall(html)
    for path in set(_ASSET.findall(html)):
        asset = client.get(path)
        assert asset.status_code == 200, path
        if path.endswith(".css"):
            assert not _CSS_EXTERNAL.findall(asset.text), path
        if path.endswith(".js"):
            assert not any(host in asset.text for host in _CDN_HOSTS), path
            assert not _JS_LOADS.findall(asset.text), (path, _JS_LOADS.findall(asset.text)[:3])


def test_no_page_of_admin_or_docs_names_an_outside_url(client: TestClient, session: Session) -> None:
    make_reviewer(session, username="tran.admin", role=Role.ADMIN)
    session.commit()
    for path in ("/docs", "/redoc", "/admin/login", f"/plans/{NAME}"):
        page = client.get(path)
        assert page.status_code == 200, path
        _assets_are_local(client, page.text)
    assert "validatorUrl" in client.get("/docs").text
    sign_in(client, "tran.admin")
    for path in ("/admin", "/admin/dashboard", "/admin/plans", "/admin/accounts", "/admin/password"):
        page = client.get(path)
        assert page.status_code == 200, path
        _assets_are_local(client, page.text)
    assert "Xem kế hoạch" in client.get("/admin/plans").text
    assert f'href="/plans/{NAME}"' in client.get("/admin/plans").text


def test_vendored_assets_keep_their_licences() -> None:
    from admin.console.render import STATIC_DIR

    for folder in (STATIC_DIR / "vendor").iterdir():
        assert (folder / "LICENSE").is_file(), folder
