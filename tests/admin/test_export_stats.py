"""Export to CSV and XLSX (Vietnamese headers, no formula injection) and statistics."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from core.export import neutralise
from core.review import EXPORT_HEADERS
from tests.factories import make_initiative

HOSTILE_TITLE = '=HYPERLINK("http://evil","Bấm")'


def test_neutralise_quotes_every_formula_start() -> None:
    for risky in ("=1+1", "+84", "-2", "@SUM(A1)", "\tx", "\r=1", "＝1", " =1"):
        assert neutralise(risky).startswith("'")
    for safe in ("Bình thường", "0912345678", "an@example.vn", ""):
        assert neutralise(safe) == safe


def test_csv_export_has_vietnamese_headers_and_inert_cells(
    client: TestClient, session: Session, reviewer_headers: dict[str, str]
) -> None:
    hostile = make_initiative(session, title=HOSTILE_TITLE, proposer_name="@cmd|' /C calc'!A0", locality="Cần Thơ")
    make_initiative(session, locality="Hà Giang")
    session.commit()
    response = client.get(
        "/api/initiatives/export", params={"format": "csv", "locality": "Cần Thơ"}, headers=reviewer_headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="sang-kien-')
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(EXPORT_HEADERS)
    assert rows[0][:3] == ["Mã sáng kiến", "Tên sáng kiến", "Trạng thái"]
    assert len(rows) == 2
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["Mã sáng kiến"] == hostile.code
    assert record["Tên sáng kiến"] == "'" + HOSTILE_TITLE
    assert record["Người đề xuất"].startswith("'@")
    assert record["Trạng thái"] == "Đã tiếp nhận"
    assert record["Địa phương"] == "Cần Thơ"


def test_xlsx_export_stores_text_never_formulas(
    client: TestClient, session: Session, reviewer_headers: dict[str, str]
) -> None:
    make_initiative(session, title=HOSTILE_TITLE, locality="Cà Mau", description="-1+2 " * 10)
    session.commit()
    response = client.get(
        "/api/initiatives/export", params={"format": "xlsx", "locality": "Cà Mau"}, headers=reviewer_headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(workbook.active.iter_rows())
    assert [cell.value for cell in rows[0]] == list(EXPORT_HEADERS)
    dates = {EXPORT_HEADERS.index("Ngày gửi"), EXPORT_HEADERS.index("Cập nhật lần cuối")}
    for row in rows[1:]:
        for column, cell in enumerate(row):
            if column in dates:
                assert isinstance(cell.value, datetime) and cell.number_format == "dd/mm/yyyy hh:mm"
            elif cell.value is not None:
                assert cell.data_type == "s"
    sheet = workbook.active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:Q{len(rows)}"
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["Q"].width >= 8
    assert rows[1][1].value == "'" + HOSTILE_TITLE
    assert str(rows[1][10].value).startswith("'-1+2")


def test_export_refuses_an_unknown_format(client: TestClient, reviewer_headers: dict[str, str]) -> None:
    response = client.get("/api/initiatives/export", params={"format": "pdf"}, headers=reviewer_headers)
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"


def test_stats_count_by_state_field_locality_and_month(
    client: TestClient, session: Session, reviewer_headers: dict[str, str]
) -> None:
    first = make_initiative(session, field="Y tế", locality="Sóc Trăng", unit="Thống kê")
    make_initiative(session, field="Y tế", locality="Bạc Liêu", unit="Thống kê")
    make_initiative(session, field="Khác", locality="Sóc Trăng", unit="Thống kê")
    # 17:30 UTC on 31 January is already 1 February in Vietnam.
    first.created_at = datetime(2026, 1, 31, 17, 30, tzinfo=UTC)
    first.state = "accepted"
    session.commit()
    response = client.get("/api/stats", params={"unit": "Thống kê"}, headers=reviewer_headers)
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 3
    states = {c["key"]: (c["label"], c["count"]) for c in body["by_state"]}
    assert states["accepted"] == ("Được công nhận", 1)
    assert states["submitted"][1] == 2
    assert states["rejected"][1] == 0
    assert [(c["key"], c["count"]) for c in body["by_field"]] == [("Y tế", 2), ("Khác", 1)]
    assert [(c["key"], c["count"]) for c in body["by_locality"]] == [("Sóc Trăng", 2), ("Bạc Liêu", 1)]
    months = {c["key"]: c["count"] for c in body["by_month"]}
    assert months["2026-02"] == 1
    assert sum(months.values()) == 3
    assert body["by_month"][0]["label"] == "Tháng 02/2026"


def test_bidi_controls_never_reach_an_export() -> None:
    from bot.rendering import clean_text
    from core.export import to_csv

    spoof = "Báo cáo\u202efdp.exe"
    assert "\u202e" not in clean_text(spoof), "dropped where chat text comes in"
    assert "\u202e" not in to_csv(["Tên"], [[spoof]]).decode("utf-8-sig"), "and in exports of older rows"


def test_a_day_filter_takes_only_yyyy_mm_dd() -> None:
    import pytest
    from pydantic import ValidationError

    from core.review import InitiativeFilters

    assert str(InitiativeFilters(date_to="2026-05-01").date_to) == "2026-05-01"  # type: ignore[arg-type]
    for bad in ("0.0", "1700000000", 0):
        with pytest.raises(ValidationError):
            InitiativeFilters(date_to=bad)  # type: ignore[arg-type]
