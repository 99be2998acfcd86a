"""Telegram: python-telegram-bot for polling and sending, our own route for the webhook."""

import os

# Opt in to python-telegram-bot's coming behaviour (durations such as ``RetryAfter.retry_after`` as timedelta);
# without it the library warns each time a flood-control error is read. ``sender.retry_seconds`` takes both.
os.environ.setdefault("PTB_TIMEDELTA", "true")
