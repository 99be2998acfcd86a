"""Status look-ups and replies to a request for more information.

A user sees their own submissions from the account that sent them; from any other account or device they give
the phone or e-mail that came with the code. Wrong code, wrong contact or too many tries get one generic answer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot import wording
from bot.callbacks import (
    Callback,
    Menu,
    MenuItem,
    ShowStatus,
    StartReply,
    StopNotices,
    Withdraw,
    WithdrawAction,
    button,
)
from bot.flows import questions
from bot.flows.turn import Turn
from bot.messages import Button, IncomingFile
from bot.state import Mode
from core.errors import ThiduaError
from core.initiatives import CODE_PATTERN, find_own, list_for_submitter
from core.lookup import contact_key, lookup_by_contact
from core.models import Initiative, InitiativeEvent, InitiativeState
from core.notices import set_contact_notices
from core.review import add_submitter_reply, awaiting_reply

log = logging.getLogger(__name__)

# A submission can be withdrawn until a reviewer decides it (core.initiatives.TRANSITIONS).
WITHDRAWABLE = (InitiativeState.SUBMITTED.value, InitiativeState.IN_REVIEW.value, InitiativeState.NEEDS_INFO.value)


def own(turn: Turn, code: str) -> Initiative | None:
    """The user's own submission ``code`` on this channel, or None."""
    return find_own(session=turn.session, code=code, channel=turn.channel, channel_user_id=turn.user_id)


def start(turn: Turn) -> None:
    """List the user's own submissions and wait for a code."""
    mine = list_for_submitter(session=turn.session, channel=turn.channel, channel_user_id=turn.user_id, limit=6)
    turn.state.reset()
    turn.state.mode = Mode.STATUS
    if not mine:
        turn.say(wording.ask_code(turn.year, none_here=True))
        return
    lines = [wording.MY_LIST_HEAD]
    lines += [f"• {item.code}: {item.title} — {wording.state_label(item.state)}" for item in mine]
    lines.append(wording.MY_LIST_TAIL)
    turn.say("\n".join(lines), [[button(item.code, ShowStatus(item.code))] for item in mine])


def show(turn: Turn, text: str) -> None:
    """The status of the code in ``text``: at once for the user's own, else after the contact given with it."""
    match = CODE_PATTERN.search(text)
    if match is None:
        turn.say(wording.bad_code(turn.year))
        return
    code = match.group(0).upper()
    turn.state.reset()
    initiative = own(turn, code)
    if initiative is None:
        rest = text[match.end() :]
        if contact_key(rest.strip()):
            _lookup(turn, code, rest.strip())
            return
        turn.state.begin_lookup(code)
        turn.say(wording.ask_contact(code), wording.CANCEL_ROW)
        return
    _show_own(turn, initiative)


def _status_text(initiative: Initiative) -> list[str]:
    return wording.status_lines(
        code=initiative.code,
        title=initiative.title,
        state=initiative.state,
        field=initiative.field,
        created=initiative.created_at,
    )


def _show_own(turn: Turn, initiative: Initiative) -> None:
    lines = _status_text(initiative)
    buttons: list[list[Button]] = []
    if initiative.state == InitiativeState.NEEDS_INFO.value:
        lines += wording.needs_info(initiative.code, latest_public_note(initiative))
        buttons.append([button(wording.REPLY_BUTTON, StartReply(initiative.code))])
    if initiative.state in WITHDRAWABLE:
        buttons.append([button(wording.WITHDRAW_BUTTON, Withdraw(WithdrawAction.ASK, initiative.code))])
    elif initiative.state == InitiativeState.WITHDRAWN.value and (reason := withdrawal_reason(initiative)):
        lines.append(wording.withdrawn_because(reason))
    if initiative.contact_notices and _contact_routed(turn, initiative):
        buttons.append([button(wording.STOP_NOTICES_BUTTON, StopNotices(initiative.code))])
    turn.say("\n".join(lines), buttons, emphasis=(initiative.code,))


def _contact_routed(turn: Turn, initiative: Initiative) -> bool:
    """Whether notices of ``initiative`` also go by e-mail or ZNS (so stopping them means something)."""
    settings = turn.settings
    by_mail = bool(initiative.contact_email and settings.smtp_host)
    by_zns = bool(initiative.contact_phone and settings.zns_template_id and settings.zalo_app_id)
    return by_mail or by_zns


def _lookup(turn: Turn, code: str, contact: str) -> None:
    keys = [f"user:{turn.channel}:{turn.user_id}"]
    if turn.incoming.address:
        keys.append(f"addr:{turn.incoming.address}")
    initiative = lookup_by_contact(session=turn.session, code=code, contact=contact, keys=keys, now=turn.now)
    turn.state.end_lookup()
    if initiative is None:
        turn.say(wording.LOOKUP_FAILED, wording.MENU)
        return
    lines = _status_text(initiative)
    if initiative.state == InitiativeState.NEEDS_INFO.value:
        lines.append(wording.needs_info(initiative.code, latest_public_note(initiative))[0])
    turn.say("\n".join(lines), wording.MENU, emphasis=(initiative.code,))


def _lookup_input(turn: Turn, text: str, files: Sequence[IncomingFile]) -> None:
    code = turn.state.lookup_code or ""
    if CODE_PATTERN.search(text):
        show(turn, text)
    elif contact_key(text):
        _lookup(turn, code, text)
    elif any(ch.isdigit() for ch in text) or "@" in text:
        turn.say(wording.LOOKUP_NEEDS_CONTACT, wording.CANCEL_ROW)
    else:
        turn.state.end_lookup()
        questions.on_text(turn, text, files)


