"""A plan's metadata: read from the ``<name>.meta.json`` beside it, or suggested from the plan's header.

The header of an administrative plan follows a fixed form: the issuing body on the left ("UỶ BAN NHÂN DÂN /
PHƯỜNG HOÀNG MAI"), the national motto on the right, then "Số: 99/KH-UBND" and "Hoàng Mai, ngày … tháng … năm
2025", then "KẾ HOẠCH" and the title. OCR merges the two columns onto one line and damages diacritics and digits, so
the patterns below work on folded text and accept the usual misreadings ("S6:", "thing", "/0nam").
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.errors import ErrorCode, ThiduaError
from core.vietnamese import fold, nfc, squash_spaces
from knowledge.passages import PlanMeta

_HEADER_LINES = 15  # where to look for the header when the "KẾ HOẠCH" line cannot be found
_META_FIELDS = ("title", "issuer", "level", "locality", "number", "date")

_NUMBER = re.compile(r"(?<![\d/])(\d{1,5})\s*/\s*([A-ZĐ]{1,6}(?:\s?-\s?[A-ZĐ0-9&]{1,10}){1,3})\b")
_DATE = re.compile(r"ng\S{1,2}y\s*(\S{0,3}?)\s*th\S{1,3}ng\s*(\S{0,3}?)\s*n\S{1,2}m\s*(\d{4})")
_PLACE = re.compile(r"([^\d/,;:]{2,40}?)\s*,\s*ng\S{1,2}y\b")
_PLAN_WORD = re.compile(r"^k\S{1,2}\s+ho\S{1,3}ch$")
_BODY_START = re.compile(r"^(?:th\S{1,3}c\s+hi\S{1,3}n|c\S{1,2}n\s+c\S{1,2})\b")
# The national motto on the right-hand column: cut the organ line there.
_RIGHT_COLUMN = re.compile(r"\s(?:c\S{1,2}ng\s+h\S{1,2}a\b|\S{1,3}c\s+l\S{1,2}p\s*-).*$", re.IGNORECASE)
_ORGAN_LEVELS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?:ubnd\s+|uy\s+ban\s+nhan\s+dan\s+)?ph\S{1,3}ng\s+(.+)$"), "phường"),
    (re.compile(r"^(?:ubnd\s+|uy\s+ban\s+nhan\s+dan\s+)?x\S\s+(.+)$"), "xã"),
    (re.compile(r"^s\S?\s*(y\s*te|\S.+)$"), "sở"),
    (re.compile(r"^(?:ubnd\s+|uy\s+ban\s+nhan\s+dan\s+)?th\S{1,2}nh\s+ph\S{1,2}\s+(.+)$"), "thành phố"),
    (re.compile(r"^(?:ubnd\s+|uy\s+ban\s+nhan\s+dan\s+)?t\S{1,2}nh\s+(.+)$"), "tỉnh"),
)
_TITLE_LOCALITY = re.compile(r"tren\s+dia\s+ban\s+(phuong|xa|thanh\s+pho|tinh)\s+(.+?)(?:\s+giai\s+doan\b|[,;.(]|$)")
_LEVEL_WORDS = {"phuong": "phường", "xa": "xã", "thanh pho": "thành phố", "tinh": "tỉnh"}


def _header(lines: list[str]) -> tuple[list[str], list[str]]:
    """Split the top of a plan into the lines above "KẾ HOẠCH" and the title lines below it."""
    for index, line in enumerate(lines[:40]):
        if _PLAN_WORD.match(fold(line.strip())):
            title: list[str] = []
            for following in lines[index + 1 : index + 8]:
                text = following.strip()
                if not text:
                    if title and len(title) >= 2:
                        break
                    continue
                if _BODY_START.match(fold(text)):
                    break
                title.append(text)
            return lines[:index], title
    return lines[:_HEADER_LINES], []


def _name_case(text: str) -> str:
    """Write a place name in title case: "HOÀNG MAI" → "Hoàng Mai"."""
    return " ".join(word[:1].upper() + word[1:].lower() for word in squash_spaces(text).split(" "))


def _suggest_number(header: list[str]) -> str:
    for line in header:
        match = _NUMBER.search(line)
        if match:
            suffix = re.sub(r"\s", "", match.group(2))
            return f"{match.group(1)}/{suffix}"
    return ""


def _suggest_date(header: list[str]) -> str:
    for line in header:
        match = _DATE.search(fold(line))
        if not match:
            continue
        day, month, year = match.groups()
        # An OCR-damaged day or month is dropped rather than guessed: "2025" is better than a wrong date.
        if month.isdigit() and 1 <= int(month) <= 12:
            if day.isdigit() and 1 <= int(day) <= 31:
                return f"{year}-{int(month):02d}-{int(day):02d}"
            return f"{year}-{int(month):02d}"
        return year
    return ""


def _organ(header: list[str]) -> tuple[str, str, str]:
    """The issuing body's level, name and parent body's name from the left-hand column, most specific line last."""
    level, name, parent = "", "", ""
    for line in header:
        left = _RIGHT_COLUMN.sub("", line.strip())
        if _NUMBER.search(left) or _DATE.search(fold(left)):
            break
        folded = fold(left)
        for pattern, found_level in _ORGAN_LEVELS:
            match = pattern.match(folded)
            if match:
                start = len(folded) - len(match.group(1))
                parent = name if level in ("thành phố", "tỉnh") else parent
                level, name = found_level, left[start:]
                break
    return level, name, parent


def suggest_meta(document: str, text: str) -> PlanMeta:
    """Suggest a plan's metadata from its header: number ("99/KH-UBND"), date, issuer, level, locality, title."""
    lines = nfc(text).splitlines()  # NFC keeps folded and raw text the same length, so indexes carry over
    header, title_lines = _header(lines)
    level, name, parent = _organ(header)
    title_text = squash_spaces(" ".join(title_lines))
    if not level or level in ("thành phố", "tỉnh"):
        # A commune or ward plan often names only "ỦY BAN NHÂN DÂN" on the left; its title says where it applies.
        found = _TITLE_LOCALITY.search(fold(title_text))
        if found:
            level = _LEVEL_WORDS[re.sub(r"\s+", " ", found.group(1))]
            name = title_text[found.start(2) : found.end(2)]
    if not name:
        for line in header:
            place = _PLACE.search(fold(line))
            if place:
                raw = line[place.start(1) : place.end(1)]
                name = re.sub(r"^.*?/\s*[A-ZĐ-]+\s*", "", raw).strip()
                break
    name = _name_case(name) if name else ""
    if level == "sở":
        # "SỞ Y TẾ" under "UBND THÀNH PHỐ HÀ NỘI" is cited as "Sở Y tế Hà Nội".
        issuer = locality = squash_spaces(f"Sở {name} {_name_case(parent) if parent else ''}")
    elif level:
        issuer = f"UBND {level} {name}".strip()
        locality = f"{level} {name}".strip()
    else:
        issuer = locality = name
    title = f"Kế hoạch {title_text[:1].lower()}{title_text[1:]}" if title_text else ""
    return PlanMeta(
        document=document,
        title=title,
        issuer=issuer,
        level=level,
        locality=locality,
        number=_suggest_number(header),
        date=_suggest_date(header),
        aliases=(name,) if name else (),
        suggested=True,
    )


