"""What IT sets when it deploys Outbound: the database and the council's own templates.

Two small TOML files, read by the client and by every command alike (no Qt here):

- machine-wide, written once by IT for every person on the computer: on Windows
  ``C:\\ProgramData\\Outbound\\outbound.toml``, on Linux ``/etc/xdg/Outbound/outbound.toml``;
- per person, which wins over the machine-wide file key by key: on Windows
  ``%LOCALAPPDATA%\\Outbound\\outbound.toml``, on Linux ``~/.config/Outbound/outbound.toml``.

$OUTBOUND_SETTINGS names one file to read instead of both (a test, or a second set-up
on one computer). A file that is missing is no error; a file that cannot be read or is
not valid TOML is, with one sentence naming it, because guessing a database is worse.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import platformdirs

ENV_VAR = "OUTBOUND_SETTINGS"
FILE_NAME = "outbound.toml"
KEYS = {
    "database_url": "the database: an SQLite file path or postgresql://host/database",
    "templates": "a folder of the council's own campaign templates, beside the shipped ones",
}


class SiteSettingsError(ValueError):
    """A settings file that cannot be used; the message names it."""


@dataclass(frozen=True, slots=True)
class SiteSettings:
    database_url: str | None = None
    templates: Path | None = None
    sources: tuple[Path, ...] = ()      # the files that were read, machine-wide first


def machine_file() -> Path:
    return platformdirs.site_config_path("Outbound", appauthor=False) / FILE_NAME


def user_file() -> Path:
    return platformdirs.user_config_path("Outbound", appauthor=False) / FILE_NAME


def settings_files() -> list[Path]:
    """The files consulted, in the order they apply (a later one wins)."""
    named = os.environ.get(ENV_VAR)
    if named:
        return [Path(named).expanduser()]
    return [machine_file(), user_file()]


def _read(path: Path) -> dict[str, object] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise SiteSettingsError(f"The settings file {path} cannot be read ({exc}).") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SiteSettingsError(f"The settings file {path} is not valid TOML ({exc}).") \
            from None
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise SiteSettingsError(
            f"The settings file {path} has a setting Outbound does not know "
            f"(“{unknown[0]}”); the settings are: {', '.join(KEYS)}.")
    for key, value in data.items():
        if not isinstance(value, str) or not value.strip():
            raise SiteSettingsError(f"In the settings file {path}, {key} must be text "
                                    "in quotes.")
    return data


def site_settings() -> SiteSettings:
    """The settings in force: the machine-wide file, then the person's own over it."""
    merged: dict[str, object] = {}
    sources: list[Path] = []
    for path in settings_files():
        data = _read(path)
        if data is None:
            continue
        sources.append(path)
        for key, value in data.items():
            # a relative folder is relative to the file that names it
            if key == "templates":
                value = path.parent / Path(str(value)).expanduser()
            merged[key] = value
    templates = merged.get("templates")
    database_url = merged.get("database_url")
    return SiteSettings(
        database_url=str(database_url) if database_url is not None else None,
        templates=Path(str(templates)) if templates is not None else None,
        sources=tuple(sources),
    )


DATABASE_ENV_VAR = "OUTBOUND_DATABASE_URL"


def database_address(given: str | None = None) -> str | None:
    """The database named: ``given`` (``--db``), else $OUTBOUND_DATABASE_URL, else the
    settings' ``database_url``; None means the person's own file. Read without loading
    the database layer, so the client can tell a team's server from a file before it
    has loaded anything else."""
    return given or os.environ.get(DATABASE_ENV_VAR) or site_settings().database_url


def is_server_address(address: str | None) -> bool:
    """Whether ``address`` names a PostgreSQL server (a team's database), as
    ``postgresql://…``, ``postgres://…`` or ``postgresql+driver://…``."""
    if not address or "://" not in address:
        return False
    scheme = address.split("://", 1)[0].split("+", 1)[0].lower()
    return scheme in ("postgres", "postgresql")
