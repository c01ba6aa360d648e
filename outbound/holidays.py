"""Bank holidays in England and Wales, shipped as data so no lookup needs the network.

Calling windows skip bank holidays, and the list changes at short notice (jubilees,
a state funeral), so it is kept as a data file that can be corrected without code.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from importlib import resources

DATA_FILE = "bank_holidays_england_wales.json"


@cache
def _holidays() -> dict[date, str]:
    """The shipped list, read once: date -> title as GOV.UK writes it."""
    text = resources.files("outbound.data").joinpath(DATA_FILE).read_text(encoding="utf-8")
    document = json.loads(text)
    return {date.fromisoformat(event["date"]): str(event["title"])
            for event in document["events"]}


def is_bank_holiday(day: date) -> bool:
    """True when ``day`` is a bank holiday in England and Wales."""
    return day in _holidays()


def bank_holiday_name(day: date) -> str | None:
    """The holiday's name ("Easter Monday"), or None on an ordinary day."""
    return _holidays().get(day)


def bank_holidays_between(first: date, last: date) -> list[tuple[date, str]]:
    """Every bank holiday from ``first`` to ``last`` inclusive, in date order."""
    return sorted((day, title) for day, title in _holidays().items() if first <= day <= last)


def covered_years() -> tuple[int, int]:
    """The first and last year the shipped list covers; outside them nothing is known."""
    years = [day.year for day in _holidays()]
    return min(years), max(years)
