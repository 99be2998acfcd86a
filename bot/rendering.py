"""Turning the dialog's plain-text replies into what each platform accepts, and cleaning what users send."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence

from bot.messages import Reply
from core.vietnamese import nfc

TELEGRAM_LIMIT = 4096  # characters after entity parsing; counted here in UTF-16 code units to be safe
ZALO_LIMIT = 2000
# Control characters, and the bidi controls that can make text read differently from what it holds.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SENTENCE_END = re.compile(r"(?<=[.!?…;:])\s+")


def clean_text(text: str) -> str:
    """Make user text safe to store and compare: valid UTF-8, NFC, no control characters or NULs."""
    # Lone surrogates ("broken Unicode") become U+FFFD instead of crashing the database driver later.
    valid = text.encode("utf-8", errors="replace").decode("utf-8", errors="replace")
    valid = _CONTROL.sub("", valid.replace("\r\n", "\n").replace("\r", "\n"))
    return nfc(valid).strip()


def has_readable_text(text: str) -> bool:
    """Whether ``text`` holds at least one letter or digit (not only emoji, symbols or replacement marks)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _pack(parts: list[str], joiner: str, limit: int) -> list[str]:
    """Join consecutive ``parts`` with ``joiner`` into pieces of at most ``limit`` where each part fits."""
    pieces: list[str] = []
    current = ""
    for part in parts:
        candidate = f"{current}{joiner}{part}" if current else part
        if _units(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        current = part
    if current:
        pieces.append(current)
    return pieces


def _hard_cut(text: str, limit: int) -> list[str]:
    """One unbroken run of characters, cut at ``limit``."""
    pieces: list[str] = []
    current = ""
    for ch in text:
        if _units(current + ch) > limit:
            pieces.append(current)
            current = ""
        current += ch
    if current:
        pieces.append(current)
    return pieces


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` (UTF-16 units), at paragraph, line, sentence or word ends."""
    text = text.strip()
    if not text:
        return []
    if _units(text) <= limit:
        return [text]
    for separator in ("\n\n", "\n", None, " "):
        parts = _SENTENCE_END.split(text) if separator is None else text.split(separator)
        if len(parts) >= 2:
            return _split_parts(parts, " " if separator is None else separator, limit)
    return _hard_cut(text, limit)


def _split_parts(parts: list[str], joiner: str, limit: int) -> list[str]:
    pieces = _pack(parts, joiner, limit)
    if all(_units(piece) <= limit for piece in pieces):
        return [piece.strip() for piece in pieces if piece.strip()]
    # Some part is still too long: split those further.
    return [sub for piece in pieces for sub in split_text(piece, limit)]


def telegram_html(text: str, *, bold: Sequence[str] = ()) -> str:
    """Plain text as Telegram HTML: ``<``, ``>`` and ``&`` escaped, the ``bold`` pieces (a receipt code) in ``<b>``."""
    escaped = html.escape(text, quote=False)
    for piece in bold:
        target = html.escape(piece, quote=False)
        if target:
            escaped = escaped.replace(target, f"<b>{target}</b>", 1)
    return escaped


def numbered_choices(reply: Reply) -> str:
    """A reply for a channel without buttons: its buttons as numbered lines, answered by typing the number."""
    buttons = reply.flat_buttons
    if not buttons:
        return reply.text
    lines = [f"{i}. {b.label}" for i, b in enumerate(buttons, 1)]
    return reply.text + "\n\nAnh/Chị nhắn số để chọn:\n" + "\n".join(lines)
