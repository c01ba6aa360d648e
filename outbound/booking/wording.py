"""Dates and times the way council letters write them: "Tuesday 1 December 2026 at 10:30".

Day and month names are spelled out here rather than taken from ``strftime``: the
desktop client's Qt start-up sets the C locale from the machine, and a letter must not
come out in another language because of a PC's regional settings.
"""

from __future__ import annotations

from datetime import date, datetime

from outbound.clock import to_london

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def uk_date(day: date) -> str:
    """"Tuesday 1 December 2026"."""
    return f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def uk_clock(instant: datetime) -> str:
    """"10:30" on the London clock."""
    return f"{to_london(instant):%H:%M}"


def uk_when(instant: datetime) -> str:
    """"Tuesday 1 December 2026 at 10:30", on the London clock."""
    local = to_london(instant)
    return f"{uk_date(local.date())} at {local:%H:%M}"


def uk_day_time(instant: datetime) -> str:
    """"Tuesday 24 November at 14:30", on the London clock: a time in the next weeks."""
    local = to_london(instant)
    return f"{DAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} at {local:%H:%M}"


def uk_short(instant: datetime) -> str:
    """"Tue 1 Dec 10:30", for lists."""
    local = to_london(instant)
    return f"{DAYS[local.weekday()][:3]} {local.day} {MONTHS[local.month - 1][:3]} " \
           f"{local:%H:%M}"