def meta_path(document_path: Path) -> Path:
    """Where a plan's metadata file lives: ``<name>.meta.json`` beside the plan."""
    return document_path.with_name(f"{document_path.stem}.meta.json")


def read_meta_file(document_path: Path) -> dict[str, Any]:
    """The raw contents of ``<name>.meta.json`` beside a plan, or an empty dict when there is none."""
    path = meta_path(document_path)
    if not path.exists():
        return {}
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ThiduaError(ErrorCode.VALIDATION, f"Không đọc được tệp thông tin kế hoạch {path.name}: {exc}") from exc
    if not isinstance(data, dict):
        raise ThiduaError(ErrorCode.VALIDATION, f"Tệp thông tin kế hoạch {path.name} phải là một đối tượng JSON.")
    return data


def meta_from_data(document: str, data: dict[str, Any], read_text: Callable[[], str], *, label: str = "") -> PlanMeta:
    """A plan's metadata from given fields (a meta file or an upload form); what is missing comes from the header.

    With any field missing the result is marked ``suggested``. ``read_text`` is called only when the header is needed.
    """
    if not data:
        return suggest_meta(document, read_text())
    given = {key: str(data[key]).strip() for key in _META_FIELDS if isinstance(data.get(key), str | int)}
    missing = [key for key in _META_FIELDS if not given.get(key)]
    suggestion = suggest_meta(document, read_text()) if missing else None
    values = {key: given.get(key) or (getattr(suggestion, key) if suggestion else "") for key in _META_FIELDS}
    aliases = data.get("aliases") or []
    if not isinstance(aliases, list):
        raise ThiduaError(ErrorCode.VALIDATION, f"Trường aliases trong {label or document} phải là một danh sách.")
    return PlanMeta(
        document=document,
        title=values["title"],
        issuer=values["issuer"],
        level=values["level"],
        locality=values["locality"],
        number=values["number"],
        date=values["date"],
        aliases=tuple(str(alias) for alias in aliases),
        suggested=bool(missing),
    )


def load_meta(document_path: Path, text: str | None = None) -> PlanMeta:
    """Read a plan's metadata from ``<name>.meta.json`` beside it, or suggest it from the header.

    Fields missing from the file are filled from the header and the result is marked ``suggested``. ``text`` is the
    plan's text when the caller has already extracted it (for a PDF or DOCX); otherwise the file is read as text.
    """
    return meta_from_data(
        document_path.name,
        read_meta_file(document_path),
        lambda: _read_text(document_path, text),
        label=meta_path(document_path).name,
    )


def _read_text(document_path: Path, text: str | None) -> str:
    if text is not None:
        return text
    try:
        return document_path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ThiduaError(ErrorCode.UNREADABLE_DOCUMENT, f"Không đọc được kế hoạch {document_path.name}.") from exc
