"""Logging of every `thidua` process: quiet by default, and no secret ever written.

httpx logs each request's URL at INFO, and a Telegram Bot API URL carries the bot token (``/bot<token>/``); Alembic
tells of every step at INFO. Both are held at WARNING, and a filter on the handlers masks tokens in whatever is left.
"""

from __future__ import annotations

import logging
import re

QUIET_LOGGERS = ("httpx", "httpcore", "alembic", "telegram.ext.Updater", "chromadb.telemetry", "urllib3")
_SECRETS = (
    (re.compile(r"/bot\d+:[A-Za-z0-9_-]+"), "/bot<token>"),  # Telegram
    (re.compile(r"/bot[A-Za-z0-9_:.-]{20,}/"), "/bot<token>/"),  # Zalo Bot Platform
    (re.compile(r"(?i)(access_token|refresh_token|secret_key|api_key)([=:]\s*)[^\s&\"',]+"), r"\1\2<redacted>"),
)
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def redact(text: str) -> str:
    """``text`` with bot tokens and ``…_token=`` values masked."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Masks secrets in a record's rendered message (and drops its arguments, which held them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(level: str = "INFO") -> None:
    """Log to stderr at ``level``; chatty libraries at WARNING; every handler masks secrets."""
    logging.basicConfig(level=level.upper(), format=FORMAT)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))
    for handler in logging.getLogger().handlers:
        if not any(isinstance(existing, RedactSecrets) for existing in handler.filters):
            handler.addFilter(RedactSecrets())
