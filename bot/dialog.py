"""The channel-agnostic dialog: questions (the default), the initiative form, status look-ups, locality, help.

Every message is one unit of work: drop it if its update was seen, lock the user's conversation row, advance
the state, commit. Questions are answered after the commit so a slow search never holds the lock.
"""

from __future__ import annotations

import copy
import logging
import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from bot import rate_limit
from bot.attachments import MAX_ATTACHMENTS, store_attachment
from bot.commands import Command, ParsedCommand, is_cancel_word, parse_command, phrase_key
from bot.initiative_form import (
    DONE,
    EDITABLE,
    SKIP,
    STEP_BY_NAME,
    InvalidAnswer,
    Step,
    choice_buttons,
    contact_fields,
    first_step,
    is_done,
    is_yes,
    match_choice,
    next_step,
    parse_answer,
    prompt_for,
    summary,
)
from bot.messages import Button, Incoming, IncomingFile, Reply, replies_from_json, replies_to_json
from bot.ports import QuestionAnswerer
from bot.rendering import clean_text, has_readable_text
from core.conversations import lock_conversation, save_state
from core.db import session_scope
from core.dedup import claim_update, remember_replies, stored_replies
from core.errors import ErrorCode, ThiduaError
from core.initiatives import (
    CODE_PATTERN,
    STATE_LABELS,
    InitiativeCreate,
    attachment_names,
    create_initiative,
    find_own,
    list_for_submitter,
)
from core.models import Attachment, Initiative, InitiativeEvent, InitiativeState
from core.review import MAX_NOTE_CHARS, add_submitter_reply, awaiting_reply, withdraw
from core.settings import Settings

log = logging.getLogger(__name__)

MAX_TRIES = 6
FORM_MODES = ("form", "confirm", "edit")
# A submission can be withdrawn until a reviewer decides it (core.initiatives.TRANSITIONS).
WITHDRAWABLE = (InitiativeState.SUBMITTED.value, InitiativeState.IN_REVIEW.value, InitiativeState.NEEDS_INFO.value)
_WITHDRAW_YES = frozenset({"rut", "co rut", "dong y rut", "xac nhan", "xac nhan rut", "dung"})
REPLY_WINDOW = timedelta(days=14)

MENU = (
    (Button("❓ Hỏi đáp", "menu:ask"), Button("💡 Gửi sáng kiến", "menu:submit")),
    (Button("🔎 Tra cứu hồ sơ", "menu:status"), Button("📍 Chọn địa bàn", "menu:locality")),
)
HELP_TEXT = (
    "Xin chào Anh/Chị! Em là trợ lý phong trào “Cả nước thi đua đổi mới sáng tạo và chuyển đổi số”.\n\n"
    "Em có thể:\n"
    "• Trả lời câu hỏi về kế hoạch, tiêu chí, thời hạn của phong trào — Anh/Chị cứ nhập câu hỏi.\n"
    "• Nhận sáng kiến: /sangkien hoặc nhắn “gửi sáng kiến”.\n"
    "• Tra cứu hồ sơ: /trangthai SK-2025-000123 hoặc nhắn “tra cứu”.\n"
    "• Chọn phường/xã để câu trả lời sát địa bàn: /diaban.\n"
    "• Bổ sung thông tin khi được yêu cầu: /bosung SK-… nội dung.\n"
    "• Rút sáng kiến đã gửi khi chưa có kết quả xem xét: /rut SK-2025-000123 hoặc nhắn “rút sáng kiến”.\n"
    "• Hủy thao tác đang làm: /huy."
)


@dataclass
class _Turn:
    """What one message changes: the working copy of the state and the replies so far."""

    session: Session
    incoming: Incoming
    state: dict[str, Any]
    locality: str | None
    replies: list[Reply] = field(default_factory=list)
    question: str | None = None

    def say(self, text: str, buttons: Sequence[Sequence[Button]] = ()) -> None:
        """Queue a reply with optional rows of buttons."""
        self.replies.append(Reply(text, tuple(tuple(row) for row in buttons if row)))


