"""Everything the dialog says, in one place for a Vietnamese reader to review.

The bot addresses the user as “Anh/Chị” and itself as “em”. Example receipt codes are made with the real code
format and the current year, so help never shows a code from another year.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.callbacks import Cancel, Menu, MenuItem, ShowStatus, button
from bot.messages import Button
from core.initiatives import STATE_LABELS, format_code
from core.models import InitiativeState

Rows = tuple[tuple[Button, ...], ...]


def example_code(year: int | None = None) -> str:
    """A receipt code as the office issues them this year (``SK-2026-000123``)."""
    return format_code(123, year or datetime.now(UTC).year)


def state_label(state: str) -> str:
    """The Vietnamese label of a submission state."""
    try:
        return STATE_LABELS[InitiativeState(state)]
    except ValueError:
        return state


def number(value: int) -> str:
    """``10000`` as Vietnamese write it: ``10.000``."""
    return f"{value:,}".replace(",", ".")


def size_label(size: int) -> str:
    """A file size for people: ``1,5 MB`` or ``12 KB``."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")
    return f"{max(1, size // 1024)} KB"


# ---------------------------------------------------------------------- menu, greeting, help

MENU: Rows = (
    (button("❓ Hỏi đáp", Menu(MenuItem.ASK)), button("💡 Gửi sáng kiến", Menu(MenuItem.SUBMIT))),
    (button("🔎 Tra cứu hồ sơ", Menu(MenuItem.STATUS)), button("📍 Chọn địa bàn", Menu(MenuItem.LOCALITY))),
    (button("📖 Hướng dẫn", Menu(MenuItem.HELP)),),
)
AFTER_ANSWER: Rows = (
    (button("💡 Gửi sáng kiến", Menu(MenuItem.SUBMIT)), button("📍 Chọn địa bàn", Menu(MenuItem.LOCALITY))),
)
CANCEL_ROW: Rows = ((button("Hủy", Cancel()),),)
MY_SUBMISSIONS: Rows = ((button("🔎 Xem hồ sơ của tôi", Menu(MenuItem.STATUS)),),)

GREETING = (
    "Xin chào Anh/Chị! Em là trợ lý phong trào “Cả nước thi đua đổi mới sáng tạo và chuyển đổi số”. "
    "Anh/Chị cứ nhập câu hỏi, hoặc chọn một việc bên dưới."
)


def help_text(year: int | None = None) -> str:
    """Every command, with examples in the real code format of this year."""
    code = example_code(year)
    return (
        "Hướng dẫn sử dụng:\n"
        "• Hỏi về kế hoạch, tiêu chí, thời hạn của phong trào: Anh/Chị cứ nhập câu hỏi.\n"
        "• Gửi sáng kiến: /sangkien hoặc nhắn “gửi sáng kiến”.\n"
        f"• Tra cứu hồ sơ: nhắn mã hồ sơ (ví dụ {code}), /trangthai {code} hoặc “hồ sơ của tôi”. "
        "Từ thiết bị khác, em sẽ hỏi số điện thoại hoặc e-mail đã khai khi gửi.\n"
        "• Chọn phường/xã để câu trả lời sát địa bàn: /diaban.\n"
        f"• Bổ sung thông tin khi được yêu cầu: /bosung {code} nội dung.\n"
        f"• Rút sáng kiến chưa có kết quả xem xét: /rut {code} hoặc nhắn “rút sáng kiến”.\n"
        f"• Ngừng nhận thông báo qua e-mail/Zalo: /ngungthongbao {code}.\n"
        "• Hủy thao tác đang làm: /huy."
    )


# ---------------------------------------------------------------------- general

