"""Calling windows: the hours, on the London clock, when a campaign may ring people.

Windows are kept in wall-clock time because that is what residents and providers
live by: "08:00" is 07:00 UTC in summer and 08:00 UTC in winter, and on the two days
the clocks change every answer must still be the one a person's watch gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from outbound.campaigns.parsing import DAY_NAMES
from outbound.clock import clock_reaches, to_london
from outbound.holidays import is_bank_holiday

SEARCH_DAYS = 400


@dataclass(frozen=True, slots=True)
class CallingWindow:
    """Days of the week and a time span each day; optionally never on bank holidays."""

    days: frozenset[int]        # 0=Monday..6=Sunday
    start: time                 # London wall clock, start < end
    end: time
    skip_bank_holidays: bool

    def __post_init__(self) -> None:
        if not self.days or not self.days <= frozenset(range(7)):
            raise ValueError("A calling window needs at least one day, Monday to Sunday.")
        if not self.start < self.end:
            raise ValueError(f"A calling window must start before it ends "
                             f"({self.start:%H:%M} to {self.end:%H:%M}).")

    def is_calling_day(self, day: date) -> bool:
        """True when calls may be made at some time on this London date."""
        if day.weekday() not in self.days:
            return False
        return not (self.skip_bank_holidays and is_bank_holiday(day))

    def is_open(self, instant: datetime) -> bool:
        """True when a call may be made at this instant (any time zone)."""
        local = to_london(instant)
        wall = local.time().replace(tzinfo=None)
        return self.is_calling_day(local.date()) and self.start <= wall < self.end

    def next_open(self, instant: datetime) -> datetime:
        """The first instant at or after ``instant`` when calls may be made, in UTC."""
        if self.is_open(instant):
            return instant.astimezone(UTC)
        today = to_london(instant).date()
        for offset in range(SEARCH_DAYS + 1):
            day = today + timedelta(days=offset)
            if not self.is_calling_day(day):
                continue
            # On the night the clocks go back a wall time happens twice: try both.
            for fold in (0, 1):
                opening = clock_reaches(day, self.start, fold=fold)
                if opening >= instant and self.is_open(opening):
                    return opening.astimezone(UTC)
        raise ValueError(f"The calling window ({self.describe()}) does not open in the "
                         f"next {SEARCH_DAYS} days.")

    def closes_at(self, instant: datetime) -> datetime | None:
        """When the open period holding ``instant`` ends, in UTC; None if closed now."""
        if not self.is_open(instant):
            return None
        day = to_london(instant).date()
        for fold in (0, 1):
            closing = clock_reaches(day, self.end, fold=fold)
            if closing > instant:
                return closing.astimezone(UTC)
        return None  # pragma: no cover - the end is always later on an open day

    def open_seconds_between(self, start: datetime, end: datetime) -> float:
        """Seconds of calling time from ``start`` to ``end`` (nights, closed days and
        skipped bank holidays count for nothing)."""
        total = 0.0
        cursor = start
        for _ in range(SEARCH_DAYS + 2):
            if cursor >= end:
                break
            if not self.is_open(cursor):
                cursor = self.next_open(cursor)
                if cursor >= end:
                    break
            closes = self.closes_at(cursor) or cursor
            total += (min(closes, end) - cursor).total_seconds()
            cursor = closes
        return total

    def after_open_seconds(self, start: datetime, seconds: float) -> datetime:
        """The instant, in UTC, when ``seconds`` of calling time have passed from
        ``start``: always inside the window (or at the close of its last open period)."""
        cursor = self.next_open(start)
        left = max(seconds, 0.0)
        for _ in range(SEARCH_DAYS * 2):
            closes = self.closes_at(cursor) or cursor
            open_for = (closes - cursor).total_seconds()
            if open_for >= left:
                return cursor + timedelta(seconds=left)
            left -= open_for
            cursor = self.next_open(closes)
        raise ValueError(f"The calling window ({self.describe()}) does not give that much "
                         "calling time within the search limit.")

    def describe(self) -> str:
        """"Monday to Friday, 09:00 to 17:00, not on bank holidays", for people."""
        text = f"{describe_days(self.days)}, {self.start:%H:%M} to {self.end:%H:%M}"
        return text + (", not on bank holidays" if self.skip_bank_holidays else "")


def describe_days(days: frozenset[int]) -> str:
    """Weekday numbers in words: "every day", "Monday to Friday", "Monday and Thursday"."""
    ordered = sorted(days)
    if len(ordered) == 7:
        return "every day"
    if len(ordered) >= 3 and ordered[-1] - ordered[0] == len(ordered) - 1:
        return f"{DAY_NAMES[ordered[0]]} to {DAY_NAMES[ordered[-1]]}"
    names = [DAY_NAMES[day] for day in ordered]
    if len(names) == 1:
        return f"{names[0]}s"
    return ", ".join(names[:-1]) + " and " + names[-1]
