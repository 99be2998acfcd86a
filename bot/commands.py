"""Recognising commands, typed (``/sangkien``) or in plain words (“gửi sáng kiến”), in any channel."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from core.initiatives import CODE_PATTERN, normalise_email, normalise_phone
from core.vietnamese import fold, nfc, squash_spaces


class Command(StrEnum):
    """What the user asked the bot to do."""

    START = "start"
    HELP = "help"
    SUBMIT = "submit"
    STATUS = "status"
    LOCALITY = "locality"
    CANCEL = "cancel"
    REPLY = "reply"  # answer a reviewer's request for more information
    WITHDRAW = "withdraw"  # the submitter withdraws a submission not yet decided
    STOP_NOTICES = "stop_notices"  # no more notices by e-mail or Zalo ZNS for a submission


@dataclass(frozen=True)
class ParsedCommand:
    """A command and the text after it."""

    command: Command
    argument: str = ""


_SLASH = {
    "start": Command.START,
    "help": Command.HELP,
    "trogiup": Command.HELP,
    "sangkien": Command.SUBMIT,
    "trangthai": Command.STATUS,
    "tracuu": Command.STATUS,
    "diaban": Command.LOCALITY,
    "huy": Command.CANCEL,
    "cancel": Command.CANCEL,
    "bosung": Command.REPLY,
    "rut": Command.WITHDRAW,
    "ruthoso": Command.WITHDRAW,
    "ngungthongbao": Command.STOP_NOTICES,
}

# Whole messages (folded, without punctuation) that mean a command; a longer sentence is a question.
_PHRASES = {
    Command.HELP: ("help", "giup", "tro giup", "huong dan", "menu", "bat dau", "xin chao", "chao", "hi", "hello"),
    Command.SUBMIT: (
        "gui sang kien",
        "sang kien moi",
        "dang ky sang kien",
        "nop sang kien",
        "de xuat sang kien",
        "toi muon gui sang kien",
    ),
    Command.STATUS: (
        "tra cuu",
        "trang thai",
        "tra cuu trang thai",
        "tra cuu sang kien",
        "kiem tra trang thai",
        "tra cuu ho so",
        "kiem tra ho so",
        "xem ho so",
        "ho so cua toi",
        "sang kien cua toi",
        "tra cuu ho so cua toi",
        "kiem tra ho so cua toi",
        "xem ho so cua toi",
        "trang thai ho so",
    ),
    Command.LOCALITY: ("dia ban", "chon dia ban", "doi dia ban", "chon phuong", "chon xa"),
    Command.CANCEL: ("huy", "huy bo", "thoat", "dung lai", "dung", "cancel"),
    Command.WITHDRAW: ("rut sang kien", "rut ho so", "toi muon rut sang kien"),
}
_PREFIXES = {
    Command.STATUS: ("tra cuu", "trang thai", "kiem tra", "xem ho so", "ho so"),
    Command.REPLY: ("bo sung",),
    Command.WITHDRAW: ("rut sang kien", "rut ho so", "rut"),
    Command.STOP_NOTICES: ("ngung nhan thong bao", "ngung thong bao", "khong nhan thong bao"),
}
# “đúng” (right) and “dừng” (stop) fold to the same key; written with diacritics, “đúng” is never a cancel.
_AGREEING = frozenset({"đúng", "đúng rồi", "đúng vậy", "đúng ạ"})
_SLASH_RE = re.compile(r"^/([A-Za-z_]+)(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)
_NOT_WORD = re.compile(r"[^\w\s-]", re.UNICODE)


def _phrase_key(text: str) -> str:
    return squash_spaces(_NOT_WORD.sub(" ", fold(text)))


def _slash(text: str) -> ParsedCommand | None:
    match = _SLASH_RE.match(text)
    if match is None:
        return None
    command = _SLASH.get(match.group(1).lower())
    return ParsedCommand(command, (match.group(2) or "").strip()) if command else None


def _phrase(text: str, key: str) -> ParsedCommand | None:
    for command, phrases in _PHRASES.items():
        if key in phrases and not (command is Command.CANCEL and _is_agreeing(text)):
            return ParsedCommand(command)
    return None


def _with_code(text: str, key: str) -> ParsedCommand | None:
    code = CODE_PATTERN.search(text)
    if code is None:
        return None
    if _is_bare_code(text, code.group(0)):
        return ParsedCommand(Command.STATUS, text[code.start() :].strip())
    for command, prefixes in _PREFIXES.items():
        if any(key.startswith(prefix + " ") for prefix in prefixes):
            return ParsedCommand(command, text[code.start() :].strip())
    return None


def parse_command(text: str) -> ParsedCommand | None:
    """The command ``text`` asks for, or None when it is an ordinary message."""
    stripped = text.strip()
    if _SLASH_RE.match(stripped):
        return _slash(stripped)
    key = _phrase_key(stripped)
    return _phrase(stripped, key) or _with_code(stripped, key)


def _is_bare_code(text: str, code: str) -> bool:
    """Only a receipt code, perhaps followed by the phone or e-mail given with it."""
    rest = text.replace(code, " ", 1).strip(" \t\n.,;:-–")
    return not rest or bool(normalise_phone(rest) or normalise_email(rest))


def is_bare_code(text: str) -> bool:
    """Whether ``text`` is only a receipt code (perhaps with a phone or e-mail), which opens the status flow."""
    code = CODE_PATTERN.search(text)
    return code is not None and _is_bare_code(text.strip(), code.group(0))


def _is_agreeing(text: str) -> bool:
    return squash_spaces(_NOT_WORD.sub(" ", nfc(text).lower())) in _AGREEING


def is_cancel_word(text: str) -> bool:
    """Whether ``text`` is a plain-word cancel (“hủy”, “thoát”)."""
    return _phrase_key(text) in _PHRASES[Command.CANCEL] and not _is_agreeing(text)


def phrase_key(text: str) -> str:
    """``text`` folded, without punctuation and extra spaces, for matching typed choices."""
    return _phrase_key(text)
