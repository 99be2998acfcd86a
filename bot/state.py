"""The dialog's typed state: one model, one owner. Other modules call its methods instead of poking keys.

It is stored as a JSON dict on the user's conversation row. Keys keep the names of the older untyped dict, and
``DialogState.load`` reads any stored dict tolerantly: unknown keys are dropped, a value of the wrong type falls
back to its default, so a conversation saved by an older release still loads.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.orm import Session

from core.conversations import rewrite_idle_states

log = logging.getLogger(__name__)


class Mode(StrEnum):
    """What the user's next message is read as."""

    IDLE = "idle"  # a question about the plans, or a command
    FORM = "form"  # an answer to the current step of the initiative form
    CONFIRM = "confirm"  # send or edit the filled form
    EDIT = "edit"  # which field to edit
    STATUS = "status"  # a receipt code to look up
    LOOKUP = "lookup"  # the phone or e-mail given with the receipt code, from another account
    LOCALITY = "locality"  # a ward or commune
    WITHDRAW = "withdraw"  # which submission to withdraw, a reason, or the confirmation
    REPLY = "reply"  # more information a reviewer asked for


FORM_MODES = frozenset({Mode.FORM, Mode.CONFIRM, Mode.EDIT})


class DialogState(BaseModel):
    """Everything the dialog remembers about one user on one channel between messages."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    mode: Mode = Mode.IDLE
    touched: float | None = None  # POSIX time of the last message
    rl: list[float] = Field(default_factory=list)  # times of recent messages, for the rate limit
    rl_warned: float | None = None
    form_expired: bool = False  # housekeeping dropped an idle form; tell the user once
    # the initiative form
    step: str | None = None
    form: dict[str, str | bool] | None = None
    attachments: list[int] | None = None
    editing: bool = False
    submission_key: str | None = None
    choices: list[str] | None = None  # the choices last shown as numbered buttons
    choices_for: str | None = None
    # answering a request for information
    reply_code: str | None = None
    reply_attachments: list[int] | None = None
    # withdrawing a submission
    withdraw_code: str | None = None
    withdraw_reason: str | None = None
    # looking up a submission from another account: the code waiting for its phone or e-mail
    lookup_code: str | None = None
    # buttons last shown as numbered lines (channels without buttons): a bare number picks one
    typed_choices: list[str] | None = None
    # the last question answered, so a follow-up can be read with it
    last_question: str | None = None

    @field_validator("mode", mode="before")
    @classmethod
    def _known_mode(cls, value: object) -> object:
        return value if value in set(Mode) else Mode.IDLE

    # ------------------------------------------------------------------ storage

    @classmethod
    def load(cls, raw: dict[str, Any] | None) -> DialogState:
        """The state stored in ``raw``; keys of the wrong type fall back to their defaults."""
        data = {key: value for key, value in dict(raw or {}).items() if key in cls.model_fields}
        for _ in range(len(cls.model_fields)):
            try:
                return cls.model_validate(data)
            except ValidationError as exc:
                bad = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
                log.warning("dropping unreadable dialog state keys %s", sorted(bad))
                for key in bad:
                    data.pop(key, None)
        return cls()

    def dump(self) -> dict[str, Any]:
        """The state as a JSON dict; fields at their empty default are left out (``mode`` always kept)."""
        data = self.model_dump(mode="json", exclude_defaults=True)
        data["mode"] = self.mode.value
        return data

    # ------------------------------------------------------------------ transitions

    @property
    def in_form(self) -> bool:
        """Whether the initiative form is being filled, confirmed or edited."""
        return self.mode in FORM_MODES

    def reset(self) -> None:
        """Back to idle, forgetting the form, a pending reply, withdrawal or look-up (keeps rate limit and question)."""
        for name in (
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
            "lookup_code",
        ):
            setattr(self, name, type(self).model_fields[name].get_default(call_default_factory=True))
        self.mode = Mode.IDLE

    def idle(self) -> None:
        """Back to idle, keeping any held data."""
        self.mode = Mode.IDLE

    def start_form(self, *, first_step: str, submission_key: str) -> None:
        """A fresh, empty form at its first step."""
        self.reset()
        self.mode = Mode.FORM
        self.step = first_step
        self.form = {}
        self.attachments = []
        self.submission_key = submission_key

    def expire_form(self) -> bool:
        """Drop a form in progress (it holds names and phone numbers) and remember to say so; False when none."""
        if not self.in_form:
            return False
        self.reset()
        self.form_expired = True
        return True

    def take_form_expired(self) -> bool:
        """Whether housekeeping dropped the form since the last message (then forgotten)."""
        expired, self.form_expired = self.form_expired, False
        return expired

    def answer(self, name: str, value: str | bool) -> None:
        """Record one answer of the form."""
        self.form = {**(self.form or {}), name: value}

    def answers(self) -> dict[str, str | bool]:
        """The form's answers so far."""
        return dict(self.form or {})

    def held_attachments(self) -> list[int]:
        """Ids of files sent to the form so far."""
        return list(self.attachments or [])

    def hold_attachment(self, attachment_id: int) -> None:
        """Keep a file sent to the form."""
        self.attachments = [*self.held_attachments(), attachment_id]

    def at_step(self, step: str, *, editing: bool | None = None) -> None:
        """Ask ``step`` of the form next."""
        self.mode = Mode.FORM
        self.step = step
        if editing is not None:
            self.editing = editing

    def show_choices(self, step: str, choices: list[str]) -> None:
        """Remember the choices shown as numbered buttons for ``step``."""
        self.choices, self.choices_for = list(choices), step

    def shown_choices(self, step: str) -> list[str] | None:
        """The choices shown for ``step``, when they were."""
        return list(self.choices) if self.choices is not None and self.choices_for == step else None

    def forget_choices(self) -> None:
        """The shown choices no longer apply."""
        self.choices, self.choices_for = None, None

    def to_confirm(self) -> None:
        """The form is filled: show the summary."""
        self.mode, self.step, self.editing = Mode.CONFIRM, None, False
        self.forget_choices()

    def arm_reply(self, code: str) -> bool:
        """Read the next message as more information for ``code``; only from idle (False otherwise)."""
        if self.mode is not Mode.IDLE:
            return False
        self.mode, self.reply_code = Mode.REPLY, code
        return True

    def begin_reply(self, code: str) -> None:
        """Wait for more information for ``code``."""
        self.mode, self.reply_code = Mode.REPLY, code

    def held_reply_files(self) -> list[int]:
        """Ids of files sent for a reply, before its text."""
        return list(self.reply_attachments or [])

    def hold_reply_file(self, attachment_id: int) -> None:
        """Keep a file sent for a reply."""
        self.reply_attachments = [*self.held_reply_files(), attachment_id]

    def end_reply(self) -> None:
        """The reply was sent or abandoned."""
        self.mode, self.reply_code, self.reply_attachments = Mode.IDLE, None, None

    def begin_withdraw(self, code: str | None, reason: str = "") -> None:
        """Ask to confirm withdrawing ``code`` (None: wait for the user to pick one)."""
        self.mode, self.withdraw_code, self.withdraw_reason = Mode.WITHDRAW, code, reason or None

    def clear_withdraw(self) -> None:
        """Forget a pending withdrawal."""
        self.withdraw_code, self.withdraw_reason = None, None
        if self.mode is Mode.WITHDRAW:
            self.mode = Mode.IDLE

    def begin_lookup(self, code: str) -> None:
        """Wait for the phone or e-mail given with ``code``."""
        self.mode, self.lookup_code = Mode.LOOKUP, code

    def end_lookup(self) -> None:
        """The look-up is over."""
        self.mode, self.lookup_code = Mode.IDLE, None

    def held_attachment_ids(self) -> set[int]:
        """Every file id the conversation still holds (form and reply), for housekeeping."""
        return {*self.held_attachments(), *self.held_reply_files()}


def purge_abandoned_forms(*, session: Session, idle: timedelta) -> int:
    """Drop half-filled forms idle longer than ``idle`` (they hold names and phone numbers); returns how many.

    The state keeps ``form_expired`` so the dialog can still tell the user politely at their next message.
    """
    return rewrite_idle_states(session=session, idle=idle, rewrite=expire_stored_form)


def expire_stored_form(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    """The stored state with its form dropped (see ``DialogState.expire_form``), or None when it held none."""
    state = DialogState.load(raw)
    return state.dump() if state.expire_form() else None


def held_attachment_ids(raw: dict[str, Any] | None) -> set[int]:
    """Every file id a stored state holds."""
    return DialogState.load(raw).held_attachment_ids()
