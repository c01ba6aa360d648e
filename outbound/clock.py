"""Time in one place: instants in UTC, the council's wall clock in Europe/London."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    return datetime.now(UTC)


def london_now() -> datetime:
    return datetime.now(LONDON)


def to_london(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("naive datetime given where an instant is needed")
    return instant.astimezone(LONDON)


def london_day(instant: datetime) -> date:
    return to_london(instant).date()


def local_instant(day: date, at: time, *, fold: int = 0) -> datetime:
    """The instant a London wall-clock time names.

    On the night the clocks go back, 01:30 happens twice: ``fold=0`` is the first (BST),
    ``fold=1`` the second (GMT). On the night they go forward, 01:30 does not exist, and
    zoneinfo moves it on by the gap (to 02:30 BST), as a person's clock would.
    """
    wall = datetime.combine(day, at, tzinfo=LONDON).replace(fold=fold)
    return wall.astimezone(UTC).astimezone(LONDON)


def clock_reaches(day: date, at: time, *, fold: int = 0) -> datetime:
    """The first instant the London clock shows ``at``, or a later time, on ``day``.

    For a wall time that exists this is ``local_instant`` (``fold`` picks which of a
    repeated time). A time in the hour skipped as the clocks go forward is never shown:
    the clock jumps from 00:59:59 GMT to 02:00 BST, so the first instant at or past 01:30
    is the jump itself, 02:00 BST, not 02:30 as ``local_instant`` reads it. Calling
    windows open and close, and a round's calls fall due, at this instant.
    """
    instant = local_instant(day, at, fold=fold)
    if instant.time() == at:
        return instant
    # In the gap: the jump lies between the time read on the old offset and on the new.
    readings = [datetime.combine(day, at, tzinfo=LONDON).replace(fold=f).timestamp()
                for f in (0, 1)]
    target = datetime.combine(day, at)
    low, high = int(min(readings)), int(max(readings))   # shows before ``at``; at or past
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, LONDON).replace(tzinfo=None) >= target:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, LONDON)


def skipped_time(day: date, at: time) -> bool:
    """True for a wall-clock time the London clock never shows on ``day``: one in the
    hour skipped as the clocks go forward (01:30 on the last Sunday in March)."""
    return local_instant(day, at).time() != at
