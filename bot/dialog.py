"""The channel-agnostic dialog: one unit of work per message, dispatched to a flow by the user's mode.

Every message is one unit of work: drop it if its update was seen, lock the user's conversation row, advance
the state, commit. Questions are answered after the commit so a slow search never holds the lock.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from bot import rate_limit, wording
from bot.callbacks import (
    Callback,
    Cancel,
    Menu,
    MenuItem,
    PickLocality,
    RestartForm,
    ShowStatus,
    StartReply,
    StopNotices,
    Withdraw,
    decode,
)
from bot.commands import Command, ParsedCommand, is_bare_code, is_cancel_word, parse_command
from bot.flows import form, locality, questions, status, withdraw
from bot.flows.turn import Flow, Turn
from bot.messages import Incoming, Reply, replies_from_json, replies_to_json
from bot.ports import QuestionAnswerer
from bot.rendering import clean_text
from bot.state import DialogState, Mode
from core.conversations import lock_conversation, save_state
from core.db import session_scope, skip_disk_wait
from core.dedup import claim_update, remember_replies, stored_replies
from core.settings import Settings

log = logging.getLogger(__name__)

MAX_TRIES = 6
# A channel that answered its webhook before the work (Telegram, Zalo) cannot ask for a re-send: while the database
# is unreachable (a restart), it waits and tries the message again, this long in all.
PATIENT_WAITS_SECONDS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
REPLY_WINDOW = timedelta(days=14)

FLOWS: Mapping[Mode, Flow] = {
    Mode.IDLE: questions,
    Mode.FORM: form,
    Mode.CONFIRM: form,
    Mode.EDIT: form,
    Mode.STATUS: status,
    Mode.LOOKUP: status,
    Mode.REPLY: status,
    Mode.WITHDRAW: withdraw,
    Mode.LOCALITY: locality,
}
# What each command does outside the form; inside it, only cancel and help (see ``_on_command``).
_BLOCKED_IN_FORM = {
    Command.STATUS: "tra cứu",
    Command.LOCALITY: "đổi địa bàn",
    Command.WITHDRAW: "rút hồ sơ",
    Command.REPLY: "bổ sung hồ sơ",
    Command.STOP_NOTICES: "đổi cách nhận thông báo",
}
_WAITING_FOR_CODE = frozenset({Mode.WITHDRAW, Mode.LOOKUP, Mode.REPLY})
_MENU_COMMANDS = {
    MenuItem.SUBMIT: Command.SUBMIT,
    MenuItem.STATUS: Command.STATUS,
    MenuItem.LOCALITY: Command.LOCALITY,
    MenuItem.HELP: Command.HELP,
}


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

    def handle(self, incoming: Incoming) -> list[Reply]:
        """Advance the user's dialog by one message and return the replies.

        A repeated update gets none, except on a channel that replays repeats (the web chat): it gets the replies
        kept for the first copy.
        """
        turn: Turn | None = None
        for attempt in range(MAX_TRIES):
            try:
                turn = self._unit_of_work(incoming)
                break
            except (StaleDataError, IntegrityError, OperationalError) as exc:
                # Another worker changed this user's state (or created it) first: redo the turn on fresh state.
                if attempt == MAX_TRIES - 1:
                    raise
                log.info("retrying a dialog turn after %s", type(exc).__name__)
                time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
        if turn is None:
            return self._replay(incoming)
        replies = list(turn.replies)
        if turn.question is not None:
            replies.append(questions.answer(self._answerer, turn.question, turn.locality))
            if incoming.replay_repeats:
                with session_scope(self._sessions) as session:
                    skip_disk_wait(session)  # losing them in a crash only means a repeat gets no replay
                    self._remember(session, incoming, replies)
        return replies

    def handle_patiently(self, incoming: Incoming) -> list[Reply]:
        """``handle``, tried again while the database cannot be reached (for channels that cannot ask for a re-send)."""
        for wait in PATIENT_WAITS_SECONDS:
            try:
                return self.handle(incoming)
            except OperationalError as exc:
                log.warning("database unreachable (%s); trying the message again in %.1f s", type(exc).__name__, wait)
                time.sleep(wait)
        return self.handle(incoming)

    @staticmethod
    def _remember(session: Session, incoming: Incoming, replies: list[Reply]) -> None:
        """Keep the replies to ``incoming`` where its channel replays them to a repeat."""
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

    def _unit_of_work(self, incoming: Incoming) -> Turn | None:
        """One message in one transaction; None for a repeated update."""
        with session_scope(self._sessions) as session:
            if incoming.update_key and not claim_update(
                session=session, channel=incoming.channel, update_key=incoming.update_key
            ):
                log.info("dropped repeated update on %s", incoming.channel)
                return None
            conversation = lock_conversation(session=session, channel=incoming.channel, user_id=incoming.user_id)
            state = DialogState.load(conversation.state)
            turn = Turn(
                session=session,
                incoming=_typed_choice(incoming, state),
                state=state,
                locality=conversation.locality,
                settings=self._settings,
                answerer=self._answerer,
                now=self._clock(),
            )
            _step(turn)
            _remember_typed_choices(turn)
            save_state(conversation=conversation, state=turn.state.dump(), locality=turn.locality)
            if turn.question is not None:
                skip_disk_wait(session)  # a question changes nothing a crash could not lose harmlessly
            else:  # kept in the same unit of work, so a repeat waiting on it finds them (a receipt, say)
                self._remember(session, incoming, list(turn.replies))
            return turn


# ---------------------------------------------------------------------- one message


def _typed_choice(incoming: Incoming, state: DialogState) -> Incoming:
    """On a channel without buttons, a bare number picks the button shown with that number."""
    shown = state.typed_choices or []
    number = incoming.text.strip().rstrip(".")
    if not incoming.numbered_choices or incoming.callback is not None or not number.isdigit():
        return incoming
    index = int(number) - 1
    return replace(incoming, callback=shown[index], text="") if 0 <= index < len(shown) else incoming


def _remember_typed_choices(turn: Turn) -> None:
    if not turn.incoming.numbered_choices:
        return
    shown = [reply for reply in turn.replies if reply.buttons]
    if turn.question is not None:
        buttons = [button.data for row in wording.AFTER_ANSWER for button in row]
    else:
        buttons = [button.data for button in shown[-1].flat_buttons] if shown else []
    turn.state.typed_choices = buttons or None


def _step(turn: Turn) -> None:
    """Gatekeeping (rate, length, expiry), then a button, a command or text for the current flow."""
    text = clean_text(turn.incoming.text)
    if not _admitted(turn, text) or _expired(turn, text):
        return
    incoming = turn.incoming
    if incoming.unsupported and not text and not incoming.files:
        turn.say(wording.UNSUPPORTED, wording.MENU)
    elif incoming.callback is not None:
        _on_button(turn, decode(incoming.callback))
    elif (command := _command(turn, text)) is not None:
        _on_command(turn, command)
    else:
        FLOWS[turn.state.mode].on_text(turn, text, incoming.files)


def _admitted(turn: Turn, text: str) -> bool:
    """Within the user's rate and the length limit; otherwise say so (once per window for the rate)."""
    allowed, warn = rate_limit.allow(
        turn.state, now=turn.now.timestamp(), per_minute=turn.settings.rate_limit_per_minute
    )
    if not allowed:
        if warn:
            turn.say(wording.RATE_LIMITED)
        return False
    if len(text) > turn.settings.max_message_chars:
        turn.say(wording.too_long(len(text), turn.settings.max_message_chars))
        return False
    return True


