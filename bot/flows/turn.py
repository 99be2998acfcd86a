"""One turn of the dialog: what came in, the working state, the replies so far; and the shape of a flow."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from bot.attachments import store_attachment
from bot.callbacks import Callback
from bot.messages import Button, Incoming, IncomingFile, Reply
from bot.ports import QuestionAnswerer
from bot.state import DialogState
from bot.wording import file_too_large
from core.errors import ErrorCode, ThiduaError
from core.models import Attachment
from core.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Turn:
    """What one message changes: the working copy of the state and the replies so far."""

    session: Session
    incoming: Incoming
    state: DialogState
    locality: str | None
    settings: Settings
    answerer: QuestionAnswerer
    now: datetime
    replies: list[Reply] = field(default_factory=list)
    question: str | None = None  # answered after the commit, so a slow search never holds the lock

    @property
    def channel(self) -> str:
        """The channel the message came on."""
        return self.incoming.channel

    @property
    def user_id(self) -> str:
        """The user on that channel."""
        return self.incoming.user_id

    @property
    def year(self) -> int:
        """The current year, for example codes."""
        return self.now.year

    def say(self, text: str, buttons: Sequence[Sequence[Button]] = (), *, emphasis: Sequence[str] = ()) -> None:
        """Queue a reply with optional rows of buttons; ``emphasis`` pieces are bold where the channel allows."""
        rows = tuple(tuple(row) for row in buttons if row)
        self.replies.append(Reply(text, rows, tuple(emphasis)))

    def store_file(self, file: IncomingFile) -> Attachment | None:
        """Keep one sent file, or tell the user why not."""
        try:
            if file.data is None:
                raise ThiduaError(ErrorCode.TOO_LARGE, file_too_large(file.filename, self.settings.max_attachment_mb))
            return store_attachment(
                session=self.session,
                uploads_dir=self.settings.uploads_dir,
                channel=self.channel,
                channel_user_id=self.user_id,
                filename=file.filename,
                content_type=file.content_type,
                data=file.data,
                max_bytes=self.settings.max_attachment_mb * 1024 * 1024,
            )
        except ThiduaError as exc:
            self.say(exc.detail)
            return None


class Flow(Protocol):
    """One thing a user does with the bot; each flow is a module with these functions."""

    def on_text(self, turn: Turn, text: str, files: Sequence[IncomingFile]) -> None:
        """A message while this flow waits for one."""

    def on_button(self, turn: Turn, callback: Callback) -> bool:
        """A pressed button; False when the button does not belong to this flow's current step."""

    def reprompt(self, turn: Turn) -> None:
        """Show the current step again."""