RATE_LIMITED = "Anh/Chị đang gửi tin nhắn hơi nhanh. Anh/Chị vui lòng chờ khoảng một phút rồi gửi tiếp nhé. Em cảm ơn!"
UNSUPPORTED = "Xin lỗi Anh/Chị, em chỉ đọc được tin nhắn chữ, ảnh và tài liệu."
NOTHING_TO_CANCEL = "Hiện không có thao tác nào đang làm dở. Anh/Chị cần em giúp gì ạ?"
CANCELLED_FORM = "Em đã hủy biểu mẫu sáng kiến; thông tin đã nhập không được lưu."
CANCELLED = "Em đã hủy thao tác đang làm."
STALE_BUTTON = "Bước đó đã qua rồi ạ. Em xin nhắc lại bước hiện tại:"
STALE_BUTTON_IDLE = "Bước đó đã qua rồi ạ. Anh/Chị cần em giúp gì tiếp?"
ASK_A_QUESTION = "Mời Anh/Chị nhập câu hỏi về phong trào, em sẽ trả lời kèm trích dẫn kế hoạch."
FILES_OUTSIDE_FORM = (
    "Em đã nhận được tệp, nhưng tệp chỉ được lưu khi Anh/Chị đang gửi sáng kiến. "
    "Anh/Chị bấm “Gửi sáng kiến” để bắt đầu, rồi gửi lại tệp ở bước đính kèm."
)
UNREADABLE = "Em chưa hiểu tin nhắn của Anh/Chị. Anh/Chị vui lòng nhập câu hỏi bằng chữ, hoặc chọn một việc bên dưới."
ANSWER_FAILED = "Xin lỗi Anh/Chị, hệ thống tra cứu đang gặp sự cố. Anh/Chị vui lòng thử lại sau ít phút."
NO_ANSWER = "Xin lỗi Anh/Chị, em chưa tìm thấy thông tin phù hợp trong các kế hoạch."
NOT_FOUND_HINT = (
    "\n\nAnh/Chị có thể hỏi cụ thể hơn (ví dụ: thời hạn gửi sáng kiến, tiêu chí khen thưởng), "
    "hoặc chọn địa bàn bằng /diaban."
)


def too_long(length: int, limit: int) -> str:
    """A message over the length limit."""
    return (
        f"Tin nhắn của Anh/Chị dài {number(length)} ký tự, vượt quá giới hạn {number(limit)} ký tự. "
        "Anh/Chị vui lòng gửi ngắn gọn hơn hoặc chia thành nhiều tin."
    )


def form_expired(minutes: int) -> str:
    """The half-filled form was dropped after ``minutes`` of silence."""
    return (
        f"Biểu mẫu sáng kiến Anh/Chị điền dở đã hết hạn vì quá {minutes} phút không có phản hồi, nên em đã hủy "
        "để bảo vệ thông tin của Anh/Chị. Anh/Chị có thể bắt đầu lại bằng /sangkien."
    )


def finish_form_first(what: str) -> str:
    """A command that cannot run while the form is open."""
    return f"Anh/Chị vui lòng hoàn tất hoặc hủy (/huy) biểu mẫu sáng kiến trước khi {what}."


# ---------------------------------------------------------------------- the form

FORM_IN_PROGRESS = "Anh/Chị đang điền dở biểu mẫu sáng kiến, em xin tiếp tục từ chỗ đang dừng."
FORM_REMINDER = "Anh/Chị đang điền dở biểu mẫu sáng kiến; em xin nhắc lại câu hỏi đang chờ:"
ATTACH_HERE = "Ở bước này Anh/Chị gửi ảnh hoặc tài liệu; gửi xong thì bấm “Xong”, không có thì bấm “Bỏ qua”."
CONSENT_REFUSED = (
    "Em hiểu. Không có sự đồng ý xử lý dữ liệu cá nhân thì em không thể gửi sáng kiến đi. "
    "Anh/Chị có thể bấm “Đồng ý” để tiếp tục, hoặc “Hủy” để dừng."
)
WHICH_FIELD = "Anh/Chị muốn sửa mục nào?"
CONFIRM_OR_EDIT = "Anh/Chị vui lòng bấm “Gửi sáng kiến” để gửi, hoặc “Sửa thông tin” để chỉnh sửa."
FORM_INVALID = "Một số thông tin chưa hợp lệ. Anh/Chị vui lòng kiểm tra và sửa lại."


