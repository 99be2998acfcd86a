"""The Zalo OA webhook signature, in one place.

Header ``X-ZEvent-Signature: mac=<hex>`` where hex = SHA-256 of (app id + raw body + timestamp + OA secret key),
the timestamp being the event's ``timestamp`` field. Some client libraries use the app secret or an HMAC instead
(PROTOCOLS.md marks this *unsure*); the documented recipe above is the default, tested with known vectors.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-ZEvent-Signature"


def compute_signature(*, app_id: str, body: bytes, timestamp: str, secret: str) -> str:
    """The header value Zalo sends for ``body``: ``mac=`` and the SHA-256 hex digest."""
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode()).hexdigest()
    return f"mac={digest}"


def signature_matches(*, header: str | None, app_id: str, body: bytes, timestamp: str, secret: str) -> bool:
    """Constant-time check of a received header; False when it is missing."""
    if not header:
        return False
    expected = compute_signature(app_id=app_id, body=body, timestamp=timestamp, secret=secret)
    return hmac.compare_digest(expected.encode(), header.strip().encode())