def _expired(turn: Turn, text: str) -> bool:
    """Drop a step left idle too long; True when the message was only an answer to the expired form."""
    state, now = turn.state, turn.now.timestamp()
    touched = state.touched if state.touched is not None else now
    # A request for more information may be answered days later; everything else expires with the form.
    idle_limit = REPLY_WINDOW.total_seconds() if state.mode is Mode.REPLY else turn.settings.form_idle_minutes * 60
    expired = state.mode is not Mode.IDLE and now - touched > idle_limit
    state.touched = now
    purged = state.take_form_expired()  # housekeeping dropped an idle form already
    if not (purged or expired):
        return False
    was_form = purged or state.in_form
    state.reset()
    if not was_form:
        return False
    turn.say(wording.form_expired(turn.settings.form_idle_minutes), wording.MENU)
    return turn.incoming.callback is None and parse_command(text) is None


def _command(turn: Turn, text: str) -> ParsedCommand | None:
    """The command in ``text``; inside the form only “hủy” works as a plain word, other words are answers."""
    command = parse_command(text) if text else None
    if turn.state.mode in _WAITING_FOR_CODE and is_bare_code(text):
        return None  # the flow asked for this code
    if turn.state.in_form and not text.startswith("/"):
        if command is not None and command.command is Command.CANCEL:
            return command
        return ParsedCommand(Command.CANCEL) if is_cancel_word(text) else None
    return command


