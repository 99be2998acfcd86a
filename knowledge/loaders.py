"""Turn an uploaded or bundled plan into plain NFC text: .txt, .docx, .pdf (text layer or scanned) and images.

Every failure a person can cause (a corrupted, empty, encrypted, oversized or mislabelled file) is raised as a
ThiduaError with a Vietnamese message; scans go through Tesseract (knowledge.ocr_engine).
"""

from __future__ import annotations

import io
import logging
import re
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
from PIL import Image, ImageSequence, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

from core.errors import ErrorCode, ThiduaError
from core.vietnamese import nfc
from knowledge import ocr_engine

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".docx", ".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"})
IMAGE_SUFFIXES: frozenset[str] = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_PAGES = 300
# A .docx is a zip: this bounds what it may unpack to, against zip bombs hidden under the file-size limit.
MAX_DOCX_UNPACKED_BYTES = 200 * 1024 * 1024
# Text of one document: the longest plans hold a few hundred thousand characters; far more is a bomb or a mistake,
# and would keep the pipeline busy for minutes.
MAX_DOCUMENT_CHARS = 2_000_000
# About A3 at 600 dpi; more is a decompression bomb or a poster, not a plan.
MAX_IMAGE_PIXELS = 80_000_000
# A PDF page whose text layer has fewer letters than this is taken for a scan and sent to OCR.
MIN_TEXT_LAYER_LETTERS = 30
# Decoded text with more control characters than this share is binary data, not a text file.
MAX_CONTROL_SHARE = 0.01

_FORMATS = "Word (.docx), PDF, văn bản (.txt) hoặc ảnh quét (.png, .jpg, .tif)"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANK_RUNS = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


@dataclass(frozen=True)
class LoadedText:
    """The text of one document and how it was obtained.

    ``kind`` names the container: "text", "docx", "pdf", or "ocr" for an image. ``ocr`` is True when any of the
    text came from OCR (an image, or scanned pages of a PDF), so the pipeline knows to repair diacritics.
    """

    text: str
    kind: str
    pages: int
    ocr: bool


def ocr_available() -> bool:
    """Tell whether scans and images can be read: Tesseract with the Vietnamese model is installed."""
    return ocr_engine.ocr_available()


def _too_much_text(name: str) -> ThiduaError:
    return ThiduaError(
        ErrorCode.TOO_LARGE,
        f"Tệp “{name}” chứa hơn {MAX_DOCUMENT_CHARS:_} ký tự, quá dài cho một kế hoạch; ".replace("_", ".")
        + "vui lòng tách thành nhiều tệp hoặc kiểm tra lại nội dung.",
    )


def load_document(path: Path, *, name: str | None = None) -> LoadedText:
    """Read the document at ``path`` into text; raises ThiduaError for anything that cannot be read.

    ``name`` is what errors call the file (an upload's own name, not the temporary file holding it).
    """
    shown = name or path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ThiduaError(ErrorCode.NOT_FOUND, f"Không tìm thấy tệp “{shown}”.") from exc
    _check_size(shown, size)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ThiduaError(ErrorCode.UNREADABLE_DOCUMENT, f"Không mở được tệp “{shown}”.") from exc
    return load_bytes(shown, data)


