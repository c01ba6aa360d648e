"""Calling windows on the London clock, across clock changes and bank holidays."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from outbound.campaigns import CallingWindow, parse_template
from outbound.clock import LONDON

EVERY_DAY = CallingWindow(days=frozenset(range(7)), start=time(8), end=time(20),
                          skip_bank_holidays=False)
WEEKDAYS = CallingWindow(days=frozenset(range(5)), start=time(9), end=time(17),
                         skip_bank_holidays=True)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def london(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LONDON)


def test_opens_at_eight_local_when_the_clocks_go_forward():
    # 29 March 2026: 01:00 GMT becomes 02:00 BST, so 08:00 is 07:00 UTC.
    assert not EVERY_DAY.is_open(utc(2026, 3, 29, 6, 59))
    assert EVERY_DAY.is_open(utc(2026, 3, 29, 7, 0))
    assert EVERY_DAY.next_open(utc(2026, 3, 29, 0, 30)) == utc(2026, 3, 29, 7, 0)
    assert EVERY_DAY.closes_at(utc(2026, 3, 29, 12)) == utc(2026, 3, 29, 19, 0)
    assert EVERY_DAY.is_open(utc(2026, 3, 29, 18, 59))
    assert not EVERY_DAY.is_open(utc(2026, 3, 29, 19, 0))


def test_opens_at_eight_local_when_the_clocks_go_back():
    # 25 October 2026: 02:00 BST becomes 01:00 GMT, so 08:00 is 08:00 UTC.
    assert not EVERY_DAY.is_open(utc(2026, 10, 25, 7, 59))
    assert EVERY_DAY.is_open(utc(2026, 10, 25, 8, 0))
    assert EVERY_DAY.next_open(utc(2026, 10, 25, 0, 30)) == utc(2026, 10, 25, 8, 0)
    assert EVERY_DAY.closes_at(utc(2026, 10, 25, 12)) == utc(2026, 10, 25, 20, 0)


def test_the_day_before_each_change_keeps_the_old_offset():
    assert EVERY_DAY.next_open(utc(2026, 3, 28, 0)) == utc(2026, 3, 28, 8, 0)
    assert EVERY_DAY.next_open(utc(2026, 10, 24, 0)) == utc(2026, 10, 24, 7, 0)


def test_any_time_zone_is_read_on_the_london_clock():
    assert EVERY_DAY.is_open(datetime(2026, 7, 1, 9, 30, tzinfo=LONDON))
    assert EVERY_DAY.is_open(utc(2026, 7, 1, 7, 0))          # 08:00 BST
    assert not EVERY_DAY.is_open(utc(2026, 7, 1, 19, 0))     # 20:00 BST


def test_saturday_night_waits_for_monday_morning():
    assert WEEKDAYS.next_open(london(2026, 6, 13, 22, 0)) == london(2026, 6, 15, 9, 0)
    assert WEEKDAYS.next_open(london(2026, 6, 13, 22, 0)).tzinfo == UTC


def test_good_friday_waits_past_easter_monday():
    assert not WEEKDAYS.is_open(london(2026, 4, 3, 10))
    assert not WEEKDAYS.is_open(london(2026, 4, 6, 10))
    assert WEEKDAYS.next_open(london(2026, 4, 3, 10)) == london(2026, 4, 7, 9, 0)


def test_open_now_returns_now_and_after_hours_returns_tomorrow():
    now = london(2026, 6, 16, 11, 15)
    assert WEEKDAYS.next_open(now) == now
    assert WEEKDAYS.next_open(london(2026, 6, 16, 17, 0)) == london(2026, 6, 17, 9, 0)
    assert WEEKDAYS.next_open(london(2026, 6, 16, 8, 59)) == london(2026, 6, 16, 9, 0)
    assert WEEKDAYS.closes_at(london(2026, 6, 16, 8, 59)) is None
    assert WEEKDAYS.closes_at(now) == london(2026, 6, 16, 17, 0)


def test_christmas_day_depends_on_the_window():
    christmas = london(2026, 12, 25, 10)
    assert EVERY_DAY.is_open(christmas)
    friday_only = CallingWindow(days=frozenset({4}), start=time(9), end=time(17),
                                skip_bank_holidays=False)
    assert friday_only.is_open(christmas)
    assert not WEEKDAYS.is_open(christmas)
    # Boxing Day substitute on Monday 28 December is skipped as well.
    assert WEEKDAYS.next_open(christmas) == london(2026, 12, 29, 9, 0)


def test_a_window_starting_in_the_missing_hour_opens_when_the_clock_allows():
    night = CallingWindow(days=frozenset(range(7)), start=time(1, 30), end=time(4),
                          skip_bank_holidays=False)
    # 01:30 does not exist on 29 March 2026; the first open moment is 02:00 BST.
    assert night.next_open(utc(2026, 3, 29, 0, 0)) == utc(2026, 3, 29, 1, 0)
    assert not night.is_open(utc(2026, 3, 29, 0, 59, 59))
    early = CallingWindow(days=frozenset(range(7)), start=time(0, 30), end=time(1, 30),
                          skip_bank_holidays=False)
    # ...and a window ending at 01:30 that night closes when the clocks jump.
    assert early.closes_at(utc(2026, 3, 29, 0, 45)) == utc(2026, 3, 29, 1, 0)
    # On 25 October 01:30 happens twice; the window opens at the first.
    assert night.next_open(utc(2026, 10, 24, 23, 0)) == utc(2026, 10, 25, 0, 30)


def test_describe_in_words():
    assert WEEKDAYS.describe() == "Monday to Friday, 09:00 to 17:00, not on bank holidays"
    assert EVERY_DAY.describe() == "every day, 08:00 to 20:00"
    odd = CallingWindow(days=frozenset({0, 3}), start=time(10), end=time(12),
                        skip_bank_holidays=False)
    assert odd.describe() == "Monday and Thursday, 10:00 to 12:00"


def test_windows_must_make_sense():
    with pytest.raises(ValueError):
        CallingWindow(days=frozenset(), start=time(9), end=time(17), skip_bank_holidays=True)
    with pytest.raises(ValueError):
        CallingWindow(days=frozenset({0}), start=time(17), end=time(9),
                      skip_bank_holidays=True)


def test_next_open_is_never_in_the_past_over_a_year():
    moment = utc(2026, 1, 1, 0, 7)
    for _ in range(24 * 40):
        opened = WEEKDAYS.next_open(moment)
        assert opened >= moment and WEEKDAYS.is_open(opened)
        moment += timedelta(hours=9, minutes=13)


SCHEDULED = """
[campaign]
code = "night_round"
name = "Night round"
kind = "round"
period = "daily"

