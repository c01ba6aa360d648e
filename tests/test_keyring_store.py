"""Passwords are remembered only in a safe keyring, and nothing here ever raises."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringError, PasswordDeleteError

from outbound import keyring_store
from outbound.keyring_store import (
    forget_password,
    keyring_problem,
    remember_password,
    remembered_password,
    service_name,
)

SECRET = "Correct horse battery staple 42!"


class MemoryKeyring(KeyringBackend):
    """A safe-looking keyring that keeps passwords in memory, for these tests."""

    priority = 1
    # Kept out of keyring's own discovery, so that other tests in this process never
    # find it by themselves.
    viable = False

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.passwords.pop((service, username), None) is None:
            raise PasswordDeleteError("not there")


class PlaintextKeyring(MemoryKeyring):
    """Looks like keyrings.alt's file keyring (which keyring would choose quietly)."""

    __module__ = "keyrings.alt.file"
    priority = 0.5


class LowKeyring(MemoryKeyring):
    priority = 0


class BrokenKeyring(MemoryKeyring):
    """A keyring whose every operation fails, with the password in its message."""

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringError("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringError(f"could not store {password}")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringError("the collection is locked")


@pytest.fixture(autouse=True)
def _restore_keyring() -> Iterator[None]:
    original = keyring.get_keyring()
    try:
        yield
    finally:
        keyring.set_keyring(original)


@pytest.fixture
def memory() -> MemoryKeyring:
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    return ring


def test_a_safe_keyring_remembers_recalls_and_forgets(memory: MemoryKeyring):
    service = service_name("postgresql+psycopg://alice@db.council.example:5432/outbound")
    assert keyring_problem() is None
    assert remembered_password(service, "alice") is None

    assert remember_password(service, "alice", SECRET) is True
    assert memory.passwords == {(service, "alice"): SECRET}
    assert remembered_password(service, "alice") == SECRET
    assert remembered_password(service, "bob") is None

    forget_password(service, "alice")
    assert remembered_password(service, "alice") is None
    forget_password(service, "alice")  # Forgetting nothing is fine.


@pytest.mark.parametrize("backend", [PlaintextKeyring, fail.Keyring, null.Keyring, LowKeyring])
def test_an_unsafe_keyring_is_refused_with_a_sentence(backend: type[KeyringBackend]):
    ring = backend()
    keyring.set_keyring(ring)
    problem = keyring_problem()
    assert isinstance(problem, str)
    assert problem[0].isupper() and problem.endswith(".") and problem.count(". ") == 0
    assert "cannot remember your password" in problem

    assert remember_password("Outbound db:5432/outbound", "alice", SECRET) is False
    assert remembered_password("Outbound db:5432/outbound", "alice") is None
    forget_password("Outbound db:5432/outbound", "alice")
    if isinstance(ring, MemoryKeyring):
        assert ring.passwords == {}


def test_the_plaintext_file_keyring_is_named_in_the_sentence():
    keyring.set_keyring(PlaintextKeyring())
    problem = keyring_problem()
    assert problem is not None and "keyrings.alt.file.PlaintextKeyring" in problem


def test_a_chainer_is_judged_by_the_keyring_it_would_use(monkeypatch: pytest.MonkeyPatch):
    safe, plain = MemoryKeyring(), PlaintextKeyring()
    keyring.set_keyring(chainer.ChainerBackend())

    monkeypatch.setattr(chainer.ChainerBackend, "backends", [plain, safe])
    assert "file" in (keyring_problem() or "")
    assert remember_password("Outbound db:5432/outbound", "alice", SECRET) is False
    assert plain.passwords == {} and safe.passwords == {}

    monkeypatch.setattr(chainer.ChainerBackend, "backends", [safe, plain])
    assert keyring_problem() is None
    assert remember_password("Outbound db:5432/outbound", "alice", SECRET) is True
    assert safe.passwords == {("Outbound db:5432/outbound", "alice"): SECRET}
    assert plain.passwords == {}

    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    assert keyring_problem() is not None


def test_a_failing_keyring_never_raises_nor_logs_the_password(
        caplog: pytest.LogCaptureFixture):
    keyring.set_keyring(BrokenKeyring())
    caplog.set_level(logging.DEBUG, logger=keyring_store.__name__)
    assert keyring_problem() is None
    assert remember_password("Outbound db:5432/outbound", "alice", SECRET) is False
    assert remembered_password("Outbound db:5432/outbound", "alice") is None
    forget_password("Outbound db:5432/outbound", "alice")
    assert caplog.records
    assert all(SECRET not in record.getMessage() for record in caplog.records)


def test_a_keyring_that_cannot_even_be_asked_is_a_sentence(monkeypatch: pytest.MonkeyPatch):
    def broken() -> KeyringBackend:
        raise RuntimeError("no D-Bus session")

    monkeypatch.setattr(keyring, "get_keyring", broken)
    problem = keyring_problem()
    assert problem is not None and "RuntimeError" in problem
    assert remember_password("Outbound db:5432/outbound", "alice", SECRET) is False
    assert remembered_password("Outbound db:5432/outbound", "alice") is None


@pytest.mark.parametrize(("url", "expected"), [
    ("postgresql+psycopg://alice@db.council.example:5433/outbound",
     "Outbound db.council.example:5433/outbound"),
    ("postgresql://alice@DB.Council.example/outbound", "Outbound db.council.example:5432/outbound"),
    ("postgresql://alice:secret@db/outbound", "Outbound db:5432/outbound"),
    ("postgresql://alice@[::1]:5432/outbound", "Outbound [::1]:5432/outbound"),
    ("postgresql://alice@/outbound?host=/var/run/postgresql",
     "Outbound /var/run/postgresql:5432/outbound"),
])
def test_the_service_names_the_server_and_database(url: str, expected: str):
    assert service_name(url) == expected


def test_different_servers_and_databases_are_different_services():
    names = {
        service_name("postgresql://alice@db1/outbound"),
        service_name("postgresql://alice@db2/outbound"),
        service_name("postgresql://alice@db1:6432/outbound"),
        service_name("postgresql://alice@db1/training"),
    }
    assert len(names) == 4
    assert service_name("postgresql://alice@db1/outbound") == service_name(
        "postgresql://bob@db1:5432/outbound")
