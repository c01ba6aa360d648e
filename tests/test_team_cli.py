"""``team setup`` and ``users``: run as a person would, on the password-checking
cluster; a mistake is one sentence, a non-zero exit, and nothing changed."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from outbound.cli import main
from outbound.db.database import open_database
from outbound.team.accounts import SignInError, sign_in
from tests.team import TEMPORARY

pytestmark = pytest.mark.clock(datetime(2026, 11, 23, 10, tzinfo=UTC))


def _run(monkeypatch, capsys, argv: list[str], *, stdin: str = "",  # type: ignore[no-untyped-def]
         password: str | None = None) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    if password is None:
        monkeypatch.delenv("PGPASSWORD", raising=False)
    else:
        monkeypatch.setenv("PGPASSWORD", password)   # libpq's own way, as a script would
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _logins(owner) -> list[str]:  # type: ignore[no-untyped-def]
    with owner.read() as session:
        return list(session.scalars(text("SELECT login FROM app_user ORDER BY login")))


def test_an_administrator_sets_up_a_team_from_the_command_line(scram_cluster, monkeypatch,
                                                                 capsys, tmp_path):
    database = "team_cli"
    owner_url = scram_cluster.create_database(database)
    ada, sam = "ada_cli", "sam_cli"

    def as_ada(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        return _run(monkeypatch, capsys, [*argv, "--db", scram_cluster.url(database, ada)],
                    stdin=stdin, password=TEMPORARY)

    code, out, _ = _run(monkeypatch, capsys,
                        ["team", "setup", "--db", owner_url, "--administrator", ada,
                         "--name", "Ada Lovelace", "--password-stdin"], stdin=TEMPORARY + "\n")
    assert code == 0
    assert out.startswith("Set up ") and "team_cli_agent, team_cli_supervisor" in out
    again = _run(monkeypatch, capsys, ["team", "setup", "--db", owner_url])
    assert again[0] == 0                                       # nothing to change: fine
    owner = open_database(owner_url)
    try:
        # A password that will not do: refused, and no login made.
        code, _, err = as_ada("users", "add", sam, "--name", "Sam Jones", "--password-stdin",
                              stdin="short\n")
        assert (code, err.strip()) == (1, "Error: A password needs at least 12 characters.")
        assert _logins(owner) == [ada]
        code, out, _ = as_ada("users", "add", sam, "--name", "Sam Jones", "--password-stdin",
                              stdin=TEMPORARY + "\n")
        assert code == 0 and out.startswith("Added Sam Jones (sam_cli) as agent.")
        code, out, _ = as_ada("users", "list")
        assert code == 0
        assert [line.split()[:2] for line in out.splitlines()] == [
            [ada, "administrator"], [sam, "agent"]]
        # Sam is no administrator: the database refuses him.
        code, _, err = _run(monkeypatch, capsys,
                            ["users", "role", sam, "administrator", "--db",
                             scram_cluster.url(database, sam)], password=TEMPORARY)
        assert (code, err.strip()) == (1, "Error: Only an administrator can change users.")
        assert as_ada("users", "role", sam, "supervisor")[0] == 0
        _db, account = sign_in(scram_cluster.url(database), sam, TEMPORARY)
        _db.close()
        assert account.role == "supervisor"
        code, out, _ = as_ada("users", "disable", sam)
        assert code == 0 and out.startswith(f"Switched off {sam}")
        with pytest.raises(SignInError, match="switched off"):
            sign_in(scram_cluster.url(database), sam, TEMPORARY)
        code, _, err = as_ada("users", "disable", "nobody_here")
        assert (code, err.strip()) == (1, "Error: There is no user with the user name "
                                          "nobody_here.")
        code, _, err = as_ada("users", "add", "Bad Name!", "--name", "X", "--password-stdin",
                              stdin=TEMPORARY + "\n")
        assert code == 1 and "cannot be a user name" in err
    finally:
        owner.close()


def test_an_sqlite_file_needs_no_team(monkeypatch, capsys, tmp_path):
    code, _, err = _run(monkeypatch, capsys,
                        ["team", "setup", "--db", str(tmp_path / "mine.db")])
    assert code == 1 and "team's PostgreSQL database" in err
    code, _, err = _run(monkeypatch, capsys, ["users", "list", "--db", str(tmp_path / "m.db")])
    assert code == 1 and "team's PostgreSQL database" in err
    assert not (tmp_path / "m.db").exists()


def test_a_wrong_password_on_the_command_line_is_one_sentence(scram_cluster, monkeypatch,
                                                              capsys):
    code, _, err = _run(monkeypatch, capsys,
                        ["users", "list", "--db", scram_cluster.url("postgres", "nobody")],
                        password="wrong-password-here")
    assert code == 1
    assert err.startswith("Error: The database refused nobody: the password is wrong")
    assert len(err.strip().splitlines()) == 1
