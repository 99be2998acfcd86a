"""Spreadsheet files (CSV, XLSX) of rows of text and times, safe to open in Excel, LibreOffice or Google Sheets."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from core.vietnamese import strip_bidi

# A cell starting with one of these is run as a formula by some spreadsheet program (OWASP "CSV injection");
# the full-width forms are folded to ASCII by some of them, and a leading space or tab can hide the sign.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# Characters XML 1.0 cannot hold; openpyxl refuses them.
_ILLEGAL_XML = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32)], None)
DATE_TEXT = "%d/%m/%Y %H:%M"
DATE_FORMAT = "dd/mm/yyyy hh:mm"
_MIN_WIDTH, _MAX_WIDTH = 8, 60

Value = str | datetime


def neutralise(value: str) -> str:
    """``value`` as text a spreadsheet shows and never evaluates: a risky first character gets a quote before it;
    bidi controls, which could make a cell read differently from what it holds, are dropped."""
    value = strip_bidi(value)
    if value.lstrip(" \t\r\n").startswith(_FORMULA_STARTS) or value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _text(value: Value) -> str:
    return value.strftime(DATE_TEXT) if isinstance(value, datetime) else neutralise(value)


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Value]]) -> bytes:
    """UTF-8 CSV with a byte-order mark, so Excel shows Vietnamese correctly; times as dd/mm/yyyy hh:mm."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([neutralise(header) for header in headers])
    for row in rows:
        writer.writerow([_text(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _width(value: Value) -> int:
    if isinstance(value, datetime):
        return 16
    longest_line = max((len(line) for line in value.splitlines()), default=0)
    return min(_MAX_WIDTH, max(_MIN_WIDTH, longest_line + 2))


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Value]], *, sheet_title: str = "Sáng kiến") -> bytes:
    """An XLSX workbook with one sheet: text cells stored as strings (never formulas), times as real date cells,
    columns as wide as their content (within limits), the header row bold and frozen, and an autofilter.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    widths = [_width(header) for header in headers]
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    for row_number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column)
            if isinstance(value, datetime):
                cell.value = value
                cell.number_format = DATE_FORMAT
            else:
                cell.value = neutralise(value.translate(_ILLEGAL_XML))
                cell.data_type = "s"
            widths[column - 1] = max(widths[column - 1], _width(value))
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(1, sheet.max_row)}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