[calling_window]
days = "every day"
start = "08:00"
end = "20:00"

[schedule]
generate_at = "{generate}"
export_at = "{export}"

[script]
text = "Hello"

[[outcomes]]
code = "done"
label = "Done"
key = "1"
completes = true
"""


def test_schedule_times_in_the_clock_change_hours_are_warned_about():
    template = parse_template(SCHEDULED.replace("{generate}", "01:30")
                              .replace("{export}", "02:59"))
    assert len(template.warnings) == 2
    assert "generate_at is 01:30" in template.warnings[0]
    assert "line 14" in template.warnings[0]
    assert "clocks change" in template.warnings[0]


def test_schedule_times_outside_those_hours_are_not():
    template = parse_template(SCHEDULED.replace("{generate}", "00:59")
                              .replace("{export}", "03:00"))
    assert template.warnings == ()


def test_calling_time_between_two_instants_skips_nights_weekends_and_bank_holidays():
    # Thursday 24 December 16:00 to Tuesday 29 December 10:00: an hour on Christmas
    # Eve, nothing on Christmas Day, the weekend or the Boxing Day holiday on Monday 28th,
    # and an hour on the Tuesday morning.
    assert WEEKDAYS.open_seconds_between(london(2026, 12, 24, 16), london(2026, 12, 29, 10)) \
        == 2 * 3600
    assert WEEKDAYS.open_seconds_between(london(2026, 6, 16, 10), london(2026, 6, 16, 10)) == 0
    assert EVERY_DAY.open_seconds_between(london(2026, 6, 16, 10), london(2026, 6, 16, 22)) \
        == 10 * 3600


def test_calling_time_added_lands_inside_calling_hours():
    finish = WEEKDAYS.after_open_seconds(london(2026, 12, 24, 16, 30), 2 * 3600)
    assert finish == london(2026, 12, 29, 10, 30)
    assert WEEKDAYS.is_open(finish)
    # Read after hours, the time starts counting at the next opening.
    assert EVERY_DAY.after_open_seconds(london(2026, 6, 16, 22), 3600) \
        == london(2026, 6, 17, 9, 0)
    # Over the night the clocks go back, a day's calling is still twelve hours.
    assert EVERY_DAY.after_open_seconds(london(2026, 10, 24, 19), 2 * 3600) \
        == london(2026, 10, 25, 9, 0)