def form_start(idle_minutes: int) -> str:
    """The form's opening words."""
    return (
        "Cảm ơn Anh/Chị đã tham gia phong trào! Em sẽ hỏi 12 bước ngắn để ghi nhận sáng kiến. "
        "Anh/Chị có thể nhắn /huy bất cứ lúc nào để dừng; nếu bị gián đoạn, biểu mẫu được giữ "
        f"trong {idle_minutes} phút."
    )


def files_so_far(count: int) -> str:
    """Files held at the attachments step."""
    return f"Đã có {count} tệp. Anh/Chị gửi thêm tệp, hoặc bấm “Xong” để sang bước tiếp theo."


def file_received(filename: str, size: int) -> str:
    """One file kept."""
    return f"Đã nhận tệp “{filename}” ({size_label(size)})."


def too_many_files(limit: int, filename: str) -> str:
    """A file over the count limit."""
    return f"Mỗi sáng kiến nhận tối đa {limit} tệp; tệp “{filename}” chưa được lưu."


def file_too_large(filename: str, mb: int) -> str:
    """A file the channel could not fetch because of its size."""
    return f"Tệp “{filename}” lớn hơn {mb} MB nên chưa nhận được."


def receipt(title: str, code: str) -> str:
    """The receipt: the code on its own line (the channel makes it bold where it can)."""
    return (
        f"Cảm ơn Anh/Chị! Sáng kiến “{title}” đã được tiếp nhận.\n"
        f"Mã hồ sơ: {code}\n\n"
        "Anh/Chị giữ mã này để tra cứu: nhắn mã hồ sơ cho em bất cứ lúc nào, từ thiết bị nào (kèm số điện thoại "
        "hoặc e-mail đã khai). Khi có kết quả xem xét, em sẽ báo lại Anh/Chị qua kênh này."
    )


# ---------------------------------------------------------------------- status and look-up


def ask_code(year: int | None = None, *, none_here: bool = False) -> str:
    """Ask for a receipt code."""
    text = f"Anh/Chị vui lòng nhập mã hồ sơ cần tra cứu (dạng {example_code(year)})."
    if none_here:
        text += " Hiện em chưa thấy sáng kiến nào Anh/Chị gửi qua kênh này."
    return text


def bad_code(year: int | None = None) -> str:
    """Text without a receipt code where one was needed."""
    return f"Mã hồ sơ có dạng {example_code(year)}. Anh/Chị vui lòng kiểm tra lại."


MY_LIST_HEAD = "Các sáng kiến Anh/Chị đã gửi qua kênh này:"
MY_LIST_TAIL = "\nAnh/Chị bấm vào mã để xem chi tiết, hoặc nhập mã hồ sơ."


def ask_contact(code: str) -> str:
    """The code is not this account's: ask for the contact given at submission."""
    return (
        f"Em không tìm thấy hồ sơ {code} trong các sáng kiến Anh/Chị đã gửi qua kênh này. "
        "Nếu Anh/Chị đã gửi từ thiết bị hoặc tài khoản khác, Anh/Chị vui lòng nhập số điện thoại hoặc e-mail "
        "đã khai khi gửi sáng kiến để em kiểm tra."
    )


LOOKUP_FAILED = (
    "Em không tìm thấy hồ sơ khớp với mã và thông tin liên hệ Anh/Chị nhập. Anh/Chị vui lòng kiểm tra lại mã hồ sơ "
    "và số điện thoại hoặc e-mail đã khai khi gửi."
)
LOOKUP_NEEDS_CONTACT = (
    "Anh/Chị vui lòng nhập số điện thoại di động hoặc e-mail đã khai khi gửi sáng kiến (ví dụ 0912 345 678), "
    "hoặc nhắn /huy để thôi."
)


def not_own(code: str) -> str:
    """The same words whether ``code`` does not exist or is someone else's: codes are sequential."""
    return (
        f"Em không tìm thấy hồ sơ {code} trong các sáng kiến Anh/Chị đã gửi qua kênh này. "
        "Anh/Chị vui lòng kiểm tra lại mã."
    )


