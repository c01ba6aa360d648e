"""The settings files IT deploys: machine-wide, then the person's own over it."""

from __future__ import annotations

import pytest

from outbound import site_settings
from outbound.db.database import DatabaseError, resolve_url


@pytest.fixture
def two_files(monkeypatch, tmp_path):
    machine, person = tmp_path / "machine" / "outbound.toml", tmp_path / "person" / "outbound.toml"
    machine.parent.mkdir()
    person.parent.mkdir()
    monkeypatch.delenv("OUTBOUND_SETTINGS", raising=False)
    monkeypatch.delenv("OUTBOUND_DATABASE_URL", raising=False)
    monkeypatch.setattr(site_settings, "machine_file", lambda: machine)
    monkeypatch.setattr(site_settings, "user_file", lambda: person)
    return machine, person


def test_the_persons_file_wins_key_by_key(two_files):
    machine, person = two_files
    machine.write_text('database_url = "postgresql://dbserver/outbound"\n'
                       'templates = "council templates"\n', encoding="utf-8")
    person.write_text('database_url = "postgresql://testserver/outbound"\n', encoding="utf-8")
    found = site_settings.site_settings()
    assert found.database_url == "postgresql://testserver/outbound"
    assert found.templates == machine.parent / "council templates"
    assert found.sources == (machine, person)


def test_the_database_is_the_command_line_then_the_environment_then_the_files(
        two_files, monkeypatch, tmp_path):
    machine, _ = two_files
    assert resolve_url(None).get_backend_name() == "sqlite"       # no file: one's own
    machine.write_text('database_url = "postgresql://dbserver/outbound"\n', encoding="utf-8")
    assert resolve_url(None).host == "dbserver"
    monkeypatch.setenv("OUTBOUND_DATABASE_URL", str(tmp_path / "env.db"))
    assert resolve_url(None).database == str(tmp_path / "env.db")
    assert resolve_url(str(tmp_path / "given.db")).database == str(tmp_path / "given.db")


def test_a_bad_file_is_named_in_a_sentence(two_files):
    _, person = two_files
    person.write_text("database_url = postgresql://no-quotes\n", encoding="utf-8")
    with pytest.raises(DatabaseError, match=rf"The settings file {person} is not valid TOML"):
        resolve_url(None)
    person.write_text('databse_url = "x"\n', encoding="utf-8")
    with pytest.raises(site_settings.SiteSettingsError,
                       match=r"does not know \(“databse_url”\); the settings are: "
                             r"database_url, templates\."):
        site_settings.site_settings()


def test_one_named_file_replaces_both(two_files, monkeypatch, tmp_path):
    machine, _ = two_files
    machine.write_text('database_url = "postgresql://dbserver/outbound"\n', encoding="utf-8")
    named = tmp_path / "only.toml"
    named.write_text('database_url = "postgresql://other/outbound"\n', encoding="utf-8")
    monkeypatch.setenv("OUTBOUND_SETTINGS", str(named))
    assert site_settings.site_settings().database_url == "postgresql://other/outbound"
