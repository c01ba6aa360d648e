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
