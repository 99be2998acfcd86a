"""The reviewer console through the product app: sign-in, session and CSRF, queue, detail, figures, accounts."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from admin.console import session as console_session
from core.models import Reviewer, Role
from core.settings import Settings
from tests.admin.console_support import ConsoleRuntime, add_attachment, csrf_of, sign_in
from tests.bot.support import PNG
from tests.factories import make_initiative, make_reviewer
from thidua.app import create_app


@pytest.fixture
def console(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    """The product app around a runtime over the test's database."""
    app = create_app(ConsoleRuntime(settings, session_factory))  # type: ignore[arg-type]
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def reviewer_csrf(console: TestClient, session: Session) -> str:
    """A signed-in reviewer ``le.reviewer``; the session's CSRF token."""
    make_reviewer(session, username="le.reviewer", role=Role.REVIEWER)
    session.commit()
    return sign_in(console, "le.reviewer")


@pytest.fixture
def admin_csrf(console: TestClient, session: Session) -> str:
    """A signed-in admin ``tran.admin``; the session's CSRF token."""
    make_reviewer(session, username="tran.admin", role=Role.ADMIN)
    session.commit()
    return sign_in(console, "tran.admin")


def test_pages_need_a_session(console: TestClient) -> None:
    response = console.get("/admin?state=accepted", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login?next=%2Fadmin%3Fstate%3Daccepted"
    page = console.get(response.headers["location"])
    assert "Đăng nhập trang quản trị" in page.text
    assert "Cần đăng nhập" in page.text


def test_sign_in_sets_a_guarded_cookie(console: TestClient, session: Session) -> None:
    make_reviewer(session, username="le.reviewer")
    session.commit()
    page = console.get("/admin/login")
    response = console.post(
        "/admin/login",
        data={"username": "le.reviewer", "password": "mat-khau-du-dai", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("thidua_console"))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/admin" in cookie
    assert "Secure" not in cookie  # only in production
    page = console.get("/admin")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"


def test_wrong_password_stays_on_sign_in(console: TestClient, session: Session) -> None:
    make_reviewer(session, username="le.reviewer")
    session.commit()
    page = console.get("/admin/login")
    response = console.post(
        "/admin/login",
        data={"username": "le.reviewer", "password": "sai-mat-khau-roi", "csrf_token": csrf_of(page.text)},
        headers={"referer": "http://testserver/admin/login"},
    )
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đang tạm khóa" in response.text


def test_action_without_csrf_is_refused(console: TestClient, session: Session, reviewer_csrf: str) -> None:
    item = make_initiative(session)
    session.commit()
    refused = console.post(f"/admin/initiatives/{item.id}/comments", data={"text": "Ghi chú", "internal": "true"})
    assert refused.status_code == 403
    assert "mã bảo vệ" in refused.text
    wrong = console.post(
        f"/admin/initiatives/{item.id}/comments", data={"text": "Ghi chú", "internal": "true", "csrf_token": "x"}
    )
    assert wrong.status_code == 403


def test_expired_session_goes_back_to_sign_in(console: TestClient, session: Session, settings: Settings) -> None:
    reviewer = make_reviewer(session, username="le.reviewer")
    session.commit()
    old = datetime.now(UTC) - timedelta(minutes=settings.console_idle_minutes + 1)
    stale = console_session.issue(settings=settings, session=console_session.start(reviewer=reviewer, now=old), now=old)
    console.cookies.set(console_session.COOKIE, stale, path="/admin")
    response = console.get("/admin", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login")


def test_reviewer_gets_403_on_admin_pages(console: TestClient, reviewer_csrf: str) -> None:
    for path in ("/admin/plans", "/admin/accounts"):
        response = console.get(path)
        assert response.status_code == 403
        assert "chỉ dành cho quản trị viên" in response.text
    queue = console.get("/admin")
    assert 'href="/admin/accounts"' not in queue.text


def test_admin_sees_admin_menus(console: TestClient, admin_csrf: str) -> None:
    queue = console.get("/admin")
    assert 'href="/admin/accounts"' in queue.text and 'href="/admin/plans"' in queue.text


def test_queue_tabs_filters_and_folded_search(console: TestClient, session: Session, reviewer_csrf: str) -> None:
    make_initiative(session, title="Chuyển đổi số trong thu phí chợ", locality="Cà Mau")
    make_initiative(session, title="Sổ tay văn hóa khu phố", field="Văn hóa, xã hội", locality="Huế")
    session.commit()
    page = console.get("/admin", params={"q": "chuyen doi so cho"})
    assert "Chuyển đổi số trong thu phí chợ" in page.text
    assert "Sổ tay văn hóa" not in page.text
    by_locality = console.get("/admin", params={"locality": "Huế", "field": "", "date_from": ""})
    assert "Sổ tay văn hóa" in by_locality.text and "thu phí chợ" not in by_locality.text
    # The tab links keep the filters, so a view can be shared.
    assert "locality=Hu%E1%BA%BF&amp;state=submitted" in by_locality.text or "state=submitted&amp;locality" in (
        by_locality.text
    )
    accepted = console.get("/admin", params={"state": "accepted"})
    assert "Không có hồ sơ nào" in accepted.text
    bad = console.get("/admin", params={"date_from": "hôm qua"})
    assert bad.status_code == 422 and "date_from" in bad.text


def test_mine_tab_and_paging(console: TestClient, session: Session, reviewer_csrf: str) -> None:
    for _ in range(21):
        make_initiative(session)
    session.commit()
    first = console.get("/admin")
    assert "trang 1/2" in first.text and 'rel="next"' in first.text
    second = console.get("/admin", params={"page": 2})
    assert second.text.count('name="ids"') == 1
    mine = console.get("/admin", params={"mine": 1})
    assert "Không có hồ sơ nào" in mine.text


def test_detail_actions_comment_request_info_and_accept(
    console: TestClient, session: Session, settings: Settings, reviewer_csrf: str
) -> None:
    item = make_initiative(session)
    add_attachment(session, settings, item, name="anh.png", content_type="image/png", data=PNG)
    add_attachment(session, settings, item, name="to-trinh.pdf", content_type="application/pdf", data=b"%PDF-1.4 x")
    add_attachment(session, settings, item, name="trang.html", content_type="text/html", data=b"<script>1</script>")
    session.commit()
    url = f"/admin/initiatives/{item.id}"
    page = console.get(url)
    assert page.status_code == 200
    assert f'<img src="{url}/attachments/' in page.text and "<iframe" in page.text
    internal = console.post(
        f"{url}/comments", data={"text": "Cần hỏi thêm phòng Tư pháp", "internal": "true", "csrf_token": reviewer_csrf}
    )
    assert "Đã thêm trao đổi nội bộ." in internal.text
    no_note = console.post(
        f"{url}/transitions", data={"to_state": "in_review", "csrf_token": reviewer_csrf}, headers={"referer": url}
    )
    assert "Đã chuyển sang “Đang xem xét”." in no_note.text
    missing = console.post(
        f"{url}/transitions", data={"to_state": "needs_info", "csrf_token": reviewer_csrf}, headers={"referer": url}
    )
    assert "Cần ghi rõ thông tin cần bổ sung" in missing.text
    asked = console.post(
        f"{url}/transitions",
        data={"to_state": "needs_info", "note": "Bổ sung số liệu", "csrf_token": reviewer_csrf},
        headers={"referer": url},
    )
    assert "Cần bổ sung thông tin" in asked.text
    assert 'value="accepted"' not in asked.text  # only the legal moves are offered
    internal_section = asked.text.split('id="h-internal"')[1]
    assert "Cần hỏi thêm phòng Tư pháp" in internal_section
    assert "Cần hỏi thêm phòng Tư pháp" not in asked.text.split('id="h-answer"')[1].split('id="h-internal"')[0]


def test_attachments_open_inline_only_when_safe_and_only_with_a_session(
    console: TestClient, session: Session, settings: Settings, reviewer_csrf: str
) -> None:
    item = make_initiative(session)
    image = add_attachment(session, settings, item, name="anh.png", content_type="image/png", data=PNG)
    fake = add_attachment(session, settings, item, name="gia.pdf", content_type="application/pdf", data=b"<html>")
    session.commit()
    base = f"/admin/initiatives/{item.id}/attachments"
    shown = console.get(f"{base}/{image.id}", params={"inline": 1})
    assert shown.headers["content-type"] == "image/png"
    assert shown.headers["content-disposition"].startswith("inline")
    assert "sandbox" in shown.headers["content-security-policy"]
    refused = console.get(f"{base}/{fake.id}", params={"inline": 1})
    assert refused.headers["content-type"] == "application/octet-stream"
    assert refused.headers["content-disposition"].startswith("attachment")
    console.cookies.clear()
    anonymous = console.get(f"{base}/{image.id}", params={"inline": 1}, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/admin/login")


def test_bulk_assign_confirms_then_reports_each(console: TestClient, session: Session, reviewer_csrf: str) -> None:
    first, second = make_initiative(session), make_initiative(session)
    session.commit()
    me = session.scalar(select(Reviewer.id).where(Reviewer.username == "le.reviewer"))
    ids = [str(first.id), str(second.id), "999999"]
    confirm = console.post("/admin/bulk", data={"action": f"assign:{me}", "ids": ids[:2], "csrf_token": reviewer_csrf})
    assert "Xác nhận thao tác với 2 hồ sơ" in confirm.text
    done = console.post("/admin/bulk/apply", data={"action": f"assign:{me}", "ids": ids, "csrf_token": reviewer_csrf})
    assert "2/3 hồ sơ thành công" in done.text
    assert "Không tìm thấy sáng kiến số 999999" in done.text
    moved = console.post(
        "/admin/bulk/apply",
        data={"action": "state:rejected", "ids": ids[:2], "note": "", "csrf_token": reviewer_csrf},
    )
    assert "0/2 hồ sơ thành công" in moved.text
    mine = console.get("/admin", params={"mine": 1})
    assert first.code in mine.text and second.code in mine.text


def test_export_respects_the_filters(console: TestClient, session: Session, reviewer_csrf: str) -> None:
    make_initiative(session, title="Bản đồ số di tích", locality="Huế")
    make_initiative(session, title="Chợ không tiền mặt", locality="Cà Mau")
    session.commit()
    response = console.get("/admin/export", params={"locality": "Huế", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    titles = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert titles == ["Bản đồ số di tích"]
    assert isinstance(sheet["D2"].value, datetime)
    csv_text = console.get("/admin/export", params={"q": "cho khong tien mat", "format": "csv"}).content.decode(
        "utf-8-sig"
    )
    assert "Chợ không tiền mặt" in csv_text and "Bản đồ số" not in csv_text


def test_dashboard_draws_charts(console: TestClient, session: Session, reviewer_csrf: str) -> None:
    make_initiative(session, locality="Huế")
    make_initiative(session, locality="Huế", field="Y tế")
    session.commit()
    page = console.get("/admin/dashboard", params={"locality": "Huế"})
    assert page.status_code == 200
    assert page.text.count("<svg") == 4
    assert 'aria-label="Theo địa bàn: Huế 2"' in page.text


def test_password_change_keeps_this_session(console: TestClient, session: Session, reviewer_csrf: str) -> None:
    wrong = console.post(
        "/admin/password",
        data={
            "current": "khong-dung-dau",
            "new": "mat-khau-moi-123",
            "repeated": "mat-khau-moi-123",
            "csrf_token": reviewer_csrf,
        },
        headers={"referer": "http://testserver/admin/password"},
    )
    assert "Mật khẩu hiện tại không đúng." in wrong.text
    changed = console.post(
        "/admin/password",
        data={
            "current": "mat-khau-du-dai",
            "new": "mat-khau-moi-123",
            "repeated": "mat-khau-moi-123",
            "csrf_token": reviewer_csrf,
        },
    )
    assert "Đã đổi mật khẩu." in changed.text
    assert console.get("/admin").status_code == 200


def test_admin_creates_disables_and_resets_accounts(console: TestClient, session: Session, admin_csrf: str) -> None:
    created = console.post(
        "/admin/accounts",
        data={
            "username": "pham.canbo",
            "password": "mat-khau-du-dai",
            "full_name": "Phạm Cán Bộ",
            "csrf_token": admin_csrf,
        },
    )
    assert "Đã tạo tài khoản pham.canbo." in created.text
    account = session.scalar(select(Reviewer).where(Reviewer.username == "pham.canbo"))
    assert account is not None
    short = console.post(
        f"/admin/accounts/{account.id}",
        data={"action": "password", "password": "ngan", "csrf_token": admin_csrf},
        headers={"referer": "http://testserver/admin/accounts"},
    )
    assert "Dữ liệu không hợp lệ" in short.text
    disabled = console.post(f"/admin/accounts/{account.id}", data={"action": "disable", "csrf_token": admin_csrf})
    assert "Đã khóa tài khoản pham.canbo." in disabled.text
    enabled = console.post(f"/admin/accounts/{account.id}", data={"action": "enable", "csrf_token": admin_csrf})
    assert "Đã mở lại tài khoản pham.canbo." in enabled.text


def test_an_unexpected_failure_is_a_page_without_a_trace(
    console: TestClient, reviewer_csrf: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_: object) -> None:
        raise RuntimeError("secret SQL parameters")

    monkeypatch.setattr("admin.console.figures.stats", broken)
    page = console.get("/admin/dashboard")
    assert page.status_code == 500
    assert "text/html" in page.headers["content-type"]
    assert "Đã có lỗi hệ thống" in page.text and "secret" not in page.text and "Traceback" not in page.text
