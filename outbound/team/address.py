"""A team's database address and a login, read without loading the database layer.

The sign-in is the first window of a team's client: it shows where the person is
signing in to, and the user name to sign in as, before SQLAlchemy is loaded (that
happens behind it, while they type). ``outbound.team.accounts`` connects.
"""

from __future__ import annotations

import getpass
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from outbound.site_settings import database_address

LOGIN_PATTERN = re.compile(r"^[a-z][a-z0-9._-]{1,62}$")


@dataclass(frozen=True, slots=True)
class ServerAddress:
    host: str | None
    port: int | None
    database: str | None
    login: str | None          # the user name in the address, if any


def server_address(url: str | None) -> ServerAddress:
    """The server, port, database and user name of ``url`` (else the address set for
    this computer), as SQLAlchemy reads them."""
    parts = urlsplit(database_address(url) or "")
    try:
        port = parts.port
    except ValueError:          # not a number: the connection will say so
        port = None
    return ServerAddress(host=parts.hostname or None, port=port,
                         database=unquote(parts.path.lstrip("/")) or None,
                         login=unquote(parts.username) if parts.username else None)


def default_login(url: str | None) -> str:
    """The login named in the address, else the computer account's name."""
    return server_address(url).login or getpass.getuser()
