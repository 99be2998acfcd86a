"""The initiative form: its steps, the question each asks, how each answer is checked, and the summary."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.attachments import ACCEPTED_LABEL, MAX_ATTACHMENTS
from bot.callbacks import Pick, button
from bot.commands import phrase_key
from bot.messages import Button
from core.initiatives import FIELDS, PARTICIPANT_KINDS, normalise_email, normalise_phone
from core.vietnamese import fold, squash_spaces

SKIP = "skip"
DONE = "done"
_HAS_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
SCOPES = ("Tổ dân phố, thôn", "Phường, xã", "Toàn thành phố, tỉnh", "Cơ quan, đơn vị", "Toàn quốc")
CONSENT_TEXT = (
    "Bảo vệ dữ liệu cá nhân: theo Nghị định 13/2023/NĐ-CP, họ tên và thông tin liên hệ Anh/Chị cung cấp chỉ được "
    "dùng để tiếp nhận, xem xét sáng kiến và liên hệ lại với Anh/Chị (thông báo về hồ sơ qua kênh trò chuyện này, "
    "qua e-mail hoặc tin nhắn Zalo tới số điện thoại đã khai; Anh/Chị có thể ngừng bất cứ lúc nào bằng "
    "/ngungthongbao); không chia sẻ cho bên thứ ba ngoài cơ quan xét duyệt. Anh/Chị có quyền xem, sửa, rút lại "
    "sự đồng ý hoặc yêu cầu xóa dữ liệu bằng cách liên hệ bộ phận tiếp nhận.\n\n"
    "Anh/Chị có đồng ý cho xử lý dữ liệu cá nhân để gửi sáng kiến không?"
)
_YES = {"dong y", "co", "ok", "yes", "toi dong y", "dong y xu ly", "chap nhan", "co dong y"}
_NO = {"khong", "khong dong y", "no", "tu choi"}
_DONE_WORDS = {"xong", "da xong", "tiep", "tiep tuc", "bo qua", "khong", "khong co", "khong co tep", "done", "skip"}
_SKIP_WORDS = {"bo qua", "khong", "khong co", "skip", "-"}


class InvalidAnswer(ValueError):
    """An answer that does not fit the step; the message tells the user, in Vietnamese, what to send."""


@dataclass(frozen=True)
class Step:
    """One question of the form."""

    name: str
    label: str  # the field's name in the summary
    prompt: str
    choices: tuple[str, ...] = ()  # offered as buttons; free text is also accepted unless ``strict``
    strict: bool = False
    optional: bool = False
    parse: Callable[[str], str] | None = None


def _text(min_len: int, max_len: int, what: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        """The trimmed answer, or why it does not fit."""
        value = value.strip()
        if len(value) < min_len:
            raise InvalidAnswer(f"{what} cần ít nhất {min_len} ký tự. Anh/Chị vui lòng nhập lại.")
        if len(value) > max_len:
            raise InvalidAnswer(
                f"{what} dài {len(value)} ký tự, vượt mức tối đa {max_len} ký tự. Anh/Chị vui lòng rút gọn."
            )
        if not _HAS_LETTER.search(value):
            raise InvalidAnswer(f"{what} cần có chữ. Anh/Chị vui lòng nhập lại.")
        return value

    return parse


def _one_line(min_len: int, max_len: int, what: str) -> Callable[[str], str]:
    inner = _text(min_len, max_len, what)
    return lambda value: inner(squash_spaces(value))


def parse_contact(value: str) -> str:
    """A Vietnamese mobile number (0xxxxxxxxx) or an e-mail address; otherwise a clear complaint."""
    value = value.strip()
    phone = normalise_phone(value)
    if phone:
        return phone
    email = normalise_email(value)
    if email:
        return email
    raise InvalidAnswer(
        "Thông tin liên hệ chưa hợp lệ. Anh/Chị vui lòng nhập số điện thoại di động Việt Nam "
        "(ví dụ 0912 345 678 hoặc +84 912 345 678) hoặc địa chỉ e-mail (ví dụ ten@example.vn)."
    )


STEPS: tuple[Step, ...] = (
    Step(
        "proposer_name",
        "Người đề xuất",
        "Bước 1/12. Anh/Chị vui lòng cho biết họ và tên người đề xuất (hoặc tên tập thể, doanh nghiệp).",
        parse=_one_line(2, 200, "Họ và tên"),
    ),
    Step(
        "participant_kind",
        "Đối tượng",
        "Bước 2/12. Người đề xuất thuộc đối tượng nào?",
        choices=PARTICIPANT_KINDS,
        strict=True,
    ),
    Step(
        "unit",
        "Đơn vị / tổ dân phố",
        "Bước 3/12. Đơn vị công tác, hoặc tổ dân phố / thôn nơi Anh/Chị sinh sống? (bấm “Bỏ qua” nếu không có)",
        optional=True,
        parse=_one_line(2, 300, "Đơn vị hoặc tổ dân phố"),
    ),
    Step(
        "locality",
        "Địa bàn",
        "Bước 4/12. Sáng kiến thuộc địa bàn phường/xã nào? Anh/Chị chọn bên dưới hoặc nhập tên.",
        parse=_one_line(2, 200, "Tên địa bàn"),
    ),
    Step("field", "Lĩnh vực", "Bước 5/12. Sáng kiến thuộc lĩnh vực nào?", choices=FIELDS, strict=True),
    Step("title", "Tên sáng kiến", "Bước 6/12. Tên sáng kiến là gì?", parse=_one_line(5, 300, "Tên sáng kiến")),
    Step(
        "description",
        "Mô tả",
        "Bước 7/12. Anh/Chị mô tả ngắn gọn nội dung sáng kiến: vấn đề gặp phải, cách làm mới, cách triển khai.",
        parse=_text(20, 5000, "Phần mô tả"),
    ),
    Step(
        "benefit",
        "Hiệu quả",
        "Bước 8/12. Hiệu quả dự kiến hoặc đã đạt được (tiết kiệm thời gian, chi phí, số người hưởng lợi…)?",
        parse=_text(5, 3000, "Phần hiệu quả"),
    ),
    Step(
        "scope",
        "Phạm vi áp dụng",
        "Bước 9/12. Phạm vi áp dụng của sáng kiến? Anh/Chị chọn bên dưới hoặc nhập cụ thể.",
        choices=SCOPES,
        parse=_one_line(3, 3000, "Phạm vi áp dụng"),
    ),
    Step(
        "contact",
        "Liên hệ",
        "Bước 10/12. Số điện thoại di động hoặc e-mail để cơ quan tiếp nhận liên hệ với Anh/Chị?",
        parse=parse_contact,
    ),
    Step(
        "attachments",
        "Tệp đính kèm",
        "Bước 11/12. Anh/Chị có thể gửi kèm ảnh hoặc tài liệu minh họa ({accepted}; tối đa {count} tệp, "
        "mỗi tệp không quá {mb} MB). Gửi xong, Anh/Chị bấm “Xong”; nếu không có, bấm “Bỏ qua”.",
        optional=True,
    ),
    Step("consent", "Đồng ý xử lý dữ liệu cá nhân", "Bước 12/12. " + CONSENT_TEXT),
)
STEP_BY_NAME = {step.name: step for step in STEPS}
EDITABLE = tuple(step.name for step in STEPS if step.name != "consent")


def first_step() -> str:
    """Name of the form's first step."""
    return STEPS[0].name


