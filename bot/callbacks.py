"""Button data, typed: every button the dialog shows is one of these, encoded and decoded in one place.

Encoded data is ASCII and at most 64 bytes (Telegram's ``callback_data`` limit); receipt codes are 14 characters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.messages import Button
from core.initiatives import CODE_PATTERN

MAX_BYTES = 64


class MenuItem(StrEnum):
    """The main menu's entries."""

    ASK = "ask"
    SUBMIT = "submit"
    STATUS = "status"
    LOCALITY = "locality"
    HELP = "help"


class WithdrawAction(StrEnum):
    """The steps of withdrawing a submission."""

    ASK = "ask"
    YES = "yes"
    NO = "no"


@dataclass(frozen=True)
class Menu:
    """A main-menu entry."""

    item: MenuItem

    def data(self) -> str:
        """Encoded."""
        return f"menu:{self.item.value}"


@dataclass(frozen=True)
class Cancel:
    """Stop what is in progress."""

    def data(self) -> str:
        """Encoded."""
        return "cancel"


@dataclass(frozen=True)
class RestartForm:
    """Throw away the half-filled form and start again."""

    def data(self) -> str:
        """Encoded."""
        return "form:restart"


@dataclass(frozen=True)
class Pick:
    """A choice of a form step: its index in the shown choices, or ``skip`` / ``done``."""

    step: str
    choice: str

    def data(self) -> str:
        """Encoded."""
        return f"pick:{self.step}:{self.choice}"


@dataclass(frozen=True)
class Consent:
    """The answer to the data-protection question."""

    agreed: bool

    def data(self) -> str:
        """Encoded."""
        return f"consent:{'yes' if self.agreed else 'no'}"


@dataclass(frozen=True)
class Confirm:
    """On the summary: send (True) or edit (False)."""

    send: bool

    def data(self) -> str:
        """Encoded."""
        return f"confirm:{'send' if self.send else 'edit'}"


@dataclass(frozen=True)
class EditField:
    """Edit one field of the filled form."""

    field: str

    def data(self) -> str:
        """Encoded."""
        return f"edit:{self.field}"


@dataclass(frozen=True)
class PickLocality:
    """A shown locality by index, or None for every locality."""

    index: int | None

    def data(self) -> str:
        """Encoded."""
        return f"loc:{'none' if self.index is None else self.index}"


@dataclass(frozen=True)
class ShowStatus:
    """Show the status of one of the user's submissions."""

    code: str

    def data(self) -> str:
        """Encoded."""
        return f"status:{self.code}"


@dataclass(frozen=True)
class StartReply:
    """Answer a request for more information on a submission."""

    code: str

    def data(self) -> str:
        """Encoded."""
        return f"reply:{self.code}"


@dataclass(frozen=True)
class Withdraw:
    """A step of withdrawing a submission."""

    action: WithdrawAction
    code: str

    def data(self) -> str:
        """Encoded."""
        return f"wd:{self.action.value}:{self.code}"


@dataclass(frozen=True)
class StopNotices:
    """No more notices by e-mail or Zalo ZNS for a submission."""

    code: str

    def data(self) -> str:
        """Encoded."""
        return f"stop:{self.code}"


Callback = (
    Menu
    | Cancel
    | RestartForm
    | Pick
    | Consent
    | Confirm
    | EditField
    | PickLocality
    | ShowStatus
    | StartReply
    | Withdraw
    | StopNotices
)


def encode(callback: Callback) -> str:
    """The button data for ``callback``."""
    data = callback.data()
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"button data longer than {MAX_BYTES} bytes: {data!r}")
    return data


def _code(value: str) -> str | None:
    return value.upper() if CODE_PATTERN.fullmatch(value) else None


def _menu(rest: str) -> Callback | None:
    return Menu(MenuItem(rest)) if rest in set(MenuItem) else None


def _pick(rest: str) -> Callback | None:
    step, sep, choice = rest.partition(":")
    return Pick(step, choice) if sep and step and choice else None


def _loc(rest: str) -> Callback | None:
    if rest == "none":
        return PickLocality(None)
    return PickLocality(int(rest)) if rest.isdigit() else None


def _withdraw(rest: str) -> Callback | None:
    action, _, value = rest.partition(":")
    code = _code(value)
    return Withdraw(WithdrawAction(action), code) if code and action in set(WithdrawAction) else None


def _coded(kind: type[ShowStatus] | type[StartReply] | type[StopNotices]) -> Callable[[str], Callback | None]:
    def parse(rest: str) -> Callback | None:
        code = _code(rest)
        return kind(code) if code else None

    return parse


_PARSERS: dict[str, Callable[[str], Callback | None]] = {
    "menu": _menu,
    "pick": _pick,
    "consent": lambda rest: Consent(rest == "yes") if rest in ("yes", "no") else None,
    "confirm": lambda rest: Confirm(rest == "send") if rest in ("send", "edit") else None,
    "edit": lambda rest: EditField(rest) if rest else None,
    "loc": _loc,
    "status": _coded(ShowStatus),
    "reply": _coded(StartReply),
    "stop": _coded(StopNotices),
    "wd": _withdraw,
    "form": lambda rest: RestartForm() if rest == "restart" else None,
}


def decode(data: str) -> Callback | None:
    """The callback ``data`` stands for, or None for data the dialog never made (old or forged buttons)."""
    data = data.strip()[:MAX_BYTES]
    if data == "cancel":
        return Cancel()
    kind, _, rest = data.partition(":")
    parser = _PARSERS.get(kind)
    return parser(rest) if parser is not None else None


def button(label: str, callback: Callback) -> Button:
    """A button that sends ``callback`` back when pressed."""
    return Button(label, encode(callback))
