"""The dialog's flows on their own: typed state, the callback codec, stale buttons, status from anywhere, polish."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import callbacks, wording
from bot.callbacks import (
    Cancel,
    Confirm,
    Consent,
    EditField,
    Menu,
    MenuItem,
    Pick,
    PickLocality,
    RestartForm,
    ShowStatus,
    StartReply,
    Withdraw,
    WithdrawAction,
)
from bot.commands import Command, parse_command
from bot.dialog import Dialog
from bot.messages import Incoming, Reply
from bot.state import DialogState, Mode
from core.models import Conversation
from core.settings import Settings
from tests.bot.support import FORM_AFTER_FILE, FORM_BEFORE_FILE, RECEIPT, fill_form
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
def answerer() -> FakeAnswerer:
    return FakeAnswerer(["phường Hoàng Mai", "Sở Y tế Hà Nội", "thành phố Hà Nội", "xã Sóc Sơn"])


@pytest.fixture
def dialog(session_factory: sessionmaker[Session], tmp_path: Path, clock: Clock, answerer: FakeAnswerer) -> Dialog:
    settings = Settings(_env_file=None, environment="test", data_dir=tmp_path / "d", rate_limit_per_minute=500)  # type: ignore[call-arg]
    return Dialog(sessions=session_factory, answerer=answerer, settings=settings, clock=clock)


def _send(dialog: Dialog, user: str = "u1", channel: str = "web") -> Callable[..., list[Reply]]:
    def send(text: str = "", callback: str | None = None) -> list[Reply]:
        return dialog.handle(Incoming(channel=channel, user_id=user, text=text, callback=callback))

    return send


def _say(dialog: Dialog, user: str = "u1", channel: str = "web") -> Callable[[str], str]:
    send = _send(dialog, user, channel)
    return lambda text: "\n".join(r.text for r in send(text))


def _submit(dialog: Dialog, user: str = "u1", channel: str = "web") -> str:
    say = _say(dialog, user, channel)
    fill_form(say, FORM_BEFORE_FILE)
    match = RECEIPT.search(fill_form(say, FORM_AFTER_FILE))
    assert match
    return match.group(1)


# ---------------------------------------------------------------------- typed state and codec


def test_old_stored_state_dicts_still_load() -> None:
    old = {
        "mode": "form",
        "step": "title",
        "form": {"proposer_name": "An", "consent": True},
        "attachments": [3, "4"],
        "rl": [1.0, 2.5],
        "last_question": "Hạn nộp?",
        "touched": 1700000000.0,
        "some_removed_key": {"x": 1},
    }
    state = DialogState.load(old)
    assert state.mode is Mode.FORM and state.step == "title" and state.held_attachments() == [3, 4]
    assert state.answers() == {"proposer_name": "An", "consent": True} and state.last_question == "Hạn nộp?"
    assert "some_removed_key" not in state.dump()
    broken = DialogState.load({"mode": "no-such-mode", "rl": "not a list", "attachments": ["x"], "step": "title"})
    assert broken.mode is Mode.IDLE and broken.rl == [] and broken.attachments is None and broken.step == "title"
    assert DialogState.load(None).dump() == {"mode": "idle"}


def test_expiring_a_stored_form_keeps_the_rest() -> None:
    state = DialogState.load({"mode": "confirm", "form": {"title": "x"}, "last_question": "q", "rl": [1.0]})
    assert state.expire_form()
    assert state.dump() == {"mode": "idle", "form_expired": True, "last_question": "q", "rl": [1.0]}
    assert not DialogState.load({"mode": "reply", "reply_code": "SK-2026-000001"}).expire_form()


@pytest.mark.parametrize(
    "callback",
    [
        Menu(MenuItem.SUBMIT),
        Cancel(),
        RestartForm(),
        Pick("locality", "3"),
        Pick("attachments", "done"),
        Consent(True),
        Confirm(send=False),
        EditField("title"),
        PickLocality(None),
        PickLocality(11),
        ShowStatus("SK-2026-000123"),
        StartReply("SK-2026-000123"),
        Withdraw(WithdrawAction.YES, "SK-2026-000123"),
    ],
)
def test_callback_codec_round_trips_within_64_bytes(callback: callbacks.Callback) -> None:
    data = callbacks.encode(callback)
    assert len(data.encode()) <= 64
    assert callbacks.decode(data) == callback


def test_callback_codec_refuses_what_it_never_made() -> None:
    for data in ("", "menu:nothing", "wd:yes:SK-1", "status:DROP TABLE", "loc:x", "consent:maybe", "x" * 200):
        assert callbacks.decode(data) is None


# ---------------------------------------------------------------------- stale buttons


def test_a_stale_button_says_the_step_is_over_and_shows_the_current_one_once(dialog: Dialog) -> None:
    send = _send(dialog)
    fill_form(_say(dialog), FORM_BEFORE_FILE[:3])  # now at step 3 (unit)
    replies = send("Cá nhân", callback="pick:participant_kind:0")  # the button of step 2
    assert replies[0].text == wording.STALE_BUTTON
    assert len(replies) == 2 and "Bước 3/12" in replies[1].text
    # A summary button pressed long after the form was sent: short, with the menu, no repeated block.
    fill_form(_say(dialog), [(answer, expected) for answer, expected in FORM_BEFORE_FILE[3:]])
    fill_form(_say(dialog), [("Bỏ qua", "Bước 12/12"), ("Đồng ý", "kiểm tra lại"), ("Gửi", "Mã hồ sơ")])
    again = send("Gửi", callback="confirm:send")
    assert [r.text for r in again] == [wording.STALE_BUTTON_IDLE]
    forged = send("?", callback="nonsense:1")
    assert [r.text for r in forged] == [wording.STALE_BUTTON_IDLE]


# ---------------------------------------------------------------------- status from anywhere


@pytest.mark.parametrize(
    ("text", "argument"),
    [
        ("SK-2026-000001", "SK-2026-000001"),
        ("  sk-2026-000001. ", "sk-2026-000001."),
        ("kiểm tra hồ sơ SK-2026-000001", "SK-2026-000001"),
        ("tra cứu hồ sơ SK-2026-000001", "SK-2026-000001"),
        ("tra cuu ho so cua toi", ""),
        ("hồ sơ của tôi", ""),
        ("SK-2026-000001 0912 345 678", "SK-2026-000001 0912 345 678"),
    ],
)
def test_status_phrases_open_the_status_flow(text: str, argument: str) -> None:
    parsed = parse_command(text)
    assert parsed is not None and parsed.command is Command.STATUS and parsed.argument == argument


def test_a_question_mentioning_a_code_is_not_a_status_request() -> None:
    assert parse_command("Vì sao hồ sơ SK-2026-000001 bị trả lại?") is None


def test_status_from_another_account_with_code_and_phone(dialog: Dialog, session: Session) -> None:
    code = _submit(dialog, "owner", "telegram")
    own = _say(dialog, "owner", "telegram")(code)
    assert "Trạng thái: Đã tiếp nhận" in own
    stranger = _say(dialog, "other-phone", "zalo")
    asked = stranger(code)
    assert "số điện thoại hoặc e-mail" in asked and "Số hóa" not in asked
    shown = stranger("0912 345 678")
    assert "Trạng thái: Đã tiếp nhận" in shown and "Số hóa sổ theo dõi hộ gia đình" in shown
    # In one message, and with +84.
    assert "Đã tiếp nhận" in _say(dialog, "third", "web")(f"{code} +84912345678")
    conversation = session.scalar(select(Conversation).where(Conversation.user_id == "other-phone"))
    assert conversation is not None and conversation.state["mode"] == "idle"


def test_wrong_pairs_and_the_sixth_try_get_one_generic_answer(dialog: Dialog) -> None:
    code = _submit(dialog, "owner")
    wrong_phone = _say(dialog, "guesser")(f"{code} 0987654321")
    missing = code[:-1] + ("2" if code[-1] != "2" else "3")
    wrong_code = _say(dialog, "guesser")(f"{missing} 0912345678")
    assert wrong_phone == wrong_code == wording.LOOKUP_FAILED
    for _ in range(2):
        assert _say(dialog, "guesser")(f"{code} 0987654321") == wording.LOOKUP_FAILED
    assert _say(dialog, "guesser")(f"{missing} 0912000000") == wording.LOOKUP_FAILED  # fifth try
    sixth = _say(dialog, "guesser")(f"{code} 0912345678")  # right this time, but over the limit
    assert sixth == wording.LOOKUP_FAILED


def test_tries_are_counted_per_code_across_accounts(dialog: Dialog, clock: Clock) -> None:
    code = _submit(dialog, "owner")
    for user in ("a", "b", "c", "d", "e"):
        assert _say(dialog, user)(f"{code} 0987654321") == wording.LOOKUP_FAILED
    assert _say(dialog, "f")(f"{code} 0912345678") == wording.LOOKUP_FAILED
    clock.now += timedelta(minutes=16)
    assert "Đã tiếp nhận" in _say(dialog, "f")(f"{code} 0912345678"), "the window passes"


# ---------------------------------------------------------------------- polish


def test_the_greeting_is_short_with_buttons_and_help_lists_commands(dialog: Dialog, clock: Clock) -> None:
    greeting = _send(dialog)("/start")
    assert len(greeting) == 1 and "/sangkien" not in greeting[0].text and len(greeting[0].text) < 250
    assert callbacks.encode(Menu(MenuItem.HELP)) in [b.data for b in greeting[0].flat_buttons]
    help_reply = _send(dialog)("", callback=callbacks.encode(Menu(MenuItem.HELP)))
    assert "/sangkien" in help_reply[0].text and "/rut" in help_reply[0].text
    assert f"SK-{clock.now.year}-000123" in help_reply[0].text and "SK-2025" not in help_reply[0].text


def test_form_locality_step_lists_only_wards_and_communes(dialog: Dialog) -> None:
    fill_form(_say(dialog), FORM_BEFORE_FILE[:3])
    replies = _send(dialog)("Tổ dân phố số 5")
    labels = [b.label for b in replies[-1].flat_buttons]
    assert labels == ["phường Hoàng Mai", "xã Sóc Sơn"]
    menu = _send(dialog, "u2")("/diaban")
    assert "Sở Y tế Hà Nội" in [b.label for b in menu[-1].flat_buttons], "questions may still be scoped to it"


def test_receipt_code_on_its_own_line_and_emphasised(dialog: Dialog) -> None:
    send = _send(dialog)
    fill_form(_say(dialog), FORM_BEFORE_FILE)
    fill_form(_say(dialog), FORM_AFTER_FILE[:2])
    receipt = send("Gửi")[-1]
    match = RECEIPT.search(receipt.text)
    assert match and f"\nMã hồ sơ: {match.group(1)}\n" in receipt.text
    assert receipt.emphasis == (match.group(1),)


def test_questions_keep_the_last_question_for_follow_ups(dialog: Dialog, answerer: FakeAnswerer) -> None:
    seen: list[tuple[str, str | None]] = []

    def follow_up(question: str, previous: str | None) -> str:
        seen.append((question, previous))
        return f"{question} ({previous})" if previous else question

    answerer.follow_up = follow_up  # type: ignore[method-assign]
    say = _say(dialog)
    assert FAKE_CITATION in say("Hạn nộp sáng kiến?")
    assert FAKE_CITATION in say("còn phường Hoàng Mai?")
    assert seen == [("Hạn nộp sáng kiến?", None), ("còn phường Hoàng Mai?", "Hạn nộp sáng kiến?")]
    assert answerer.asked[-1][0] == "còn phường Hoàng Mai? (Hạn nộp sáng kiến?)"
