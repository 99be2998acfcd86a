"""One error shape everywhere, documented in the OpenAPI, and nothing personal in the error log."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from admin.errors import validation_detail


def test_unknown_paths_methods_and_bodies_keep_the_shape(client: TestClient, reviewer_headers: dict[str, str]) -> None:
    for response, status, code in [
        (client.get("/api/khong-co"), 404, "not_found"),
        (client.delete("/api/auth/token"), 405, "bad_request"),
        (
            client.post(
                "/api/initiatives/1/comments",
                content=b"{not json",
                headers={**reviewer_headers, "content-type": "application/json"},
            ),
            422,
            "validation_error",
        ),
        (client.get("/api/initiatives/abc", headers=reviewer_headers), 422, "validation_error"),
        (client.post("/api/auth/token", data={}), 422, "validation_error"),
    ]:
        assert response.status_code == status, response.text
        assert set(response.json()) == {"error", "detail"}
        assert response.json()["error"] == code
        assert response.json()["detail"]


def test_validation_details_are_vietnamese_and_never_echo_input() -> None:
    detail = validation_detail(
        [
            {"type": "string_too_short", "loc": ("body", "text"), "input": "0912345678"},
            {"type": "missing", "loc": ("query", "page"), "input": None},
        ]
    )
    assert detail == "Dữ liệu không hợp lệ: “text” quá ngắn; “page” thiếu giá trị bắt buộc."
    assert "0912345678" not in detail


def test_an_unexpected_error_is_a_500_in_shape_and_its_message_is_not_logged(
    admin_app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    phone, email = "09" + "12345678", "an" + "@example.vn"  # built, so the logged source lines do not hold them

    @admin_app.get("/boom")
    def boom() -> None:
        raise RuntimeError(f"INSERT failed for contact_phone={phone!r}, contact_email={email!r}")

    caplog.set_level(logging.DEBUG)
    with TestClient(admin_app) as client:  # raises what reaches the server
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"error": "internal_error", "detail": "Đã có lỗi hệ thống. Vui lòng thử lại sau."}
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "RuntimeError" in logged
    assert "0912345678" not in logged
    assert "an@example.vn" not in logged


def test_the_openapi_document_describes_errors_and_security(admin_app: FastAPI) -> None:
    document = admin_app.openapi()
    assert "HTTPValidationError" not in str(document)
    error = document["components"]["schemas"]["ErrorOut"]
    assert set(error["required"]) == {"error", "detail"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary") and operation.get("description"), (method, path)
            responses = operation["responses"]
            assert any(code.startswith("2") for code in responses), (method, path)
            if path != "/api/auth/token":
                assert "401" in responses, (method, path)
                assert operation.get("security"), (method, path)
            if "requestBody" in operation or operation.get("parameters"):
                assert responses["422"]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorOut"
                }


@pytest.mark.postgres
def test_a_value_the_database_refuses_is_a_422(postgresql_engine: Any, settings: Any) -> None:
    """PostgreSQL refuses NUL in text; the request is at fault, so the answer is 422, never 500."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from admin.api import admin_router
    from admin.errors import install_error_handlers
    from core.db import make_session_factory
    from tests.admin.conftest import FakeRuntime

    app = FastAPI()
    app.state.runtime = FakeRuntime(settings=settings, sessions=make_session_factory(postgresql_engine))
    app.include_router(admin_router)
    install_error_handlers(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/api/auth/token", data={"username": "ad\x00min", "password": "mat-khau-gi-do"})
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"
