"""Spreadsheet files (CSV, XLSX) of rows of text, safe to open in Excel, LibreOffice or Google Sheets."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from core.vietnamese import strip_bidi

# A cell starting with one of these is run as a formula by some spreadsheet program (OWASP "CSV injection");
# the full-width forms are folded to ASCII by some of them, and a leading space or tab can hide the sign.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# Characters XML 1.0 cannot hold; openpyxl refuses them.
_ILLEGAL_XML = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32)], None)


def neutralise(value: str) -> str:
    """``value`` as text a spreadsheet shows and never evaluates: a risky first character gets a quote before it;
    bidi controls, which could make a cell read differently from what it holds, are dropped."""
    value = strip_bidi(value)
    if value.lstrip(" \t\r\n").startswith(_FORMULA_STARTS) or value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """UTF-8 CSV with a byte-order mark, so Excel shows Vietnamese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([neutralise(header) for header in headers])
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence[str]], *, sheet_title: str = "Sáng kiến") -> bytes:
    """An XLSX workbook with one sheet; every cell is stored as a string, never as a formula."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])

    def cells(values: Sequence[str]) -> list[WriteOnlyCell]:
        out = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=neutralise(value.translate(_ILLEGAL_XML)))
            cell.data_type = "s"
            out.append(cell)
        return out

    sheet.append(cells(headers))
    for row in rows:
        sheet.append(cells(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
