"""Loading each kind of document into text, and refusing bad input with a clear Vietnamese error."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from core.errors import ErrorCode, ThiduaError
from core.vietnamese import nfc
from knowledge import loaders, ocr_engine
from knowledge.loaders import SUPPORTED_SUFFIXES, LoadedText, load_bytes, load_document, ocr_available
from tests.knowledge.documents import (
    SAMPLE_PARAGRAPHS,
    SAMPLE_TEXT,
    encode_cp1258,
    render_page,
    word_recall,
    write_docx,
    write_scan_pdf,
    write_scan_png,
    write_text_pdf,
)

needs_vie_model = pytest.mark.skipif(
    not ocr_available(), reason="tesseract or its Vietnamese model (tesseract-ocr-vie) is absent"
)
needs_pdftoppm = pytest.mark.skipif(not ocr_engine.rasteriser_available(), reason="pdftoppm (poppler-utils) is absent")

SECOND_PAGE = "Trang hai: khen thưởng đột xuất cho tập thể có thành tích trong chuyển đổi số."


def expect_error(code: ErrorCode, filename: str, data: bytes) -> ThiduaError:
    """Load the bytes, expecting a ThiduaError with ``code`` and a Vietnamese detail naming nothing technical."""
    with pytest.raises(ThiduaError) as caught:
        load_bytes(filename, data)
    assert caught.value.code is code, caught.value
    assert caught.value.detail and "Traceback" not in caught.value.detail
    return caught.value


def no_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the process believe Tesseract is not installed."""
    monkeypatch.setattr(ocr_engine, "ocr_available", lambda: False)


def flat(text: str) -> str:
    """Collapse line breaks: PDF and OCR wrap long lines where the source had none."""
    return " ".join(text.split())


# --- plain text ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param(SAMPLE_TEXT.encode("utf-8"), id="utf-8"),
        pytest.param(SAMPLE_TEXT.encode("utf-8-sig"), id="utf-8 with BOM"),
        pytest.param(SAMPLE_TEXT.encode("utf-16"), id="utf-16 with BOM"),
        pytest.param(SAMPLE_TEXT.encode("utf-16-le"), id="utf-16-le without BOM"),
        pytest.param(SAMPLE_TEXT.encode("utf-16-be"), id="utf-16-be without BOM"),
        pytest.param(encode_cp1258(SAMPLE_TEXT), id="windows-1258"),
        pytest.param(SAMPLE_TEXT.replace("\n", "\r\n").encode("utf-8"), id="windows newlines"),
    ],
)
def test_text_files_decode_to_the_same_nfc_text(encoded: bytes) -> None:
    loaded = load_bytes("ke-hoach.txt", encoded)
    assert loaded == LoadedText(text=SAMPLE_TEXT, kind="text", pages=1, ocr=False)


def test_decomposed_text_comes_back_composed() -> None:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", SAMPLE_TEXT)
    assert decomposed != SAMPLE_TEXT
    assert load_bytes("a.txt", decomposed.encode()).text == SAMPLE_TEXT


def test_windows_1258_is_not_mistaken_for_latin_text() -> None:
    encoded = encode_cp1258("Khen thưởng sáng kiến")
    with pytest.raises(UnicodeDecodeError):
        encoded.decode("utf-8")
    assert load_bytes("a.txt", encoded).text == "Khen thưởng sáng kiến"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(bytes(range(256)) * 40, id="every byte"),
        pytest.param(b"\x00\x01\x02\x03\x04\x05garbage\x06\x07" * 100, id="control bytes"),
        pytest.param(b"\x7fELF\x02\x01\x01" + bytes(200) + b"\x81\x9d\x8f" * 50, id="executable"),
    ],
)
def test_binary_garbage_named_txt_is_refused(data: bytes) -> None:
    error = expect_error(ErrorCode.UNREADABLE_DOCUMENT, "ke-hoach.txt", data)
    assert "không phải văn bản" in error.detail


@pytest.mark.parametrize("data", [b"", b"   \n\t  \r\n"], ids=["empty", "blank"])
def test_empty_files_are_refused(data: bytes) -> None:
    error = expect_error(ErrorCode.UNREADABLE_DOCUMENT, "rong.txt", data)
    assert "rỗng" in error.detail


def test_text_without_letters_is_refused() -> None:
    expect_error(ErrorCode.UNREADABLE_DOCUMENT, "so.txt", b"12 34 -- .. 56\n")