def status_lines(*, code: str, title: str, state: str, field: str, created: datetime) -> list[str]:
    """The status of one submission."""
    return [
        f"Hồ sơ {code}: “{title}”",
        f"Trạng thái: {state_label(state)}",
        f"Lĩnh vực: {field}",
        f"Ngày gửi: {created:%d/%m/%Y}",
    ]


def needs_info(code: str, request: str) -> list[str]:
    """What a reviewer asked, and how to answer."""
    lines = [f"Nội dung cần bổ sung: {request}"] if request else []
    lines.append(f"Anh/Chị bấm “Bổ sung thông tin” rồi nhắn nội dung, hoặc nhắn /bosung {code} <nội dung>.")
    return lines


def withdrawn_because(reason: str) -> str:
    """Why the submitter withdrew it."""
    return f"Lý do rút: {reason}"


REPLY_BUTTON = "📝 Bổ sung thông tin"
WITHDRAW_BUTTON = "↩️ Rút sáng kiến"
STATUS_BUTTON = "🔎 Tra cứu hồ sơ"


def status_button(code: str) -> Rows:
    """A button showing the status of ``code``."""
    return ((button(STATUS_BUTTON, ShowStatus(code)),),)


# ---------------------------------------------------------------------- replies to a request for information


def reply_usage(year: int | None = None) -> str:
    """How to send more information."""
    return (
        f"Anh/Chị vui lòng ghi mã hồ sơ và nội dung bổ sung, ví dụ: /bosung {example_code(year)} "
        "Em gửi thêm số liệu như sau…"
    )


def no_reply_needed(code: str) -> str:
    """``code`` is not waiting for information from this user."""
    return f"Hồ sơ {code} hiện không cần bổ sung thông tin (hoặc không phải hồ sơ Anh/Chị đã gửi qua kênh này)."


def ask_reply(code: str) -> str:
    """Ask for the information."""
    return f"Mời Anh/Chị nhắn nội dung bổ sung cho hồ sơ {code} (có thể gửi kèm ảnh, tài liệu). Nhắn /huy để thôi."


def reply_code_gone(code: str) -> str:
    """The submission being answered is not found any more."""
    return f"Em không tìm thấy hồ sơ {code} trong các sáng kiến Anh/Chị đã gửi qua kênh này."


REPLY_EMPTY = "Nội dung bổ sung đang trống. Anh/Chị vui lòng nhắn nội dung."


def reply_sent(code: str) -> str:
    """The information went to the reviewer."""
    return f"Em đã chuyển nội dung bổ sung của Anh/Chị cho cán bộ xem xét hồ sơ {code}. Em cảm ơn!"


def reply_file_held(filename: str) -> str:
    """A file kept for the reply."""
    return f"Đã nhận tệp “{filename}”. Anh/Chị nhắn nội dung bổ sung để gửi kèm tệp."


# ---------------------------------------------------------------------- withdrawal

NOTHING_TO_WITHDRAW = (
    "Hiện Anh/Chị không có sáng kiến nào gửi qua kênh này đang chờ xem xét, nên không có hồ sơ để rút. "
    "Sáng kiến đã có kết quả xem xét thì không rút được nữa."
)
WHICH_TO_WITHDRAW = "Anh/Chị muốn rút sáng kiến nào? Các sáng kiến chưa có kết quả xem xét:"


def pick_to_withdraw(year: int | None = None) -> str:
    """How to pick one of several submissions."""
    return f"\nAnh/Chị bấm vào mã hoặc nhắn mã hồ sơ (dạng {example_code(year)}); nhắn /huy để thôi."


