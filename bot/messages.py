"""What a channel adapter hands the dialog and what it gets back: plain data, no platform types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class IncomingFile:
    """A file a user sent, already downloaded by the adapter (``data`` is None when it was too large to fetch)."""

    filename: str
    content_type: str
    size: int
    data: bytes | None


@dataclass(frozen=True)
class Incoming:
    """One message or button press from a user on a channel."""

    channel: str
    user_id: str
    text: str = ""
    callback: str | None = None  # the data of a pressed button
    files: tuple[IncomingFile, ...] = ()
    update_key: str | None = None  # platform id of the update, for dropping repeats
    unsupported: bool = False  # a sticker, location, voice note… that the dialog cannot read
    # The replies travel in the HTTP response (web chat): a repeat, sent after a lost response, gets them again.
    # Channels that send replies themselves (Telegram, Zalo) leave it off, so a redelivery sends nothing twice.
    replay_repeats: bool = False
    numbered_choices: bool = False  # the channel shows buttons as numbered lines; a bare number picks one
    address: str | None = None  # the network address, where the channel knows it (web chat), for look-up limits


@dataclass(frozen=True)
class Button:
    """A reply button: what the user sees and what comes back when pressed (at most 64 bytes)."""

    label: str
    data: str


@dataclass(frozen=True)
class Reply:
    """One message to send back, in plain text; each adapter escapes and splits it for its platform."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)
    emphasis: tuple[str, ...] = ()  # pieces of ``text`` to show in bold where the channel can (a receipt code)

    @property
    def flat_buttons(self) -> list[Button]:
        """Every button, row by row."""
        return [button for row in self.buttons for button in row]


def replies_to_json(replies: list[Reply]) -> list[dict[str, object]]:
    """Replies as plain JSON, to be kept and given again."""
    return [
        {"text": r.text, "buttons": [[{"label": b.label, "data": b.data} for b in row] for row in r.buttons]}
        for r in replies
    ]


def replies_from_json(data: list[Any]) -> list[Reply]:
    """Replies kept by ``replies_to_json``."""
    return [
        Reply(
            str(item.get("text", "")),
            tuple(tuple(Button(str(b["label"]), str(b["data"])) for b in row) for row in item.get("buttons") or []),
        )
        for item in data
    ]
