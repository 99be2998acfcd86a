"""The dialog on its own, on SQLite and PostgreSQL (each test's transaction rolled back): form, expiry, repeats."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.attachments import purge_unclaimed_attachments
from bot.commands import Command, parse_command
from bot.dialog import Dialog
from bot.initiative_form import match_choice, parse_contact
from bot.messages import Incoming, IncomingFile
from bot.rendering import clean_text, split_text
from bot.state import purge_abandoned_forms
from core.dedup import forget_old_updates
from core.models import Attachment, Conversation, Initiative, ProcessedUpdate
from core.settings import Settings
from tests.bot.support import FORM_AFTER_FILE, FORM_BEFORE_FILE, PNG, RECEIPT, fill_form
from tests.fakes import FAKE_CITATION, FakeAnswerer


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def dialog(session_factory: sessionmaker[Session], tmp_path: Path, clock: Clock) -> Dialog:
    settings = Settings(_env_file=None, environment="test", data_dir=tmp_path / "d", form_idle_minutes=30)  # type: ignore[call-arg]
    return Dialog(sessions=session_factory, answerer=FakeAnswerer(), settings=settings, clock=clock)


def _say(dialog: Dialog, user: str = "u1", channel: str = "web") -> Callable[[str], str]:
    def say(text: str) -> str:
        return "\n".join(r.text for r in dialog.handle(Incoming(channel=channel, user_id=user, text=text)))

    return say


def test_whole_form_on_both_databases(dialog: Dialog, session: Session) -> None:
    say = _say(dialog)
    fill_form(say, FORM_BEFORE_FILE)
    replies = dialog.handle(
        Incoming(channel="web", user_id="u1", files=(IncomingFile("a.png", "image/png", len(PNG), PNG),))
    )
    assert "Đã nhận tệp" in replies[0].text
    last = fill_form(say, FORM_AFTER_FILE)
    match = RECEIPT.search(last)
    assert match
    initiative = session.scalar(select(Initiative).where(Initiative.code == match.group(1)))
    assert initiative is not None and initiative.unit == "Tổ dân phố số 5" and initiative.locality == "phường Hoàng Mai"
    assert session.scalar(select(func.count(Attachment.id)).where(Attachment.initiative_id == initiative.id)) == 1
    conversation = session.scalar(select(Conversation).where(Conversation.user_id == "u1"))
    assert conversation is not None and conversation.state["mode"] == "idle" and "form" not in conversation.state
    assert conversation.locality == "phường Hoàng Mai"


def test_half_filled_form_expires_politely(dialog: Dialog, clock: Clock) -> None:
    say = _say(dialog)
    fill_form(say, FORM_BEFORE_FILE[:3])
    clock.now += timedelta(minutes=29)
    assert "Bước 4/12" in say("Tổ dân phố số 5")
    clock.now += timedelta(minutes=31)
    expired = say("phường Hoàng Mai")
    assert "đã hết hạn" in expired and "30 phút" in expired
    assert FAKE_CITATION in say("Hạn nộp là khi nào?")
    assert "Bước 1/12" in say("/sangkien")


def test_expired_form_still_obeys_a_command(dialog: Dialog, clock: Clock) -> None:
    say = _say(dialog)
    fill_form(say, FORM_BEFORE_FILE[:2])
    clock.now += timedelta(hours=2)
    reply = say("/sangkien")
    assert "đã hết hạn" in reply and "Bước 1/12" in reply


def test_repeated_update_key_is_dropped(dialog: Dialog, session: Session) -> None:
    message = Incoming(channel="telegram", user_id="42", text="/sangkien", update_key="bot:1")
    assert dialog.handle(message)
    assert dialog.handle(message) == []
    other_channel = Incoming(channel="zalo", user_id="42", text="/sangkien", update_key="bot:1")
    assert dialog.handle(other_channel), "keys are per channel"


def test_users_and_channels_are_kept_apart(dialog: Dialog) -> None:
    fill_form(_say(dialog, "a"), FORM_BEFORE_FILE[:3])
    assert FAKE_CITATION in _say(dialog, "b")("Hạn nộp?")
    assert FAKE_CITATION in _say(dialog, "a", "zalo")("Hạn nộp?")
    assert "Bước 4/12" in _say(dialog, "a")("Tổ 5")


def test_answerer_failure_gets_an_apology(dialog: Dialog) -> None:
    def broken(question: str, *, locality: str | None = None) -> object:
        raise RuntimeError("index down")

    dialog._answerer.answer = broken  # type: ignore[method-assign]
    assert "đang gặp sự cố" in _say(dialog)("Hạn nộp?")


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("/sangkien", Command.SUBMIT),
        ("Gửi sáng kiến", Command.SUBMIT),
        ("gui sang kien", Command.SUBMIT),
        ("/trangthai SK-2026-000001", Command.STATUS),
        ("Tra cứu", Command.STATUS),
        ("/diaban", Command.LOCALITY),
        ("/huy", Command.CANCEL),
        ("Huỷ", Command.CANCEL),
        ("/start", Command.START),
        ("/help", Command.HELP),
        ("/bosung SK-2026-000001 thêm số liệu", Command.REPLY),
    ],
)
def test_commands_typed_or_in_words(text: str, command: Command) -> None:
    parsed = parse_command(text)
    assert parsed is not None and parsed.command is command


def test_questions_are_not_commands() -> None:
    assert parse_command("Làm thế nào để gửi sáng kiến?") is None
    assert parse_command("Tra cứu tiêu chí khen thưởng") is None


def test_choices_and_contacts() -> None:
    kinds = ["Cá nhân", "Tập thể", "Doanh nghiệp"]
    assert match_choice("2", kinds) == "Tập thể"
    assert match_choice("ca nhan", kinds) == "Cá nhân"
    assert match_choice("Doanh", kinds) == "Doanh nghiệp"
    assert match_choice("9", kinds) is None
    assert parse_contact("+84 912 345 678") == "0912345678"
    assert parse_contact(" An.Nguyen@Example.VN ") == "an.nguyen@example.vn"
    with pytest.raises(ValueError, match="số điện thoại"):
        parse_contact("0123")


def test_split_text_keeps_everything_under_the_limit() -> None:
    text = "\n\n".join(["Câu một. Câu hai! Câu ba?"] * 50) + "\n" + "x" * 5000
    pieces = split_text(text, 100)
    assert all(len(p.encode("utf-16-le")) // 2 <= 100 for p in pieces)
    assert "".join(pieces).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")
    emoji = split_text("😀" * 3000, 4096)
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in emoji) and "".join(emoji) == "😀" * 3000


def test_clean_text_repairs_broken_unicode() -> None:
    assert clean_text("a\ud800b\x00c\r\nd") == "a?bc\nd"
    assert clean_text("Hoa\u0300ng") == "Hoàng"


def test_old_update_ids_are_forgotten(session: Session) -> None:
    old = datetime.now(UTC) - timedelta(days=4)
    session.add_all(
        [
            ProcessedUpdate(channel="zalo", update_key="old-1", created_at=old),
            ProcessedUpdate(channel="zalo", update_key="new-1"),
        ]
    )
    session.flush()
    assert forget_old_updates(session=session) == 1
    assert [p.update_key for p in session.scalars(select(ProcessedUpdate))] == ["new-1"]


def test_abandoned_forms_and_their_files_are_purged(dialog: Dialog, session: Session, tmp_path: Path) -> None:
    uploads = tmp_path / "d" / "uploads"
    say = _say(dialog, "p1")
    fill_form(say, FORM_BEFORE_FILE)
    dialog.handle(Incoming(channel="web", user_id="p1", files=(IncomingFile("a.png", "image/png", len(PNG), PNG),)))
    attachment = session.scalar(select(Attachment).where(Attachment.channel_user_id == "p1"))
    conversation = session.scalar(select(Conversation).where(Conversation.user_id == "p1"))
    assert attachment is not None and conversation is not None
    stored = uploads / attachment.storage_path
    assert stored.exists()
    long_ago = datetime.now(UTC) - timedelta(days=3)
    attachment.created_at = long_ago
    session.flush()
    assert purge_unclaimed_attachments(session=session, uploads_dir=uploads, older_than=timedelta(days=1)) == 0, (
        "held by a live form"
    )

    conversation.updated_at = long_ago
    session.flush()
    assert purge_abandoned_forms(session=session, idle=timedelta(hours=1)) == 1
    session.refresh(conversation)
    assert "form" not in conversation.state and conversation.state["mode"] == "idle"
    assert purge_unclaimed_attachments(session=session, uploads_dir=uploads, older_than=timedelta(days=1)) == 1
    assert not stored.exists()
    session.commit()
    assert "đã hết hạn" in say("Nguyễn Văn An")
