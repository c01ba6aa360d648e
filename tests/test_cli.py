"""The command line as a person uses it: clear sentences, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO


def run(*args: str, db: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(REPO / "main.py"), *args]
    if db:
        command += ["--db", db]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO)


def test_help_lists_the_commands():
    result = run("--help")
    assert result.returncode == 0
    for command in ("import", "contacts", "demo"):
        assert command in result.stdout


def test_import_then_list_as_json_and_csv(tmp_path, shared_data):
    db = str(tmp_path / "cli.db")
    result = run("import", str(shared_data / "trafford_care_homes_2026.csv"),
                 "--report", str(tmp_path / "r.json"), db=db)
    assert result.returncode == 0, result.stderr
    assert "56 new" in result.stdout
    assert json.loads((tmp_path / "r.json").read_text())["counts"]["repaired"] == 54
    listed = json.loads(run("contacts", "--format", "json", db=db).stdout)
    assert len(listed) == 56 and listed[0]["phone"].startswith("+44")
    assert run("contacts", db=db).stdout.count("\n") == 57


@pytest.mark.parametrize("args, code, words", [
    (["import", "missing.csv"], 1, "could not be found"),
    (["import", "{gm}", "--map", "nonsense"], 1, "Column heading=field"),
    (["import"], 2, "required"),
    (["contacts", "--format", "pdf"], 2, "invalid choice"),
    (["frobnicate"], 2, "invalid choice"),
])
def test_user_errors_get_one_sentence_and_a_non_zero_exit(tmp_path, shared_data, args, code,
                                                          words):
    gm = str(shared_data / "gm_care_homes_2019.csv")
    result = run(*(a.replace("{gm}", gm) for a in args), db=str(tmp_path / "e.db"))
    assert result.returncode == code
    assert words.lower() in result.stderr.lower()
    assert "Traceback" not in result.stderr


def test_an_unknown_database_is_one_sentence(tmp_path):
    result = run("contacts", db="oracle://scott@tiger/db")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "SQLite" in result.stderr and "Traceback" not in result.stderr


def test_a_bad_import_leaves_the_database_as_it_was(tmp_path, shared_data):
    db = str(tmp_path / "cli.db")
    run("import", str(shared_data / "trafford_care_homes_2026.csv"), db=db)
    before = run("contacts", db=db).stdout
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = run("import", str(empty), db=db)
    assert result.returncode == 1 and "empty" in result.stderr
    assert run("contacts", db=db).stdout == before


def test_an_import_in_a_terminal_shows_its_progress_on_one_line(monkeypatch):
    import io

    from outbound.cli import contacts_cmd

    clock = iter([10.0, 10.2, 10.6, 11.3])
    monkeypatch.setattr(contacts_cmd.time, "monotonic", lambda: next(clock))
    stream = io.StringIO()
    progress = contacts_cmd._TerminalProgress(stream)
    progress(2_000, 100_000)
    progress(4_000, 100_000)              # too soon after the last: not shown
    progress(6_000, 100_000)
    progress(110_000, 100_000)            # past the estimate: the count is the total
    progress.clear()
    shown = stream.getvalue().split("\r")
    assert shown[1:4] == ["Read 2,000 of about 100,000 rows…",
                          "Read 6,000 of about 100,000 rows…",
                          "Read 110,000 of about 110,000 rows…"]
    assert stream.getvalue().endswith("\r" + " " * len(shown[3]) + "\r")
