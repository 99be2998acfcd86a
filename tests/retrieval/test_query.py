"""Query understanding: shorthand, answer kinds, content words."""

from __future__ import annotations

from retrieval.query import content_tokens, expand_shorthand, parse_query


def test_who_a_question_is_addressed_to_is_not_part_of_it() -> None:
    assert (
        expand_shorthand("mn ơi kh của p. thanh bình là kh số mấy")
        == "kế hoạch của phường thanh bình là kế hoạch số mấy"
    )
    assert expand_shorthand("anh chị ơi, hạn bc là ngày nào") == "hạn báo cáo là ngày nào"
    assert expand_shorthand("ad oi han nop bc") == "han nop báo cáo"
    assert expand_shorthand("doi moi sang tao la gi") == "doi moi sang tao la gi"  # "oi" inside a word is no call


def test_a_level_abbreviated_after_the_council_is_the_level() -> None:
    assert expand_shorthand("đối vs ubnd p., tỷ lệ bn") == "đối với UBND phường, tỷ lệ bao nhiêu"
    assert expand_shorthand("UBND x. có nv j") == "UBND xã có nhiệm vụ gì"


def test_shorthand_is_expanded_to_full_words() -> None:
    assert expand_shorthand("cán bộ cc p.thanh bình đc giao làm j trong kh này") == (
        "cán bộ công chức phường thanh bình được giao làm gì trong kế hoạch này"
    )
    assert expand_shorthand("ubnd tp có ktra ko") == "UBND thành phố có ktra không"
    assert expand_shorthand("sở kh&cn hn") == "sở khoa học và công nghệ Hà Nội"


def test_shorthand_leaves_ordinary_words_alone() -> None:
    assert expand_shorthand("Kế hoạch số 99/KH-UBND") == "Kế hoạch số 99/KH-UBND"


def test_answer_kinds_are_detected() -> None:
    assert parse_query("han bao cao la ngay nao").wants_date
    assert parse_query("tỷ lệ hồ sơ trực tuyến là bao nhiêu").wants_number
    assert parse_query("các tiêu chí thi đua gồm những gì").wants_list
    assert parse_query("những kế hoạch nào nói về bình dân học vụ số").asks_which_plans
    assert not parse_query("Sở Y tế phối hợp với phòng nào").wants_date


def test_content_words_drop_question_words_but_keep_accented_homographs() -> None:
    # "mấy" asks; "máy" is a machine. Diacritics decide when they are there.
    assert content_tokens("có phát máy tính bảng không") == ("phat", "may", "tinh", "bang")
    assert content_tokens("kế hoạch số mấy") == ()


def test_restored_diacritics_do_not_turn_question_words_into_content() -> None:
    # a restorer may write "như thể nào" for "như thế nào": the phrase is still a question phrase
    assert content_tokens("các đơn vị phải xây dựng kế hoạch như thể nào") == ("don", "vi", "xay", "dung")


def test_price_and_figures_named_in_a_question() -> None:
    assert parse_query("giá vé tham quan là bao nhiêu").wants_number
    assert not parse_query("chuyển đổi số quốc gia là gì").wants_number
    assert parse_query("kế hoạch năm 2020 số 57").numbers == ("2020", "57")


def test_more_chat_shorthand() -> None:
    assert expand_shorthand("gđ 1 kéo dài bnhieu tgian") == "giai đoạn 1 kéo dài bao nhiêu thời gian"
    assert expand_shorthand("nộp trc ngày nào hông ad") == "nộp trước ngày nào không"


def test_teen_question_keeps_only_its_subject() -> None:
    query = parse_query("cho e hỏi p.hoa sen các tdp phải nộp bc trc ngày mấy ạ")
    assert query.text.startswith("cho em hỏi phường hoa sen các tổ dân phố phải nộp báo cáo trước ngày")
    assert query.wants_date
    assert "em" not in query.content and "to" in query.content and "bao" in query.content


def test_counting_questions_want_the_list_not_a_figure() -> None:
    counting = parse_query("Hà Nội có bao nhiêu hình thức khen thưởng?")
    assert counting.wants_list and not counting.wants_number
    assert parse_query("có bao nhiêu phần trăm hồ sơ trực tuyến").wants_number


def test_award_said_as_tang_is_read_as_khen_thuong_but_tang_cuong_is_not() -> None:
    assert "khen" in parse_query("Hình thức tặng trong phong trào gồm những gì?").expansion
    assert "khen" in parse_query("tp ha noi tang tap the ca nhan gom nhung gi").expansion
    assert "khen" not in parse_query("tang cuong kiem tra giam sat la gi").expansion


