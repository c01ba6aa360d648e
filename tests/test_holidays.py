"""Bank holidays in England and Wales, as shipped data."""

from __future__ import annotations

from datetime import date

from outbound.holidays import (
    bank_holiday_name,
    bank_holidays_between,
    covered_years,
    is_bank_holiday,
)


def test_2026_matches_gov_uk():
    days = [day for day, _ in bank_holidays_between(date(2026, 1, 1), date(2026, 12, 31))]
    assert days == [date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4),
                    date(2026, 5, 25), date(2026, 8, 31), date(2026, 12, 25),
                    date(2026, 12, 28)]
    assert bank_holiday_name(date(2026, 12, 28)) == "Boxing Day (substitute day)"


def test_2025_matches_gov_uk():
    days = [day for day, _ in bank_holidays_between(date(2025, 1, 1), date(2025, 12, 31))]
    assert days == [date(2025, 1, 1), date(2025, 4, 18), date(2025, 4, 21), date(2025, 5, 5),
                    date(2025, 5, 26), date(2025, 8, 25), date(2025, 12, 25),
                    date(2025, 12, 26)]


def test_christmas_on_a_saturday_moves_both_days():
    assert not is_bank_holiday(date(2027, 12, 25))
    assert not is_bank_holiday(date(2027, 12, 26))
    assert bank_holiday_name(date(2027, 12, 27)) == "Christmas Day (substitute day)"
    assert bank_holiday_name(date(2027, 12, 28)) == "Boxing Day (substitute day)"


def test_one_off_holidays_are_there():
    assert bank_holiday_name(date(2020, 5, 8)) == "Early May bank holiday (VE day)"
    assert not is_bank_holiday(date(2020, 5, 4))
    assert is_bank_holiday(date(2022, 6, 2))
    assert "Platinum Jubilee" in (bank_holiday_name(date(2022, 6, 3)) or "")
    assert not is_bank_holiday(date(2022, 5, 30))   # the spring holiday moved to June
    assert "State Funeral" in (bank_holiday_name(date(2022, 9, 19)) or "")
    assert "coronation" in (bank_holiday_name(date(2023, 5, 8)) or "")


def test_new_year_on_a_weekend_gives_a_monday():
    assert bank_holiday_name(date(2022, 1, 3)) == "New Year’s Day (substitute day)"
    assert bank_holiday_name(date(2023, 1, 2)) == "New Year’s Day (substitute day)"


def test_every_year_is_covered_and_holidays_fall_on_weekdays():
    assert covered_years() == (2020, 2030)
    every = bank_holidays_between(date(2020, 1, 1), date(2030, 12, 31))
    assert all(day.weekday() < 5 for day, _ in every)
    for year in range(2020, 2031):
        in_year = [day for day, _ in every if day.year == year]
        assert len(in_year) in (8, 9, 10), year
    assert bank_holiday_name(date(2026, 6, 1)) is None
