"""Document cards, answer-first composition and follow-up questions, on small hand-made plans."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.dialog import Dialog
from bot.messages import Incoming
from core.settings import Settings
from knowledge.card import build_cards
from knowledge.passages import Passage
from retrieval.answering import Answerer
from retrieval.decline import DeclineModel
from retrieval.embeddings import make_embeddings
from retrieval.follow_up import DETAIL_MARK
from retrieval.kinds.document import Aspect, document_aspect
from retrieval.vectorstore import PassageIndex, make_chroma_client
from tests.fakes import FakeEmbeddings
from tests.retrieval.conftest import CITY, CITY_SECTIONS, WARD, WARD_SECTIONS, passages_of

WARD_OPENING = (
    ("Mở đầu",),
    "KẾ HOẠCH\nTriển khai Phong trào thi đua “Cả nước thi đua đổi mới sáng tạo và chuyển đổi số” trên địa bàn "
    "phường Hoa Sen. Thực hiện Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị về đột phá phát triển; "
    "Kế hoạch số 300/KH-UBND ngày 01/4/2025 của UBND thành phố Sông Hồng về triển khai phong trào thi đua "
    "“Cả nước thi đua đổi mới sáng tạo và chuyển đổi số”, UBND phường Hoa Sen ban hành Kế hoạch như sau:",
)
WARD_CLOSING = (
    ("Nơi nhận",),
    "Nơi nhận: TM. ỦY BAN NHÂN DÂN\n- UBND thành phố Sông Hồng; KT. CHỦ TỊCH\n- Sở KH&CN; PHÓ CHỦ TỊCH\n"
    "- Các tổ dân phố;\n- Lưu: VT, VHXH.\nNguyễn Văn An",
)


def _ward() -> list[Passage]:
    return passages_of(WARD, [WARD_OPENING, *WARD_SECTIONS, WARD_CLOSING])


@pytest.fixture
def answerer(tmp_path: Path) -> Answerer:
    """The hand-made ward (with its preamble and signature) and city plans, answering with the hand rule."""
    settings = Settings(data_dir=tmp_path)
    index = PassageIndex(make_chroma_client(settings), make_embeddings(settings, inner=FakeEmbeddings()))
    index.replace_document(WARD.document, _ward(), WARD)
    index.replace_document(CITY.document, passages_of(CITY, CITY_SECTIONS), CITY)
    built = Answerer(index, link_base="https://thidua.example")
    built.load(index.all_passages(), [])
    return built


def test_the_card_reads_signer_links_and_recipients() -> None:
    cards = build_cards({WARD.document: _ward(), CITY.document: []}, {WARD.document: WARD, CITY.document: CITY})
    ward = cards[WARD.document]
    assert ward.signer == "Nguyễn Văn An"
    assert ward.signer_title == "KT. Chủ tịch – Phó Chủ tịch"
    assert [r.number for r in ward.implements] == ["300/KH-UBND"]
    assert [r.number for r in ward.bases] == ["57-NQ/TW", "300/KH-UBND"]
    assert ward.recipients == ("UBND thành phố Sông Hồng", "Sở KH&CN", "Các tổ dân phố")
    assert ward.movement == "Cả nước thi đua đổi mới sáng tạo và chuyển đổi số"
    assert [m.document for m in cards[CITY.document].implemented_by] == [WARD.document]


@pytest.mark.parametrize(
    ("question", "aspect"),
    [
        ("ai ký kế hoạch của phường Hoa Sen", Aspect.SIGNER),
        ("ke hoach nay gui cho nhung co quan nao", Aspect.RECIPIENTS),
        ("kế hoạch của phường thực hiện kế hoạch nào của cấp trên", Aspect.IMPLEMENTS),
        ("kế hoạch 300 được những kế hoạch nào triển khai", Aspect.IMPLEMENTED_BY),
        ("tên đầy đủ của phong trào là gì", Aspect.MOVEMENT),
        ("những kế hoạch nào được ban hành để thực hiện kế hoạch 300", Aspect.IMPLEMENTED_BY),
        ("các kế hoạch được ban hành vào ngày tháng nào", Aspect.IDENTITY),
        ("hạn báo cáo của phường là ngày nào", None),
        ("tiêu chí thi đua đối với doanh nghiệp", None),
    ],
)
def test_document_questions_are_told_from_content_questions(question: str, aspect: Aspect | None) -> None:
    from retrieval.query import parse_query

    assert document_aspect(parse_query(question).folded) is aspect


def test_document_questions_are_answered_from_the_card(answerer: Answerer) -> None:
    signer = answerer.answer("Ai ký kế hoạch của phường Hoa Sen?")
    assert signer.found and "Nguyễn Văn An" in signer.text and "Phó Chủ tịch" in signer.text
    assert "(Nguồn: Kế hoạch 12/KH-UBND của UBND phường Hoa Sen, mục Nơi nhận" in signer.text
    children = answerer.answer("Kế hoạch 300 được những kế hoạch nào triển khai?")
    assert children.found and "Kế hoạch 12/KH-UBND của UBND phường Hoa Sen" in children.text


def test_the_answer_comes_first_with_a_link_to_the_section(answerer: Answerer) -> None:
    answer = answerer.answer("Hạn báo cáo của phường Hoa Sen là ngày nào?")
    assert answer.text.startswith("Phường Hoa Sen: Định kỳ trước ngày 20/11 hằng năm")
    assert "20/11" in answer.text[:200]
    assert "https://thidua.example/plans/ward.txt#p1" in answer.text
    assert "văn bản số hóa từ bản quét" in answer.text  # the hand-made passages read as OCR output


@pytest.mark.parametrize(
    ("previous", "message", "expected", "fact"),
    [
        ("Hạn báo cáo của phường Hoa Sen là ngày nào?", "còn thành phố Sông Hồng thì sao?", "Sông Hồng", "15/12"),
        ("Hạn báo cáo của thành phố Sông Hồng là ngày nào?", "thế còn phường Hoa Sen?", "Hoa Sen", "20/11"),
        ("Hạn báo cáo của phường Hoa Sen là ngày nào?", "thế thời gian thực hiện?", "Hoa Sen", "2027"),
        ("Hạn báo cáo của phường Hoa Sen là ngày nào?", "ai ký kế hoạch đó?", "Hoa Sen", "Nguyễn Văn An"),
    ],
)
def test_follow_ups_carry_the_subject_or_place(
    answerer: Answerer, previous: str, message: str, expected: str, fact: str
) -> None:
    whole = answerer.follow_up(message, previous)
    assert expected in whole
    answer = answerer.answer(whole)
    assert answer.found and fact in answer.text


def test_more_detail_quotes_the_previous_answer_whole(answerer: Answerer) -> None:
    whole = answerer.follow_up("cụ thể hơn được không?", "Hạn báo cáo của phường Hoa Sen là ngày nào?")
    assert whole == "Hạn báo cáo của phường Hoa Sen là ngày nào?" + DETAIL_MARK
    assert "Tham mưu khen thưởng" in answerer.answer(whole).text


def test_a_new_topic_is_not_polluted(answerer: Answerer) -> None:
    question = "Các hình thức khen thưởng của thành phố Sông Hồng gồm những gì?"
    assert answerer.follow_up(question, "Hạn báo cáo của phường Hoa Sen là ngày nào?") == question
    assert answerer.follow_up("tiêu chí thi đua đối với doanh nghiệp là gì", "ai ký kế hoạch của phường Hoa Sen") == (
        "tiêu chí thi đua đối với doanh nghiệp là gì"
    )


@pytest.mark.parametrize("channels", [("telegram", "web"), ("zalo", "zalo")])
def test_follow_ups_through_the_dialog_survive_a_restart(
    answerer: Answerer, session_factory: sessionmaker[Session], tmp_path: Path, channels: tuple[str, str]
) -> None:
    settings = Settings(_env_file=None, environment="test", data_dir=tmp_path / "d")  # type: ignore[call-arg]
    for channel in channels:
        first = Dialog(sessions=session_factory, answerer=answerer, settings=settings)
        first.handle(Incoming(channel=channel, user_id="u1", text="Hạn báo cáo của phường Hoa Sen là ngày nào?"))
        restarted = Dialog(sessions=session_factory, answerer=answerer, settings=settings)  # a new process
        replies = restarted.handle(Incoming(channel=channel, user_id="u1", text="còn thành phố Sông Hồng thì sao?"))
        assert "15/12" in replies[-1].text and "Sông Hồng" in replies[-1].text


def test_the_shipped_decline_model_loads_and_decides(tmp_path: Path) -> None:
    model = DeclineModel.shipped()
    assert model.weights, "the decline model file is missing: run `thidua train-models`"
    strong = dict.fromkeys(model_features(), 1.0)
    weak = dict.fromkeys(model_features(), 0.0)
    assert model.answers(strong) and not model.answers(weak)
    (tmp_path / "other.json").write_text('{"features": ["x"]}', "utf-8")
    assert DeclineModel.shipped(tmp_path / "other.json").weights == ()  # built for other features: not trusted


def model_features() -> tuple[str, ...]:
    from retrieval.decline import FEATURES

    return FEATURES


def test_the_shipped_ranking_and_plan_models_match_the_features_they_read() -> None:
    from retrieval.kinds.plan_choice import PLAN_FEATURES, PLAN_MODEL_FILE
    from retrieval.linear_model import LinearModel
    from retrieval.ranking import RANK_FEATURES, RANK_MODEL_FILE

    ranking = LinearModel.load(RANK_MODEL_FILE, RANK_FEATURES)
    plans = LinearModel.load(PLAN_MODEL_FILE, PLAN_FEATURES)
    assert ranking.built and plans.built, "a model file is missing or stale: run `thidua train-models`"
    # a plan whose best passage is the best overall and answers clearly gets its line; a far weaker one does not
    best = {
        "rank_gap": 0.0,
        "score_share": 1.0,
        "support": 0.9,
        "rare_compounds": 1.0,
        "compounds": 1.0,
        "unit": 0.6,
        "title_match": 0.5,
        "kind_match": 1.0,
        "kind_miss": 0.0,
        "answers": 0.95,
        "is_best": 1.0,
    }
    weak = {
        **best,
        "rank_gap": -1.0,
        "score_share": 0.4,
        "support": 0.1,
        "rare_compounds": 0.0,
        "compounds": 0.0,
        "unit": 0.0,
        "title_match": 0.0,
        "kind_match": 0.0,
        "kind_miss": 1.0,
        "answers": 0.05,
        "is_best": 0.0,
    }
    assert plans.probability(best) >= plans.threshold > plans.probability(weak)


@pytest.mark.parametrize(
    ("question", "aspect"),
    [
        ("kế hoạch có gửi sở nội vụ không", Aspect.RECIPIENTS),
        ("kế hoạch của phường có gửi báo cáo không", None),  # sending reports is the plan's content
        ("số hiệu mấy kế hoạch này là bao nhiêu", Aspect.IDENTITY),
    ],
)
def test_yes_no_and_plural_document_questions(question: str, aspect: Aspect | None) -> None:
    from retrieval.query import parse_query

    assert document_aspect(parse_query(question).folded) is aspect