# ---------------------------------------------------------------------- commands


def _on_command(turn: Turn, parsed: ParsedCommand) -> None:
    command = parsed.command
    if command is Command.CANCEL:
        _cancel(turn)
    elif command in (Command.START, Command.HELP):
        _greet(turn, full=command is Command.HELP)
    elif command is Command.SUBMIT:
        form.resume(turn) if turn.state.in_form else form.start(turn)
    elif turn.state.in_form:
        turn.say(wording.finish_form_first(_BLOCKED_IN_FORM[command]))
        form.reprompt(turn)
    else:
        _outside_form(turn, parsed)


def _outside_form(turn: Turn, parsed: ParsedCommand) -> None:
    command, argument = parsed.command, parsed.argument
    if command is Command.STATUS:
        status.show(turn, argument) if argument else status.start(turn)
    elif command is Command.LOCALITY:
        locality.choose(turn, argument) if argument else locality.start(turn)
    elif command is Command.WITHDRAW:
        withdraw.command(turn, argument)
    elif command is Command.REPLY:
        status.reply_command(turn, argument)
    elif command is Command.STOP_NOTICES:
        status.stop_notices(turn, argument)


def _greet(turn: Turn, *, full: bool) -> None:
    """A short greeting with buttons; the commands under “Hướng dẫn”. Inside the form, the waiting step again."""
    text = wording.help_text(turn.year) if full else wording.GREETING
    if turn.state.in_form:
        turn.say(text)
        turn.say(wording.FORM_REMINDER)
        form.reprompt(turn)
        return
    turn.state.reset()
    turn.say(text, wording.MENU)


def _cancel(turn: Turn) -> None:
    if turn.state.mode is Mode.IDLE:
        turn.say(wording.NOTHING_TO_CANCEL, wording.MENU)
        return
    was_form = turn.state.in_form
    turn.state.reset()
    turn.say(wording.CANCELLED_FORM if was_form else wording.CANCELLED, wording.MENU)


# ---------------------------------------------------------------------- buttons


def _on_button(turn: Turn, callback: Callback | None) -> None:
    """Buttons that work from any step first; then the current flow's; anything else is from a step now over."""
    if callback is not None and _global_button(turn, callback):
        return
    flow = FLOWS[turn.state.mode]
    if callback is not None and flow.on_button(turn, callback):
        return
    if turn.state.mode is Mode.IDLE:
        turn.say(wording.STALE_BUTTON_IDLE, wording.MENU)
        return
    turn.say(wording.STALE_BUTTON)
    flow.reprompt(turn)


def _global_button(turn: Turn, callback: Callback) -> bool:
    if isinstance(callback, Cancel):
        _cancel(turn)
    elif isinstance(callback, Menu):
        _menu(turn, callback.item)
    elif isinstance(callback, RestartForm):
        form.start(turn)
    elif turn.state.in_form:
        return False  # the form's own buttons; status, locality and withdrawal wait until it is done
    elif isinstance(callback, ShowStatus):
        status.show(turn, callback.code)
    elif isinstance(callback, StartReply):
        status.begin_reply(turn, callback.code)
    elif isinstance(callback, Withdraw):
        withdraw.on_button(turn, callback)
    elif isinstance(callback, PickLocality):
        locality.on_button(turn, callback)
    elif isinstance(callback, StopNotices):
        status.stop_notices(turn, callback.code)
    else:
        return False
    return True


def _menu(turn: Turn, item: MenuItem) -> None:
    if item is MenuItem.ASK:
        form.reprompt(turn) if turn.state.in_form else questions.start(turn)
    else:
        _on_command(turn, ParsedCommand(_MENU_COMMANDS[item]))