def load_bytes(filename: str, data: bytes) -> LoadedText:
    """Read an uploaded document (its name tells the type, its bytes are checked against it) into text."""
    name = Path(filename).name or "tệp tải lên"
    suffix = Path(name).suffix.lower()
    if suffix == ".doc":
        raise ThiduaError(
            ErrorCode.UNSUPPORTED_TYPE,
            f"Tệp “{name}” là định dạng Word cũ (.doc). Vui lòng mở bằng Word, lưu lại dưới dạng .docx rồi gửi lại.",
        )
    if suffix not in SUPPORTED_SUFFIXES:
        raise ThiduaError(
            ErrorCode.UNSUPPORTED_TYPE, f"Chưa hỗ trợ loại tệp “{suffix or name}”. Vui lòng gửi tệp {_FORMATS}."
        )
    _check_size(name, len(data))
    if not data.strip():
        raise ThiduaError(ErrorCode.UNREADABLE_DOCUMENT, f"Tệp “{name}” rỗng, không có nội dung.")

    # Files are often renamed carelessly, so the content decides which reader runs; the name only has to be one
    # of the supported types.
    kind = _sniff(data)
    if kind == "doc":
        raise ThiduaError(
            ErrorCode.UNSUPPORTED_TYPE,
            f"Tệp “{name}” thực chất là tệp Word cũ (.doc). Vui lòng lưu lại dưới dạng .docx rồi gửi lại.",
        )
    if kind == "zip":
        raise ThiduaError(ErrorCode.UNSUPPORTED_TYPE, f"Tệp “{name}” là tệp nén hoặc bảng tính, không phải {_FORMATS}.")
    if kind is None:
        if suffix != ".txt":
            raise ThiduaError(
                ErrorCode.UNREADABLE_DOCUMENT,
                f"Tệp “{name}” bị hỏng hoặc không đúng định dạng {suffix}. Vui lòng kiểm tra và gửi lại.",
            )
        kind = "text"

    if kind == "text":
        loaded = LoadedText(text=_decode_text(name, data), kind="text", pages=1, ocr=False)
    elif kind == "docx":
        loaded = _load_docx(name, data)
    elif kind == "pdf":
        loaded = _load_pdf(name, data)
    else:
        loaded = _load_image(name, data)
    text = _tidy(loaded.text)
    if len(text) > MAX_DOCUMENT_CHARS:
        raise _too_much_text(name)
    if not _LETTER.search(text):
        raise ThiduaError(ErrorCode.UNREADABLE_DOCUMENT, f"Không tìm thấy chữ nào trong tệp “{name}”.")
    logger.info("loaded %s as %s: %d pages, %d chars, ocr=%s", name, loaded.kind, loaded.pages, len(text), loaded.ocr)
    return LoadedText(text=text, kind=loaded.kind, pages=loaded.pages, ocr=loaded.ocr)


