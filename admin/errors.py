"""The one error shape of the HTTP API: every failure becomes ``{"error": code, "detail": text}``."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.errors import ErrorCode, ThiduaError

logger = logging.getLogger(__name__)

STATUS_BY_CODE: dict[ErrorCode, int] = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.VALIDATION: 422,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.LOCKED: 423,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.ILLEGAL_TRANSITION: 409,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.UNSUPPORTED_TYPE: 415,
    ErrorCode.UNREADABLE_DOCUMENT: 422,
    ErrorCode.OCR_UNAVAILABLE: 503,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.INTERNAL: 500,
}

_CODE_BY_STATUS: dict[int, ErrorCode] = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    409: ErrorCode.CONFLICT,
    413: ErrorCode.TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_TYPE,
    422: ErrorCode.VALIDATION,
    423: ErrorCode.LOCKED,
    429: ErrorCode.RATE_LIMITED,
}

_DETAIL_BY_STATUS: dict[int, str] = {
    400: "Yêu cầu không hợp lệ.",
    401: "Cần đăng nhập.",
    403: "Bạn không có quyền thực hiện thao tác này.",
    404: "Không tìm thấy địa chỉ được yêu cầu.",
    405: "Phương thức không được hỗ trợ cho địa chỉ này.",
    406: "Định dạng phản hồi được yêu cầu không được hỗ trợ.",
    413: "Dữ liệu gửi lên quá lớn.",
    415: "Kiểu dữ liệu gửi lên không được hỗ trợ.",
    429: "Quá nhiều yêu cầu. Vui lòng thử lại sau.",
}

_DESCRIPTIONS: dict[ErrorCode, str] = {
    ErrorCode.BAD_REQUEST: "Bad request",
    ErrorCode.VALIDATION: "The request does not validate",
    ErrorCode.UNAUTHORIZED: "Missing, expired or wrong token, or wrong credentials",
    ErrorCode.FORBIDDEN: "The account may not do this (admins only)",
    ErrorCode.LOCKED: "The account is locked after repeated failed logins",
    ErrorCode.NOT_FOUND: "Not found",
    ErrorCode.CONFLICT: "Conflicts with the current state",
    ErrorCode.ILLEGAL_TRANSITION: "The state change is not allowed",
    ErrorCode.TOO_LARGE: "The upload is too large",
    ErrorCode.UNSUPPORTED_TYPE: "The file type is not supported",
    ErrorCode.UNREADABLE_DOCUMENT: "The file cannot be read",
    ErrorCode.OCR_UNAVAILABLE: "Text recognition is unavailable",
    ErrorCode.RATE_LIMITED: "Too many requests",
    ErrorCode.UNAVAILABLE: "The database is busy or restarting; retry after Retry-After seconds",
    ErrorCode.INTERNAL: "Internal error",
}

_VALIDATION_MESSAGES: dict[str, str] = {
    "missing": "thiếu giá trị bắt buộc",
    "string_too_short": "quá ngắn",
    "string_too_long": "quá dài",
    "string_pattern_mismatch": "không đúng định dạng",
    "string_type": "phải là chuỗi ký tự",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "bool_parsing": "phải là true hoặc false",
    "bool_type": "phải là true hoặc false",
    "enum": "không thuộc các giá trị cho phép",
    "literal_error": "không thuộc các giá trị cho phép",
    "greater_than": "nhỏ hơn giới hạn cho phép",
    "greater_than_equal": "nhỏ hơn giới hạn cho phép",
    "less_than": "lớn hơn giới hạn cho phép",
    "less_than_equal": "lớn hơn giới hạn cho phép",
    "date_parsing": "không phải ngày hợp lệ (YYYY-MM-DD)",
    "date_from_datetime_parsing": "không phải ngày hợp lệ (YYYY-MM-DD)",
    "date_type": "không phải ngày hợp lệ (YYYY-MM-DD)",
    "json_invalid": "không phải JSON hợp lệ",
    "model_attributes_type": "phải là một đối tượng JSON",
    "dict_type": "phải là một đối tượng JSON",
    "list_type": "phải là một danh sách",
    "extra_forbidden": "không được phép",
    "too_long": "có quá nhiều phần tử",
    "value_error": "không hợp lệ",
}


class ErrorOut(BaseModel):
    """Every error the API returns."""

    error: ErrorCode = Field(description="Stable code for programs.")
    detail: str = Field(description="What went wrong, in Vietnamese, for people.")


def error_responses(*codes: ErrorCode) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` documenting the given error codes (several codes may share a status)."""
    by_status: dict[int, list[ErrorCode]] = {}
    for code in codes:
        by_status.setdefault(STATUS_BY_CODE[code], []).append(code)
    return {
        status: {"model": ErrorOut, "description": "; ".join(_DESCRIPTIONS[code] for code in group)}
        for status, group in sorted(by_status.items())
    }


def status_detail(status: int) -> str:
    """What an HTTP status means, in Vietnamese."""
    return _DETAIL_BY_STATUS.get(status, "Yêu cầu không thực hiện được.")