def test_how_many_years_asks_for_the_time_not_for_the_word_nam() -> None:
    query = parse_query("kh thi đua của p.hoàng mai thực hiện trong mấy năm v ạ")
    assert "nam" not in query.content and "thoi" in query.kind_hints


def test_who_and_deadline_phrases_are_question_words_in_every_wording() -> None:
    plain = parse_query("ai phải gửi báo cáo về Sở Y tế").content
    for who in ("bên nào", "đơn vị nào", "cơ quan nào", "bộ phận nào"):
        assert parse_query(f"{who} phải gửi báo cáo về Sở Y tế").content == plain
    latest = parse_query("hạn chót nộp báo cáo chậm nhất là ngày nào")
    assert latest.wants_date and "cham" not in latest.content


def test_shorthand_in_a_question_typed_without_diacritics_does_not_stop_their_restoration() -> None:
    query = parse_query("co quan nao phai gui bc ve so y te v a")
    assert "nao" not in query.content and "phai" not in query.content
    assert query.content == parse_query("cơ quan nào phải gửi báo cáo về sở y tế vậy ạ").content


def test_synonyms_read_alike_where_the_plan_wording_is_keyed() -> None:
    from retrieval.kinds.document import Aspect, document_aspect

    for who in ("ai", "bên nào", "cơ quan nào", "đơn vị nào"):
        folded = parse_query(f"{who} ký kế hoạch của phường Hoàng Mai").folded
        assert document_aspect(folded) is Aspect.SIGNER, who
    assert (
        parse_query("kế hoạch được nộp tới những nơi nào").expansion
        == parse_query("kế hoạch được gửi tới những nơi nào").expansion
    )
    assert "khen" in parse_query("những hình thức khen nào").expansion


def test_a_deadline_asks_for_a_day_and_a_year_question_for_any_date() -> None:
    from retrieval.compose import answers_when

    deadline = parse_query("Hạn chót nộp hồ sơ đề nghị Huân chương Lao động là ngày nào?")
    year = parse_query("phường Hoa Sen sơ kết phong trào vào năm nào?")
    assert deadline.wants_day and not year.wants_day
    line = "khen thuong vao dip tong ket phong trao thi dua cuoi nam 2030"
    assert not answers_when(line, deadline) and answers_when(line, year)
    assert answers_when("dinh ky truoc ngay 15/12 hang nam bao cao", deadline)


def test_which_day_is_a_date_not_a_figure() -> None:
    day = parse_query("các bv trực thuộc sở y tế gửi bc hạn chót ngày bn")
    assert day.wants_date and day.wants_day and not day.wants_number
    assert parse_query("tỷ lệ hồ sơ trực tuyến là bao nhiêu").wants_number


def test_han_on_its_own_asks_for_a_deadline() -> None:
    assert parse_query("Hạn báo cáo của phường Hoàng Mai").wants_day
    assert parse_query("han gui bao cao cua xa trung khanh").wants_day
    for other in ("quyền hạn của Sở Nội vụ", "hạn chế giấy tờ", "giới hạn địa giới hành chính"):
        assert not parse_query(other).wants_date, other


def test_a_call_after_the_question_and_a_level_without_its_dot() -> None:
    assert expand_shorthand("phòng vh-xh p hoàng mai có phải đề xuất ds khen thưởng ko mn") == (
        "phòng Văn hóa - Xã hội phường hoàng mai có phải đề xuất danh sách khen thưởng không"
    )
    assert expand_shorthand("x trùng khánh có khen tới huân chương lđ k ad ạ") == (
        "xã trùng khánh có khen tới huân chương lao động không"
    )


def test_a_time_of_day_or_weekday_is_told_from_a_rank() -> None:
    assert parse_query("trung tâm làm việc từ mấy giờ").wants_time
    assert parse_query("lớp học vào tối thứ mấy").wants_time
    assert not parse_query("chỉ số chuyển đổi số phải xếp thứ mấy").wants_time


def test_shorthand_for_documents_and_averages() -> None:
    assert expand_shorthand("vb phải làm dạng điện tử bn %") == "văn bản phải làm dạng điện tử bao nhiêu %"
    assert expand_shorthand("dti tính điểm tb mấy năm") == "dti tính điểm trung bình mấy năm"