def _check_size(name: str, size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise ThiduaError(
            ErrorCode.TOO_LARGE,
            f"Tệp “{name}” quá lớn ({size / 1024 / 1024:.1f} MB); giới hạn là {MAX_FILE_BYTES // 1024 // 1024} MB.",
        )


def _sniff(data: bytes) -> str | None:
    """Name the format the bytes are in: "pdf", "docx", "image", "doc", "zip", or None (maybe plain text)."""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return "docx" if "word/document.xml" in archive.namelist() else "zip"
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")):
        return "image"
    return None


def _tidy(text: str) -> str:
    """NFC, Unix newlines, no control characters, no trailing blanks, at most one empty line in a row."""
    text = nfc(text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text.replace("\f", "\n").replace("\v", "\n"))
    text = _TRAILING_SPACE.sub("\n", text)
    return _BLANK_RUNS.sub("\n\n", text).strip()


# --- plain text -------------------------------------------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def _decode_text(name: str, data: bytes) -> str:
    """Decode a text file: a BOM wins, then UTF-8, then BOM-less UTF-16, then Windows-1258 (legacy Vietnamese)."""
    unreadable = ThiduaError(
        ErrorCode.UNREADABLE_DOCUMENT,
        f"Tệp “{name}” không phải văn bản đọc được (có thể là tệp nhị phân hoặc bảng mã lạ). "
        "Vui lòng lưu lại dưới dạng văn bản UTF-8 hoặc gửi tệp Word/PDF.",
    )
    for candidate in _text_candidates(data):
        if candidate is not None and _looks_like_text(candidate):
            return candidate
    raise unreadable


def _text_candidates(data: bytes) -> Iterator[str | None]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            yield _try_decode(data, encoding)
            return
    yield _try_decode(data, "utf-8")
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        yield _try_decode(data, utf16)
        return
    # Windows-1258 decodes nearly any byte string, so it is tried last and only for data without NUL bytes
    # (which real legacy text never has); _looks_like_text still rejects binary noise.
    if b"\x00" not in data:
        yield _try_decode(data, "cp1258")


def _try_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _utf16_without_bom(data: bytes) -> str | None:
    """Guess UTF-16 without a BOM from where the NUL bytes sit: high bytes of Latin and Vietnamese text are mostly 0."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nul > 0.3 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def _looks_like_text(text: str) -> bool:
    if not text.strip():
        return False
    controls = len(_CONTROL.findall(text))
    return "\x00" not in text and controls / len(text) <= MAX_CONTROL_SHARE


# --- Word ---------------------------------------------------------------------------------------------------------


def _load_docx(name: str, data: bytes) -> LoadedText:
    """Paragraphs and tables in body order; table rows become "cell | cell"; automatic numbering is rendered."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _corrupt(name, "Word") from exc
    if unpacked > MAX_DOCX_UNPACKED_BYTES:
        raise ThiduaError(ErrorCode.TOO_LARGE, f"Tệp Word “{name}” chứa quá nhiều dữ liệu để xử lý.")
    try:
        document = docx.Document(io.BytesIO(data))
        numbering = _Numbering(document)
        lines, total = [], 0
        for line in _docx_blocks(document.element.body, numbering):
            total += len(line) + 1
            if total > MAX_DOCUMENT_CHARS:
                raise _too_much_text(name)  # stop reading at once, not after millions more characters
            lines.append(line)
    except ThiduaError:
        raise
    except Exception as exc:  # python-docx and lxml raise many types for a broken package
        logger.info("cannot parse %s as docx: %r", name, exc)
        raise _corrupt(name, "Word") from exc
    return LoadedText(text="\n".join(lines), kind="docx", pages=1, ocr=False)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx_blocks(container: Any, numbering: _Numbering) -> Iterator[str]:
    """Yield one line per paragraph and per table row of a body, cell or content control, in document order."""
    for child in container.iterchildren():
        if child.tag == f"{_W}p":
            text = _paragraph_text(child)
            label = numbering.label(child)
            if label and text.strip():
                text = f"{label} {text.lstrip()}"
            yield text
        elif child.tag == f"{_W}tbl":
            yield from _table_rows(child, numbering)
        elif child.tag in (f"{_W}sdt", f"{_W}customXml"):
            content = child.find(f"{_W}sdtContent")
            yield from _docx_blocks(content if content is not None else child, numbering)


def _table_rows(table: Any, numbering: _Numbering) -> Iterator[str]:
    for row in _direct_rows(table):
        cells = []
        for cell in row.iterchildren(f"{_W}tc"):
            # A vertically merged continuation cell is empty and skipped; its text sits in the row above.
            text = " ".join(line.strip() for line in _docx_blocks(cell, numbering) if line.strip())
            if text:
                cells.append(text)
        if cells:
            yield " | ".join(cells)


def _direct_rows(container: Any) -> Iterator[Any]:
    """Rows of this table, also those wrapped in content controls, but not the rows of tables nested in cells."""
    for child in container.iterchildren():
        if child.tag == f"{_W}tr":
            yield child
        elif child.tag in (f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"):
            yield from _direct_rows(child)


def _paragraph_text(paragraph: Any) -> str:
    """Text of a paragraph, including hyperlinks and tracked insertions but not deleted text or field codes."""
    parts: list[str] = []
    for element in paragraph.iter():
        tag = element.tag
        if tag == f"{_W}t":
            parts.append(element.text or "")
        elif tag in (f"{_W}tab", f"{_W}ptab"):
            parts.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
        elif tag == f"{_W}noBreakHyphen":
            parts.append("-")
        elif tag == f"{_W}p" and element is not paragraph:
            parts.append("\n")  # a paragraph of a text box inside this one
    return "".join(parts)


class _Numbering:
    """Renders Word's automatic list labels ("1.", "a)", "II.", "1.2.") that python-docx leaves out of the text."""

    def __init__(self, document: Any) -> None:
        self._styles = document.part.styles.element if document.part.styles is not None else None
        self._abstract_of: dict[str, str] = {}
        self._overridden: set[str] = set()
        self._levels: dict[str, dict[int, tuple[int, str, str]]] = {}
        self._counters: dict[str, list[int | None]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return
        for abstract in root.iterchildren(f"{_W}abstractNum"):
            self._levels[abstract.get(f"{_W}abstractNumId")] = self._read_levels(abstract)
        for num in root.iterchildren(f"{_W}num"):
            num_id = num.get(f"{_W}numId")
            ref = num.find(f"{_W}abstractNumId")
            if num_id is None or ref is None:
                continue
            self._abstract_of[num_id] = ref.get(f"{_W}val", "")
            overrides = self._read_levels(num, override=True)
            if overrides:
                self._overridden.add(num_id)
                base = dict(self._levels.get(self._abstract_of[num_id], {}))
                for level, (start, fmt, text) in overrides.items():
                    old = base.get(level, (1, "decimal", f"%{level + 1}."))
                    base[level] = (start, fmt or old[1], text or old[2])
                self._levels[f"num:{num_id}"] = base

    @staticmethod
    def _read_levels(parent: Any, *, override: bool = False) -> dict[int, tuple[int, str, str]]:
        levels: dict[int, tuple[int, str, str]] = {}
        for holder in parent.iterchildren(f"{_W}lvlOverride" if override else f"{_W}lvl"):
            level = int(holder.get(f"{_W}ilvl", "0"))
            lvl = holder.find(f"{_W}lvl") if override else holder
            start_el = holder.find(f"{_W}startOverride") if override else holder.find(f"{_W}start")
            if start_el is None and lvl is not None:
                start_el = lvl.find(f"{_W}start")
            fmt_el = lvl.find(f"{_W}numFmt") if lvl is not None else None
            text_el = lvl.find(f"{_W}lvlText") if lvl is not None else None
            if override and start_el is None and lvl is None:
                continue
            levels[level] = (
                int(start_el.get(f"{_W}val", "1")) if start_el is not None else 1,
                fmt_el.get(f"{_W}val", "") if fmt_el is not None else ("" if override else "decimal"),
                text_el.get(f"{_W}val", "") if text_el is not None else "",
            )
        return levels

    def label(self, paragraph: Any) -> str:
        """The list label of ``paragraph`` (advancing the counters), or "" when it is not numbered."""
        found = self._num_pr(paragraph)
        if found is None:
            return ""
        num_id, level = found
        if num_id in self._overridden:
            key = f"num:{num_id}"
        elif num_id in self._abstract_of:
            key = self._abstract_of[num_id]
        else:
            return ""
        levels = self._levels.get(key, {})
        if level not in levels:
            return ""
        counters = self._counters.setdefault(key, [None] * 9)
        current = counters[level]
        counters[level] = levels[level][0] if current is None else current + 1
        for deeper in range(level + 1, len(counters)):
            counters[deeper] = None
        _, fmt, template = levels[level]
        if fmt == "bullet":
            return "-"
        if fmt == "none":
            return template if "%" not in template else ""

        def render(match: re.Match[str]) -> str:
            index = int(match.group(1)) - 1
            if not 0 <= index < len(counters):
                return ""
            value = counters[index] if counters[index] is not None else levels.get(index, (1, "", ""))[0]
            return _format_number(value or 0, levels.get(index, (1, "decimal", ""))[1])

        return re.sub(r"%(\d)", render, template or f"%{level + 1}.").strip()

    def _num_pr(self, paragraph: Any) -> tuple[str, int] | None:
        """(numId, level) from the paragraph's own properties or, failing that, from its style chain."""
        ppr = paragraph.find(f"{_W}pPr")
        num_pr = ppr.find(f"{_W}numPr") if ppr is not None else None
        style_id = None
        if ppr is not None and (style_el := ppr.find(f"{_W}pStyle")) is not None:
            style_id = style_el.get(f"{_W}val")
        num_id, level = self._read_num_pr(num_pr)
        seen: set[str] = set()
        while (num_id is None or level is None) and style_id and style_id not in seen and self._styles is not None:
            seen.add(style_id)
            style = next(
                (s for s in self._styles.iterchildren(f"{_W}style") if s.get(f"{_W}styleId") == style_id), None
            )
            if style is None:
                break
            style_ppr = style.find(f"{_W}pPr")
            style_num, style_level = self._read_num_pr(style_ppr.find(f"{_W}numPr") if style_ppr is not None else None)
            num_id = num_id if num_id is not None else style_num
            level = level if level is not None else style_level
            based = style.find(f"{_W}basedOn")
            style_id = based.get(f"{_W}val") if based is not None else None
        if num_id is None or num_id == "0":
            return None
        return num_id, level or 0

    @staticmethod
    def _read_num_pr(num_pr: Any) -> tuple[str | None, int | None]:
        if num_pr is None:
            return None, None
        num_el, level_el = num_pr.find(f"{_W}numId"), num_pr.find(f"{_W}ilvl")
        num_id = num_el.get(f"{_W}val") if num_el is not None else None
        level = int(level_el.get(f"{_W}val", "0")) if level_el is not None else None
        return num_id, level


def _format_number(value: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        n = max(value, 1)
        # Word repeats the letter past z: aa, bb, ...
        letters = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letters if fmt == "lowerLetter" else letters.upper()
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(value)
        return roman.lower() if fmt == "lowerRoman" else roman
    if fmt == "decimalZero":
        return f"{value:02d}"
    return str(value)


def _roman(value: int) -> str:
    if value <= 0:
        return str(value)
    numerals = (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
        (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    )  # fmt: skip
    out = []
    for number, numeral in numerals:
        count, value = divmod(value, number)
        out.append(numeral * count)
    return "".join(out)


def _corrupt(name: str, what: str) -> ThiduaError:
    return ThiduaError(
        ErrorCode.UNREADABLE_DOCUMENT, f"Không đọc được tệp {what} “{name}”: tệp bị hỏng hoặc không đúng định dạng."
    )


# --- PDF ----------------------------------------------------------------------------------------------------------


def _load_pdf(name: str, data: bytes) -> LoadedText:
    """Text layer page by page; a page with (almost) no text is rasterised and read by OCR."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                # Most "protected" official PDFs only restrict printing or copying: the empty user password opens them.
                reader.decrypt("")
            page_count = len(reader.pages)
        _log_warnings(name, caught)
    except (FileNotDecryptedError, DependencyError) as exc:
        raise _encrypted(name) from exc
    except Exception as exc:  # pypdf raises many types for a broken file
        logger.info("cannot open %s as pdf: %r", name, exc)
        raise _corrupt(name, "PDF") from exc
    if page_count > MAX_PAGES:
        raise ThiduaError(
            ErrorCode.TOO_LARGE, f"Tệp PDF “{name}” có {page_count} trang; giới hạn là {MAX_PAGES} trang."
        )
    if page_count == 0:
        raise ThiduaError(ErrorCode.UNREADABLE_DOCUMENT, f"Tệp PDF “{name}” không có trang nào.")

    texts: list[str] = []
    scanned: list[int] = []
    for index in range(page_count):
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                page = reader.pages[index]
                text = page.extract_text() or ""
            _log_warnings(name, caught)
        except (FileNotDecryptedError, DependencyError) as exc:
            raise _encrypted(name) from exc
        except Exception as exc:  # one bad page should not lose the rest; OCR may still read it
            logger.info("text layer of page %d of %s unreadable: %r", index + 1, name, exc)
            text = ""
        texts.append(text)
        if len(_LETTER.findall(text)) < MIN_TEXT_LAYER_LETTERS:
            scanned.append(index)

    used_ocr = False
    if scanned:
        if ocr_engine.ocr_available() and ocr_engine.rasteriser_available():
            used_ocr = _ocr_pdf_pages(name, data, reader, scanned, texts)
        elif not any(_LETTER.search(text) for text in texts):
            detail = ocr_engine.OCR_UNAVAILABLE_DETAIL if not ocr_engine.ocr_available() else None
            raise ThiduaError(ErrorCode.OCR_UNAVAILABLE, detail or ocr_engine.RASTER_UNAVAILABLE_DETAIL)
        else:
            logger.warning("%s: %d near-empty pages left unread, OCR unavailable", name, len(scanned))
    return LoadedText(
        text="\n\n".join(t.strip() for t in texts if t.strip()), kind="pdf", pages=page_count, ocr=used_ocr
    )


def _ocr_pdf_pages(name: str, data: bytes, reader: Any, pages: list[int], texts: list[str]) -> bool:
    """OCR the given pages in place of their thin text layer; tells whether any OCR text was kept."""
    used = False
    with tempfile.TemporaryDirectory(prefix="thidua-pdf-") as tmp:
        pdf_path = Path(tmp) / "document.pdf"
        pdf_path.write_bytes(data)
        for index in pages:
            try:
                box = reader.pages[index].mediabox
                width_pt, height_pt = float(box.width), float(box.height)
            except Exception:  # a malformed page box: assume A4, pdftoppm still finds the page
                width_pt, height_pt = 595.0, 842.0
            try:
                image = ocr_engine.rasterise_pdf_page(pdf_path, index + 1, width_pt=width_pt, height_pt=height_pt)
                recognised = ocr_engine.ocr_image(image)
            except ThiduaError as error:
                if error.code is not ErrorCode.UNREADABLE_DOCUMENT:
                    raise
                # One damaged page should not cost the others; a document left with no text is refused later.
                logger.warning("%s: page %d unreadable: %s", name, index + 1, error.detail)
                continue
            if len(_LETTER.findall(recognised)) > len(_LETTER.findall(texts[index])):
                texts[index] = recognised
                used = True
    logger.info("%s: OCR read %d of %d pages", name, len(pages), len(texts))
    return used


def _encrypted(name: str) -> ThiduaError:
    return ThiduaError(
        ErrorCode.UNREADABLE_DOCUMENT,
        f"Tệp PDF “{name}” được bảo vệ bằng mật khẩu nên không đọc được. Vui lòng gửi bản không đặt mật khẩu.",
    )


def _log_warnings(name: str, caught: list[warnings.WarningMessage]) -> None:
    # pypdf warns about recoverable defects of a PDF; they describe the file, not our code, so they are logged.
    for warning in caught:
        logger.info("%s: %s", name, warning.message)


# --- images -------------------------------------------------------------------------------------------------------


def _load_image(name: str, data: bytes) -> LoadedText:
    """OCR every frame of a PNG, JPEG or (multi-page) TIFF scan."""
    texts: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ("PNG", "JPEG", "TIFF", "MPO"):
                    raise _corrupt(name, "ảnh")
                # A camera's MPO holds the same picture again in its later frames.
                frames = 1 if image.format == "MPO" else getattr(image, "n_frames", 1)
                if frames > MAX_PAGES:
                    raise ThiduaError(ErrorCode.TOO_LARGE, f"Ảnh “{name}” có {frames} trang; giới hạn là {MAX_PAGES}.")
                for index, frame in enumerate(ImageSequence.Iterator(image)):
                    if index >= frames:
                        break
                    if frame.width * frame.height > MAX_IMAGE_PIXELS:
                        raise _image_too_large(name)
                    frame.load()  # decodes now, so a broken file is reported as such and not as missing OCR
                    if not ocr_engine.ocr_available():
                        raise ThiduaError(ErrorCode.OCR_UNAVAILABLE, ocr_engine.OCR_UNAVAILABLE_DETAIL)
                    texts.append(ocr_engine.ocr_image(frame))
    except ThiduaError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise _image_too_large(name) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        # Pillow reports truncated or malformed image data with these
        logger.info("cannot decode image %s: %r", name, exc)
        raise _corrupt(name, "ảnh") from exc
    return LoadedText(text="\n\n".join(texts), kind="ocr", pages=len(texts), ocr=True)


def _image_too_large(name: str) -> ThiduaError:
    return ThiduaError(ErrorCode.TOO_LARGE, f"Ảnh “{name}” quá lớn để nhận dạng chữ; vui lòng quét ở 300 dpi.")