def _body(code: ErrorCode, detail: str) -> dict[str, str]:
    return {"error": code.value, "detail": detail}


def _field_name(loc: Iterable[Any]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:] or parts
    return ".".join(parts)


def validation_detail(errors: Iterable[dict[str, Any]]) -> str:
    """A Vietnamese sentence naming each invalid field; never repeats the submitted values."""
    parts = []
    for error in list(errors)[:5]:
        message = _VALIDATION_MESSAGES.get(str(error.get("type", "")), "không hợp lệ")
        field = _field_name(error.get("loc", ()))
        parts.append(f"“{field}” {message}" if field else message)
    return "Dữ liệu không hợp lệ: " + "; ".join(parts) + "." if parts else "Dữ liệu không hợp lệ."


async def _thidua_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ThiduaError)
    status = STATUS_BY_CODE.get(exc.code, 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(_body(exc.code, exc.detail), status_code=status, headers=headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(_body(ErrorCode.VALIDATION, validation_detail(exc.errors())), status_code=422)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    code = _CODE_BY_STATUS.get(status, ErrorCode.INTERNAL if status >= 500 else ErrorCode.BAD_REQUEST)
    return JSONResponse(_body(code, status_detail(status)), status_code=status, headers=dict(exc.headers or {}))


_INTERNAL_DETAIL = "Đã có lỗi hệ thống. Vui lòng thử lại sau."
# Console and plan pages are read by people in a browser: they get a page, not JSON.
_PAGE_PREFIXES = ("/admin", "/plans/")
_INTERNAL_PAGE = (
    '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Lỗi hệ thống</title></head>'
    f'<body><h1>Lỗi hệ thống</h1><p>{_INTERNAL_DETAIL}</p><p><a href="/admin">Về trang quản trị</a></p></body></html>'
)


def _internal_response(path: str) -> Response:
    if path.startswith(_PAGE_PREFIXES):
        return HTMLResponse(_INTERNAL_PAGE, status_code=500)
    return JSONResponse(_body(ErrorCode.INTERNAL, _INTERNAL_DETAIL), status_code=500)


_BUSY_DETAIL = "Hệ thống đang bận. Vui lòng thử lại sau giây lát."
RETRY_AFTER_SECONDS = 2


async def _data_error(_request: Request, exc: Exception) -> JSONResponse:
    # The database refused a value the checks let through (a NUL byte, an out-of-range number): the request's fault.
    logger.warning("database refused a value: %s", type(getattr(exc, "orig", exc)).__name__)
    return JSONResponse(_body(ErrorCode.VALIDATION, "Dữ liệu có giá trị không lưu được (ví dụ ký tự NUL)."), 422)


async def _operational_error(_request: Request, exc: Exception) -> JSONResponse:
    # A busy or restarting database: the client should come back shortly, not see a 500.
    logger.warning("database unavailable or busy: %s", type(getattr(exc, "orig", exc)).__name__)
    return JSONResponse(
        _body(ErrorCode.UNAVAILABLE, _BUSY_DETAIL),
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


class RedactedErrors:
    """ASGI middleware turning an unexpected exception into the 500 error shape, logged without its message.

    The message of an unexpected error may carry submitted data (SQL parameters, for one), so only its type and
    the code locations are logged. The exception is not raised further: Starlette's outermost middleware would
    hand it to the server, which logs the message.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app, answering for it when it fails."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            stack = "".join(traceback.format_tb(exc.__traceback__))
            logger.error(
                "unexpected %s on %s %s\n%s", type(exc).__name__, scope.get("method"), scope.get("path"), stack
            )
            if not started:
                await _internal_response(str(scope.get("path", "")))(scope, receive, send)


def _rewrite_validation_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Point every documented 422 at ``ErrorOut``, since the handler above replaces FastAPI's own shape, and
    document the 400 FastAPI gives for a body it cannot parse on every operation that takes a body.
    """
    ref = {"$ref": "#/components/schemas/ErrorOut"}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            if "requestBody" in operation and "400" not in responses:
                responses["400"] = {
                    "description": "The body cannot be parsed",
                    "content": {"application/json": {"schema": ref}},
                }
            response = responses.get("422")
            if response is None:
                continue
            content = response.setdefault("content", {}).setdefault("application/json", {})
            if "HTTPValidationError" in str(content.get("schema", "")) or "schema" not in content:
                content["schema"] = ref
                response["description"] = _DESCRIPTIONS[ErrorCode.VALIDATION]
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    components["ErrorOut"] = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = components["ErrorOut"].pop("$defs", {})
    components.update(defs)
    return schema


def install_error_handlers(app: FastAPI) -> None:
    """Map every failure of ``app`` to the one error shape, and document that shape in its OpenAPI."""
    app.add_exception_handler(ThiduaError, _thidua_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(OperationalError, _operational_error)
    app.add_middleware(RedactedErrors)
    original: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _rewrite_validation_responses(original())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
