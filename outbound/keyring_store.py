"""Remembering a person's database password in the computer's own keyring.

The keyring is the Windows Credential Manager, the macOS Keychain or the Secret Service
(GNOME Keyring, KWallet) on Linux, reached through the ``keyring`` package. Outbound keeps
a password only where the operating system keeps it safe: not in a plain or home-made
encrypted file (the ``keyrings.alt`` package, which ``keyring`` would otherwise use
quietly), and not when there is no keyring at all.

Nothing here raises: a keyring that fails is logged (never with the password) and the
person types the password again.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

log = logging.getLogger(__name__)

SERVICE_PREFIX = "Outbound"
DEFAULT_PORTS = {"postgresql": 5432, "postgres": 5432}

# Backends that keep passwords in a file of their own rather than the operating system's
# keyring. keyrings.cryptfile would also ask for its own password on the terminal.
_FILE_KEYRING_PACKAGES = ("keyrings.alt", "keyrings.cryptfile")
_NOT_REMEMBERED = "so Outbound cannot remember your password."


def _describe(backend: Any) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _backend_problem(backend: Any) -> str | None:
    """Why ``backend`` (not a chainer) is not a safe place for a password, or None."""
    from keyring.backends import fail, null

    if isinstance(backend, fail.Keyring):
        return f"This computer has no safe keyring to keep passwords in, {_NOT_REMEMBERED}"
    if isinstance(backend, null.Keyring):
        return f"The keyring is switched off on this computer, {_NOT_REMEMBERED}"
    for cls in type(backend).__mro__:
        module = getattr(cls, "__module__", "") or ""
        if any(module == package or module.startswith(package + ".")
               for package in _FILE_KEYRING_PACKAGES):
            return (f"The only keyring on this computer keeps passwords in a file "
                    f"({_describe(backend)}) rather than the system's safe store, "
                    f"{_NOT_REMEMBERED}")
    if backend.priority <= 0:
        return (f"The keyring on this computer ({_describe(backend)}) does not keep "
                f"passwords safely, {_NOT_REMEMBERED}")
    return None


def _secure_backend() -> tuple[Any | None, str | None]:
    """The keyring backend to use and None, or None and why there is none."""
    try:
        import keyring
        from keyring.backends.chainer import ChainerBackend
    except Exception:  # ImportError, or a broken installation
        log.warning("The keyring package cannot be imported", exc_info=True)
        return None, f"The keyring package is not installed, {_NOT_REMEMBERED}"
    try:
        backend = keyring.get_keyring()
        if isinstance(backend, ChainerBackend):
            # The chainer stores with the first backend of its chain; use that one alone,
            # so a file keyring further down the chain is never read or written.
            chain = [ring for ring in backend.backends if not isinstance(ring, ChainerBackend)]
            if not chain:
                return None, (f"This computer has no safe keyring to keep passwords in, "
                              f"{_NOT_REMEMBERED}")
            backend = chain[0]
        problem = _backend_problem(backend)
    except Exception as exc:
        log.warning("The keyring cannot be reached: %s", type(exc).__name__, exc_info=True)
        return None, (f"The keyring on this computer cannot be reached "
                      f"({type(exc).__name__}), {_NOT_REMEMBERED}")
    if problem is not None:
        return None, problem
    return backend, None


def keyring_problem() -> str | None:
    """None if passwords can be kept in a safe keyring here; else one sentence why not."""
    try:
        return _secure_backend()[1]
    except Exception:  # pragma: no cover - _secure_backend catches its own
        log.warning("Checking the keyring failed", exc_info=True)
        return f"The keyring on this computer cannot be checked, {_NOT_REMEMBERED}"


def _log_failure(action: str, service: str, login: str, exc: BaseException,
                 password: str | None = None) -> None:
    message = str(exc)
    if password:
        message = message.replace(password, "***")
    # No exc_info: a traceback's locals or message could hold the password.
    log.warning("Could not %s the password of %s for %s: %s: %s",
                action, login, service, type(exc).__name__, message)


def remembered_password(service: str, login: str) -> str | None:
    """The password kept for ``login`` at ``service``, or None (none kept, or no keyring)."""
    try:
        backend, _problem = _secure_backend()
        if backend is None:
            return None
        password = backend.get_password(service, login)
    except Exception as exc:
        _log_failure("read", service, login, exc)
        return None
    return password if isinstance(password, str) and password else None


def remember_password(service: str, login: str, password: str) -> bool:
    """Keep ``password`` for ``login`` at ``service``; False if it was not kept."""
    if not password or not login:
        return False
    try:
        backend, problem = _secure_backend()
        if backend is None:
            log.info("Not remembering the password of %s for %s: %s", login, service, problem)
            return False
        backend.set_password(service, login, password)
    except Exception as exc:
        _log_failure("remember", service, login, exc, password)
        return False
    return True


def forget_password(service: str, login: str) -> None:
    """Remove any password kept for ``login`` at ``service``."""
    try:
        backend, _problem = _secure_backend()
        if backend is None:
            return
        from keyring.errors import PasswordDeleteError

        with contextlib.suppress(PasswordDeleteError):  # There was none.
            backend.delete_password(service, login)
    except Exception as exc:
        _log_failure("forget", service, login, exc)


def service_name(url_without_password: str) -> str:
    """The keyring entry for a database server: "Outbound host:port/database".

    One person can so keep different passwords on different servers. A password in the
    URL is ignored, and so is the user name (the keyring keeps that as the login).
    """
    try:
        from sqlalchemy.engine import make_url

        url = make_url(url_without_password)
        backend = url.get_backend_name()
        host = url.host or _query_host(url.query.get("host")) or "localhost"
        host = host.lower()
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"  # An IPv6 address.
        port = url.port or DEFAULT_PORTS.get(backend)
        where = f"{host}:{port}" if port else host
        return f"{SERVICE_PREFIX} {where}/{url.database or ''}"
    except Exception:
        # Not a URL SQLAlchemy reads: keep what follows any user name and password.
        rest = url_without_password.split("://", 1)[-1]
        return f"{SERVICE_PREFIX} {rest.rsplit('@', 1)[-1]}"


def _query_host(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, tuple | list) and value:
        return str(value[0])
    return None
