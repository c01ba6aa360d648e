"""Where the sending service finds its GOV.UK Notify key: the environment, the
operating system's keyring, or its own configuration file, never the database, a
campaign file or a log line.

    OUTBOUND_NOTIFY_API_KEY     the key (for a service manager's secret store)
    OUTBOUND_NOTIFY_URL         Notify's address (the fake one for the demo and tests)
    --notify-config FILE        TOML: api_key, base_url, per_minute

``python main.py notify key`` keeps the key in the keyring instead.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from outbound.notify.client import LIVE_URL, check_api_key

KEY_ENV = "OUTBOUND_NOTIFY_API_KEY"
URL_ENV = "OUTBOUND_NOTIFY_URL"
KEYRING_SERVICE = "Outbound GOV.UK Notify"
KEYRING_LOGIN = "api-key"


@dataclass(frozen=True)
class NotifySettings:
    api_key: str
    base_url: str = LIVE_URL
    per_minute: int = 3000
    where: str = ""                 # where the key came from, for the log (not the key)

    def __repr__(self) -> str:
        return f"NotifySettings(base_url={self.base_url!r}, from={self.where!r})"


def load_notify_settings(config: str | Path | None = None,
                         env: Mapping[str, str] | None = None) -> NotifySettings | None:
    """The sender's settings, or None when no key is configured on this machine."""
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    where = ""
    if config is not None:
        path = Path(config).expanduser()
        try:
            values = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ValueError(f"Cannot read the Notify settings {path}: "
                             f"{exc.strerror or exc}.") from None
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"The Notify settings {path} are not valid TOML ({exc}).") \
                from None
        unknown = set(values) - {"api_key", "base_url", "per_minute"}
        if unknown:
            raise ValueError(f"The Notify settings {path} have {', '.join(sorted(unknown))}; "
                             "the settings are api_key, base_url and per_minute.")
        if "api_key" in values and path.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH):
            raise ValueError(f"The Notify settings {path} hold the API key but others may "
                             f"read the file; make it yours only (chmod 600 {path}).")
        where = str(path)
    key = values.get("api_key") or env.get(KEY_ENV)
    if key and not values.get("api_key"):
        where = KEY_ENV
    if not key:
        from outbound.keyring_store import remembered_password

        key = remembered_password(KEYRING_SERVICE, KEYRING_LOGIN)
        where = "the keyring"
    if not key:
        return None
    per_minute = values.get("per_minute", 3000)
    if not isinstance(per_minute, int) or not 1 <= per_minute <= 3000:
        raise ValueError("per_minute should be a whole number from 1 to 3000 (Notify "
                         "allows 3,000 messages a minute).")
    base_url = str(values.get("base_url") or env.get(URL_ENV) or LIVE_URL)
    return NotifySettings(check_api_key(str(key)), base_url, per_minute, where)


def keep_key(key: str) -> None:
    """Keep the key in the operating system's keyring; ValueError when there is none
    safe to keep it in."""
    from outbound.keyring_store import keyring_problem, remember_password

    key = check_api_key(key)
    problem = keyring_problem()
    if problem or not remember_password(KEYRING_SERVICE, KEYRING_LOGIN, key):
        raise ValueError((problem or "The keyring did not keep the key.")
                         + f" Give the key in {KEY_ENV} or a settings file instead.")
