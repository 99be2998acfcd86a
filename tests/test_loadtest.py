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


def test_the_harness_counts_telegram_replies_against_unique_updates() -> None:
    import json

    import httpx

    from thidua.loadtest.fake_telegram import TOKEN, FakeTelegram
    from thidua.loadtest.telegram import TelegramTally, check_replies, notices_received

    fake = FakeTelegram()
    try:
        send = f"{fake.url}/bot{TOKEN}/sendMessage"
        buttons = json.dumps({"inline_keyboard": [[{"text": "Gửi sáng kiến", "callback_data": "m:s"}]]})
        for chat in ("11", "11", "11", "12"):  # chat 11 got one reply too many, chat 13 none
            httpx.post(send, data={"chat_id": chat, "text": "Hạn gửi là 15/12.", "reply_markup": buttons})
        httpx.post(send, data={"chat_id": "12", "text": "Hồ sơ SK-2026-000001 &amp; đang xét."})
        tally = TelegramTally(expected_replies=Counter({"11": 2, "12": 1, "13": 1}))
        assert check_replies(fake, tally) == (1, 1)
        assert notices_received(fake, {"12": "Hồ sơ SK-2026-000001 & đang xét."}) == Counter({"12": 1})
    finally:
        fake.close()