# --- types and sizes ----------------------------------------------------------------------------------------------


def test_supported_suffixes_are_the_promised_ones() -> None:
    assert {".txt", ".docx", ".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"} == SUPPORTED_SUFFIXES


@pytest.mark.parametrize("filename", ["virus.exe", "bang-tinh.xlsx", "ke-hoach.odt", "khong-duoi"])
def test_unsupported_types_are_refused(filename: str) -> None:
    error = expect_error(ErrorCode.UNSUPPORTED_TYPE, filename, SAMPLE_TEXT.encode())
    assert ".docx" in error.detail


def test_old_word_files_are_refused_with_advice() -> None:
    error = expect_error(ErrorCode.UNSUPPORTED_TYPE, "ke-hoach.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    assert "lưu lại dưới dạng .docx" in error.detail


def test_old_word_content_renamed_docx_is_refused_with_advice() -> None:
    error = expect_error(ErrorCode.UNSUPPORTED_TYPE, "ke-hoach.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    assert ".doc" in error.detail


def test_a_zip_that_is_not_a_word_file_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    expect_error(ErrorCode.UNSUPPORTED_TYPE, "ke-hoach.docx", buffer.getvalue())


def test_a_pdf_named_docx_is_read_as_pdf(tmp_path: Path) -> None:
    data = write_text_pdf(tmp_path / "a.pdf").read_bytes()
    loaded = load_bytes("ke-hoach.docx", data)
    assert loaded.kind == "pdf"
    assert "sáng kiến" in loaded.text


def test_files_over_the_size_limit_are_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(loaders, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "lon.txt"
    path.write_bytes(b"a" * 1001)
    with pytest.raises(ThiduaError) as caught:
        load_document(path)
    assert caught.value.code is ErrorCode.TOO_LARGE
    assert "MB" in caught.value.detail
    expect_error(ErrorCode.TOO_LARGE, "lon.txt", b"a" * 1001)
    assert load_bytes("vua.txt", b"a" * 1000).text == "a" * 1000


def test_a_missing_path_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ThiduaError) as caught:
        load_document(tmp_path / "khong-co.pdf")
    assert caught.value.code is ErrorCode.NOT_FOUND


def test_load_document_reads_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "ke-hoach.txt"
    path.write_text(SAMPLE_TEXT, encoding="utf-8")
    assert load_document(path).text == SAMPLE_TEXT


# --- Word ---------------------------------------------------------------------------------------------------------


def test_docx_keeps_paragraphs_numbering_and_table_rows_in_order(tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "ke-hoach.docx",
        numbered=["Đối tượng thi đua: các tổ dân phố.", "Tiêu chí khen thưởng: có sáng kiến được công nhận."],
        table_rows=[["Danh hiệu", "Số lượng"], ["Giấy khen của Chủ tịch UBND phường", "5"]],
    )
    loaded = load_document(path)
    assert loaded.kind == "docx" and loaded.ocr is False and loaded.pages == 1
    lines = loaded.text.split("\n")
    assert lines[0] == "KẾ HOẠCH"
    assert lines[1 : 1 + len(SAMPLE_PARAGRAPHS)] == list(SAMPLE_PARAGRAPHS)
    rest = lines[1 + len(SAMPLE_PARAGRAPHS) :]
    assert rest == [
        "1. Đối tượng thi đua: các tổ dân phố.",
        "2. Tiêu chí khen thưởng: có sáng kiến được công nhận.",
        "Danh hiệu | Số lượng",
        "Giấy khen của Chủ tịch UBND phường | 5",
    ]


def test_docx_reads_tables_between_paragraphs_merged_cells_once(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Trước bảng")
    table = document.add_table(rows=2, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 2))
    merged.text = "Tiêu chí chấm điểm sáng kiến"
    for cell, value in zip(table.rows[1].cells, ["Tính mới", "Hiệu quả", "Khả năng nhân rộng"], strict=True):
        cell.text = value
    document.add_paragraph("Sau bảng")
    document.save(str(tmp_path / "bang.docx"))
    assert load_document(tmp_path / "bang.docx").text.split("\n") == [
        "Trước bảng",
        "Tiêu chí chấm điểm sáng kiến",
        "Tính mới | Hiệu quả | Khả năng nhân rộng",
        "Sau bảng",
    ]


def test_docx_numbering_formats_and_levels(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    # The default template's "List Number 2" is the second level of a decimal list; roman and letters come from
    # a numbering definition added here.
    numbering = document.part.numbering_part.element
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    numbering.insert(
        0,
        parse_xml(
            f'<w:abstractNum {w} w:abstractNumId="90">'
            '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="upperRoman"/><w:lvlText w:val="%1."/></w:lvl>'
            '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%2)"/></w:lvl>'
            "</w:abstractNum>"
        ),
    )
    numbering.append(parse_xml(f'<w:num {w} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for level, text in [(0, "MỤC ĐÍCH"), (1, "Khuyến khích sáng kiến"), (1, "Khen thưởng kịp thời"), (0, "NỘI DUNG")]:
        paragraph = document.add_paragraph(text)
        paragraph._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {w}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>')
        )
    document.save(str(tmp_path / "so.docx"))
    assert load_document(tmp_path / "so.docx").text.split("\n") == [
        "I. MỤC ĐÍCH",
        "a) Khuyến khích sáng kiến",
        "b) Khen thưởng kịp thời",
        "II. NỘI DUNG",
    ]


def test_docx_without_text_is_refused(tmp_path: Path) -> None:
    import docx

    docx.Document().save(str(tmp_path / "trong.docx"))
    with pytest.raises(ThiduaError) as caught:
        load_document(tmp_path / "trong.docx")
    assert caught.value.code is ErrorCode.UNREADABLE_DOCUMENT


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_docx_is_refused(tmp_path: Path, cut: float) -> None:
    data = write_docx(tmp_path / "a.docx").read_bytes()
    expect_error(ErrorCode.UNREADABLE_DOCUMENT, "hong.docx", data[: int(len(data) * cut)])


def test_docx_with_broken_xml_is_refused(tmp_path: Path) -> None:
    source = write_docx(tmp_path / "a.docx").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as original, zipfile.ZipFile(buffer, "w") as broken:
        for item in original.infolist():
            content = original.read(item.filename)
            broken.writestr(item, content[:200] if item.filename == "word/document.xml" else content)
    error = expect_error(ErrorCode.UNREADABLE_DOCUMENT, "hong.docx", buffer.getvalue())
    assert "bị hỏng" in error.detail


def test_random_bytes_named_docx_are_refused() -> None:
    expect_error(ErrorCode.UNREADABLE_DOCUMENT, "hong.docx", bytes(range(1, 256)) * 10)


# --- PDF with a text layer ----------------------------------------------------------------------------------------


def test_text_pdf_gives_its_text_layer_page_by_page(tmp_path: Path) -> None:
    path = write_text_pdf(tmp_path / "ke-hoach.pdf", pages=[SAMPLE_TEXT.split("\n"), [SECOND_PAGE]])
    loaded = load_document(path)
    assert (loaded.kind, loaded.pages, loaded.ocr) == ("pdf", 2, False)
    assert flat(loaded.text) == flat(SAMPLE_TEXT + "\n" + SECOND_PAGE)
    assert loaded.text == nfc(loaded.text)


def test_pdf_over_the_page_limit_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(loaders, "MAX_PAGES", 2)
    data = write_text_pdf(tmp_path / "a.pdf", pages=[["Một trang"]] * 3).read_bytes()
    error = expect_error(ErrorCode.TOO_LARGE, "dai.pdf", data)
    assert "3 trang" in error.detail


def _encrypt(source: Path, *, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password=user_password, owner_password="chu-so-huu", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_password_protected_pdf_is_refused(tmp_path: Path) -> None:
    data = _encrypt(write_text_pdf(tmp_path / "a.pdf"), user_password="bi-mat")
    error = expect_error(ErrorCode.UNREADABLE_DOCUMENT, "mat-khau.pdf", data)
    assert "mật khẩu" in error.detail


def test_pdf_restricted_only_by_an_owner_password_is_read(tmp_path: Path) -> None:
    data = _encrypt(write_text_pdf(tmp_path / "a.pdf"), user_password="")
    assert "khen thưởng" in load_bytes("han-che.pdf", data).text


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.99])
def test_truncated_pdf_is_refused(tmp_path: Path, cut: float) -> None:
    data = write_text_pdf(tmp_path / "a.pdf").read_bytes()
    error = expect_error(ErrorCode.UNREADABLE_DOCUMENT, "hong.pdf", data[: int(len(data) * cut)])
    assert "bị hỏng" in error.detail


def test_pdf_header_followed_by_garbage_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    no_ocr(monkeypatch)
    expect_error(ErrorCode.UNREADABLE_DOCUMENT, "rac.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 20)


def test_random_bytes_named_pdf_are_refused() -> None:
    error = expect_error(ErrorCode.UNREADABLE_DOCUMENT, "rac.pdf", b"khong phai pdf " * 50)
    assert ".pdf" in error.detail


# --- scans and OCR ------------------------------------------------------------------------------------------------

KEY_PHRASES = ("sáng kiến", "khen thưởng", "Ủy ban nhân dân", "chuyển đổi số")


def assert_recognised(text: str, expected: str = SAMPLE_TEXT) -> None:
    recall = word_recall(expected, text)
    assert recall >= 0.85, f"only {recall:.0%} of the words recognised:\n{text}"
    for phrase in KEY_PHRASES:
        assert phrase in flat(text), f"{phrase!r} missing from:\n{text}"


@pytest.mark.tesseract
@needs_vie_model
@pytest.mark.parametrize("suffix", [".png", ".jpg", ".tif"])
def test_scanned_image_is_read_by_ocr(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"scan{suffix}"
    render_page().save(path, dpi=(300, 300))
    loaded = load_document(path)
    assert (loaded.kind, loaded.pages, loaded.ocr) == ("ocr", 1, True)
    assert_recognised(loaded.text)
    assert loaded.text == nfc(loaded.text)


@pytest.mark.tesseract
@needs_vie_model
def test_noisy_low_resolution_photo_is_still_mostly_read() -> None:
    buffer = io.BytesIO()
    render_page(dpi=150, noise=0.02).save(buffer, format="JPEG", quality=50, dpi=(150, 150))
    text = load_bytes("anh-chup.jpg", buffer.getvalue()).text
    # Noise glues stray dots to words, so only the share of words is held to, not every key phrase.
    assert word_recall(SAMPLE_TEXT, text) >= 0.85, text


@pytest.mark.tesseract
@needs_vie_model
def test_multipage_tiff_reads_every_page(tmp_path: Path) -> None:
    first, second = render_page(), render_page([SECOND_PAGE])
    path = tmp_path / "scan.tiff"
    first.save(path, save_all=True, append_images=[second], dpi=(300, 300))
    loaded = load_document(path)
    assert loaded.pages == 2
    assert_recognised(loaded.text, SAMPLE_TEXT + "\n" + SECOND_PAGE)


@pytest.mark.tesseract
@needs_vie_model
@needs_pdftoppm
def test_scanned_pdf_is_rasterised_and_read_by_ocr(tmp_path: Path) -> None:
    loaded = load_document(write_scan_pdf(tmp_path / "scan.pdf"))
    assert (loaded.kind, loaded.pages, loaded.ocr) == ("pdf", 1, True)
    assert_recognised(loaded.text)


@pytest.mark.tesseract
@needs_vie_model
@needs_pdftoppm
def test_pdf_mixing_text_and_scanned_pages_reads_both_in_order(tmp_path: Path) -> None:
    text_page = write_text_pdf(tmp_path / "text.pdf", pages=[[SECOND_PAGE]])
    scan_page = write_scan_pdf(tmp_path / "scan.pdf")
    writer = PdfWriter()
    writer.append(str(scan_page))
    writer.append(str(text_page))
    writer.write(tmp_path / "mixed.pdf")
    writer.close()
    loaded = load_document(tmp_path / "mixed.pdf")
    assert (loaded.pages, loaded.ocr) == (2, True)
    assert_recognised(loaded.text)
    assert loaded.text.endswith(SECOND_PAGE)


def test_missing_tesseract_gives_a_clear_error_for_images(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    no_ocr(monkeypatch)
    data = write_scan_png(tmp_path / "scan.png").read_bytes()
    error = expect_error(ErrorCode.OCR_UNAVAILABLE, "scan.png", data)
    assert "tesseract-ocr-vie" in error.detail


def test_missing_tesseract_gives_a_clear_error_for_scanned_pdfs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    no_ocr(monkeypatch)
    data = write_scan_pdf(tmp_path / "scan.pdf").read_bytes()
    expect_error(ErrorCode.OCR_UNAVAILABLE, "scan.pdf", data)


def test_missing_tesseract_keeps_the_text_pages_of_a_mixed_pdf(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    no_ocr(monkeypatch)
    writer = PdfWriter()
    writer.append(str(write_scan_pdf(tmp_path / "scan.pdf")))
    writer.append(str(write_text_pdf(tmp_path / "text.pdf", pages=[[SECOND_PAGE]])))
    writer.write(tmp_path / "mixed.pdf")
    writer.close()
    loaded = load_document(tmp_path / "mixed.pdf")
    assert (loaded.text, loaded.ocr) == (SECOND_PAGE, False)


def test_ocr_image_without_the_binary_raises_not_crashes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ThiduaError) as caught:
        ocr_engine.ocr_image(Image.new("L", (100, 100), 255))
    assert caught.value.code is ErrorCode.OCR_UNAVAILABLE


def test_missing_pdftoppm_gives_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(ocr_engine, "ocr_available", lambda: True)
    monkeypatch.setattr(ocr_engine, "rasteriser_available", lambda: False)
    error = expect_error(ErrorCode.OCR_UNAVAILABLE, "scan.pdf", write_scan_pdf(tmp_path / "scan.pdf").read_bytes())
    assert "pdftoppm" in error.detail


def test_rasterising_without_pdftoppm_raises_not_crashes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pdf = write_text_pdf(tmp_path / "a.pdf")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ThiduaError) as caught:
        ocr_engine.rasterise_pdf_page(pdf, 1, width_pt=595, height_pt=842)
    assert caught.value.code is ErrorCode.OCR_UNAVAILABLE


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".tif"])
def test_truncated_images_are_refused(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"scan{suffix}"
    render_page().save(path)
    data = path.read_bytes()
    error = expect_error(ErrorCode.UNREADABLE_DOCUMENT, f"hong{suffix}", data[: len(data) // 3])
    assert "ảnh" in error.detail


def test_random_bytes_named_png_are_refused() -> None:
    expect_error(ErrorCode.UNREADABLE_DOCUMENT, "rac.png", b"not an image at all " * 30)


def test_oversized_images_are_refused_before_ocr(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(loaders, "MAX_IMAGE_PIXELS", 1000)
    monkeypatch.setattr(ocr_engine, "ocr_image", lambda _image: pytest.fail("OCR ran on an oversized image"))
    data = write_scan_png(tmp_path / "scan.png").read_bytes()
    expect_error(ErrorCode.TOO_LARGE, "lon.png", data)


def test_decompression_bombs_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    buffer = io.BytesIO()
    Image.new("L", (100, 100), 255).save(buffer, format="PNG")
    expect_error(ErrorCode.TOO_LARGE, "bom.png", buffer.getvalue())


# --- robustness -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def valid_documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """One valid file of each kind, to damage byte by byte."""
    folder = tmp_path_factory.mktemp("valid")
    png = io.BytesIO()
    render_page(dpi=50, scan_effects=False).save(png, format="PNG")
    return {
        ".docx": write_docx(folder / "a.docx", table_rows=[["Ô một", "Ô hai"]]).read_bytes(),
        ".pdf": write_text_pdf(folder / "a.pdf").read_bytes(),
        ".png": png.getvalue(),
        ".txt": SAMPLE_TEXT.encode(),
    }


@pytest.mark.parametrize("suffix", [".docx", ".pdf", ".png", ".txt"])
def test_damaged_files_give_a_thidua_error_or_text_never_a_crash(
    monkeypatch: pytest.MonkeyPatch, valid_documents: dict[str, bytes], suffix: str
) -> None:
    import random

    # Rasterising and OCR of every damaged page would take minutes; what is tested here is the parsing.
    monkeypatch.setattr(ocr_engine, "ocr_image", lambda _image: "chữ nhận dạng")
    monkeypatch.setattr(ocr_engine, "rasterise_pdf_page", lambda *_args, **_kwargs: Image.new("L", (10, 10), 255))
    rng = random.Random(suffix)
    original = valid_documents[suffix]
    outcomes: set[str] = set()
    for _ in range(40):
        data = bytearray(original)
        for _ in range(rng.choice((1, 4, 32))):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            data = data[: rng.randrange(1, len(data))]
        try:
            loaded = load_bytes(f"hong{suffix}", bytes(data))
        except ThiduaError as error:
            assert error.detail
            outcomes.add(error.code.value)
        else:
            assert loaded.text.strip() and loaded.text == nfc(loaded.text)
            outcomes.add("loaded")
    assert outcomes == {"loaded", ErrorCode.UNREADABLE_DOCUMENT.value}, outcomes
