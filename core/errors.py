"""The one error type of the project: a stable code for programs and a Vietnamese detail for people."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Stable error codes; the admin API maps each to an HTTP status in one handler."""

    BAD_REQUEST = "bad_request"
    VALIDATION = "validation_error"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    LOCKED = "account_locked"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    ILLEGAL_TRANSITION = "illegal_transition"
    TOO_LARGE = "too_large"
    UNSUPPORTED_TYPE = "unsupported_type"
    UNREADABLE_DOCUMENT = "unreadable_document"
    OCR_UNAVAILABLE = "ocr_unavailable"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal_error"


class ThiduaError(Exception):
    """An expected failure with a code and a message a person can read (in Vietnamese)."""

    def __init__(self, code: ErrorCode, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail

    def __repr__(self) -> str:
        return f"ThiduaError({self.code.value!r}, {self.detail!r})"