class Dialog:
    """Handles one incoming message at a time for any channel; safe to call from several workers."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        answerer: QuestionAnswerer,
        settings: Settings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions = sessions
        self._answerer = answerer
        self._settings = settings
        self._clock = clock

    # ---------------------------------------------------------------- unit of work

    def handle(self, incoming: Incoming) -> list[Reply]:
        """Advance the user's dialog by one message and return the replies (none for a repeated update)."""
        turn: _Turn | None = None
        for attempt in range(MAX_TRIES):
            try:
                with session_scope(self._sessions) as session:
                    if incoming.update_key and not claim_update(
                        session=session, channel=incoming.channel, update_key=incoming.update_key
                    ):
                        log.info("dropped repeated update on %s", incoming.channel)
                        return self._replay(incoming)
                    conversation = lock_conversation(
                        session=session, channel=incoming.channel, user_id=incoming.user_id
                    )
                    turn = _Turn(session, incoming, _copy_state(conversation.state), conversation.locality)
                    self._step(turn)
                    save_state(conversation=conversation, state=turn.state, locality=turn.locality)
                    # Kept in the same unit of work, so a repeat waiting on it finds them (a receipt, say).
                    self._remember(session, incoming, list(turn.replies))
                break
            except (StaleDataError, IntegrityError, OperationalError) as exc:
                # Another worker changed this user's state (or created it) first: redo the turn on fresh state.
                if attempt == MAX_TRIES - 1:
                    raise
                log.info("retrying a dialog turn after %s", type(exc).__name__)
                time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
        assert turn is not None
        replies = list(turn.replies)
        if turn.question is not None:
            replies.append(self._answer(turn.question, turn.locality))
        if turn.question is not None and incoming.replay_repeats:
            with session_scope(self._sessions) as session:
                self._remember(session, incoming, replies)
        return replies

    @staticmethod
    def _remember(session: Session, incoming: Incoming, replies: list[Reply]) -> None:
        if incoming.replay_repeats and incoming.update_key:
            kept = replies_to_json(replies)
            remember_replies(session=session, channel=incoming.channel, update_key=incoming.update_key, replies=kept)

    def _replay(self, incoming: Incoming) -> list[Reply]:
        """The replies given to the first copy of a repeated message, where the channel wants them again."""
        if not incoming.replay_repeats or not incoming.update_key:
            return []
        with session_scope(self._sessions) as session:
            kept = stored_replies(session=session, channel=incoming.channel, update_key=incoming.update_key)
        return replies_from_json(kept)

    def _answer(self, question: str, locality: str | None) -> Reply:
        try:
            answer = self._answerer.answer(question, locality=locality)
        except Exception:
            log.exception("answering a question failed")
            return Reply(
                "Xin lỗi Anh/Chị, hệ thống tra cứu đang gặp sự cố. Anh/Chị vui lòng thử lại sau ít phút.",
                MENU,
            )
        text = answer.text.strip() or "Xin lỗi Anh/Chị, em chưa tìm thấy thông tin phù hợp trong các kế hoạch."
        if not answer.found:
            text += (
                "\n\nAnh/Chị có thể hỏi cụ thể hơn (ví dụ: thời hạn gửi sáng kiến, tiêu chí khen thưởng), "
                "hoặc chọn địa bàn bằng /diaban."
            )
        return Reply(text, ((Button("💡 Gửi sáng kiến", "menu:submit"), Button("📍 Chọn địa bàn", "menu:locality")),))

    # ---------------------------------------------------------------- routing

    def _step(self, turn: _Turn) -> None:
        incoming = turn.incoming
        now = self._clock()
        allowed, warn = rate_limit.allow(
            turn.state, now=now.timestamp(), per_minute=self._settings.rate_limit_per_minute
        )
        if not allowed:
            if warn:
                turn.say(
                    "Anh/Chị đang gửi tin nhắn hơi nhanh. Anh/Chị vui lòng chờ khoảng một phút rồi gửi tiếp nhé. "
                    "Em cảm ơn!"
                )
            return
        text = clean_text(incoming.text)
        if len(text) > self._settings.max_message_chars:
            turn.say(
                f"Tin nhắn của Anh/Chị dài {_number(len(text))} ký tự, vượt quá giới hạn "
                f"{_number(self._settings.max_message_chars)} ký tự. Anh/Chị vui lòng gửi ngắn gọn hơn "
                "hoặc chia thành nhiều tin."
            )
            return
        mode = str(turn.state.get("mode", "idle"))
        touched = float(turn.state.get("touched", now.timestamp()))
        # A request for more information may be answered days later; everything else expires with the form.
        idle_limit = REPLY_WINDOW.total_seconds() if mode == "reply" else self._settings.form_idle_minutes * 60
        expired = now.timestamp() - touched > idle_limit
        turn.state["touched"] = now.timestamp()
        purged = bool(turn.state.pop("form_expired", False))  # housekeeping dropped an idle form already
        if purged or (mode != "idle" and expired):
            was_form = purged or mode in FORM_MODES
            self._reset(turn)
            mode = "idle"
            if was_form:
                turn.say(
                    f"Biểu mẫu sáng kiến Anh/Chị điền dở đã hết hạn vì quá {self._settings.form_idle_minutes} phút "
                    "không có phản hồi, nên em đã hủy để bảo vệ thông tin của Anh/Chị. "
                    "Anh/Chị có thể bắt đầu lại bằng /sangkien.",
                    MENU,
                )
                if incoming.callback is None and parse_command(text) is None:
                    return
        if incoming.unsupported and not text and not incoming.files:
            turn.say("Xin lỗi Anh/Chị, em chỉ đọc được tin nhắn chữ, ảnh và tài liệu.", MENU)
            return
        if incoming.callback is not None:
            self._on_callback(turn, incoming.callback.strip()[:64])
            return
        command = parse_command(text) if text else None
        if command is not None and mode in FORM_MODES and not text.startswith("/"):
            # Inside the form only “hủy” works as a plain word; other words are answers.
            command = command if command.command is Command.CANCEL else None
        if command is not None:
            self._on_command(turn, command)
            return
        if mode in FORM_MODES and is_cancel_word(text):
            self._on_command(turn, ParsedCommand(Command.CANCEL))
            return
        if mode == "form":
            self._form_input(turn, text, incoming.files)
        elif mode == "confirm":
            self._confirm_input(turn, text)
        elif mode == "edit":
            self._edit_input(turn, text)
        elif mode == "status" and CODE_PATTERN.search(text):
            turn.state["mode"] = "idle"
            self._status(turn, text)
        elif mode == "locality" and text:
            self._choose_locality(turn, text)
        elif mode == "withdraw":
            self._withdraw_input(turn, text, incoming.files)
        elif mode == "reply" and incoming.files and not text:
            self._hold_reply_files(turn, incoming.files)
        elif mode == "reply" and text:
            self._submit_reply(turn, str(turn.state.get("reply_code", "")), text, incoming.files)
        else:
            if mode in ("status", "locality"):
                turn.state["mode"] = "idle"
            self._idle_input(turn, text, incoming.files)

    def _idle_input(self, turn: _Turn, text: str, files: Sequence[IncomingFile]) -> None:
        if files:
            turn.say(
                "Em đã nhận được tệp, nhưng tệp chỉ được lưu khi Anh/Chị đang gửi sáng kiến. "
                "Anh/Chị bấm “Gửi sáng kiến” để bắt đầu, rồi gửi lại tệp ở bước đính kèm.",
                MENU,
            )
            return
        if not has_readable_text(text):
            turn.say(
                "Em chưa hiểu tin nhắn của Anh/Chị. Anh/Chị vui lòng nhập câu hỏi bằng chữ, "
                "hoặc chọn một việc bên dưới.",
                MENU,
            )
            return
        # A follow-up ("còn phường X thì sao?") is read with the previous question; the state keeps it across restarts.
        turn.question = self._answerer.follow_up(text, _previous_question(turn.state))
        turn.state["last_question"] = turn.question

    def _on_command(self, turn: _Turn, parsed: ParsedCommand) -> None:
        mode = str(turn.state.get("mode", "idle"))
        command = parsed.command
        if command in (Command.START, Command.HELP):
            if mode in FORM_MODES:
                turn.say(HELP_TEXT)
                turn.say("Anh/Chị đang điền dở biểu mẫu sáng kiến; em xin nhắc lại câu hỏi đang chờ:")
                self._reprompt(turn)
            else:
                turn.state["mode"] = "idle"
                turn.say(HELP_TEXT, MENU)
        elif command is Command.SUBMIT:
            if mode in FORM_MODES:
                turn.say(
                    "Anh/Chị đang điền dở biểu mẫu sáng kiến, em xin tiếp tục từ chỗ đang dừng.",
                    [[Button("Làm lại từ đầu", "form:restart"), Button("Hủy", "cancel")]],
                )
                self._reprompt(turn)
            else:
                self._start_form(turn)
        elif command is Command.STATUS:
            if mode in FORM_MODES:
                turn.say("Anh/Chị vui lòng hoàn tất hoặc hủy (/huy) biểu mẫu sáng kiến trước khi tra cứu.")
                self._reprompt(turn)
            elif parsed.argument:
                turn.state["mode"] = "idle"
                self._status(turn, parsed.argument)
            else:
                self._status_menu(turn)
        elif command is Command.LOCALITY:
            if mode in FORM_MODES:
                turn.say("Anh/Chị vui lòng hoàn tất hoặc hủy (/huy) biểu mẫu sáng kiến trước khi đổi địa bàn.")
                self._reprompt(turn)
            elif parsed.argument:
                self._choose_locality(turn, parsed.argument)
            else:
                self._locality_menu(turn)
        elif command is Command.CANCEL:
            if mode == "idle":
                turn.say("Hiện không có thao tác nào đang làm dở. Anh/Chị cần em giúp gì ạ?", MENU)
            else:
                was_form = mode in FORM_MODES
                self._reset(turn)
                turn.say(
                    "Em đã hủy biểu mẫu sáng kiến; thông tin đã nhập không được lưu."
                    if was_form
                    else "Em đã hủy thao tác đang làm.",
                    MENU,
                )
        elif command is Command.WITHDRAW:
            if mode in FORM_MODES:
                turn.say("Anh/Chị vui lòng hoàn tất hoặc hủy (/huy) biểu mẫu sáng kiến trước khi rút hồ sơ.")
                self._reprompt(turn)
                return
            self._clear_withdraw(turn)
            turn.state["mode"] = "idle"
            match = CODE_PATTERN.search(parsed.argument)
            if match is None:
                self._withdraw_menu(turn)
            else:
                self._begin_withdraw(turn, match.group(0), reason=parsed.argument[match.end() :])
        elif command is Command.REPLY:
            if mode in FORM_MODES:
                turn.say("Anh/Chị vui lòng hoàn tất hoặc hủy (/huy) biểu mẫu sáng kiến trước khi bổ sung hồ sơ.")
                self._reprompt(turn)
                return
            match = CODE_PATTERN.search(parsed.argument)
            if match is None:
                waiting = awaiting_reply(
                    session=turn.session, channel=turn.incoming.channel, channel_user_id=turn.incoming.user_id
                )
                if len(waiting) == 1:
                    if parsed.argument:
                        self._submit_reply(turn, waiting[0].code, parsed.argument, ())
                    else:
                        self._begin_reply(turn, waiting[0].code)
                    return
                turn.say(
                    "Anh/Chị vui lòng ghi mã hồ sơ và nội dung bổ sung, ví dụ: /bosung SK-2025-000123 Em gửi thêm "
                    "số liệu như sau…"
                )
                return
            rest = parsed.argument[match.end() :].strip()
            if rest:
                self._submit_reply(turn, match.group(0), rest, ())
            else:
                self._begin_reply(turn, match.group(0))

    def _on_callback(self, turn: _Turn, data: str) -> None:
        mode = str(turn.state.get("mode", "idle"))
        kind, _, rest = data.partition(":")
        menu = {
            "submit": Command.SUBMIT,
            "status": Command.STATUS,
            "locality": Command.LOCALITY,
            "help": Command.HELP,
        }
        if data == "cancel":
            self._on_command(turn, ParsedCommand(Command.CANCEL))
        elif kind == "menu" and rest == "ask":
            if mode in FORM_MODES:
                self._reprompt(turn)
            else:
                turn.state["mode"] = "idle"
                turn.say("Mời Anh/Chị nhập câu hỏi về phong trào, em sẽ trả lời kèm trích dẫn kế hoạch.")
        elif kind == "menu" and rest in menu:
            self._on_command(turn, ParsedCommand(menu[rest]))
        elif data == "form:restart":
            self._start_form(turn)
        elif kind == "pick" and mode == "form":
            step_name, _, choice = rest.partition(":")
            if step_name != turn.state.get("step"):
                turn.say("Nút này thuộc một câu hỏi trước, em xin nhắc lại câu hỏi hiện tại:")
                self._reprompt(turn)
                return
            step = STEP_BY_NAME[step_name]
            choices = self._choices_for(turn, step)
            if choice == SKIP and step.optional:
                self._accept(turn, step, "")
            elif choice == DONE:
                self._form_input(turn, "xong", ())
            elif choice.isdigit() and int(choice) < len(choices):
                self._accept(turn, step, choices[int(choice)])
            else:
                self._reprompt(turn)
        elif kind == "consent" and mode == "form" and turn.state.get("step") == "consent":
            self._form_input(turn, "đồng ý" if rest == "yes" else "không", ())
        elif kind == "confirm" and mode == "confirm":
            self._confirm_input(turn, "gửi" if rest == "send" else "sửa")
        elif kind == "edit" and mode in ("edit", "confirm") and rest in EDITABLE:
            self._begin_edit(turn, rest)
        elif kind == "loc" and mode not in FORM_MODES:
            shown = list(turn.state.get("choices", []))
            if rest == "none":
                turn.locality = None
                turn.state["mode"] = "idle"
                turn.say("Em sẽ trả lời theo kế hoạch của mọi địa bàn.", MENU)
            elif rest.isdigit() and int(rest) < len(shown):
                self._set_locality(turn, str(shown[int(rest)]))
            else:
                self._locality_menu(turn)
        elif kind == "status" and CODE_PATTERN.fullmatch(rest) and mode not in FORM_MODES:
            turn.state["mode"] = "idle"
            self._status(turn, rest)
        elif kind == "reply" and CODE_PATTERN.fullmatch(rest) and mode not in FORM_MODES:
            self._begin_reply(turn, rest)
        elif kind == "wd" and mode not in FORM_MODES:
            self._on_withdraw_button(turn, rest)
        elif mode in FORM_MODES:
            turn.say("Nút này không còn dùng được ở bước hiện tại. Em xin nhắc lại câu hỏi đang chờ:")
            self._reprompt(turn)
        else:
            turn.say("Nút này không còn dùng được. Anh/Chị cần em giúp gì ạ?", MENU)

    # ---------------------------------------------------------------- the initiative form

    def _reset(self, turn: _Turn) -> None:
        for key in (
            "mode",
            "step",
            "form",
            "attachments",
            "editing",
            "submission_key",
            "choices",
            "choices_for",
            "reply_code",
            "reply_attachments",
            "withdraw_code",
            "withdraw_reason",
        ):
            turn.state.pop(key, None)
        turn.state["mode"] = "idle"

    def _start_form(self, turn: _Turn) -> None:
        self._reset(turn)
        turn.state.update(
            mode="form",
            step=first_step(),
            form={},
            attachments=[],
            submission_key=f"{turn.incoming.channel}:{uuid.uuid4().hex}",
        )
        turn.say(
            "Cảm ơn Anh/Chị đã tham gia phong trào! Em sẽ hỏi 12 bước ngắn để ghi nhận sáng kiến. "
            "Anh/Chị có thể nhắn /huy bất cứ lúc nào để dừng; nếu bị gián đoạn, biểu mẫu được giữ "
            f"trong {self._settings.form_idle_minutes} phút."
        )
        self._reprompt(turn)

    def _choices_for(self, turn: _Turn, step: Step) -> list[str]:
        if step.name != "locality":
            return list(step.choices)
        stored = turn.state.get("choices")
        if isinstance(stored, list) and turn.state.get("choices_for") == "locality":
            return [str(choice) for choice in stored]
        return self._locality_choices(turn)

    def _locality_choices(self, turn: _Turn) -> list[str]:
        try:
            known = [name for name in self._answerer.localities() if name]
        except Exception:
            log.exception("listing localities failed")
            known = []
        if turn.locality and turn.locality not in known:
            known.insert(0, turn.locality)
        return known[:12]

    def _reprompt(self, turn: _Turn) -> None:
        mode = turn.state.get("mode")
        if mode == "confirm":
            self._show_summary(turn)
            return
        if mode == "edit":
            self._edit_menu(turn)
            return
        step = STEP_BY_NAME[str(turn.state.get("step", first_step()))]
        prompt = prompt_for(step, max_mb=self._settings.max_attachment_mb)
        if step.name == "locality":
            choices = self._locality_choices(turn)
            turn.state["choices"], turn.state["choices_for"] = choices, "locality"
            turn.say(prompt, choice_buttons(step, choices))
        elif step.name == "attachments":
            count = len(turn.state.get("attachments", []))
            if count:
                prompt += f"\n(Đã nhận {count} tệp.)"
            turn.say(
                prompt, [[Button("Xong", f"pick:attachments:{DONE}"), Button("Bỏ qua", f"pick:attachments:{SKIP}")]]
            )
        elif step.name == "consent":
            turn.say(prompt, [[Button("Đồng ý", "consent:yes"), Button("Không đồng ý", "consent:no")]])
        elif step.choices or step.optional:
            turn.say(prompt, choice_buttons(step, step.choices))
        else:
            turn.say(prompt)

    def _form_input(self, turn: _Turn, text: str, files: Sequence[IncomingFile]) -> None:
        step = STEP_BY_NAME[str(turn.state.get("step", first_step()))]
        if files:
            self._take_files(turn, files)
            if step.name == "attachments":
                count = len(turn.state.get("attachments", []))
                turn.say(
                    f"Đã có {count} tệp. Anh/Chị gửi thêm tệp, hoặc bấm “Xong” để sang bước tiếp theo.",
                    [[Button("Xong", f"pick:attachments:{DONE}")]],
                )
                return
            if not text:
                self._reprompt(turn)
                return
        if step.name == "attachments":
            if is_done(text):
                self._advance(turn, step)
            else:
                turn.say(
                    "Ở bước này Anh/Chị gửi ảnh hoặc tài liệu; gửi xong thì bấm “Xong”, không có thì bấm “Bỏ qua”.",
                    [[Button("Xong", f"pick:attachments:{DONE}"), Button("Bỏ qua", f"pick:attachments:{SKIP}")]],
                )
            return
        if step.name == "consent":
            agreed = is_yes(text)
            if agreed:
                turn.state.setdefault("form", {})["consent"] = True
                self._advance(turn, step)
            elif agreed is False:
                turn.say(
                    "Em hiểu. Không có sự đồng ý xử lý dữ liệu cá nhân thì em không thể gửi sáng kiến đi. "
                    "Anh/Chị có thể bấm “Đồng ý” để tiếp tục, hoặc “Hủy” để dừng.",
                    [[Button("Đồng ý", "consent:yes"), Button("Hủy", "cancel")]],
                )
            else:
                self._reprompt(turn)
            return
        if not text:
            self._reprompt(turn)
            return
        try:
            value = parse_answer(step, text, choices=self._choices_for(turn, step))
        except InvalidAnswer as exc:
            turn.say(str(exc), choice_buttons(step, self._choices_for(turn, step)) if step.choices else ())
            return
        self._accept(turn, step, value)

    def _accept(self, turn: _Turn, step: Step, value: str) -> None:
        turn.state.setdefault("form", {})[step.name] = value
        if step.name == "locality" and value and not turn.locality:
            turn.locality = value  # also scopes later questions
        self._advance(turn, step)

    def _advance(self, turn: _Turn, step: Step) -> None:
        turn.state.pop("choices", None)
        turn.state.pop("choices_for", None)
        following = next_step(step.name)
        if turn.state.get("editing") or following is None:
            turn.state.pop("editing", None)
            turn.state["mode"] = "confirm"
            turn.state.pop("step", None)
            self._show_summary(turn)
            return
        turn.state["step"] = following
        self._reprompt(turn)

    def _store_file(self, turn: _Turn, file: IncomingFile) -> Attachment | None:
        """Keep one sent file, or tell the user why not."""
        try:
            if file.data is None:
                raise ThiduaError(
                    ErrorCode.TOO_LARGE,
                    f"Tệp “{file.filename}” lớn hơn {self._settings.max_attachment_mb} MB nên chưa nhận được.",
                )
            return store_attachment(
                session=turn.session,
                uploads_dir=self._settings.uploads_dir,
                channel=turn.incoming.channel,
                channel_user_id=turn.incoming.user_id,
                filename=file.filename,
                content_type=file.content_type,
                data=file.data,
                max_bytes=self._settings.max_attachment_mb * 1024 * 1024,
            )
        except ThiduaError as exc:
            turn.say(exc.detail)
            return None

    def _take_files(self, turn: _Turn, files: Sequence[IncomingFile]) -> None:
        held: list[int] = [int(i) for i in turn.state.get("attachments", [])]
        for file in files:
            if len(held) >= MAX_ATTACHMENTS:
                turn.say(f"Mỗi sáng kiến nhận tối đa {MAX_ATTACHMENTS} tệp; tệp “{file.filename}” chưa được lưu.")
                continue
            attachment = self._store_file(turn, file)
            if attachment is not None:
                held.append(attachment.id)
                turn.say(f"Đã nhận tệp “{attachment.filename}” ({_size_label(attachment.size)}).")
        turn.state["attachments"] = held

    def _attachment_names(self, turn: _Turn) -> list[str]:
        ids = [int(i) for i in turn.state.get("attachments", [])]
        return attachment_names(session=turn.session, attachment_ids=ids)

    def _show_summary(self, turn: _Turn) -> None:
        form = dict(turn.state.get("form", {}))
        turn.say(
            summary(form, self._attachment_names(turn)),
            [
                [Button("✅ Gửi sáng kiến", "confirm:send")],
                [Button("✏️ Sửa thông tin", "confirm:edit"), Button("Hủy", "cancel")],
            ],
        )

    def _edit_menu(self, turn: _Turn) -> None:
        turn.state["mode"] = "edit"
        buttons = [Button(STEP_BY_NAME[name].label, f"edit:{name}") for name in EDITABLE]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        turn.say("Anh/Chị muốn sửa mục nào?", rows)

    def _begin_edit(self, turn: _Turn, name: str) -> None:
        turn.state.update(mode="form", step=name, editing=True)
        self._reprompt(turn)

    def _edit_input(self, turn: _Turn, text: str) -> None:
        labels = [STEP_BY_NAME[name].label for name in EDITABLE]
        chosen = match_choice(text, labels)
        if chosen is None:
            self._edit_menu(turn)
            return
        self._begin_edit(turn, EDITABLE[labels.index(chosen)])

    def _confirm_input(self, turn: _Turn, text: str) -> None:
        key = phrase_key(text)
        if key in ("gui", "gui sang kien", "xac nhan", "dong y", "ok", "co", "dung"):
            self._submit(turn)
        elif key.startswith("sua"):
            self._edit_menu(turn)
        else:
            turn.say("Anh/Chị vui lòng bấm “Gửi sáng kiến” để gửi, hoặc “Sửa thông tin” để chỉnh sửa.")
            self._show_summary(turn)

    def _submit(self, turn: _Turn) -> None:
        form = dict(turn.state.get("form", {}))
        phone, email = contact_fields(str(form.get("contact", "")))
        try:
            initiative_in = InitiativeCreate(
                channel=turn.incoming.channel,
                channel_user_id=turn.incoming.user_id,
                submission_key=str(turn.state.get("submission_key") or uuid.uuid4().hex),
                proposer_name=str(form.get("proposer_name", "")),
                participant_kind=str(form.get("participant_kind", "")),
                unit=str(form.get("unit", "")),
                locality=str(form.get("locality", "")),
                field=str(form.get("field", "")),
                title=str(form.get("title", "")),
                description=str(form.get("description", "")),
                benefit=str(form.get("benefit", "")),
                scope=str(form.get("scope", "")),
                contact_phone=phone,
                contact_email=email,
                consent=bool(form.get("consent")),
                attachment_ids=[int(i) for i in turn.state.get("attachments", [])],
            )
        except ValidationError as exc:
            log.warning("form failed final validation at %s", [err.get("loc") for err in exc.errors()])
            turn.say("Một số thông tin chưa hợp lệ. Anh/Chị vui lòng kiểm tra và sửa lại.")
            self._edit_menu(turn)
            return
        initiative = create_initiative(session=turn.session, initiative_in=initiative_in)
        self._reset(turn)
        turn.say(
            f"Cảm ơn Anh/Chị! Sáng kiến “{initiative.title}” đã được tiếp nhận.\n"
            f"Mã hồ sơ: {initiative.code}\n\n"
            f"Anh/Chị giữ mã này để tra cứu: /trangthai {initiative.code}. "
            "Khi có kết quả xem xét, em sẽ báo lại Anh/Chị qua kênh này.",
            [[Button("🔎 Tra cứu hồ sơ", f"status:{initiative.code}")], list(MENU[0])],
        )

    # ---------------------------------------------------------------- status, replies, locality

    def _own_initiative(self, turn: _Turn, code: str) -> Initiative | None:
        return find_own(
            session=turn.session, code=code, channel=turn.incoming.channel, channel_user_id=turn.incoming.user_id
        )

    def _withdrawable(self, turn: _Turn, code: str) -> Initiative | None:
        """The submitter's own undecided submission ``code``; otherwise say why not and return None."""
        initiative = self._own_initiative(turn, code)
        if initiative is None:
            self._not_found(turn, code)
            return None
        if initiative.state not in WITHDRAWABLE:
            self._cannot_withdraw(turn, initiative)
            return None
        return initiative

    def _status_menu(self, turn: _Turn) -> None:
        mine = list_for_submitter(
            session=turn.session, channel=turn.incoming.channel, channel_user_id=turn.incoming.user_id, limit=6
        )
        turn.state["mode"] = "status"
        if not mine:
            turn.say(
                "Anh/Chị vui lòng nhập mã hồ sơ cần tra cứu (dạng SK-2025-000123). "
                "Hiện em chưa thấy sáng kiến nào Anh/Chị gửi qua kênh này."
            )
            return
        lines = ["Các sáng kiến Anh/Chị đã gửi qua kênh này:"]
        lines += [f"• {item.code}: {item.title} — {_state_label(item.state)}" for item in mine]
        lines.append("\nAnh/Chị bấm vào mã để xem chi tiết, hoặc nhập mã hồ sơ.")
        turn.say("\n".join(lines), [[Button(item.code, f"status:{item.code}")] for item in mine])

    def _status(self, turn: _Turn, text: str) -> None:
        match = CODE_PATTERN.search(text)
        if match is None:
            turn.say("Mã hồ sơ có dạng SK-2025-000123. Anh/Chị vui lòng kiểm tra lại.")
            return
        code = match.group(0).upper()
        initiative = self._own_initiative(turn, code)
        if initiative is None:
            # Codes are sequential, so only the submitter's own submissions are shown.
            turn.say(
                f"Em không tìm thấy hồ sơ {code} trong các sáng kiến Anh/Chị đã gửi qua kênh này. "
                "Anh/Chị vui lòng kiểm tra lại mã.",
                [[Button("🔎 Xem hồ sơ của tôi", "menu:status")]],
            )
            return
        lines = [
            f"Hồ sơ {initiative.code}: “{initiative.title}”",
            f"Trạng thái: {_state_label(initiative.state)}",
            f"Lĩnh vực: {initiative.field}",
            f"Ngày gửi: {initiative.created_at:%d/%m/%Y}",
        ]
        buttons: list[list[Button]] = []
        if initiative.state == InitiativeState.NEEDS_INFO.value:
            request = _latest_public_note(initiative)
            if request:
                lines.append(f"Nội dung cần bổ sung: {request}")
            lines.append(
                f"Anh/Chị bấm “Bổ sung thông tin” rồi nhắn nội dung, hoặc nhắn /bosung {initiative.code} <nội dung>."
            )
            buttons.append([Button("📝 Bổ sung thông tin", f"reply:{initiative.code}")])
        if initiative.state in WITHDRAWABLE:
            buttons.append([Button("↩️ Rút sáng kiến", f"wd:ask:{initiative.code}")])
        elif initiative.state == InitiativeState.WITHDRAWN.value and (reason := _withdrawal_reason(initiative)):
            lines.append(f"Lý do rút: {reason}")
        turn.say("\n".join(lines), buttons)

    def _begin_reply(self, turn: _Turn, code: str) -> None:
        initiative = self._own_initiative(turn, code)
        if initiative is None or initiative.state != InitiativeState.NEEDS_INFO.value:
            turn.say(
                f"Hồ sơ {code.upper()} hiện không cần bổ sung thông tin (hoặc không phải hồ sơ Anh/Chị đã gửi "
                "qua kênh này)."
            )
            return
        turn.state.update(mode="reply", reply_code=initiative.code)
        turn.say(
            f"Mời Anh/Chị nhắn nội dung bổ sung cho hồ sơ {initiative.code} (có thể gửi kèm ảnh, tài liệu). "
            "Nhắn /huy để thôi.",
            [[Button("Hủy", "cancel")]],
        )

    def _submit_reply(self, turn: _Turn, code: str, text: str, files: Sequence[IncomingFile]) -> None:
        initiative = self._own_initiative(turn, code) if code else None
        if initiative is None:
            turn.state["mode"] = "idle"
            turn.say(f"Em không tìm thấy hồ sơ {code.upper()} trong các sáng kiến Anh/Chị đã gửi qua kênh này.")
            return
        attachment_ids: list[int] = [int(i) for i in turn.state.get("reply_attachments", [])]
        for file in files:
            attachment = self._store_file(turn, file)
            if attachment is not None:
                attachment_ids.append(attachment.id)
        if not text.strip() and not attachment_ids:
            turn.say("Nội dung bổ sung đang trống. Anh/Chị vui lòng nhắn nội dung.")
            return
        try:
            add_submitter_reply(
                session=turn.session, initiative=initiative, text=text.strip(), attachment_ids=attachment_ids
            )
        except ThiduaError as exc:
            turn.state["mode"] = "idle"
            turn.say(exc.detail, MENU)
            return
        turn.state.pop("reply_code", None)
        turn.state.pop("reply_attachments", None)
        turn.state["mode"] = "idle"
        turn.say(
            f"Em đã chuyển nội dung bổ sung của Anh/Chị cho cán bộ xem xét hồ sơ {initiative.code}. Em cảm ơn!",
            MENU,
        )

    def _hold_reply_files(self, turn: _Turn, files: Sequence[IncomingFile]) -> None:
        held = [int(i) for i in turn.state.get("reply_attachments", [])]
        for file in files:
            attachment = self._store_file(turn, file)
            if attachment is not None:
                held.append(attachment.id)
                turn.say(f"Đã nhận tệp “{attachment.filename}”. Anh/Chị nhắn nội dung bổ sung để gửi kèm tệp.")
        turn.state["reply_attachments"] = held

    # ---------------------------------------------------------------- withdrawal by the submitter

    def _clear_withdraw(self, turn: _Turn) -> None:
        turn.state.pop("withdraw_code", None)
        turn.state.pop("withdraw_reason", None)

    def _not_found(self, turn: _Turn, code: str) -> None:
        # The same words whether the code does not exist or belongs to someone else: codes are sequential.
        turn.say(
            f"Em không tìm thấy hồ sơ {code.upper()} trong các sáng kiến Anh/Chị đã gửi qua kênh này. "
            "Anh/Chị vui lòng kiểm tra lại mã.",
            [[Button("🔎 Xem hồ sơ của tôi", "menu:status")]],
        )

    def _withdraw_menu(self, turn: _Turn) -> None:
        mine = [
            item
            for item in list_for_submitter(
                session=turn.session, channel=turn.incoming.channel, channel_user_id=turn.incoming.user_id, limit=20
            )
            if item.state in WITHDRAWABLE
        ][:6]
        if not mine:
            turn.say(
                "Hiện Anh/Chị không có sáng kiến nào gửi qua kênh này đang chờ xem xét, nên không có hồ sơ để rút. "
                "Sáng kiến đã có kết quả xem xét thì không rút được nữa.",
                MENU,
            )
            return
        if len(mine) == 1:
            self._begin_withdraw(turn, mine[0].code)
            return
        turn.state.update(mode="withdraw")
        lines = ["Anh/Chị muốn rút sáng kiến nào? Các sáng kiến chưa có kết quả xem xét:"]
        lines += [f"• {item.code}: {item.title} — {_state_label(item.state)}" for item in mine]
        lines.append("\nAnh/Chị bấm vào mã hoặc nhắn mã hồ sơ (dạng SK-2025-000123); nhắn /huy để thôi.")
        rows = [[Button(item.code, f"wd:ask:{item.code}")] for item in mine]
        turn.say("\n".join(lines), [*rows, [Button("Hủy", "cancel")]])

    def _begin_withdraw(self, turn: _Turn, code: str, *, reason: str = "") -> None:
        """Check the submission can be withdrawn, then ask the submitter to confirm."""
        self._clear_withdraw(turn)
        turn.state["mode"] = "idle"
        initiative = self._withdrawable(turn, code)
        if initiative is None:
            return
        turn.state.update(mode="withdraw", withdraw_code=initiative.code)
        cleaned = _clean_reason(reason)
        if cleaned:
            turn.state["withdraw_reason"] = cleaned
        self._ask_withdraw(turn, initiative)

    def _ask_withdraw(self, turn: _Turn, initiative: Initiative) -> None:
        reason = str(turn.state.get("withdraw_reason", ""))
        lines = [
            f"Anh/Chị có chắc muốn rút sáng kiến {initiative.code} “{initiative.title}” không?",
            "Sau khi rút, hồ sơ sẽ không được xem xét tiếp và không khôi phục được; "
            "Anh/Chị vẫn có thể gửi sáng kiến mới bất cứ lúc nào.",
        ]
        if reason:
            lines.append(f"Lý do rút: {reason}")
        else:
            lines.append("Nếu muốn, Anh/Chị nhắn lý do rút (không bắt buộc) trước khi trả lời.")
        lines.append("Anh/Chị bấm “Có” (hoặc nhắn “có”) để rút, “Không” để giữ nguyên hồ sơ.")
        turn.say("\n".join(lines), _withdraw_buttons(initiative.code))

    def _cannot_withdraw(self, turn: _Turn, initiative: Initiative) -> None:
        if initiative.state == InitiativeState.WITHDRAWN.value:
            turn.say(f"Sáng kiến {initiative.code} đã được rút trước đó; em không cần làm gì thêm.", MENU)
            return
        turn.say(
            f"Sáng kiến {initiative.code} “{initiative.title}” đã có kết quả xem xét "
            f"(“{_state_label(initiative.state)}”), nên không thể rút được nữa. "
            "Nếu cần trao đổi thêm, Anh/Chị vui lòng liên hệ cơ quan tiếp nhận sáng kiến.",
            MENU,
        )

    def _withdraw_input(self, turn: _Turn, text: str, files: Sequence[IncomingFile]) -> None:
        code = str(turn.state.get("withdraw_code", ""))
        if not code:
            # Waiting for the user to pick one of several submissions.
            match = CODE_PATTERN.search(text)
            if match is not None:
                self._begin_withdraw(turn, match.group(0), reason=text[match.end() :])
                return
            turn.state["mode"] = "idle"
            self._idle_input(turn, text, files)
            return
        agreed = True if phrase_key(text) in _WITHDRAW_YES else is_yes(text)
        if agreed:
            self._withdraw(turn, code)
        elif agreed is False:
            self._keep(turn, code)
        elif has_readable_text(text):
            turn.state["withdraw_reason"] = _clean_reason(text)
            initiative = self._own_initiative(turn, code)
            if initiative is None or initiative.state not in WITHDRAWABLE:
                self._begin_withdraw(turn, code)
                return
            turn.say(
                f"Em đã ghi nhận lý do rút: {turn.state['withdraw_reason']}\n"
                f"Anh/Chị xác nhận rút sáng kiến {initiative.code} chứ? Anh/Chị bấm “Có” (hoặc nhắn “có”) để rút, "
                "“Không” để giữ nguyên hồ sơ.",
                _withdraw_buttons(initiative.code),
            )
        else:
            initiative = self._own_initiative(turn, code)
            if initiative is None:
                self._begin_withdraw(turn, code)
                return
            self._ask_withdraw(turn, initiative)

    def _on_withdraw_button(self, turn: _Turn, rest: str) -> None:
        action, _, code = rest.partition(":")
        if not CODE_PATTERN.fullmatch(code):
            turn.say("Nút này không còn dùng được. Anh/Chị cần em giúp gì ạ?", MENU)
            return
        pending = turn.state.get("mode") == "withdraw" and turn.state.get("withdraw_code") == code.upper()
        if action == "yes" and pending:
            self._withdraw(turn, code)
        elif action == "no":
            if pending:
                self._keep(turn, code)
            else:
                turn.say("Hồ sơ của Anh/Chị vẫn giữ nguyên. Anh/Chị cần em giúp gì thêm ạ?", MENU)
        else:
            # "ask", or a "yes" pressed again after the question was answered: ask (or report) afresh.
            self._begin_withdraw(turn, code)

    def _keep(self, turn: _Turn, code: str) -> None:
        self._clear_withdraw(turn)
        turn.state["mode"] = "idle"
        turn.say(f"Em giữ nguyên hồ sơ {code.upper()}; sáng kiến vẫn được xem xét bình thường.", MENU)

    def _withdraw(self, turn: _Turn, code: str) -> None:
        reason = str(turn.state.get("withdraw_reason", ""))
        self._clear_withdraw(turn)
        turn.state["mode"] = "idle"
        initiative = self._withdrawable(turn, code)
        if initiative is None:
            return
        try:
            withdraw(session=turn.session, initiative=initiative, reason=reason)
        except ThiduaError:
            # A reviewer decided it (or it was withdrawn) between the question and the answer.
            turn.session.refresh(initiative)
            self._cannot_withdraw(turn, initiative)
            return
        log.info("submission %s withdrawn by its submitter on %s", initiative.code, turn.incoming.channel)
        turn.say(
            f"Em đã rút sáng kiến {initiative.code} “{initiative.title}” theo đề nghị của Anh/Chị. "
            "Hồ sơ sẽ không được xem xét tiếp; khi tra cứu, trạng thái hiển thị là “Đã rút”.\n\n"
            "Cảm ơn Anh/Chị đã tham gia phong trào! Anh/Chị có thể gửi sáng kiến mới bất cứ lúc nào bằng /sangkien.",
            MENU,
        )

    def _locality_menu(self, turn: _Turn) -> None:
        choices = self._locality_choices(turn)
        turn.state.update(mode="locality", choices=choices)
        turn.state.pop("choices_for", None)
        current = f"Địa bàn đang chọn: {turn.locality}.\n" if turn.locality else ""
        if not choices:
            turn.say(current + "Anh/Chị vui lòng nhập tên phường/xã của mình.")
            return
        buttons = [Button(name, f"loc:{i}") for i, name in enumerate(choices)]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        rows.append([Button("Mọi địa bàn", "loc:none")])
        turn.say(current + "Anh/Chị chọn phường/xã của mình để em trả lời sát với kế hoạch địa phương:", rows)

    def _choose_locality(self, turn: _Turn, text: str) -> None:
        choices = self._locality_choices(turn)
        chosen = match_choice(text, choices) if choices else None
        if chosen is None:
            cleaned = text.strip()
            if not has_readable_text(cleaned) or len(cleaned) > 200:
                self._locality_menu(turn)
                return
            # A locality with no plan of its own: keep it, answers then come from the city's plans.
            chosen = cleaned
        self._set_locality(turn, chosen)

    def _set_locality(self, turn: _Turn, name: str) -> None:
        turn.locality = name
        turn.state["mode"] = "idle"
        turn.state.pop("choices", None)
        turn.say(f"Em đã ghi nhận địa bàn: {name}. Câu trả lời sẽ ưu tiên kế hoạch của địa bàn này.", MENU)


