"""The council's rules for every computer, kept in the database (``app_setting``).

A rule set here applies to everyone who uses that database, on every computer, from
their next sign-in: it is not a preference of one person. In a team's database only an
administrator may change one (the database refuses anyone else).
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from outbound.audit import record
from outbound.db.database import Database
from outbound.db.models import AppSetting

LOCK_AFTER = "lock_after_minutes"
DEFAULT_LOCK_AFTER_MINUTES = 10
LONGEST_LOCK_AFTER_MINUTES = 240   # four hours: a lock that never comes is no lock


class SettingError(ValueError):
    """A rule that cannot be set to that value; one clear sentence."""


def _stored(db: Database, key: str) -> str | None:
    with db.read() as session:
        found = session.get(AppSetting, key)
        return found.value if found is not None else None


def _store(session: Session, key: str, value: str) -> str | None:
    """Set ``key`` to ``value``; what it was before (None when never set)."""
    found = session.get(AppSetting, key)
    if found is None:
        session.add(AppSetting(key=key, value=value))
        return None
    was, found.value = found.value, value
    return was


def lock_after_minutes(db: Database) -> int:
    """How long a client may sit without keyboard or mouse input before it locks."""
    stored = _stored(db, LOCK_AFTER)
    try:
        minutes = int(stored) if stored is not None else DEFAULT_LOCK_AFTER_MINUTES
    except ValueError:   # edited by hand into nonsense: the safe default, not a crash
        return DEFAULT_LOCK_AFTER_MINUTES
    if not 1 <= minutes <= LONGEST_LOCK_AFTER_MINUTES:
        return DEFAULT_LOCK_AFTER_MINUTES
    return minutes


def set_lock_after_minutes(db: Database, minutes: int, *, by: str | None) -> None:
    """Lock every client after ``minutes`` without use (from each person's next sign-in)."""
    if not 1 <= minutes <= LONGEST_LOCK_AFTER_MINUTES:
        raise SettingError(f"Give a number of minutes from 1 to "
                           f"{LONGEST_LOCK_AFTER_MINUTES} (four hours).")

    def work(session: Session) -> None:
        was = _store(session, LOCK_AFTER, str(minutes))
        if was != str(minutes):
            record(session, "setting_changed",
                   f"Outbound now locks after {minutes} minutes without use.", actor=by,
                   detail={"setting": LOCK_AFTER, "value": minutes, "was": was})

    try:
        db.run_write(work)
    except DBAPIError as exc:
        if "permission denied" in str(getattr(exc, "orig", exc)).lower():
            raise SettingError("Only an administrator can change the council's rules "
                               "for every computer.") from None
        raise
