"""The load harness's report: a table, then one last line of figures in a fixed form."""

from __future__ import annotations

import re
from collections import Counter

from thidua.loadtest import PROFILES, Tally, report

LAST_LINE = re.compile(
    r"^lost=\d+ doubled=\d+ duplicate_replies=\d+ notices_lost=\d+ notices_twice=\d+ status_500=\d+ "
    r"answers_per_s=\d+\.\d p95_ms=\d+$"
)


def test_the_last_line_has_every_figure() -> None:
    tally = Tally(latencies=[10.0, 20.0, 400.0], status=Counter({200: 50, 500: 1}), receipts={"SK-2026-000001"})
    tally.answers, tally.notices = 30, Counter({"s:a": 1, "s:b": 2})
    counts = {"killed": 1, "expected_notices": 3, "found": 1, "made": 2}
    text = report(tally, 10.0, counts, PROFILES["ci"])
    last = text.splitlines()[-1]
    assert LAST_LINE.match(last), last
    assert "status_500=1" in last and "doubled=1" in last and "notices_lost=1" in last and "notices_twice=1" in last
    assert f"lost={PROFILES['ci'].forms - 1}" in last and "answers_per_s=3.0" in last
