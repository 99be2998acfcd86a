"""A Word file, a text PDF and a rendered scan of a Vietnamese page each ingest and answer a question about them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings
from knowledge.loaders import ocr_available
from tests.fakes import FakeEmbeddings
from tests.knowledge.documents import write_docx, write_scan_png, write_text_pdf
from thidua.runtime import Runtime, build_runtime

META = {
    "title": "Kế hoạch triển khai phong trào thi đua đổi mới sáng tạo và chuyển đổi số năm 2025",
    "issuer": "UBND phường Hòa Bình",
    "level": "phường",
    "locality": "phường Hòa Bình",
    "number": "12/KH-UBND",
    "date": "2025-05-02",
    "aliases": ["Hòa Bình"],
}

BUILDERS: dict[str, Callable[[Path], Path]] = {
    "docx": lambda folder: write_docx(folder / "ke-hoach-hoa-binh.docx"),
    "pdf": lambda folder: write_text_pdf(folder / "ke-hoach-hoa-binh.pdf"),
    "scan": lambda folder: write_scan_png(folder / "ke-hoach-hoa-binh.png"),
}


@pytest.fixture
def runtime(settings: Settings, tmp_path: Path, session_factory: sessionmaker[Session]) -> Iterator[Runtime]:
    empty = tmp_path / "no-bundled-plans"
    empty.mkdir()
    built = build_runtime(
        settings.model_copy(update={"plans_dir": empty}), embedder=FakeEmbeddings(), sessions=session_factory
    )
    yield built
    built.close()


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_uploaded_plan_answers_questions_about_its_content(runtime: Runtime, tmp_path: Path, kind: str) -> None:
    if kind == "scan" and not ocr_available():
        pytest.skip("tesseract with the Vietnamese model is not installed")
    path = BUILDERS[kind](tmp_path)

    result = runtime.ingest_upload(path=path, name=path.name, meta=META, actor="reviewer:admin")

    assert result.status == "added" and result.passages >= 1
    answer = runtime.answer("Phường Hòa Bình khen thưởng bằng hình thức nào?")
    assert answer.found, answer.text
    assert "giấy khen" in answer.text.lower()
    assert answer.sources[0].document == path.name
    assert "12/KH-UBND" in answer.text
    deadline = runtime.answer("hạn gửi hồ sơ đề nghị khen thưởng ở phường hòa bình là khi nào")
    assert deadline.found and "15 tháng 11" in deadline.text


def test_plan_given_on_the_command_line_gets_suggested_metadata(runtime: Runtime, tmp_path: Path) -> None:
    path = write_docx(tmp_path / "ke-hoach.docx")
    report = runtime.ingest_files([path])
    assert report.count("added") == 1
    answer = runtime.answer("hình thức khen thưởng của phường Hòa Bình là gì")
    assert answer.found and answer.sources[0].document == "ke-hoach.docx"


def test_replacing_and_removing_an_uploaded_plan_changes_answers_at_once(runtime: Runtime, tmp_path: Path) -> None:
    first = write_docx(tmp_path / "v1.docx")
    runtime.ingest_upload(path=first, name="hoa-binh.docx", meta=META, actor="reviewer:admin")
    second = write_docx(
        tmp_path / "v2.docx",
        paragraphs=(
            "Triển khai phong trào thi đua đổi mới sáng tạo và chuyển đổi số năm 2025 của phường Hòa Bình.",
            "Hình thức khen thưởng: Chủ tịch Ủy ban nhân dân phường tặng Bằng khen cho tập thể xuất sắc.",
        ),
    )
    result = runtime.ingest_upload(path=second, name="hoa-binh.docx", meta=META, actor="reviewer:admin")
    assert result.status == "updated" and result.version == 2
    answer = runtime.answer("Phường Hòa Bình khen thưởng bằng hình thức nào?")
    assert "bằng khen" in answer.text.lower() and "giấy khen" not in answer.text.lower()

    runtime.remove_plan("hoa-binh.docx")
    gone = runtime.answer("Phường Hòa Bình khen thưởng bằng hình thức nào?")
    assert not gone.found
