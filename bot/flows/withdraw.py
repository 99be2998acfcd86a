"""The submitter withdraws a submission not yet decided: pick it, optionally say why, confirm."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot import wording
from bot.callbacks import Callback, Cancel, Withdraw, WithdrawAction, button
from bot.commands import phrase_key
from bot.flows import questions
from bot.flows.status import WITHDRAWABLE, own
from bot.flows.turn import Turn
from bot.initiative_form import is_yes
from bot.messages import Button, IncomingFile
from bot.rendering import clean_text, has_readable_text
from bot.state import Mode
from core.errors import ThiduaError
from core.initiatives import CODE_PATTERN, list_for_submitter
from core.models import Initiative, InitiativeState
from core.review import MAX_NOTE_CHARS, withdraw

log = logging.getLogger(__name__)

_YES = frozenset({"rut", "co rut", "dong y rut", "xac nhan", "xac nhan rut", "dung"})


def _buttons(code: str) -> list[list[Button]]:
    return [
        [
            button(wording.WITHDRAW_YES, Withdraw(WithdrawAction.YES, code)),
            button(wording.WITHDRAW_NO, Withdraw(WithdrawAction.NO, code)),
        ]
    ]


def clean_reason(text: str) -> str:
    """ "/rut SK-… - trùng với hồ sơ khác": the separator after the code is not part of the reason."""
    return clean_text(text).lstrip(" -–—:;,.").strip()[:MAX_NOTE_CHARS]


def command(turn: Turn, argument: str) -> None:
    """``/rut [code] [reason]``."""
    turn.state.reset()
    match = CODE_PATTERN.search(argument)
    if match is None:
        start(turn)
    else:
        begin(turn, match.group(0), reason=argument[match.end() :])


def start(turn: Turn) -> None:
    """Offer the user's undecided submissions (or go straight to the only one)."""
    mine = [
        item
        for item in list_for_submitter(
            session=turn.session, channel=turn.channel, channel_user_id=turn.user_id, limit=20
        )
        if item.state in WITHDRAWABLE
    ][:6]
    if not mine:
        turn.say(wording.NOTHING_TO_WITHDRAW, wording.MENU)
        return
    if len(mine) == 1:
        begin(turn, mine[0].code)
        return
    turn.state.begin_withdraw(None)
    lines = [wording.WHICH_TO_WITHDRAW]
    lines += [f"• {item.code}: {item.title} — {wording.state_label(item.state)}" for item in mine]
    lines.append(wording.pick_to_withdraw(turn.year))
    rows = [[button(item.code, Withdraw(WithdrawAction.ASK, item.code))] for item in mine]
    turn.say("\n".join(lines), [*rows, [button("Hủy", Cancel())]])


def _withdrawable(turn: Turn, code: str) -> Initiative | None:
    """The user's own undecided submission ``code``; otherwise say why not and return None."""
    initiative = own(turn, code)
    if initiative is None:
        turn.say(wording.not_own(code.upper()), wording.MY_SUBMISSIONS)
        return None
    if initiative.state not in WITHDRAWABLE:
        _cannot(turn, initiative)
        return None
    return initiative


def _cannot(turn: Turn, initiative: Initiative) -> None:
    if initiative.state == InitiativeState.WITHDRAWN.value:
        turn.say(wording.already_withdrawn(initiative.code), wording.MENU)
    else:
        turn.say(wording.decided(initiative.code, initiative.title, initiative.state), wording.MENU)


def begin(turn: Turn, code: str, *, reason: str = "") -> None:
    """Check ``code`` can be withdrawn, then ask the user to confirm."""
    turn.state.clear_withdraw()
    initiative = _withdrawable(turn, code)
    if initiative is None:
        return
    turn.state.begin_withdraw(initiative.code, clean_reason(reason))
    _ask(turn, initiative)


def _ask(turn: Turn, initiative: Initiative) -> None:
    reason = turn.state.withdraw_reason or ""
    turn.say(wording.confirm_withdraw(initiative.code, initiative.title, reason), _buttons(initiative.code))


def _keep(turn: Turn, code: str) -> None:
    turn.state.clear_withdraw()
    turn.say(wording.kept(code.upper()), wording.MENU)


def _withdraw(turn: Turn, code: str) -> None:
    reason = turn.state.withdraw_reason or ""
    turn.state.clear_withdraw()
    initiative = _withdrawable(turn, code)
    if initiative is None:
        return
    try:
        withdraw(session=turn.session, initiative=initiative, reason=reason)
    except ThiduaError:
        # A reviewer decided it (or it was withdrawn) between the question and the answer.
        turn.session.refresh(initiative)
        _cannot(turn, initiative)
        return
    log.info("submission %s withdrawn by its submitter on %s", initiative.code, turn.channel)
    turn.say(wording.withdrawn(initiative.code, initiative.title), wording.MENU)


def _reason(turn: Turn, code: str, text: str) -> None:
    turn.state.withdraw_reason = clean_reason(text)
    initiative = own(turn, code)
    if initiative is None or initiative.state not in WITHDRAWABLE:
        begin(turn, code)
        return
    turn.say(wording.reason_noted(turn.state.withdraw_reason, initiative.code), _buttons(initiative.code))


def on_text(turn: Turn, text: str, files: Sequence[IncomingFile]) -> None:
    """A code to pick, the confirmation, or a reason."""
    code = turn.state.withdraw_code
    if not code:
        match = CODE_PATTERN.search(text)
        if match is not None:
            begin(turn, match.group(0), reason=text[match.end() :])
        else:
            turn.state.clear_withdraw()
            questions.on_text(turn, text, files)
        return
    agreed = True if phrase_key(text) in _YES else is_yes(text)
    if agreed:
        _withdraw(turn, code)
    elif agreed is False:
        _keep(turn, code)
    elif has_readable_text(text):
        _reason(turn, code, text)
    else:
        reprompt(turn)


def on_button(turn: Turn, callback: Callback) -> bool:
    """Withdrawal buttons work from any step but the form: “ask” afresh, “yes” only while it is pending."""
    if not isinstance(callback, Withdraw):
        return False
    pending = turn.state.mode is Mode.WITHDRAW and turn.state.withdraw_code == callback.code
    if callback.action is WithdrawAction.YES and pending:
        _withdraw(turn, callback.code)
    elif callback.action is WithdrawAction.NO and pending:
        _keep(turn, callback.code)
    elif callback.action is WithdrawAction.NO:
        turn.say(wording.KEPT_ANYWAY, wording.MENU)
    else:
        # "ask", or a "yes" pressed again after the question was answered: ask (or report) afresh.
        begin(turn, callback.code)
    return True


def reprompt(turn: Turn) -> None:
    """Ask again to confirm, or to pick."""
    code = turn.state.withdraw_code
    initiative = own(turn, code) if code else None
    if initiative is None and code:
        begin(turn, code)
    elif initiative is None:
        start(turn)
    else:
        _ask(turn, initiative)
