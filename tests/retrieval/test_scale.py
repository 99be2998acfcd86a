"""Many plans: the hierarchy read from the plans' cards, libraries scoped to the asker's place, questions with no
place, plans added and removed while answering, and the generated corpus's renaming."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from core.settings import Settings
from knowledge.passages import Passage, PlanMeta
from knowledge.place_names import FIRST_SYLLABLES, SECOND_SYLLABLES
from retrieval.answering import Answerer
from retrieval.catalog import Catalog, Level, PlanRecord, implemented_plans, level_of
from retrieval.corpus import renamer
from retrieval.embeddings import make_embeddings
from retrieval.shelf import SMALL_CORPUS, IndexSource
from retrieval.vectorstore import PassageIndex, make_chroma_client
from tests.fakes import FakeEmbeddings
from tests.retrieval.conftest import CITY, CITY_SECTIONS, WARD, WARD_SECTIONS, passages_of

WARDS = SMALL_CORPUS + 5  # more plans than a small corpus holds
CITING = (
    "Thực hiện Kế hoạch số 300/KH-UBND ngày 01/4/2025 của UBND thành phố Sông Hồng về triển khai phong trào thi đua "
    "“Cả nước thi đua đổi mới sáng tạo và chuyển đổi số”, UBND phường ban hành Kế hoạch như sau."
)


def place(serial: int) -> str:
    """A ward's name (no digits: a number in a question must be in the answering passage)."""
    return f"{FIRST_SYLLABLES[serial]} {SECOND_SYLLABLES[serial]}"


def ward(serial: int) -> tuple[PlanMeta, list[Passage]]:
    """A ward plan implementing the city's, with its own name and its own reporting day."""
    name = place(serial)
    meta = replace(
        WARD,
        document=f"ward_{serial:02d}.txt",
        issuer=f"UBND phường {name}",
        locality=f"phường {name}",
        title=WARD.title.replace("Hoa Sen", name),
        aliases=(name,),
        number=f"{12 + serial}/KH-UBND",
    )
    sections = [(("Mở đầu",), CITING)] + [
        (path, text.replace("20/11", f"{1 + serial % 28}/11")) for path, text in WARD_SECTIONS
    ]
    return meta, passages_of(meta, sections)


@pytest.fixture
def country(tmp_path: Path) -> PassageIndex:
    """The city's plan and many ward plans implementing it, in one Chroma index."""
    settings = Settings(data_dir=tmp_path)
    index = PassageIndex(make_chroma_client(settings), make_embeddings(settings, inner=FakeEmbeddings()))
    index.replace_document(CITY.document, passages_of(CITY, CITY_SECTIONS), CITY)
    index.add_documents([ward(serial) for serial in range(1, WARDS + 1)])
    return index


@pytest.fixture
def many(country: PassageIndex) -> Answerer:
    """An answerer reading the many plans from the index as questions need them."""
    answerer = Answerer(country)
    answerer.attach(IndexSource(country))
    return answerer


def test_levels_are_read_from_the_metadata() -> None:
    assert level_of(CITY) is Level.PROVINCE
    assert level_of(WARD) is Level.COMMUNE
    assert level_of(replace(WARD, level="sở")) is Level.DEPARTMENT
    assert level_of(replace(WARD, level="trung ương")) is Level.NATIONAL


def test_a_plan_implements_the_plan_its_card_cites(country: PassageIndex) -> None:
    catalog = Catalog(country.plan_records())
    assert len(catalog) == WARDS + 1
    assert catalog.parent["ward_03.txt"] == CITY.document
    assert catalog.ancestors("ward_03.txt") == [CITY.document]
    assert catalog.scope(["ward_03.txt"]) == ["ward_03.txt", CITY.document]
    assert catalog.top() == [CITY.document]
    assert len(catalog.children(CITY.document)) == WARDS


def test_a_cited_number_of_another_issuer_is_no_parent() -> None:
    meta, passages = ward(1)
    other = replace(CITY, document="other.txt", issuer="UBND tỉnh Núi Xanh", locality="tỉnh Núi Xanh", aliases=())
    records = [PlanRecord(meta, implemented_plans(meta, passages)), PlanRecord(other)]
    assert Catalog(records).parent == {}


def test_a_question_naming_a_ward_is_answered_from_its_plan(many: Answerer) -> None:
    answer = many.answer(f"phường {place(7)} báo cáo phong trào trước ngày nào?")
    assert answer.found
    assert "8/11" in answer.text and "19/KH-UBND" in answer.text
    assert answer.sources[0].document == "ward_07.txt"


def test_a_library_holds_the_asked_plan_and_those_above_it(many: Answerer, country: PassageIndex) -> None:
    shelf = many._shelf  # what is loaded is the point of this test
    library = shelf.library(shelf.catalog.scope(["ward_07.txt"]))
    assert set(library.metas) == {"ward_07.txt", CITY.document}
    assert len(library.entries) == len(country.passages_of(["ward_07.txt", CITY.document]))


def test_a_question_naming_no_place_is_answered_from_the_top_plan_with_a_note(many: Answerer) -> None:
    answer = many.answer("giai đoạn 1 từ năm nào đến năm nào?")
    assert answer.found
    assert "2028" in answer.text and {s.document for s in answer.sources} == {CITY.document}
    assert "có thể quy định khác" in answer.text and "/diaban" in answer.text


def test_a_remembered_locality_scopes_the_question(many: Answerer) -> None:
    answer = many.answer("báo cáo phong trào trước ngày nào?", locality=f"phường {place(7)}")
    assert "8/11" in answer.text and "có thể quy định khác" not in answer.text


def test_an_added_plan_is_taken_in_and_a_removed_one_dropped(many: Answerer, country: PassageIndex) -> None:
    assert many.refresh() == []
    meta, passages = ward(40)
    country.replace_document(meta.document, passages, meta)
    assert many.refresh() == [meta.document]
    assert many.answer(f"phường {place(40)} báo cáo phong trào trước ngày nào?").sources[0].document == meta.document
    country.delete_document(meta.document)
    assert many.refresh() == [meta.document]
    assert f"phường {place(40)}" not in many.localities()


def test_a_replaced_plan_is_read_again(many: Answerer, country: PassageIndex) -> None:
    assert "8/11" in many.answer(f"phường {place(7)} báo cáo phong trào trước ngày nào?").text
    meta, passages = ward(7)
    changed = [replace(p, text=p.text.replace("8/11", "9/12")) for p in passages]
    country.replace_document(meta.document, changed, meta)
    assert many.refresh() == [meta.document]
    assert "9/12" in many.answer(f"phường {place(7)} báo cáo phong trào trước ngày nào?").text


def test_renaming_keeps_the_style_of_what_it_replaces() -> None:
    rename = renamer([("phường Hoa Sen", "phường Tân Hòa"), ("Hoa Sen", "Tân Hòa")], days=2, points=-5)
    assert rename("UBND phường Hoa Sen") == "UBND phường Tân Hòa"
    assert rename("p. hoa sen bc trước ngày 20/11") == "p. tan hoa bc trước ngày 22/11"
    assert rename("ở phường hoa sen đạt 80% trở lên") == "ở phường tân hòa đạt 75% trở lên"
    assert rename("Hoa Sena") == "Hoa Sena"  # only whole names


def test_dense_search_within_one_plan_among_many_finds_its_passages(country: PassageIndex) -> None:
    hits = country.search("báo cáo tình hình thực hiện phong trào", 3, ["ward_07.txt"])
    assert len(hits) == 3
    assert all(pid.startswith("ward_07.txt:") for pid, _ in hits)
    assert hits[0][1] >= hits[1][1] >= hits[2][1]


def test_among_many_plans_a_cited_number_names_its_plan(many: Answerer) -> None:
    answer = many.answer("Kế hoạch số 19/KH-UBND do đơn vị nào ban hành?")
    assert answer.found
    assert f"UBND phường {place(7)}" in answer.text


def test_the_cited_plan_is_renamed_also_where_its_number_is_said_bare() -> None:
    from retrieval.corpus import _citation_pairs

    parent = PlanMeta("p.txt", "", "UBND tỉnh Lạng Sơn", "tỉnh", "tỉnh Lạng Sơn", "155/KH-UBND", "2025-07-20")
    rename = renamer(_citation_pairs([("190/KH-UBND", "UBND Thành phố Hà Nội")], parent), days=0, points=0)
    said = rename("Kế hoạch số 190/KH-UBND của UBND Thành phố Hà Nội")
    assert said == "Kế hoạch số 155/KH-UBND của UBND tỉnh Lạng Sơn"
    assert rename("190") == "155"
