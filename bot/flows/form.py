"""The initiative form: twelve steps, a summary to confirm or edit, then the receipt."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from pydantic import ValidationError

from bot import wording
from bot.attachments import MAX_ATTACHMENTS
from bot.callbacks import Callback, Cancel, Confirm, Consent, EditField, Menu, MenuItem, Pick, RestartForm, button
from bot.commands import phrase_key
from bot.flows import locality
from bot.flows.turn import Turn
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
from bot.messages import Button, IncomingFile
from bot.state import Mode
from core.initiatives import InitiativeCreate, attachment_names, create_initiative

log = logging.getLogger(__name__)

_SEND_WORDS = frozenset({"gui", "gui sang kien", "xac nhan", "dong y", "ok", "co", "dung"})


def start(turn: Turn) -> None:
    """Open a fresh form and ask its first step."""
    turn.state.start_form(first_step=first_step(), submission_key=f"{turn.channel}:{uuid.uuid4().hex}")
    turn.say(wording.form_start(turn.settings.form_idle_minutes))
    reprompt(turn)


def resume(turn: Turn) -> None:
    """The user asked for the form while filling it: offer to restart, and ask the waiting step."""
    turn.say(wording.FORM_IN_PROGRESS, [[button("Làm lại từ đầu", RestartForm()), button("Hủy", Cancel())]])
    reprompt(turn)


# ---------------------------------------------------------------------- asking


def _step(turn: Turn) -> Step:
    return STEP_BY_NAME.get(turn.state.step or "", STEP_BY_NAME[first_step()])


def _choices(turn: Turn, step: Step) -> list[str]:
    if step.name != "locality":
        return list(step.choices)
    shown = turn.state.shown_choices(step.name)
    return shown if shown is not None else locality.choices(turn, wards_only=True)


def _attach_buttons() -> list[list[Button]]:
    return [[button("Xong", Pick("attachments", DONE)), button("Bỏ qua", Pick("attachments", SKIP))]]


def _ask(turn: Turn, step: Step) -> None:
    prompt = prompt_for(step, max_mb=turn.settings.max_attachment_mb)
    if step.name == "locality":
        shown = locality.choices(turn, wards_only=True)
        turn.state.show_choices(step.name, shown)
        turn.say(prompt, choice_buttons(step, shown))
    elif step.name == "attachments":
        count = len(turn.state.held_attachments())
        turn.say(prompt + (f"\n(Đã nhận {count} tệp.)" if count else ""), _attach_buttons())
    elif step.name == "consent":
        turn.say(prompt, [[button("Đồng ý", Consent(True)), button("Không đồng ý", Consent(False))]])
    elif step.choices or step.optional:
        turn.say(prompt, choice_buttons(step, step.choices))
    else:
        turn.say(prompt)


def reprompt(turn: Turn) -> None:
    """Show the waiting step: the summary, the edit menu or the current question."""
    if turn.state.mode is Mode.CONFIRM:
        _show_summary(turn)
    elif turn.state.mode is Mode.EDIT:
        _edit_menu(turn)
    else:
        _ask(turn, _step(turn))


# ---------------------------------------------------------------------- answering


def on_text(turn: Turn, text: str, files: Sequence[IncomingFile]) -> None:
    """An answer to the waiting step, a choice on the summary, or a field to edit."""
    if turn.state.mode is Mode.CONFIRM:
        _confirm_input(turn, text)
    elif turn.state.mode is Mode.EDIT:
        _edit_input(turn, text)
    else:
        _form_input(turn, text, files)


def _form_input(turn: Turn, text: str, files: Sequence[IncomingFile]) -> None:
    step = _step(turn)
    if files:
        _take_files(turn, files)
        if step.name == "attachments":
            count = len(turn.state.held_attachments())
            turn.say(wording.files_so_far(count), [[button("Xong", Pick("attachments", DONE))]])
            return
        if not text:
            reprompt(turn)
            return
    if step.name == "attachments":
        _attachments_input(turn, step, text)
    elif step.name == "consent":
        _consent_input(turn, step, is_yes(text))
    elif not text:
        reprompt(turn)
    else:
        _answer(turn, step, text)


def _answer(turn: Turn, step: Step, text: str) -> None:
    options = _choices(turn, step)
    try:
        value = parse_answer(step, text, choices=options)
    except InvalidAnswer as exc:
        turn.say(str(exc), choice_buttons(step, options) if step.choices else ())
        return
    _accept(turn, step, value)


def _attachments_input(turn: Turn, step: Step, text: str) -> None:
    if is_done(text):
        _advance(turn, step)
    else:
        turn.say(wording.ATTACH_HERE, _attach_buttons())


def _consent_input(turn: Turn, step: Step, agreed: bool | None) -> None:
    if agreed:
        turn.state.answer("consent", True)
        _advance(turn, step)
    elif agreed is False:
        turn.say(wording.CONSENT_REFUSED, [[button("Đồng ý", Consent(True)), button("Hủy", Cancel())]])
    else:
        reprompt(turn)


def _accept(turn: Turn, step: Step, value: str) -> None:
    turn.state.answer(step.name, value)
    if step.name == "locality" and value and not turn.locality:
        turn.locality = value  # also scopes later questions
    _advance(turn, step)


def _advance(turn: Turn, step: Step) -> None:
    turn.state.forget_choices()
    following = next_step(step.name)
    if turn.state.editing or following is None:
        turn.state.to_confirm()
        _show_summary(turn)
        return
    turn.state.at_step(following)
    reprompt(turn)


def _take_files(turn: Turn, files: Sequence[IncomingFile]) -> None:
    for file in files:
        if len(turn.state.held_attachments()) >= MAX_ATTACHMENTS:
            turn.say(wording.too_many_files(MAX_ATTACHMENTS, file.filename))
            continue
        attachment = turn.store_file(file)
        if attachment is not None:
            turn.state.hold_attachment(attachment.id)
            turn.say(wording.file_received(attachment.filename, attachment.size))


# ---------------------------------------------------------------------- summary, edit, submit


def _show_summary(turn: Turn) -> None:
    names = attachment_names(session=turn.session, attachment_ids=turn.state.held_attachments())
    turn.say(
        summary(turn.state.answers(), names),
        [
            [button("✅ Gửi sáng kiến", Confirm(send=True))],
            [button("✏️ Sửa thông tin", Confirm(send=False)), button("Hủy", Cancel())],
        ],
    )


def _edit_menu(turn: Turn) -> None:
    turn.state.mode = Mode.EDIT
    buttons = [button(STEP_BY_NAME[name].label, EditField(name)) for name in EDITABLE]
    turn.say(wording.WHICH_FIELD, [buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def _begin_edit(turn: Turn, name: str) -> None:
    turn.state.at_step(name, editing=True)
    reprompt(turn)


def _edit_input(turn: Turn, text: str) -> None:
    labels = [STEP_BY_NAME[name].label for name in EDITABLE]
    chosen = match_choice(text, labels)
    if chosen is None:
        _edit_menu(turn)
        return
    _begin_edit(turn, EDITABLE[labels.index(chosen)])


def _confirm_input(turn: Turn, text: str) -> None:
    key = phrase_key(text)
    if key in _SEND_WORDS:
        _submit(turn)
    elif key.startswith("sua"):
        _edit_menu(turn)
    else:
        turn.say(wording.CONFIRM_OR_EDIT)
        _show_summary(turn)


def _submit(turn: Turn) -> None:
    form = turn.state.answers()
    phone, email = contact_fields(str(form.get("contact", "")))
    fields = ("proposer_name", "participant_kind", "unit", "locality", "field", "title", "description", "benefit")
    try:
        initiative_in = InitiativeCreate(
            channel=turn.channel,
            channel_user_id=turn.user_id,
            submission_key=turn.state.submission_key or uuid.uuid4().hex,
            **{name: str(form.get(name, "")) for name in fields},
            scope=str(form.get("scope", "")),
            contact_phone=phone,
            contact_email=email,
            consent=bool(form.get("consent")),
            attachment_ids=turn.state.held_attachments(),
        )
    except ValidationError as exc:
        log.warning("form failed final validation at %s", [err.get("loc") for err in exc.errors()])
        turn.say(wording.FORM_INVALID)
        _edit_menu(turn)
        return
    initiative = create_initiative(session=turn.session, initiative_in=initiative_in)
    turn.state.reset()
    turn.say(
        wording.receipt(initiative.title, initiative.code),
        [*wording.status_button(initiative.code), list(wording.MENU[0])],
        emphasis=(initiative.code,),
    )


# ---------------------------------------------------------------------- buttons


def _pick(turn: Turn, pick: Pick) -> bool:
    if turn.state.mode is not Mode.FORM or pick.step != turn.state.step:
        return False
    step = _step(turn)
    options = _choices(turn, step)
    if pick.choice == SKIP and step.optional:
        _accept(turn, step, "")
    elif pick.choice == DONE:
        _form_input(turn, "xong", ())
    elif pick.choice.isdigit() and int(pick.choice) < len(options):
        _accept(turn, step, options[int(pick.choice)])
    else:
        reprompt(turn)
    return True


def _consent(turn: Turn, consent: Consent) -> bool:
    if turn.state.mode is not Mode.FORM or turn.state.step != "consent":
        return False
    _consent_input(turn, _step(turn), consent.agreed)
    return True


def _confirm(turn: Turn, confirm: Confirm) -> bool:
    if turn.state.mode is not Mode.CONFIRM:
        return False
    if confirm.send:
        _submit(turn)
    else:
        _edit_menu(turn)
    return True


def _edit(turn: Turn, edit: EditField) -> bool:
    if turn.state.mode not in (Mode.EDIT, Mode.CONFIRM) or edit.field not in EDITABLE:
        return False
    _begin_edit(turn, edit.field)
    return True


def on_button(turn: Turn, callback: Callback) -> bool:
    """A button of the form's current step; False for one from an earlier step."""
    if isinstance(callback, Pick):
        return _pick(turn, callback)
    if isinstance(callback, Consent):
        return _consent(turn, callback)
    if isinstance(callback, Confirm):
        return _confirm(turn, callback)
    if isinstance(callback, EditField):
        return _edit(turn, callback)
    if isinstance(callback, RestartForm):
        start(turn)
        return True
    if callback == Menu(MenuItem.ASK):
        reprompt(turn)
        return True
    return False
