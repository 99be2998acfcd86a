"""Small hand-made plans indexed with the fake embedder, for fast answerer tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings
from knowledge.passages import Passage, PlanMeta
from retrieval.answering import Answerer
from retrieval.embeddings import make_embeddings
from retrieval.vectorstore import PassageIndex, make_chroma_client
from tests.fakes import FakeEmbeddings

WARD = PlanMeta(
    document="ward.txt",
    title="Kế hoạch triển khai phong trào trên địa bàn phường Hoa Sen",
    issuer="UBND phường Hoa Sen",
    level="phường",
    locality="phường Hoa Sen",
    number="12/KH-UBND",
    date="2025-05-01",
    aliases=("Hoa Sen",),
)
CITY = PlanMeta(
    document="city.txt",
    title="Kế hoạch triển khai phong trào trên địa bàn thành phố Sông Hồng",
    issuer="UBND thành phố Sông Hồng",
    level="thành phố",
    locality="thành phố Sông Hồng",
    number="300/KH-UBND",
    date="2025-04-01",
    aliases=("Sông Hồng", "Thành phố"),
)

WARD_SECTIONS = [
    (
        ("IV. Tổ chức thực hiện", "1. Phòng Văn hóa – Xã hội"),
        "1. Phòng Văn hóa – Xã hội\n- Định kỳ trước ngày 20/11 hằng năm báo cáo tình hình thực hiện phong trào "
        "về UBND phường.\n- Tham mưu khen thưởng các tập thể, cá nhân tiêu biểu.",
    ),
    (
        ("III. Tiêu chí thi đua", "c) Đối với doanh nghiệp"),
        "c) Đối với doanh nghiệp\n- Ứng dụng công nghệ số trong sản xuất kinh doanh.\n"
        "- Tham gia hợp tác quốc tế về đổi mới sáng tạo.",
    ),
    (
        ("II. Nội dung", "5. Thời gian thực hiện"),
        "5. Thời gian thực hiện\n- Giai đoạn 1 (từ 2025 - 2027): triển khai, sơ kết vào năm 2027.\n"
        "- Giai đoạn 2 (từ 2027 - 2030): tổng kết vào năm 2030.",
    ),
]
CITY_SECTIONS = [
    (
        ("IV. Tổ chức thực hiện", "5. Các sở, ngành, xã, phường"),
        "5. Các sở, ngành, xã, phường\n- Định kỳ trước ngày 15/12 hằng năm báo cáo tình hình thực hiện phong trào "
        "về Sở Khoa học và Công nghệ.",
    ),
    (
        ("II. Nội dung", "3. Thời gian thực hiện"),
        "3. Thời gian thực hiện\n- Giai đoạn 1 (từ 2025 - 2028): triển khai, sơ kết vào năm 2028.\n"
        "- Giai đoạn 2 (từ 2028 - 2030): tổng kết vào năm 2030.",
    ),
    (
        ("III. Khen thưởng", "2.1 Hình thức khen thưởng"),
        "2.1 Hình thức khen thưởng\n- Huân chương Lao động;\n- Bằng khen của Chủ tịch UBND Thành phố;\n"
        "- Giấy khen các cấp.",
    ),
]


def passages_of(meta: PlanMeta, sections: list[tuple[tuple[str, ...], str]]) -> list[Passage]:
    """Passages of a hand-made plan; ``original`` differs from ``text`` as OCR output would."""
    return [
        Passage(
            id=f"{meta.document}:{order}",
            document=meta.document,
            order=order,
            section_path=path,
            text=text,
            original=text.replace("ư", "u").replace("ơ", "o"),
        )
        for order, (path, text) in enumerate(sections)
    ]


@pytest.fixture
def index(tmp_path: Path) -> PassageIndex:
    """A Chroma index of the two hand-made plans, embedded with the fake embedder."""
    settings = Settings(data_dir=tmp_path)
    passage_index = PassageIndex(make_chroma_client(settings), make_embeddings(settings, inner=FakeEmbeddings()))
    passage_index.replace_document(WARD.document, passages_of(WARD, WARD_SECTIONS), WARD)
    passage_index.replace_document(CITY.document, passages_of(CITY, CITY_SECTIONS), CITY)
    return passage_index


@pytest.fixture
def answerer(index: PassageIndex) -> Answerer:
    """An answerer loaded with the hand-made plans."""
    built = Answerer(index)
    built.load(index.all_passages(), [])
    return built