# ---------------------------------------------------------------------- replies to a request for information


def stop_notices(turn: Turn, argument: str) -> None:
    """The submitter wants no more notices by e-mail or Zalo ZNS for their own submission."""
    match = CODE_PATTERN.search(argument)
    if match is None:
        turn.say(wording.stop_usage(turn.year))
        return
    initiative = own(turn, match.group(0))
    if initiative is None:
        turn.say(wording.not_own(match.group(0).upper()), wording.MY_SUBMISSIONS)
        return
    set_contact_notices(session=turn.session, initiative=initiative, enabled=False)
    turn.say(wording.notices_stopped(initiative.code), wording.MENU)


def begin_reply(turn: Turn, code: str) -> None:
    """Wait for more information on ``code`` when it is the user's own and waits for it."""
    initiative = own(turn, code)
    if initiative is None or initiative.state != InitiativeState.NEEDS_INFO.value:
        turn.say(wording.no_reply_needed(code.upper()))
        return
    turn.state.reset()
    turn.state.begin_reply(initiative.code)
    turn.say(wording.ask_reply(initiative.code), wording.CANCEL_ROW)


def reply_command(turn: Turn, argument: str) -> None:
    """``/bosung [code] [text]``: send at once, or wait for the text."""
    match = CODE_PATTERN.search(argument)
    if match is not None:
        rest = argument[match.end() :].strip()
        if rest:
            submit_reply(turn, match.group(0), rest, ())
        else:
            begin_reply(turn, match.group(0))
        return
    waiting = awaiting_reply(session=turn.session, channel=turn.channel, channel_user_id=turn.user_id)
    if len(waiting) != 1:
        turn.say(wording.reply_usage(turn.year))
    elif argument:
        submit_reply(turn, waiting[0].code, argument, ())
    else:
        begin_reply(turn, waiting[0].code)


def submit_reply(turn: Turn, code: str, text: str, files: Sequence[IncomingFile]) -> None:
    """Pass the information (and any held files) to the reviewer."""
    initiative = own(turn, code) if code else None
    if initiative is None:
        turn.state.end_reply()
        turn.say(wording.reply_code_gone(code.upper()))
        return
    _hold_files(turn, files, quiet=True)
    held = turn.state.held_reply_files()
    if not text.strip() and not held:
        turn.say(wording.REPLY_EMPTY)
        return
    try:
        add_submitter_reply(session=turn.session, initiative=initiative, text=text.strip(), attachment_ids=held)
    except ThiduaError as exc:
        turn.state.end_reply()
        turn.say(exc.detail, wording.MENU)
        return
    turn.state.end_reply()
    turn.say(wording.reply_sent(initiative.code), wording.MENU)


def _hold_files(turn: Turn, files: Sequence[IncomingFile], *, quiet: bool = False) -> None:
    for file in files:
        attachment = turn.store_file(file)
        if attachment is not None:
            turn.state.hold_reply_file(attachment.id)
            if not quiet:
                turn.say(wording.reply_file_held(attachment.filename))


def _reply_input(turn: Turn, text: str, files: Sequence[IncomingFile]) -> None:
    if files and not text:
        _hold_files(turn, files)
    elif text:
        submit_reply(turn, turn.state.reply_code or "", text, files)
    else:
        turn.state.idle()
        questions.on_text(turn, text, files)


# ---------------------------------------------------------------------- the flow


def on_text(turn: Turn, text: str, files: Sequence[IncomingFile]) -> None:
    """A code to look up, the contact given with one, or the information asked for."""
    if turn.state.mode is Mode.LOOKUP:
        _lookup_input(turn, text, files)
    elif turn.state.mode is Mode.REPLY:
        _reply_input(turn, text, files)
    elif CODE_PATTERN.search(text):
        show(turn, text)
    else:
        turn.state.idle()
        questions.on_text(turn, text, files)


def on_button(turn: Turn, callback: Callback) -> bool:
    """Status buttons are handled wherever they are pressed (see the dialog); none is step-bound."""
    return False


def reprompt(turn: Turn) -> None:
    """Ask again for what the current step waits for."""
    if turn.state.mode is Mode.LOOKUP and turn.state.lookup_code:
        turn.say(wording.ask_contact(turn.state.lookup_code), wording.CANCEL_ROW)
    elif turn.state.mode is Mode.REPLY and turn.state.reply_code:
        turn.say(wording.ask_reply(turn.state.reply_code), wording.CANCEL_ROW)
    else:
        turn.say(wording.ask_code(turn.year), [[button(wording.STATUS_BUTTON, Menu(MenuItem.STATUS))]])


def withdrawal_reason(initiative: Initiative) -> str:
    """The reason the submitter gave when withdrawing, if any."""
    notes = [
        event.note
        for event in initiative.events
        if event.actor == "submitter" and event.to_state == InitiativeState.WITHDRAWN.value and event.note
    ]
    return notes[-1] if notes else ""


def latest_public_note(initiative: Initiative) -> str:
    """What a reviewer last asked or told the submitter (not internal notes)."""
    notes: list[InitiativeEvent] = [
        event
        for event in initiative.events
        if not event.internal
        and event.note
        and event.kind not in ("created", "notice", "reply")
        and event.actor != "submitter"
    ]
    return notes[-1].note if notes else ""
