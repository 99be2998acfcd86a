"""Tesseract OCR with the Vietnamese model, and rasterising PDF pages for it with poppler's pdftoppm.

Both are outside programs (Debian's tesseract-ocr, tesseract-ocr-vie and poppler-utils, installed by
scripts/install-system-deps.sh). When one is missing, callers get a ThiduaError(OCR_UNAVAILABLE), never a crash.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageOps

from core.errors import ErrorCode, ThiduaError
from core.vietnamese import nfc

logger = logging.getLogger(__name__)

OCR_LANGUAGE = "vie"
# Scans are usually 200-300 dpi; Tesseract is trained on text of about 20-40 px x-height, which 300 dpi gives for
# ordinary 12-14 pt print.
RASTER_DPI = 300
# Caps a rasterised page at about 7000 px on its longer side, so an oversized page cannot exhaust memory.
MAX_RASTER_SIDE_PX = 7000
TESSERACT_TIMEOUT_S = 180
PDFTOPPM_TIMEOUT_S = 120

OCR_UNAVAILABLE_DETAIL = (
    "Không thể nhận dạng chữ trong tệp quét hoặc ảnh vì máy chủ chưa cài Tesseract với gói tiếng Việt "
    "(tesseract-ocr, tesseract-ocr-vie). Vui lòng báo quản trị viên, hoặc gửi tệp Word hay PDF có sẵn chữ."
)
RASTER_UNAVAILABLE_DETAIL = (
    "Không thể đọc các trang quét trong tệp PDF vì máy chủ chưa cài poppler-utils (pdftoppm). "
    "Vui lòng báo quản trị viên, hoặc gửi tệp Word hay PDF có sẵn chữ."
)


@functools.cache
def ocr_available() -> bool:
    """Tell whether the tesseract binary and its Vietnamese model are installed (checked once per process)."""
    binary = shutil.which("tesseract")
    if binary is None:
        return False
    try:
        listed = subprocess.run(  # noqa: S603 - fixed arguments, binary found on PATH
            [binary, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        logger.warning("tesseract --list-langs failed", exc_info=True)
        return False
    # Older versions print the list on stderr.
    languages = {line.strip() for line in (listed.stdout + "\n" + listed.stderr).splitlines()}
    return OCR_LANGUAGE in languages


@functools.cache
def rasteriser_available() -> bool:
    """Tell whether poppler's pdftoppm is installed to turn PDF pages into images."""
    return shutil.which("pdftoppm") is not None


def ocr_image(image: Image.Image) -> str:
    """Recognise the Vietnamese text of one page image with Tesseract; the result is NFC.

    Raises ThiduaError(OCR_UNAVAILABLE) when Tesseract or its Vietnamese model is missing.
    """
    binary = shutil.which("tesseract")
    if binary is None or not ocr_available():
        raise ThiduaError(ErrorCode.OCR_UNAVAILABLE, OCR_UNAVAILABLE_DETAIL)
    prepared, dpi = _prepare(image)
    with tempfile.TemporaryDirectory(prefix="thidua-ocr-") as tmp:
        # PGM: uncompressed, so writing it costs nothing next to PNG; the dpi is passed on the command line.
        source = Path(tmp) / "page.pgm"
        prepared.save(source, format="PPM")
        command = [binary, str(source), "stdout", "-l", OCR_LANGUAGE, "--dpi", str(dpi), "--psm", "3"]
        # Tesseract's OpenMP threads spin against each other on a busy small machine: one thread was about twice as
        # fast here under load. An operator's own OMP_THREAD_LIMIT wins.
        env = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
        try:
            done = subprocess.run(  # noqa: S603 - fixed arguments, binary found on PATH
                command, capture_output=True, timeout=TESSERACT_TIMEOUT_S, check=False, env=env
            )
        except subprocess.TimeoutExpired as exc:
            raise ThiduaError(
                ErrorCode.UNREADABLE_DOCUMENT,
                "Nhận dạng chữ một trang quét mất quá nhiều thời gian; hãy thử ảnh rõ hơn.",
            ) from exc
        except OSError as exc:
            raise ThiduaError(ErrorCode.OCR_UNAVAILABLE, OCR_UNAVAILABLE_DETAIL) from exc
    if done.returncode != 0:
        logger.warning("tesseract exited %s: %s", done.returncode, done.stderr.decode("utf-8", "replace")[-500:])
        raise ThiduaError(ErrorCode.UNREADABLE_DOCUMENT, "Không nhận dạng được chữ trong ảnh quét này.")
    return nfc(done.stdout.decode("utf-8", "replace")).replace("\f", "").strip()


def rasterise_pdf_page(pdf_path: Path, page_number: int, *, width_pt: float, height_pt: float) -> Image.Image:
    """Render one page (1-based) of a PDF file to a grayscale image with pdftoppm.

    The resolution is RASTER_DPI unless the page is so large that the image would pass MAX_RASTER_SIDE_PX.
    Raises ThiduaError(OCR_UNAVAILABLE) when pdftoppm is missing.
    """
    binary = shutil.which("pdftoppm")
    if binary is None:
        raise ThiduaError(ErrorCode.OCR_UNAVAILABLE, RASTER_UNAVAILABLE_DETAIL)
    longest_pt = max(width_pt, height_pt, 1.0)
    dpi = max(50, min(RASTER_DPI, int(MAX_RASTER_SIDE_PX * 72 / longest_pt)))
    with tempfile.TemporaryDirectory(prefix="thidua-raster-") as tmp:
        prefix = Path(tmp) / "page"
        # -gray without -png writes an uncompressed PGM, several times faster than PNG for a 300 dpi page.
        pages = ["-f", str(page_number), "-l", str(page_number)]
        command = [binary, "-r", str(dpi), "-gray", *pages, "-singlefile", str(pdf_path), str(prefix)]
        try:
            done = subprocess.run(  # noqa: S603 - fixed arguments, binary found on PATH
                command, capture_output=True, timeout=PDFTOPPM_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise ThiduaError(
                ErrorCode.UNREADABLE_DOCUMENT, f"Không dựng được hình trang {page_number} của tệp PDF (quá thời gian)."
            ) from exc
        except OSError as exc:
            raise ThiduaError(ErrorCode.OCR_UNAVAILABLE, RASTER_UNAVAILABLE_DETAIL) from exc
        output = prefix.with_suffix(".pgm")
        if done.returncode != 0 or not output.exists():
            logger.warning("pdftoppm exited %s: %s", done.returncode, done.stderr.decode("utf-8", "replace")[-500:])
            raise ThiduaError(ErrorCode.UNREADABLE_DOCUMENT, f"Không dựng được hình trang {page_number} của tệp PDF.")
        with Image.open(output) as rendered:
            rendered.load()
            return rendered.copy()


def _prepare(image: Image.Image) -> tuple[Image.Image, int]:
    """Upright grayscale copy of ``image`` plus the dpi to tell Tesseract."""
    # Phone photos carry their rotation in EXIF instead of in the pixels.
    upright = ImageOps.exif_transpose(image)
    return upright.convert("L"), _declared_dpi(image)


def _declared_dpi(image: Image.Image) -> int:
    """The horizontal dpi stored in the image, or RASTER_DPI when it has none or an implausible one."""
    raw: object = image.info.get("dpi")
    if isinstance(raw, tuple) and raw:
        raw = raw[0]
    if not isinstance(raw, int | float):
        return RASTER_DPI
    value = float(raw)
    return round(value) if 70 <= value <= 1200 else RASTER_DPI
