"""Plan metadata: the bundled .meta.json files and suggestions read from a plan's header."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from core.errors import ErrorCode, ThiduaError
from knowledge.metadata import load_meta, meta_path, suggest_meta

PLANS = Path(__file__).resolve().parents[2] / "knowledge" / "plans"


def plan_path(prefix: str) -> Path:
    (path,) = PLANS.glob(f"{prefix}_*.txt")
    return path


# What the header of each OCR plan says (the Hà Nội plan's text starts at its title, without a header).
HEADERS = {
    "000": ("99/KH-UBND", "2025", "phường", "phường Hoang Mai"),
    "001": ("07/KH-UBND", "2025-07", "xã", "xã Trung Khanh"),
    "003": ("3764/KH-SYT", "2025-07-23", "sở", "Sở Y Te Hanoi"),
    "004": ("38/KH-UBND", "2025-04-04", "phường", "phường Thanh Binh"),
}


@pytest.mark.parametrize("prefix", sorted(HEADERS))
def test_suggest_meta_reads_number_date_and_issuer_from_the_header(prefix: str) -> None:
    path = plan_path(prefix)
    meta = suggest_meta(path.name, path.read_text(encoding="utf-8"))
    number, date, level, locality = HEADERS[prefix]
    assert meta.suggested
    assert meta.document == path.name
    assert meta.number == number
    assert meta.date == date
    assert meta.level == level
    assert meta.locality == locality
    assert meta.title.startswith("Kế hoạch ")
    assert "thi dua" in meta.title


def test_suggest_meta_without_a_header_uses_the_title() -> None:
    path = plan_path("002")
    meta = suggest_meta(path.name, path.read_text(encoding="utf-8"))
    assert (meta.number, meta.date) == ("", "")
    assert (meta.level, meta.locality, meta.issuer) == ("thành phố", "thành phố Hà Nội", "UBND thành phố Hà Nội")
    assert meta.title == (
        "Kế hoạch triển khai Phong trào thi đua “Cả nước thi đua đổi mới sáng tạo và chuyển đổi số” "
        "trên địa bàn thành phố Hà Nội giai đoạn 2025-2030"
    )


def test_suggest_meta_on_a_clean_header() -> None:
    text = "\n".join(
        [
            "ỦY BAN NHÂN DÂN          CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "PHƯỜNG HÒA BÌNH          Độc lập - Tự do - Hạnh phúc",
            "Số: 12/KH-UBND           Hòa Bình, ngày 5 tháng 9 năm 2025",
            "KẾ HOẠCH",
            "Triển khai phong trào thi đua đổi mới sáng tạo",
            "trên địa bàn phường Hòa Bình năm 2025",
            "",
            "Căn cứ Kế hoạch số 190/KH-UBND ngày 18/7/2025 của UBND Thành phố;",
        ]
    )
    meta = suggest_meta("hoa-binh.docx", text)
    assert meta.number == "12/KH-UBND"  # not the plan it cites
    assert meta.date == "2025-09-05"
    assert (meta.level, meta.issuer, meta.locality) == ("phường", "UBND phường Hòa Bình", "phường Hòa Bình")
    assert meta.aliases == ("Hòa Bình",)
    assert meta.title == (
        "Kế hoạch triển khai phong trào thi đua đổi mới sáng tạo trên địa bàn phường Hòa Bình năm 2025"
    )


def test_suggest_meta_on_text_without_any_header() -> None:
    meta = suggest_meta("empty.txt", "Một đoạn văn không có tiêu đề.")
    assert meta.suggested
    assert (meta.number, meta.date, meta.level) == ("", "", "")


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_load_meta_reads_the_bundled_metadata_file(prefix: str) -> None:
    path = plan_path(prefix)
    data = json.loads(meta_path(path).read_text(encoding="utf-8"))
    meta = load_meta(path)
    assert not meta.suggested
    assert (meta.number, meta.date, meta.issuer, meta.level) == (
        data["number"],
        data["date"],
        data["issuer"],
        data["level"],
    )
    assert meta.aliases == tuple(data["aliases"])
    assert meta.citation == f"Kế hoạch {data['number']} của {data['issuer']}"


def test_load_meta_without_a_file_suggests(tmp_path: Path) -> None:
    copy = tmp_path / "hoang-mai.txt"
    shutil.copy(plan_path("000"), copy)
    meta = load_meta(copy)
    assert meta.suggested
    assert meta.document == "hoang-mai.txt"
    assert meta.number == "99/KH-UBND"


def test_load_meta_fills_missing_fields_from_the_header(tmp_path: Path) -> None:
    copy = tmp_path / "thanh-binh.txt"
    shutil.copy(plan_path("004"), copy)
    meta_path(copy).write_text(json.dumps({"issuer": "UBND phường Thanh Bình", "aliases": ["Thanh Bình"]}), "utf-8")
    meta = load_meta(copy)
    assert meta.suggested
    assert meta.issuer == "UBND phường Thanh Bình"
    assert (meta.number, meta.date) == ("38/KH-UBND", "2025-04-04")
    assert meta.aliases == ("Thanh Bình",)


def test_load_meta_uses_given_text_for_binary_documents(tmp_path: Path) -> None:
    document = tmp_path / "plan.pdf"
    document.write_bytes(b"%PDF-1.7 binary")
    meta = load_meta(document, text="UBND XÃ AN PHÚ\nSố: 3/KH-UBND  An Phú, ngày 2 tháng 1 năm 2026\nKẾ HOẠCH\n")
    assert (meta.number, meta.date, meta.level) == ("3/KH-UBND", "2026-01-02", "xã")


def test_load_meta_refuses_a_broken_file(tmp_path: Path) -> None:
    document = tmp_path / "plan.txt"
    document.write_text("KẾ HOẠCH", "utf-8")
    meta_path(document).write_text("{not json", "utf-8")
    with pytest.raises(ThiduaError) as caught:
        load_meta(document)
    assert caught.value.code is ErrorCode.VALIDATION
