"""``outbound --self-test``: one line per check, a verdict, and no traceback on failure."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from outbound import __version__, selftest
from outbound.cli import main
from outbound.selftest import Check, CheckFailed, report
from tests.conftest import REPO


def _fails() -> str:
    raise CheckFailed("the widget library is missing; reinstall Outbound.")


def _crashes() -> str:
    raise ModuleNotFoundError("No module named 'openpyxl'", name="openpyxl")


def test_all_passing_says_ready_and_exits_zero():
    out = io.StringIO()
    assert report([Check("one", lambda: "fine"), Check("two", lambda: "also fine")], out) == 0
    assert out.getvalue().splitlines() == [
        "ok   one: fine", "ok   two: also fine", "Outbound is ready: all 2 checks passed."]


def test_a_failing_check_prints_its_sentence_and_exits_non_zero():
    out = io.StringIO()
    status = report([Check("one", lambda: "fine"), Check("widgets", _fails),
                     Check("Excel file", _crashes)], out)
    assert status == 1
    lines = out.getvalue().splitlines()
    assert lines[1] == "FAIL widgets: the widget library is missing; reinstall Outbound."
    assert lines[2] == ("FAIL Excel file: the Python module “openpyxl” is missing from this "
                        "installation; reinstall Outbound.")
    assert lines[3] == ("Outbound cannot be used here: 2 of 3 checks failed "
                        "(widgets, Excel file).")


def test_no_checks_is_no_pass():
    assert report([], io.StringIO()) == 1


def test_the_command_reports_a_missing_library_without_a_traceback(monkeypatch, capsys):
    monkeypatch.setattr(selftest, "qt_checks", list)          # the engine's checks only
    monkeypatch.setattr(selftest, "_xlsx", _crashes)
    assert main(["--self-test"]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert "ok   database migrations: a new SQLite database migrated to" in captured.out
    assert "FAIL Excel file: the Python module “openpyxl” is missing" in captured.out
    assert captured.out.rstrip().endswith("1 of 6 checks failed (Excel file).")


def test_an_unreachable_database_is_a_failed_check(monkeypatch, capsys):
    monkeypatch.setattr(selftest, "qt_checks", list)
    assert main(["--self-test", "--db", "postgresql://nobody@127.0.0.1:9/none"]) == 1
    out = capsys.readouterr().out
    assert "FAIL PostgreSQL: Cannot open the database" in out
    assert "Traceback" not in out


def test_version(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"Outbound {__version__}"


@pytest.mark.slow
def test_the_whole_self_test_passes_offscreen_from_another_folder(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, str(REPO / "main.py"), "--self-test"],
                            cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:4]] == [
        "ok   Qt", "ok   icons", "ok   stylesheet", "ok   chart"]
    assert lines[-1] == "Outbound is ready: all 10 checks passed."
    assert result.stderr == ""


def test_opening_the_client_reads_its_options_without_loading_any_command():
    code = ("import sys; from outbound.cli import parse; "
            "args = parse(['--demo', '--db', 'x.db']); "
            "assert args.command is None and args.demo and args.db == 'x.db'; "
            "sys.exit(sorted(m for m in sys.modules if m.startswith('outbound.cli.')) != [])")
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0


def test_a_command_after_the_clients_options_is_still_a_command():
    from outbound.cli import parse

    assert parse(["--db", "x.db", "contacts"]).command == "contacts"
    assert parse(["contacts", "--db", "x.db"]).command == "contacts"
