"""The public look-up page ``/tra-cuu``: code + contact from any browser, one generic answer, limited tries."""

from __future__ import annotations

import html
import uuid

from fastapi.testclient import TestClient

from bot import wording
from tests.bot.support import FORM_AFTER_FILE, FORM_BEFORE_FILE, RECEIPT, fill_form


def _submit(client: TestClient) -> str:
    session = uuid.uuid4().hex

    def say(text: str) -> str:
        response = client.post("/api/chat", json={"session": session, "text": text})
        assert response.status_code == 200
        return "\n".join(response.json()["replies"])

    fill_form(say, FORM_BEFORE_FILE)
    match = RECEIPT.search(fill_form(say, FORM_AFTER_FILE))
    assert match
    return match.group(1)


def _look(client: TestClient, code: str, contact: str) -> str:
    response = client.post("/tra-cuu", data={"code": code, "contact": contact})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    return html.unescape(response.text)


def test_page_is_server_rendered_without_outside_assets(client: TestClient) -> None:
    page = client.get("/tra-cuu")
    assert page.status_code == 200
    assert 'name="viewport" content="width=device-width' in page.text
    assert "<form" in page.text and 'action="/tra-cuu"' in page.text
    assert "http://" not in page.text and "https://" not in page.text, "no CDN"


def test_right_pair_shows_the_status_and_wrong_ones_one_generic_answer(client: TestClient) -> None:
    code = _submit(client)
    shown = _look(client, code.lower(), "+84 912 345 678")
    assert code in shown and "Đã tiếp nhận" in shown and "Số hóa sổ theo dõi hộ gia đình" in shown
    wrong_phone = _look(client, code, "0987654321")
    missing = code[:-1] + ("2" if code[-1] != "2" else "3")
    wrong_code = _look(client, missing, "0912345678")
    for page in (wrong_phone, wrong_code):
        assert wording.LOOKUP_FAILED in page and "Số hóa" not in page and "Trạng thái" not in page
    assert wrong_phone.replace(code, missing) == wrong_code, "nothing tells a wrong phone from a wrong code"


def test_the_sixth_try_from_one_address_gets_the_generic_answer(client: TestClient) -> None:
    code = _submit(client)
    for _ in range(5):
        assert wording.LOOKUP_FAILED in _look(client, code, "0987654321")
    sixth = _look(client, code, "0912345678")
    assert wording.LOOKUP_FAILED in sixth and "Đã tiếp nhận" not in sixth
