"""The `thidua` command line: every command has help; `ask --jsonl` keeps its contract; restore is line for line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from core.settings import BUNDLED_PLANS_DIR, get_settings
from thidua.cli import build_parser, main

COMMANDS = [
    ["ingest"],
    ["ask"],
    ["eval"],
    ["bench"],
    ["restore"],
    ["serve"],
    ["worker"],
    ["loadtest"],
    ["migrate"],
    ["reviewer", "create"],
]


@pytest.fixture(autouse=True)
def _fresh_settings() -> None:
    get_settings.cache_clear()


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: thidua" in capsys.readouterr().out


def test_restore_writes_one_line_per_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    lines = ["Ké hoach sé 190/KH-UBND ngay 18/7/2025", "", "Pinh ky trudc ngay 15/12 hang nim"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main(["restore"]) == 0
    out = capsys.readouterr().out.split("\n")
    assert out[-1] == ""
    assert len(out[:-1]) == 3
    assert out[1] == ""
    assert "15/12" in out[2] and "190/KH-UBND" in out[0]
    assert out[0].startswith("Kế hoạch")


def test_ingest_of_a_missing_file_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("THIDUA_DATA_DIR", str(tmp_path))
    assert main(["ingest", str(tmp_path / "khong-co.docx")]) == 2
    assert "Không tìm thấy tệp" in capsys.readouterr().err


def test_ask_without_a_question_says_how(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask"]) == 2
    assert "thidua ask" in capsys.readouterr().err


@pytest.mark.slow
def test_ask_jsonl_follows_the_contract(
    bundled_data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("THIDUA_DATA_DIR", str(bundled_data_dir))
    monkeypatch.setenv("THIDUA_LOG_LEVEL", "WARNING")
    questions = [
        {"id": "q1", "question": "Hạn báo cáo kết quả phong trào của phường Hoàng Mai là ngày nào?"},
        {"id": "q2", "question": "gia ve tham quan di tich lich su o phuong thanh binh la bao nhieu"},
    ]
    stdin = "\n".join(json.dumps(q, ensure_ascii=False) for q in questions) + "\nnot json\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))

    code = main(["ask", "--jsonl", "-"])

    captured = capsys.readouterr()
    assert code == 1  # one bad line, reported, the others answered
    assert "line 3" in captured.err
    rows = [json.loads(line) for line in captured.out.splitlines()]
    assert [r["id"] for r in rows] == ["q1", "q2"]
    plan_files = {p.name for p in BUNDLED_PLANS_DIR.glob("*.txt")}
    for row, question in zip(rows, questions, strict=True):
        assert set(row) == {"id", "question", "answer", "found", "elapsed_ms", "sources"}
        assert row["question"] == question["question"]
        assert isinstance(row["found"], bool)
        assert isinstance(row["elapsed_ms"], int | float) and row["elapsed_ms"] > 0
        for source in row["sources"]:
            assert set(source) == {"document", "title", "section", "text", "score"}
            assert source["document"] in plan_files
    first, second = rows
    assert first["found"] is True
    assert "99/KH-UBND" in first["answer"]
    assert first["sources"][0]["document"].startswith("000_")
    assert second["found"] is False


@pytest.mark.slow
def test_ask_json_prints_one_object(
    bundled_data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("THIDUA_DATA_DIR", str(bundled_data_dir))
    monkeypatch.setenv("THIDUA_LOG_LEVEL", "WARNING")
    assert main(["ask", "--json", "tiêu chí thi đua đối với doanh nghiệp ở xã Trùng Khánh"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["found"] is True and row["id"] is None
    assert row["sources"][0]["document"].startswith("001_")


def test_reviewer_create_refuses_a_weak_password_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("THIDUA_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO("ngan\n"))
    assert main(["reviewer", "create", "--username", "canbo1", "--password-stdin"]) == 2
    err = capsys.readouterr().err
    assert "Không hợp lệ (password)" in err and "Traceback" not in err


def test_reviewer_create_twice_is_a_clear_conflict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("THIDUA_DATA_DIR", str(tmp_path))
    for expected in (0, 2):
        monkeypatch.setattr("sys.stdin", io.StringIO("mat-khau-du-dai-2026\n"))
        assert main(["reviewer", "create", "--username", "canbo1", "--role", "admin", "--password-stdin"]) == expected
    captured = capsys.readouterr()
    assert "Đã tạo tài khoản canbo1 (admin)" in captured.out
    assert "Lỗi:" in captured.err