def _copy_state(state: dict[str, Any] | None) -> dict[str, Any]:
    return copy.deepcopy(dict(state or {}))


def _state_label(state: str) -> str:
    try:
        return STATE_LABELS[InitiativeState(state)]
    except ValueError:
        return state


def _withdraw_buttons(code: str) -> list[list[Button]]:
    return [[Button("Có, rút sáng kiến", f"wd:yes:{code}"), Button("Không", f"wd:no:{code}")]]


def _clean_reason(text: str) -> str:
    # "/rut SK-… - trùng với hồ sơ khác": the separator after the code is not part of the reason.
    return clean_text(text).lstrip(" -–—:;,.").strip()[:MAX_NOTE_CHARS]


def _withdrawal_reason(initiative: Initiative) -> str:
    notes = [
        event.note
        for event in initiative.events
        if event.actor == "submitter" and event.to_state == InitiativeState.WITHDRAWN.value and event.note
    ]
    return notes[-1] if notes else ""


def _latest_public_note(initiative: Initiative) -> str:
    notes: list[InitiativeEvent] = [
        event
        for event in initiative.events
        if not event.internal
        and event.note
        and event.kind not in ("created", "notice", "reply")
        and event.actor != "submitter"
    ]
    return notes[-1].note if notes else ""


def _number(value: int) -> str:
    """``10000`` as Vietnamese write it: ``10.000``."""
    return f"{value:,}".replace(",", ".")


def _size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")
    return f"{max(1, size // 1024)} KB"


def _previous_question(state: dict[str, Any]) -> str | None:
    previous = state.get("last_question")
    return previous if isinstance(previous, str) else None
