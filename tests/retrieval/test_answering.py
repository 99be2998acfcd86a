"""The answerer end to end on two hand-made plans: cited, scoped, per plan, declined, generated."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

from core.settings import Settings
from knowledge.passages import PlanMeta
from retrieval.answering import Answerer, answer_to_json, format_answer_text
from retrieval.embeddings import make_embeddings
from retrieval.generator import ChatModelGenerator
from retrieval.vectorstore import PassageIndex, make_chroma_client
from tests.fakes import BrokenChatModel, FakeEmbeddings, SlowChatModel


def test_answer_quotes_the_deadline_and_cites_the_plan(answerer: Answerer) -> None:
    answer = answerer.answer("phường Hoa Sen báo cáo phong trào trước ngày nào?")
    assert answer.found
    assert "20/11" in answer.text
    assert "12/KH-UBND" in answer.text and "UBND phường Hoa Sen" in answer.text
    assert "1. Phòng Văn hóa – Xã hội" in answer.text  # the section path is cited
    assert answer.sources[0].document == "ward.txt"
    assert answer.localities == ["phường Hoa Sen"]


def test_sources_show_repaired_text_never_the_raw_original(answerer: Answerer) -> None:
    answer = answerer.answer("tiêu chí đối với doanh nghiệp ở phường Hoa Sen là gì")
    assert answer.found
    assert "hợp tác quốc tế" in answer.text
    for source in answer.sources:
        assert "ư" in source.text or "ơ" in source.text or "Đ" in source.text  # the repaired text, with diacritics


def test_bare_and_shorthand_questions_are_understood(answerer: Answerer) -> None:
    assert "20/11" in answerer.answer("phuong hoa sen bao cao truoc ngay nao").text
    assert "20/11" in answerer.answer("p.hoa sen bc trước ngày nào v ạ").text


def test_remembered_locality_scopes_a_question_that_names_none(answerer: Answerer) -> None:
    answer = answerer.answer("giai đoạn 1 từ năm nào đến năm nào?", locality="thành phố Sông Hồng")
    assert answer.found
    assert "2028" in answer.text and answer.sources[0].document == "city.txt"


def test_question_naming_a_locality_overrides_the_remembered_one(answerer: Answerer) -> None:
    answer = answerer.answer("phường Hoa Sen: giai đoạn 1 từ năm nào đến năm nào?", locality="thành phố Sông Hồng")
    assert "2027" in answer.text and answer.sources[0].document == "ward.txt"


def test_no_locality_and_plans_differ_gives_one_block_per_plan(answerer: Answerer) -> None:
    answer = answerer.answer("giai đoạn 1 từ năm nào đến năm nào?")
    assert answer.found
    assert "2027" in answer.text and "2028" in answer.text
    assert "12/KH-UBND" in answer.text and "300/KH-UBND" in answer.text
    assert set(answer.localities) == {"phường Hoa Sen", "thành phố Sông Hồng"}


def test_unrelated_question_is_declined_with_a_pointer(answerer: Answerer) -> None:
    answer = answerer.answer("giá vé tham quan bảo tàng ở phường Hoa Sen là bao nhiêu?")
    assert not answer.found
    assert answer.sources == []
    assert "Phòng Văn hóa – Xã hội của UBND phường Hoa Sen" in answer.text


def test_deadline_question_on_a_topic_without_a_deadline_is_declined(answerer: Answerer) -> None:
    answer = answerer.answer("hạn chót nộp hồ sơ đề nghị Huân chương Lao động ở thành phố Sông Hồng là ngày nào?")
    assert not answer.found


def test_localities_for_buttons(answerer: Answerer) -> None:
    assert answerer.localities() == ["thành phố Sông Hồng", "phường Hoa Sen"]


def test_generator_rewrites_the_answer_from_the_passages(index: PassageIndex) -> None:
    model = GenericFakeChatModel(messages=iter(["Trước ngày 20/11 hằng năm. (Nguồn: Kế hoạch 12/KH-UBND)"]))
    answerer = Answerer(index, ChatModelGenerator(model, timeout_seconds=5))
    answerer.load(index.all_passages(), [])
    answer = answerer.answer("phường Hoa Sen báo cáo trước ngày nào?")
    assert answer.text.startswith("Trước ngày 20/11 hằng năm. (Nguồn: Kế hoạch 12/KH-UBND)")
    # the model shortened the citation: the full citation line is put back
    assert "(Nguồn: Kế hoạch 12/KH-UBND của UBND phường Hoa Sen, mục IV › 1. Phòng Văn hóa – Xã hội" in answer.text


@pytest.mark.parametrize("model", [SlowChatModel(delay=1.0), BrokenChatModel()])
def test_generator_failure_or_timeout_falls_back_to_extractive(index: PassageIndex, model: BaseChatModel) -> None:
    answerer = Answerer(index, ChatModelGenerator(model, timeout_seconds=0.2))
    answerer.load(index.all_passages(), [])
    start = time.perf_counter()
    answer = answerer.answer("phường Hoa Sen báo cáo trước ngày nào?")
    assert time.perf_counter() - start < 0.9
    assert answer.found and "20/11" in answer.text and "Nguồn" in answer.text


def test_answer_to_json_has_the_jsonl_shape(answerer: Answerer) -> None:
    answer = answerer.answer("phường Hoa Sen báo cáo trước ngày nào?")
    line = answer_to_json(answer, elapsed_ms=12.345, id="q1")
    assert set(line) == {"id", "question", "answer", "found", "elapsed_ms", "sources"}
    assert line["id"] == "q1" and line["elapsed_ms"] == 12.3 and line["found"] is True
    sources = line["sources"]
    assert isinstance(sources, list) and set(sources[0]) == {"document", "title", "section", "text", "score"}
    assert format_answer_text(answer) == answer.text


def test_empty_index_declines(index: PassageIndex) -> None:
    answerer = Answerer(index)
    answerer.load([], [])
    assert not answerer.answer("báo cáo trước ngày nào?").found


def test_a_year_the_plans_never_mention_is_not_answered(answerer: Answerer) -> None:
    assert not answerer.answer("phường Hoa Sen sơ kết phong trào năm 2019 vào lúc nào?").found
    assert answerer.answer("phường Hoa Sen sơ kết phong trào năm 2027 vào lúc nào?").found


def test_a_heading_stranded_at_the_end_of_a_passage_titles_the_next(index: PassageIndex) -> None:
    from knowledge.passages import Passage
    from tests.retrieval.conftest import WARD

    stranded = [
        Passage(
            "plan.txt:0",
            "plan.txt",
            0,
            ("III. Tiêu chí", "b) Đối với Mặt trận Tổ quốc"),
            "- Vận động đoàn viên, hội viên tham gia.\nc) Đối với doanh nghiệp",
            "",
        ),
        Passage(
            "plan.txt:1",
            "plan.txt",
            1,
            ("III. Tiêu chí", "b) Đối với Mặt trận Tổ quốc"),
            "- Xây dựng tầm nhìn, chiến lược lâu dài; đẩy mạnh hợp tác quốc tế.",
            "",
        ),
    ]
    meta = WARD.__class__(**{**WARD.__dict__, "document": "plan.txt"})
    index.replace_document("plan.txt", stranded, meta)
    answerer = Answerer(index)
    answerer.load([s for s in index.all_passages() if s.passage.document == "plan.txt"], [])
    answer = answerer.answer("tiêu chí đối với doanh nghiệp là gì?")
    assert answer.found
    assert answer.sources[0].passage_id == "plan.txt:1"
    assert answer.text.index("c) Đối với doanh nghiệp") < answer.text.index("tầm nhìn")


@pytest.mark.parametrize("question", ["", "   ", "là gì vậy ạ?", "???"])
def test_empty_or_contentless_questions_are_declined(answerer: Answerer, question: str) -> None:
    answer = answerer.answer(question)
    assert not answer.found and answer.sources == []


def test_plans_with_the_same_wording_share_one_block_but_keep_their_citations(tmp_path: Path) -> None:
    from knowledge.passages import Passage
    from tests.retrieval.conftest import CITY, WARD

    settings = Settings(data_dir=tmp_path)
    index = PassageIndex(make_chroma_client(settings), make_embeddings(settings, inner=FakeEmbeddings()))
    same = "- Triển khai rộng rãi “Chương trình bình dân học vụ số” tại các khu dân cư, bồi dưỡng kỹ năng số."
    for meta, text, original in ((CITY, same, same), (WARD, same, same.replace("ư", "u").replace("ộ", "o"))):
        passage = Passage(f"{meta.document}:0", meta.document, 0, ("II. Nội dung",), text, original)
        index.replace_document(meta.document, [passage], meta)
    answerer = Answerer(index)
    answerer.load(index.all_passages(), [])
    answer = answerer.answer("những kế hoạch nào triển khai bình dân học vụ số")
    assert answer.found
    assert answer.text.count("bồi dưỡng kỹ năng số") == 1
    assert "12/KH-UBND" in answer.text and "300/KH-UBND" in answer.text
    assert answer.text.count("(Nguồn:") == 2


def test_question_about_a_place_without_a_plan_is_declined_with_a_pointer(answerer: Answerer) -> None:
    answer = answerer.answer("phường Cầu Giấy báo cáo phong trào trước ngày nào?")
    assert not answer.found
    assert "phường Cầu Giấy" in answer.text and "/diaban" in answer.text


def test_the_plan_itself_is_identified_from_its_metadata(answerer: Answerer) -> None:
    answer = answerer.answer("kế hoạch của phường Hoa Sen số mấy, ban hành ngày nào?")
    assert answer.found
    assert "12/KH-UBND" in answer.text and "ngày 1/5/2025" in answer.text
    assert answer.sources[0].document == "ward.txt"
    # a question about a document the plan cites is not about the plan itself
    cited = answerer.answer("kế hoạch của phường Hoa Sen thực hiện nghị quyết số mấy?")
    assert "ngày 1/5/2025" not in cited.text


def test_two_named_places_get_one_block_each_or_a_note_that_the_plan_is_silent(index: PassageIndex) -> None:
    from dataclasses import replace

    from knowledge.passages import Passage
    from tests.retrieval.conftest import WARD

    lotus = replace(WARD, document="lotus.txt", issuer="UBND xã Sen Hồng", locality="xã Sen Hồng", aliases=())
    lotus_number = replace(lotus, number="5/KH-UBND")
    text = "- Giai đoạn 1 (từ 2025 - 2026): triển khai, sơ kết vào năm 2026."
    index.replace_document(
        "lotus.txt", [Passage("lotus.txt:0", "lotus.txt", 0, ("5. Thời gian",), text, text)], lotus_number
    )
    answerer = Answerer(index)
    answerer.load(index.all_passages(), [])
    both = answerer.answer("phường Hoa Sen và xã Sen Hồng: giai đoạn 1 từ năm nào đến năm nào?")
    assert "2027" in both.text and "2026" in both.text
    assert set(both.localities) == {"phường Hoa Sen", "xã Sen Hồng"}
    one = answerer.answer("phường Hoa Sen và xã Sen Hồng có tiêu chí hợp tác quốc tế cho doanh nghiệp không?")
    assert one.found and "hợp tác quốc tế" in one.text
    assert "Kế hoạch 5/KH-UBND của UBND xã Sen Hồng không nêu nội dung này." in one.text


def test_contact_details_the_plans_do_not_hold_are_declined(answerer: Answerer) -> None:
    assert not answerer.answer("số điện thoại của Phòng Văn hóa – Xã hội phường Hoa Sen là gì?").found


def test_a_place_only_the_text_names_is_searched_not_declined(index: PassageIndex) -> None:
    from dataclasses import replace

    from knowledge.passages import Passage
    from tests.retrieval.conftest import WARD

    unnamed = replace(WARD, document="unnamed.txt", issuer="", locality="", aliases=(), suggested=True)
    text = "Hình thức khen thưởng của phường Hòa Bình: Chủ tịch UBND phường tặng Giấy khen."
    passage = Passage("unnamed.txt:0", "unnamed.txt", 0, (), text, text)
    index.replace_document("unnamed.txt", [passage], unnamed)
    answerer = Answerer(index)
    answerer.load(index.all_passages(), [])
    answer = answerer.answer("hình thức khen thưởng của phường Hòa Bình là gì")
    assert answer.found and answer.sources[0].document == "unnamed.txt"


def test_a_body_the_question_names_reaches_the_section_titled_with_it(tmp_path: Path) -> None:
    from tests.retrieval.conftest import CITY

    sections = [
        (
            ("IV. Tổ chức thực hiện", "2. Sở Nội vụ"),
            "2. Sở Nội vụ\nChỉ đạo Ban Thi đua - Khen thưởng Thành phố hướng dẫn khen thưởng phong trào.",
        ),
        (
            ("IV. Tổ chức thực hiện", "6. Các doanh nghiệp, viện nghiên cứu"),
            "6. Các doanh nghiệp, viện nghiên cứu\nCó trách nhiệm báo cáo kết quả thực hiện nhiệm vụ về cơ sở "
            "chủ quản; chủ động nâng cao nội lực, trách nhiệm của người đứng đầu.",
        ),
    ]
    answerer = _answerer_of(tmp_path, CITY, sections)
    answer = answerer.answer("Sở Nội vụ có trách nhiệm gì trong phong trào?")
    assert answer.found and "Chỉ đạo Ban Thi đua" in answer.text.split("\n")[0]
    businesses = answerer.answer("các doanh nghiệp có trách nhiệm gì?")
    assert "báo cáo kết quả" in businesses.text.split("\n")[0]


def test_title_segments_name_bodies_and_participants() -> None:
    from retrieval.passage_view import title_segments

    assert title_segments(["IV. Tổ chức thực hiện", "2. Sở Nội vụ"]) == (
        ("to", "chuc", "thuc", "hien"),
        ("so", "noi", "vu"),
    )
    assert ("doanh", "nghiep") in title_segments(["6. Các doanh nghiệp, viện nghiên cứu, cơ sở đào tạo"])
    assert title_segments(["c) Đối với doanh nghiệp"]) == (("doanh", "nghiep"),)
    assert ("hinh", "thuc") in title_segments(["2. Hình thức và tiêu chuẩn khen thưởng"])


def test_a_list_asked_for_is_the_answer_line_under_the_title_that_names_it(tmp_path: Path) -> None:
    from tests.retrieval.conftest import WARD

    text = (
        "2.1. Hình thức khen thưởng\n- Huân chương Lao động;\n- Bằng khen của Thủ tướng Chính phủ;\n"
        "- Giấy khen các cấp.\n2.2. Tiêu chuẩn khen thưởng\n- Thực hiện biểu dương, khen thưởng kịp thời các tập thể, "
        "cá nhân có thành tích trong phong trào."
    )
    answerer = _answerer_of(tmp_path, WARD, [(("III. Khen thưởng", "2. Hình thức và tiêu chuẩn"), text)])
    answer = answerer.answer("phường Hoa Sen khen thưởng tập thể, cá nhân gồm những hình thức nào?")
    first = answer.text.split("\n")[0]
    # the title only repeats the question ("khen thưởng … hình thức"): the list is said without it
    assert first.startswith("Phường Hoa Sen: Huân chương Lao động;")
    assert "Giấy khen các cấp" in first and "“" not in answer.text  # the list itself is the quote
    criteria = answerer.answer("phường Hoa Sen có những tiêu chuẩn khen thưởng nào?").text.split("\n")[0]
    assert "Thực hiện biểu dương" in criteria and "Huân chương" not in criteria


def test_a_compound_keeps_a_word_it_shares_with_the_place_named() -> None:
    from retrieval.query import parse_query
    from retrieval.terms import question_terms

    query = parse_query("Sở Y tế tổ chức sơ kết phong trào vào năm nào?")
    terms = question_terms(query, {"so", "y", "te"}, named_phrases=["so y te"])
    assert "so ket" in terms.compounds


def test_a_participant_named_in_a_title_answers_only_in_a_section_of_the_kind_asked(tmp_path: Path) -> None:
    from tests.retrieval.conftest import WARD

    sections = [
        (
            ("II. Đối tượng, nội dung", "1. Đối tượng thi đua"),
            "1. Đối tượng thi đua\na) Tập thể: các tổ dân phố, trường học, doanh nghiệp trên địa bàn.\n"
            "b) Cá nhân: cán bộ, công chức và người dân.",
        ),
        (
            ("III. Tiêu chí thi đua", "a) Đối với tập thể"),
            "a) Đối với tập thể\n- Nội bộ đoàn kết, gương mẫu, hoàn thành nhiệm vụ thi đua được giao.",
        ),
    ]
    answerer = _answerer_of(tmp_path, WARD, sections)
    scope = answerer.answer("Những tập thể nào là đối tượng thi đua ở phường Hoa Sen?")
    assert "tổ dân phố" in scope.text and scope.sources[0].section.endswith("Đối tượng thi đua")
    criteria = answerer.answer("tiêu chí thi đua đối với tập thể ở phường Hoa Sen là gì?")
    assert "đoàn kết" in criteria.text.split("\n")[0]


def _answerer_of(tmp_path: Path, meta: PlanMeta, sections: list[tuple[tuple[str, ...], str]]) -> Answerer:
    """An answerer over one hand-made plan of typed text (its sections in order)."""
    from knowledge.passages import Passage

    settings = Settings(data_dir=tmp_path)
    index = PassageIndex(make_chroma_client(settings), make_embeddings(settings, inner=FakeEmbeddings()))
    passages = [
        Passage(f"{meta.document}:{i}", meta.document, i, path, text, text) for i, (path, text) in enumerate(sections)
    ]
    index.replace_document(meta.document, passages, meta)
    answerer = Answerer(index)
    answerer.load(index.all_passages(), [])
    return answerer


def test_who_signed_a_plan_only_cited_is_not_answered_from_the_sentence_citing_it(tmp_path: Path) -> None:
    from tests.retrieval.conftest import WARD

    sections = [
        (
            ("Mở đầu",),
            "Thực hiện Kế hoạch số 777/KH-UBND ngày 03/7/2025 của UBND thành phố Sông Hồng triển khai phong trào thi "
            "đua đổi mới sáng tạo trên địa bàn phường Hoa Sen.",
        ),
    ]
    answerer = _answerer_of(tmp_path, WARD, sections)
    answer = answerer.answer("kế hoạch 777 của thành phố Sông Hồng do ai ký ạ")
    assert not answer.found


def test_an_answer_line_that_says_no_word_of_the_question_opens_the_unit() -> None:
    from retrieval.compose import _unit, lead_text

    unit = _unit(
        "Huy động sức mạnh tổng hợp của hệ thống chính trị, doanh nghiệp, người dân Thủ đô trong triển khai "
        "khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số, góp phần thực hiện thắng lợi Nghị quyết số 57, "
        "tạo chuyển biến mạnh mẽ về nhận thức trong toàn hệ thống chính trị."
    )
    lead = lead_text(unit, lambda _: 0.0, limit=120)
    assert lead.startswith("Huy động sức mạnh tổng hợp") and lead.endswith("…")


def test_a_quote_beside_the_answer_line_keeps_the_best_sentence_and_stays_short() -> None:
    from retrieval.compose import QUOTE_BUDGET, _unit, select_quote

    units = [_unit(f"Câu thứ {i} " + "nói về việc khác trong kế hoạch. " * 4) for i in range(6)]
    scores = [0.9, 0.8, 0.85, 1.0, 0.7, 0.95]
    quote = select_quote(units, scores, whole=False)
    assert units[3].text in quote.split("\n")  # the best sentence always
    assert len(quote) <= QUOTE_BUDGET + 1
    assert select_quote(units, scores, whole=True).count("\n") == 5  # a list asked for stays whole


def test_a_deadline_asked_is_answered_by_a_day_or_by_the_period_set_instead() -> None:
    from retrieval.compose import answers_when
    from retrieval.query import parse_query

    deadline = parse_query("hạn gửi báo cáo là ngày nào")
    assert answers_when("dinh ky truoc ngay 15/12 hang nam bao cao", deadline)
    assert answers_when("dinh ky hang nam cac don vi bao cao ve ubnd xa", deadline)
    assert not answers_when("khen thuong vao dip tong ket cuoi nam 2030", deadline)


def test_a_title_under_a_number_the_scan_misread_is_no_sentence_of_the_passage() -> None:
    from retrieval.compose import _is_heading, _key

    headings = {_key("III. Tiêu chí thi đua và hình thức khen thưởng"), _key("a) Đối với tập thể")}
    assert _is_heading("I1. TIÊU CHÍ THI ĐUA VÀ HÌNH THỨC KHEN THƯỞNG", headings)
    assert not _is_heading("- Nội bộ đoàn kết, gương mẫu.", headings)
    assert not _is_heading("1. Tập thể", headings)  # too little said to match without its number
