"""Choosing the ward or commune whose plans answers prefer."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot import wording
from bot.callbacks import Callback, PickLocality, button
from bot.flows import questions
from bot.flows.turn import Turn
from bot.initiative_form import match_choice
from bot.messages import IncomingFile
from bot.rendering import has_readable_text
from bot.state import Mode

log = logging.getLogger(__name__)

MAX_SHOWN = 12
CHOICES_KEY = "where"  # the choices of the locality menu (the form's locality step keeps its own)


def choices(turn: Turn, *, wards_only: bool = False) -> list[str]:
    """The localities whose plans are held, the current one first; ``wards_only`` leaves out the city and agencies."""
    try:
        known = [name for name in turn.answerer.localities() if name and (is_ward_or_commune(name) or not wards_only)]
    except Exception:
        log.exception("listing localities failed")
        known = []
    if turn.locality and turn.locality not in known and (is_ward_or_commune(turn.locality) or not wards_only):
        known.insert(0, turn.locality)
    return known[:MAX_SHOWN]


_PLACE_WORDS = ("phường", "xã", "thị trấn", "đặc khu")


def is_ward_or_commune(name: str) -> bool:
    """Whether ``name`` names a ward, commune or township (“Phường Hoàng Mai”), not an agency (“Sở Y tế Hà Nội”)."""
    lowered = name.strip().lower()
    return any(lowered.startswith(word + " ") for word in _PLACE_WORDS)


def start(turn: Turn) -> None:
    """Show the localities as buttons (or ask for a name)."""
    shown = choices(turn)
    turn.state.mode = Mode.LOCALITY
    turn.state.show_choices(CHOICES_KEY, shown)
    current = wording.current_locality(turn.locality)
    if not shown:
        turn.say(current + wording.TYPE_LOCALITY)
        return
    buttons = [button(name, PickLocality(i)) for i, name in enumerate(shown)]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([button(wording.EVERY_LOCALITY, PickLocality(None))])
    turn.say(current + wording.PICK_LOCALITY, rows)


def choose(turn: Turn, text: str) -> None:
    """Set the locality ``text`` names; a place with no plan of its own is kept too (answers use the city's)."""
    shown = choices(turn)
    chosen = match_choice(text, shown) if shown else None
    if chosen is None:
        cleaned = text.strip()
        if not has_readable_text(cleaned) or len(cleaned) > 200:
            start(turn)
            return
        chosen = cleaned
    _set(turn, chosen)


def _set(turn: Turn, name: str | None) -> None:
    turn.locality = name
    turn.state.idle()
    turn.state.forget_choices()
    turn.say(wording.locality_set(name) if name else wording.ANSWER_FOR_ALL, wording.MENU)


def on_text(turn: Turn, text: str, files: Sequence[IncomingFile]) -> None:
    """A typed locality; anything unreadable goes back to questions."""
    if text and not files:
        choose(turn, text)
        return
    turn.state.idle()
    questions.on_text(turn, text, files)


def on_button(turn: Turn, callback: Callback) -> bool:
    """A locality button, pressed while the menu is shown or later (the shown choices are kept)."""
    if not isinstance(callback, PickLocality):
        return False
    if callback.index is None:
        _set(turn, None)
        return True
    shown = turn.state.shown_choices(CHOICES_KEY) or []
    if callback.index < len(shown):
        _set(turn, shown[callback.index])
    else:
        start(turn)
    return True


def reprompt(turn: Turn) -> None:
    """Show the menu again."""
    start(turn)
