"""Builders of test documents from known Vietnamese text: a Word file, a text PDF, and rendered scans (PNG, PDF).

Reused by end-to-end tests: each builder writes one file and returns its path.
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from core.vietnamese import nfc, words

FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

SAMPLE_TITLE = "KẾ HOẠCH"
SAMPLE_PARAGRAPHS: tuple[str, ...] = (
    "Triển khai phong trào thi đua đổi mới sáng tạo và chuyển đổi số năm 2025 của phường Hòa Bình.",
    "Mục đích: khuyến khích cán bộ, công chức và người dân đề xuất sáng kiến cải tiến thủ tục hành chính.",
    "Hình thức khen thưởng: Chủ tịch Ủy ban nhân dân phường tặng Giấy khen cho tập thể và cá nhân "
    "có thành tích xuất sắc.",
    "Thời hạn gửi hồ sơ đề nghị khen thưởng là trước ngày 15 tháng 11 năm 2025.",
)
SAMPLE_TEXT = "\n".join((SAMPLE_TITLE, *SAMPLE_PARAGRAPHS))

# Word positions are given at 300 dpi: A4 is 2480 x 3508 px.
_A4_MM = (210.0, 297.0)


def write_docx(
    path: Path,
    paragraphs: Sequence[str] = SAMPLE_PARAGRAPHS,
    *,
    title: str = SAMPLE_TITLE,
    numbered: Sequence[str] = (),
    table_rows: Sequence[Sequence[str]] = (),
) -> Path:
    """Write a .docx: a heading, the paragraphs, then an automatically numbered list, then a table."""
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    for item in numbered:
        document.add_paragraph(item, style="List Number")
    if table_rows:
        table = document.add_table(rows=len(table_rows), cols=max(len(row) for row in table_rows))
        for row, values in zip(table.rows, table_rows, strict=True):
            for cell, value in zip(row.cells, values, strict=False):
                cell.text = value
    document.save(str(path))
    return path


def write_text_pdf(path: Path, pages: Sequence[Sequence[str]] = (SAMPLE_TEXT.split("\n"),)) -> Path:
    """Write a PDF with a real text layer (DejaVu Sans embedded, so every Vietnamese glyph is there), one list of
    paragraphs per page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONT_PATH)))
    width, height = A4
    margin, size, leading = 56.0, 12.0, 16.0
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=True)
    for paragraphs in pages:
        pdf.setFont("DejaVuSans", size)
        y = height - margin
        for paragraph in paragraphs:
            for line in simpleSplit(paragraph, "DejaVuSans", size, width - 2 * margin):
                pdf.drawString(margin, y, line)
                y -= leading
            y -= leading / 2
        pdf.showPage()
    pdf.save()
    return path


def render_page(
    lines: Sequence[str] = SAMPLE_TEXT.split("\n"),
    *,
    dpi: int = 300,
    font_pt: float = 13.0,
    scan_effects: bool = True,
    noise: float = 0.0,
) -> Image.Image:
    """Render paragraphs onto a white A4 page image as a scanner would see it (grayscale, ``dpi``).

    With ``scan_effects`` the page is tilted a little and slightly blurred, like a real scan; ``noise`` is the share
    of pixels turned black or white at random (seeded, so a test sees the same page every run).
    """
    page_px = (round(_A4_MM[0] / 25.4 * dpi), round(_A4_MM[1] / 25.4 * dpi))
    page = Image.new("L", page_px, color=255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(FONT_PATH), size=round(font_pt * dpi / 72))
    margin = round(dpi * 0.8)
    line_height = round(font_pt * dpi / 72 * 1.5)
    y = margin
    for paragraph in lines:
        for line in _wrap(nfc(paragraph), font, page_px[0] - 2 * margin):
            draw.text((margin, y), line, font=font, fill=0)
            y += line_height
        y += line_height // 2
    if scan_effects:
        page = page.rotate(0.4, resample=Image.Resampling.BICUBIC, fillcolor=255, expand=False)
        page = page.filter(ImageFilter.GaussianBlur(radius=0.7))
    if noise:
        pixels, rng = page.load(), random.Random(3)
        assert pixels is not None
        for _ in range(round(page_px[0] * page_px[1] * noise)):
            pixels[rng.randrange(page_px[0]), rng.randrange(page_px[1])] = rng.choice((0, 255))
    page.info["dpi"] = (dpi, dpi)
    return page


def write_scan_png(path: Path, lines: Sequence[str] = SAMPLE_TEXT.split("\n"), *, dpi: int = 300) -> Path:
    """Write a rendered scan of ``lines`` as a PNG image."""
    render_page(lines, dpi=dpi).save(path, format="PNG", dpi=(dpi, dpi))
    return path


def write_scan_pdf(path: Path, pages: Sequence[Sequence[str]] = (SAMPLE_TEXT.split("\n"),), *, dpi: int = 300) -> Path:
    """Write a PDF whose pages are only images of rendered text: no text layer, as a scanner produces."""
    images = [render_page(lines, dpi=dpi) for lines in pages]
    images[0].save(path, format="PDF", resolution=float(dpi), save_all=True, append_images=images[1:])
    return path


def encode_cp1258(text: str) -> bytes:
    """Encode Vietnamese text in Windows-1258, which has the base letters (ê, ơ, ư, ...) but puts tones as combining
    marks, as legacy Vietnamese Windows files do."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out: list[str] = []
    for char in nfc(text):
        decomposed = unicodedata.normalize("NFD", char)
        tone = "".join(mark for mark in decomposed if mark in tones)
        base = unicodedata.normalize("NFC", "".join(mark for mark in decomposed if mark not in tones))
        out.append(base + tone)
    return "".join(out).encode("cp1258")


def word_recall(expected: str, actual: str) -> float:
    """Share of the words of ``expected`` (lower-cased, diacritics kept) that also occur in ``actual``."""
    wanted = Counter(word.lower() for word in words(nfc(expected)))
    found = Counter(word.lower() for word in words(nfc(actual)))
    return sum((wanted & found).values()) / max(sum(wanted.values()), 1)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width_px: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and font.getlength(candidate) > width_px:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines
