"""Locality and issuer detection from plan metadata."""

from __future__ import annotations

from knowledge.passages import PlanMeta
from retrieval.scoping import LocalityResolver
from tests.retrieval.conftest import CITY, WARD


def test_locality_found_with_or_without_diacritics_and_level() -> None:
    resolver = LocalityResolver([WARD, CITY])
    assert resolver.documents_named("phường Hoa Sen báo cáo khi nào") == ["ward.txt"]
    assert resolver.documents_named("phuong hoa sen bao cao khi nao") == ["ward.txt"]
    assert resolver.documents_named("ở hoa sen thì sao") == ["ward.txt"]
    assert resolver.documents_named("UBND thành phố Sông Hồng") == ["city.txt"]
    assert resolver.documents_named("khen thưởng thế nào") == []


def test_narrower_level_wins_over_the_city_it_cites() -> None:
    resolver = LocalityResolver([WARD, CITY])
    assert resolver.documents_named("kế hoạch của Thành phố được phường Hoa Sen nhắc đến") == ["ward.txt"]


def test_a_plan_added_later_is_known_from_its_metadata() -> None:
    resolver = LocalityResolver([WARD])
    assert resolver.documents_named("Sông Hồng") == []
    assert LocalityResolver([WARD, CITY]).documents_named("Sông Hồng") == ["city.txt"]


def test_localities_for_the_diaban_choice() -> None:
    assert LocalityResolver([WARD, CITY]).localities() == ["thành phố Sông Hồng", "phường Hoa Sen"]


def test_a_place_no_plan_is_about_is_recognised() -> None:
    resolver = LocalityResolver([WARD, CITY])
    assert resolver.unknown_locality("phường Cầu Giấy báo cáo khi nào?") == "phường Cầu Giấy"
    assert resolver.unknown_locality("Thành phố Hồ Chí Minh có kế hoạch không") == "thành phố Hồ Chí Minh"
    assert resolver.unknown_locality("phường Hoa Sen làm gì") is None
    assert resolver.unknown_locality("kế hoạch của UBND Thành phố được nhắc đến") is None
    assert resolver.unknown_locality("phát triển xã hội số") is None


def test_a_place_written_with_its_level_and_initials_is_known() -> None:
    from retrieval.query import parse_query

    resolver = LocalityResolver([_meta("hm.txt", "phường Hoàng Mai"), _meta("tk.txt", "xã Trùng Khánh, Cao Bằng")])
    assert resolver.documents_named(parse_query("ở phường HM cá nhân nào được khen").text) == ["hm.txt"]
    assert resolver.documents_named(parse_query("p.HM báo cáo khi nào").text) == ["hm.txt"]
    assert resolver.documents_named(parse_query("xã TK báo cáo khi nào").text) == ["tk.txt"]
    assert resolver.documents_named("HM báo cáo khi nào") == []  # initials alone name nothing


def _meta(document: str, locality: str) -> PlanMeta:
    return PlanMeta(
        document=document,
        title=f"Kế hoạch của {locality}",
        issuer=f"UBND {locality.split(',')[0]}",
        level=locality.split()[0],
        locality=locality,
        number="1/KH-UBND",
        date="2025-01-01",
    )


def test_a_department_plan_is_named_by_its_sector() -> None:
    health = PlanMeta(
        document="health.txt",
        title="Kế hoạch của Sở Y tế Sông Hồng",
        issuer="Sở Y tế Sông Hồng",
        level="sở",
        locality="Sở Y tế Sông Hồng",
        number="2/KH-SYT",
        date="2025-01-01",
        aliases=("Sở Y tế",),
    )
    resolver = LocalityResolver([health, _meta("hm.txt", "phường Hoàng Mai")])
    assert resolver.documents_named("tiêu chí thi đua trong ngành Y tế là gì") == ["health.txt"]
    assert resolver.documents_named("ngành y tế sông hồng sơ kết khi nào") == ["health.txt"]


def test_a_word_typed_with_other_marks_is_no_part_of_a_name() -> None:
    city = PlanMeta("city.txt", "", "UBND thành phố Hà Nội", "thành phố", "thành phố Hà Nội", "190/KH-UBND", "2025")
    resolver = LocalityResolver([city])
    assert resolver.documents_named("cá nhân hoàn thành phổ cập kiến thức số") == []  # "thành phổ", not "thành phố"
    assert resolver.documents_named("kế hoạch của thành phố Hà Nội") == ["city.txt"]
    assert resolver.documents_named("ke hoach cua thanh pho ha noi") == ["city.txt"]  # typed without marks
    assert resolver.documents_named("Uỷ ban nhân dân thành phố Hà Nội") == ["city.txt"]  # the old tone placement