def next_step(current: str) -> str | None:
    """Name of the step after ``current``, or None after the last one."""
    names = [step.name for step in STEPS]
    index = names.index(current)
    return names[index + 1] if index + 1 < len(names) else None


def match_choice(value: str, choices: Sequence[str]) -> str | None:
    """The choice ``value`` names: by number (1-based), by exact or diacritic-free wording, or by a unique prefix."""
    key = phrase_key(value)
    if key.isdigit() and 1 <= int(key) <= len(choices):
        return choices[int(key) - 1]
    keys = [phrase_key(choice) for choice in choices]
    for choice, choice_key in zip(choices, keys, strict=True):
        if key == choice_key:
            return choice
    starts = [choice for choice, choice_key in zip(choices, keys, strict=True) if key and choice_key.startswith(key)]
    return starts[0] if len(starts) == 1 else None


def parse_answer(step: Step, value: str, *, choices: Sequence[str] = ()) -> str:
    """Check ``value`` for ``step``; the cleaned answer or an ``InvalidAnswer`` with a Vietnamese reason."""
    options = tuple(choices) or step.choices
    if step.optional and phrase_key(value) in _SKIP_WORDS:
        return ""
    if options:
        chosen = match_choice(value, options)
        if chosen is not None:
            return chosen
        if step.strict:
            listing = "; ".join(f"{i}. {choice}" for i, choice in enumerate(options, 1))
            raise InvalidAnswer(f"Anh/Chị vui lòng chọn một trong các mục: {listing}.")
    if step.parse is None:
        raise InvalidAnswer("Anh/Chị vui lòng chọn bằng nút bên dưới.")
    return step.parse(value)


def is_yes(value: str) -> bool | None:
    """True for agreement, False for refusal, None when unclear."""
    key = phrase_key(value)
    if key in _YES:
        return True
    if key in _NO:
        return False
    return None


def is_done(value: str) -> bool:
    """Whether ``value`` ends the attachments step."""
    return phrase_key(value) in _DONE_WORDS


def prompt_for(step: Step, *, max_mb: int) -> str:
    """The question of ``step`` with its limits filled in."""
    return step.prompt.format(accepted=ACCEPTED_LABEL, count=MAX_ATTACHMENTS, mb=max_mb)


def choice_buttons(step: Step, choices: Sequence[str]) -> list[list[Button]]:
    """Buttons for a step's choices, two per row, pressing one sends ``pick:<step>:<index>``."""
    buttons = [button(choice, Pick(step.name, str(i))) for i, choice in enumerate(choices)]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if step.optional:
        rows.append([button("Bỏ qua", Pick(step.name, SKIP))])
    return rows


def summary(form: dict[str, Any], attachment_names: Sequence[str]) -> str:
    """The filled form as text, field by field, for the submitter to confirm."""
    lines = ["Anh/Chị vui lòng kiểm tra lại thông tin sáng kiến:"]
    for name in EDITABLE:
        step = STEP_BY_NAME[name]
        if name == "attachments":
            value = ", ".join(attachment_names) if attachment_names else "(không có)"
        else:
            value = str(form.get(name) or "(không có)")
        if len(value) > 600:
            value = value[:600] + "…"
        lines.append(f"• {step.label}: {value}")
    lines.append("Đồng ý xử lý dữ liệu cá nhân: Có")
    lines.append("\nNếu đúng, Anh/Chị bấm “Gửi sáng kiến”. Muốn sửa mục nào, bấm “Sửa thông tin”.")
    return "\n".join(lines)


def contact_fields(contact: str) -> tuple[str, str]:
    """(phone, email) from the stored contact answer."""
    return ("", contact) if "@" in contact else (contact, "")


def fold_locality(value: str) -> str:
    """Locality name folded for comparison."""
    return fold(squash_spaces(value))
