"""The council's rules for every computer, and the one user of a single-user file."""

from __future__ import annotations

import pytest

from outbound.app_settings import (
    DEFAULT_LOCK_AFTER_MINUTES,
    SettingError,
    lock_after_minutes,
    set_lock_after_minutes,
)
from outbound.audit import search_audit
from outbound.db.models import AppSetting
from outbound.users import add_user, computer_user, list_users


def test_lock_after_is_ten_minutes_until_set(db):
    assert lock_after_minutes(db) == DEFAULT_LOCK_AFTER_MINUTES == 10
    set_lock_after_minutes(db, 5, by="Asha")
    assert lock_after_minutes(db) == 5
    set_lock_after_minutes(db, 5, by="Asha")     # no change, no second entry
    entries = [e for e in search_audit(db) if e.action == "setting_changed"]
    assert [(e.actor, e.summary) for e in entries] == [
        ("Asha", "Outbound now locks after 5 minutes without use.")]


@pytest.mark.parametrize("minutes", [0, -3, 241])
def test_lock_after_refuses_nonsense(db, minutes):
    with pytest.raises(SettingError, match="from 1 to 240"):
        set_lock_after_minutes(db, minutes, by="Asha")
    assert lock_after_minutes(db) == 10


def test_a_damaged_rule_falls_back_to_the_default(sqlite_db):
    sqlite_db.run_write(lambda s: s.add(AppSetting(key="lock_after_minutes", value="soon")))
    assert lock_after_minutes(sqlite_db) == 10


def test_the_computer_account_is_the_one_administrator(sqlite_db, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "jo.bloggs")
    user = computer_user(sqlite_db)
    assert (user.name, user.role, user.active) == ("jo.bloggs", "administrator", True)
    assert computer_user(sqlite_db).id == user.id      # the same user each time
    assert [u.name for u in list_users(sqlite_db)] == ["jo.bloggs"]


def test_the_computer_account_is_made_administrator_again(sqlite_db, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "jo.bloggs")
    earlier = add_user(sqlite_db, "jo.bloggs", "agent")
    assert computer_user(sqlite_db).id == earlier
    assert computer_user(sqlite_db).role == "administrator"


def test_lock_after_from_the_command_line_belongs_to_a_team(tmp_path):
    from tests.test_cli import run

    result = run("team", "lock-after", "5", db=str(tmp_path / "mine.db"))
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr and "Traceback" not in result.stderr
    helped = run("team", "lock-after", "--help")
    assert "MINUTES" in helped.stdout and "locks" in helped.stdout
