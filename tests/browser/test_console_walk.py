"""The reviewer console in a real browser: the walk of issue 10 from the web chat to the export and the plans,
and the refusals (no CSRF token, an expired session, a reviewer on admin pages, an attachment without a session).
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from PIL import Image, ImageDraw
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from admin.console import session as console_session
from core.db import session_scope
from core.models import Reviewer
from tests.bot.support import FORM_AFTER_FILE, FORM_BEFORE_FILE, RECEIPT
from tests.browser.conftest import ADMIN_PASSWORD, REVIEWER_PASSWORD, LiveServer
from tests.browser.pages import both_widths, chat, chat_log, sign_in, submit, wait_for, wait_text
from tests.knowledge.documents import SAMPLE_TEXT

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _picture(path: Path) -> Path:
    image = Image.new("RGB", (480, 300), "#f3efe6")
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 30, 450, 270), outline="#a3201a", width=6)
    draw.text((60, 130), "So do so hoa ho gia dinh", fill="#1b1f24")
    image.save(path)
    return path


def _submit_in_web_chat(driver: WebDriver, live: LiveServer, tmp_path: Path) -> str:
    driver.get(live.url + "/")
    wait_for(driver, lambda d: len(chat_log(d)) > 20)
    for text, expect in FORM_BEFORE_FILE:
        chat(driver, text, expect)
    before = len(chat_log(driver))
    driver.find_element(By.ID, "file").send_keys(str(_picture(tmp_path / "so-do.png")))
    wait_for(driver, lambda d: "so-do.png" in chat_log(d)[before:] and len(chat_log(d)) > before + 20)
    last = ""
    for text, expect in FORM_AFTER_FILE:
        last = chat(driver, text, expect)
    receipt = RECEIPT.search(last)
    assert receipt, last
    return receipt.group(1)


def _open_by_search(driver: WebDriver, live: LiveServer, code: str) -> str:
    driver.get(live.url + "/admin")
    driver.find_element(By.ID, "q").send_keys("so hoa so theo doi ho gia dinh")
    driver.find_element(By.CSS_SELECTOR, ".filters summary").click()
    Select(driver.find_element(By.ID, "f-locality")).select_by_visible_text("phường Hoàng Mai")
    submit(driver, "form.search button[type=submit]")
    assert "q=so+hoa" in driver.current_url and "locality=" in driver.current_url  # the URL holds the view
    both_widths(driver, live.screenshots, "queue")
    submit(driver, "a[href^='/admin/initiatives/']:not([href*='attachments'])")
    wait_text(driver, code)
    return str(driver.current_url)


def _move(driver: WebDriver, state: str, note: str = "") -> None:
    if note:
        driver.find_element(By.ID, f"note-{state}").send_keys(note)
    submit(driver, f"button.state-{state}")


def _export_xlsx(driver: WebDriver, live: LiveServer, code: str) -> None:
    driver.get(live.url + "/admin?state=accepted")
    driver.find_element(By.LINK_TEXT, "Excel (XLSX)").click()
    deadline = time.monotonic() + 30
    files: list[Path] = []
    while time.monotonic() < deadline and not files:
        files = [path for path in live.downloads.glob("*.xlsx") if path.stat().st_size > 0]
        time.sleep(0.2)
    assert files, "no XLSX downloaded"
    sheet = openpyxl.load_workbook(files[0]).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Mã sáng kiến"
    assert [row[0] for row in rows[1:]] == [code]
    assert rows[1][2] == "Được công nhận"
    assert isinstance(rows[1][3], datetime)
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref


def _upload_plan_and_ask(driver: WebDriver, live: LiveServer, tmp_path: Path) -> None:
    plan = tmp_path / "ke-hoach-hoa-binh.txt"
    plan.write_text(SAMPLE_TEXT, encoding="utf-8")
    driver.get(live.url + "/admin/plans")
    driver.find_element(By.ID, "plan-file").send_keys(str(plan))
    fields = {
        "p-title": "Kế hoạch thi đua đổi mới sáng tạo năm 2025",
        "p-number": "12/KH-UBND",
        "p-issuer": "UBND phường Hòa Bình",
        "p-locality": "phường Hòa Bình",
        "p-date": "2025-05-02",
    }
    for field, value in fields.items():
        driver.find_element(By.ID, field).send_keys(value)
    submit(driver, "form[action='/admin/plans'] button[type=submit]")
    wait_text(driver, "Kế hoạch ke-hoach-hoa-binh.txt: đã thêm", timeout=180)
    both_widths(driver, live.screenshots, "plans")
    driver.get(live.url + "/plans/ke-hoach-hoa-binh.txt")
    assert driver.find_elements(By.CSS_SELECTOR, "div.passage[id^='p']")
    both_widths(driver, live.screenshots, "plan")
    driver.get(live.url + "/")
    wait_for(driver, lambda d: len(chat_log(d)) > 20)
    answer = chat(driver, "Phường Hòa Bình khen thưởng bằng hình thức nào?", "12/KH-UBND", timeout=120)
    assert "giấy khen" in answer.lower()


def test_walk_from_the_web_chat_through_review_to_export_and_plans(
    browser: WebDriver, live: LiveServer, tmp_path: Path
) -> None:
    started = time.monotonic()
    driver = browser
    code = _submit_in_web_chat(driver, live, tmp_path)  # a resident submits, with a picture

    sign_in(driver, live.url, "nguyen.thu", REVIEWER_PASSWORD)  # 1. sign in
    detail = _open_by_search(driver, live, code)  # 2-3. filter, search, open
    assert "trò chuyện trên web" in driver.page_source
    image = driver.find_element(By.CSS_SELECTOR, "img.preview")
    wait_for(driver, lambda d: d.execute_script("return arguments[0].naturalWidth", image) == 480)

    driver.find_element(By.ID, "internal-text").send_keys("Kiểm tra số liệu trước khi công nhận.")  # 4.
    submit(driver, "#internal-text ~ button")
    wait_text(driver, "Đã thêm trao đổi nội bộ.")
    _move(driver, "in_review")
    _move(driver, "needs_info", "Xin cho biết đã số hóa bao nhiêu hộ gia đình.")  # 5.
    wait_text(driver, "Đã chuyển sang “Cần bổ sung thông tin”.")

    driver.get(live.url + "/")  # 6. the resident answers in the web chat
    wait_for(driver, lambda d: len(chat_log(d)) > 20)
    chat(driver, "/bosung Đã số hóa 412 hộ gia đình của tổ dân phố.", code)

    driver.get(detail)
    reply = driver.find_element(By.CSS_SELECTOR, ".messages .from-submitter").text
    assert "Người đề xuất trả lời" in reply and "412 hộ" in reply
    both_widths(driver, live.screenshots, "detail")
    _move(driver, "accepted", "Hội đồng đánh giá cao.")  # 7.
    wait_text(driver, "Đã chuyển sang “Được công nhận”.")
    assert not driver.find_elements(By.CSS_SELECTOR, "button.state-button")

    _export_xlsx(driver, live, code)  # 8.
    driver.get(live.url + "/admin/dashboard")  # 9.
    assert len(driver.find_elements(By.CSS_SELECTOR, "figure.chart svg")) == 4
    both_widths(driver, live.screenshots, "dashboard")

    driver.delete_all_cookies()
    sign_in(driver, live.url, "admin", ADMIN_PASSWORD)
    _upload_plan_and_ask(driver, live, tmp_path)  # 10.
    print(f"browser walk took {time.monotonic() - started:.1f} s")


def _first_attachment_url(live: LiveServer) -> str:
    from core.models import Attachment

    with session_scope(live.runtime.sessions) as session:
        found = session.query(Attachment).filter(Attachment.initiative_id.is_not(None)).first()
        assert found is not None
        return f"{live.url}/admin/initiatives/{found.initiative_id}/attachments/{found.id}?inline=1"


def test_refusals(browser: WebDriver, live: LiveServer, tmp_path: Path) -> None:
    driver = browser
    if "so-do.png" not in str(_first_attachment_or_none(live)):
        _submit_in_web_chat(driver, live, tmp_path)
    attachment = _first_attachment_url(live)

    sign_in(driver, live.url, "nguyen.thu", REVIEWER_PASSWORD)
    status = driver.execute_script(
        "return fetch('/admin/bulk', {method: 'POST', body: new URLSearchParams({action: 'assign:none', ids: '1'})})"
        ".then(r => r.status)"
    )
    assert status == 403  # no CSRF token
    for path in ("/admin/plans", "/admin/accounts"):
        driver.get(live.url + path)
        wait_text(driver, "Không có quyền truy cập")
    assert not driver.find_elements(By.CSS_SELECTOR, "a[href='/admin/accounts']")

    settings = live.runtime.settings
    with session_scope(live.runtime.sessions) as session:
        reviewer = session.query(Reviewer).filter_by(username="nguyen.thu").one()
        old = datetime.now(UTC) - timedelta(minutes=settings.console_idle_minutes + 5)
        stale = console_session.issue(
            settings=settings, session=console_session.start(reviewer=reviewer, now=old), now=old
        )
    driver.delete_cookie(console_session.COOKIE)
    driver.add_cookie({"name": console_session.COOKIE, "value": stale, "path": "/admin", "httpOnly": True})
    driver.get(live.url + "/admin/dashboard")
    wait_for(driver, lambda d: "/admin/login" in d.current_url)
    wait_text(driver, "Phiên làm việc đã hết hạn")

    driver.delete_all_cookies()
    driver.get(attachment)
    wait_for(driver, lambda d: "/admin/login" in d.current_url)
    assert not re.search(r"<img", driver.page_source.split("<main", 1)[-1].split("</main>")[0])


def _first_attachment_or_none(live: LiveServer) -> str:
    from core.models import Attachment

    with session_scope(live.runtime.sessions) as session:
        found = session.query(Attachment).first()
        return found.filename if found is not None else ""


def _requests_only_local(driver: WebDriver, live: LiveServer) -> None:
    requested = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(str(name).startswith(live.url) for name in requested), requested


def test_api_docs_and_sign_in_render_from_local_assets(browser: WebDriver, live: LiveServer) -> None:
    driver = browser
    driver.get(live.url + "/docs")
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".swagger-ui .opblock"))
    wait_text(driver, "/api/initiatives")
    _requests_only_local(driver, live)
    driver.get(live.url + "/redoc")
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-section-id]"))
    _requests_only_local(driver, live)
    driver.get(live.url + "/admin/login")
    wait_text(driver, "Đăng nhập trang quản trị")
    _requests_only_local(driver, live)
