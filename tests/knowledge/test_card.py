"""The document card: the signer's name as a scan reads it."""

from __future__ import annotations

from knowledge.card import _with_surname


def test_a_surname_one_letter_off_in_a_scan_is_spelt_as_the_surname() -> None:
    assert _with_surname("Neguyen Quynh Trang") == "Nguyễn Quynh Trang"
    assert _with_surname("Tran Sy Thanh") == "Trần Sy Thanh"
    assert _with_surname("Quynh Trang") == "Quynh Trang"  # two words may be a given name alone
    assert _with_surname("Xyzab Van Minh") == "Xyzab Van Minh"  # no surname near: left as read
