"""The idle flow: a message is a question about the plans, answered with citations after the commit."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot import wording
from bot.callbacks import Callback
from bot.flows.turn import Turn
from bot.messages import IncomingFile, Reply
from bot.ports import QuestionAnswerer
from bot.rendering import has_readable_text

log = logging.getLogger(__name__)


def start(turn: Turn) -> None:
    """Invite a question."""
    turn.state.idle()
    turn.say(wording.ASK_A_QUESTION)


def on_text(turn: Turn, text: str, files: Sequence[IncomingFile]) -> None:
    """Take ``text`` as a question (read with the previous one); files outside the form are not kept."""
    if files:
        turn.say(wording.FILES_OUTSIDE_FORM, wording.MENU)
        return
    if not has_readable_text(text):
        turn.say(wording.UNREADABLE, wording.MENU)
        return
    # A follow-up ("còn phường X thì sao?") is read with the previous question; the state keeps it across restarts.
    question = turn.answerer.follow_up(text, turn.state.last_question)
    turn.question = question
    turn.state.last_question = question


def on_button(turn: Turn, callback: Callback) -> bool:
    """No button belongs to the idle step."""
    return False


def reprompt(turn: Turn) -> None:
    """The idle step: the menu."""
    turn.say(wording.STALE_BUTTON_IDLE, wording.MENU)


def answer(answerer: QuestionAnswerer, question: str, locality: str | None) -> Reply:
    """The answer to ``question``, or an apology when answering failed."""
    try:
        result = answerer.answer(question, locality=locality)
    except Exception:
        log.exception("answering a question failed")
        return Reply(wording.ANSWER_FAILED, wording.MENU)
    text = result.text.strip() or wording.NO_ANSWER
    if not result.found:
        text += wording.NOT_FOUND_HINT
    return Reply(text, wording.AFTER_ANSWER)