def confirm_withdraw(code: str, title: str, reason: str) -> str:
    """Ask to confirm a withdrawal."""
    lines = [
        f"Anh/Chị có chắc muốn rút sáng kiến {code} “{title}” không?",
        "Sau khi rút, hồ sơ sẽ không được xem xét tiếp và không khôi phục được; "
        "Anh/Chị vẫn có thể gửi sáng kiến mới bất cứ lúc nào.",
        f"Lý do rút: {reason}" if reason else "Nếu muốn, Anh/Chị nhắn lý do rút (không bắt buộc) trước khi trả lời.",
        "Anh/Chị bấm “Có” (hoặc nhắn “có”) để rút, “Không” để giữ nguyên hồ sơ.",
    ]
    return "\n".join(lines)


def reason_noted(reason: str, code: str) -> str:
    """A reason given before the confirmation."""
    return (
        f"Em đã ghi nhận lý do rút: {reason}\nAnh/Chị xác nhận rút sáng kiến {code} chứ? Anh/Chị bấm “Có” "
        "(hoặc nhắn “có”) để rút, “Không” để giữ nguyên hồ sơ."
    )


WITHDRAW_YES = "Có, rút sáng kiến"
WITHDRAW_NO = "Không"
KEPT_ANYWAY = "Hồ sơ của Anh/Chị vẫn giữ nguyên. Anh/Chị cần em giúp gì thêm ạ?"


def already_withdrawn(code: str) -> str:
    """Withdrawn before."""
    return f"Sáng kiến {code} đã được rút trước đó; em không cần làm gì thêm."


def decided(code: str, title: str, state: str) -> str:
    """Too late to withdraw."""
    return (
        f"Sáng kiến {code} “{title}” đã có kết quả xem xét (“{state_label(state)}”), nên không thể rút được nữa. "
        "Nếu cần trao đổi thêm, Anh/Chị vui lòng liên hệ cơ quan tiếp nhận sáng kiến."
    )


def kept(code: str) -> str:
    """The submitter changed their mind."""
    return f"Em giữ nguyên hồ sơ {code}; sáng kiến vẫn được xem xét bình thường."


def withdrawn(code: str, title: str) -> str:
    """The withdrawal is done."""
    return (
        f"Em đã rút sáng kiến {code} “{title}” theo đề nghị của Anh/Chị. "
        "Hồ sơ sẽ không được xem xét tiếp; khi tra cứu, trạng thái hiển thị là “Đã rút”.\n\n"
        "Cảm ơn Anh/Chị đã tham gia phong trào! Anh/Chị có thể gửi sáng kiến mới bất cứ lúc nào bằng /sangkien."
    )


# ---------------------------------------------------------------------- locality

EVERY_LOCALITY = "Mọi địa bàn"
ANSWER_FOR_ALL = "Em sẽ trả lời theo kế hoạch của mọi địa bàn."
TYPE_LOCALITY = "Anh/Chị vui lòng nhập tên phường/xã của mình."
PICK_LOCALITY = "Anh/Chị chọn phường/xã của mình để em trả lời sát với kế hoạch địa phương:"


def current_locality(name: str | None) -> str:
    """The locality chosen before, if any."""
    return f"Địa bàn đang chọn: {name}.\n" if name else ""


def locality_set(name: str) -> str:
    """A locality chosen."""
    return f"Em đã ghi nhận địa bàn: {name}. Câu trả lời sẽ ưu tiên kế hoạch của địa bàn này."


# ---------------------------------------------------------------------- notices by e-mail and Zalo ZNS

STOP_NOTICES_BUTTON = "🔕 Ngừng thông báo qua e-mail/Zalo"


def notices_stopped(code: str) -> str:
    """The submitter opted out of contact notices."""
    return (
        f"Em đã ngừng gửi thông báo về hồ sơ {code} qua e-mail và tin nhắn Zalo tới số điện thoại. "
        "Em vẫn báo kết quả cho Anh/Chị qua kênh trò chuyện đã dùng để gửi sáng kiến."
    )


def stop_usage(year: int | None = None) -> str:
    """How to opt out."""
    return f"Anh/Chị vui lòng ghi mã hồ sơ, ví dụ: /ngungthongbao {example_code(year)}."
