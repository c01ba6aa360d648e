"""Files the import and contacts commands write: a contact list that opens safely in
Excel, and an import report that is written whole or the import is not saved."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from outbound.cli import main
from outbound.db.models import Contact
from outbound.importing.report import ImportReport

HOSTILE_NAMES = ['=HYPERLINK("http://example.invalid","click")', "+1+1", "@SUM(A1)",
                 "-2+3", "\tTab Hall", "Care\n=1+1", "Tŷ Gwŷn 🏠"]


def _seed(db: Any) -> None:
    def work(session: Any) -> None:
        for i, name in enumerate(HOSTILE_NAMES):
            session.add(Contact(name=name, name_key=f"n{i}", organisation="\r\n@Org",
                                district="Northgate", primary_phone=f"+44161496{i:04d}"))

    db.run_write(work)


def _protected(text: str) -> str:
    return "'" + text if text[:1] in "=+-@\t\r" else text


def _check_listing(records: list[list[str]]) -> None:
    header, *rows = records
    assert header[:3] == ["id", "kind", "name"]
    assert all(len(row) == len(header) for row in rows)
    assert [row[2] for row in rows] == [_protected(n) for n in HOSTILE_NAMES]
    assert {row[header.index("organisation")] for row in rows} == {"'\r\n@Org"}
    assert {row[header.index("do_not_call")] for row in rows} == {"No"}


def test_contacts_csv_on_screen_is_protected_and_opens_in_excel(db, db_url, capsys):
    _seed(db)
    assert main(["contacts", "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\ufeff")           # UTF-8 with a BOM, so Excel reads it as such
    _check_listing(list(csv.reader(io.StringIO(out[1:], newline=""))))


def test_contacts_to_a_file(db, db_url, tmp_path, capsys):
    _seed(db)
    out = tmp_path / "contacts.csv"
    assert main(["contacts", "--db", db_url, "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"Wrote 7 contacts to {out}.\n"
    with out.open(encoding="utf-8-sig", newline="") as handle:
        _check_listing(list(csv.reader(handle)))
    listed = tmp_path / "contacts.json"
    assert main(["contacts", "--db", db_url, "--format", "json", "--out", str(listed)]) == 0
    assert [c["name"] for c in json.loads(listed.read_text(encoding="utf-8"))] == HOSTILE_NAMES
    assert main(["contacts", "--db", db_url, "--out", str(tmp_path / "gone" / "c.csv")]) == 1
    err = capsys.readouterr().err
    assert err == f"Error: Cannot write {tmp_path / 'gone' / 'c.csv'}: the folder " \
        f"{tmp_path / 'gone'} does not exist.\n"
    assert not (tmp_path / "gone").exists()


# ---- import --report -------------------------------------------------------------------

def _call_list(folder: Path) -> Path:
    path = folder / "list.csv"
    path.write_text("Name,Phone\nAnn Cole,0161 496 0001\nBob Dee,0161 496 0002\n",
                    encoding="utf-8")
    return path


def _contacts(db: Any) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count(Contact.id))))


def _bad_report(kind: str, tmp_path: Path) -> tuple[Path, str]:
    if kind == "missing folder":
        return tmp_path / "gone" / "report.json", "does not exist"
    if kind == "a folder":
        (tmp_path / "reports").mkdir()
        return tmp_path / "reports", "it is a folder"
    if kind == "inside a file":
        (tmp_path / "notes.txt").write_text("")
        return tmp_path / "notes.txt" / "report.json", "is a file, not a folder"
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    if os.access(locked, os.W_OK):
        locked.chmod(0o755)
        pytest.skip("this user may write in a read-only folder (root)")
    return locked / "report.json", "you may not write in"


@pytest.mark.parametrize("kind", ["missing folder", "a folder", "inside a file", "read-only"])
def test_an_import_whose_report_cannot_be_written_saves_nothing(db, db_url, tmp_path, capsys,
                                                                 kind):
    report, words = _bad_report(kind, tmp_path)
    try:
        code = main(["import", str(_call_list(tmp_path)), "--db", db_url,
                     "--report", str(report)])
        err = capsys.readouterr().err
        assert code == 1
        assert words in err and "Nothing was imported" in err and str(report) in err
        assert err.count("\n") == 1 and "Errno" not in err and "Traceback" not in err
        assert _contacts(db) == 0
        if report.is_dir():
            assert list(report.iterdir()) == []
    finally:
        (tmp_path / "locked").exists() and (tmp_path / "locked").chmod(0o755)


def test_a_report_that_fails_half_written_leaves_the_database_unchanged(db, db_url, tmp_path,
                                                                       capsys, monkeypatch):
    def full(self: ImportReport, handle: Any) -> None:
        handle.write('{"file": ')
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ImportReport, "dump_json", full)
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    code = main(["import", str(_call_list(tmp_path)), "--db", db_url,
                 "--report", str(report)])
    err = capsys.readouterr().err
    assert code == 1 and "No space left on device" in err and "Nothing was imported" in err
    assert _contacts(db) == 0
    assert list(report.parent.iterdir()) == []


@pytest.mark.parametrize("check", [False, True])
def test_the_report_says_what_happened(db, db_url, tmp_path, capsys, check):
    report = tmp_path / "report.json"
    code = main(["import", str(_call_list(tmp_path)), "--db", db_url, "--report", str(report),
                 *(["--check"] if check else [])])
    assert code == 0
    assert ("Checked (nothing saved)" if check else "Imported") in capsys.readouterr().out
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["committed"] is not check and written["created"] == 2
    assert (written["file"], written["format"], written["encoding"]) == (
        "list.csv", "csv", "utf-8")
    assert (written["import_id"] is None) is check
    assert _contacts(db) == (0 if check else 2)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_a_report_that_cannot_be_renamed_in_after_the_import_says_so(db, db_url, tmp_path,
                                                                     capsys, monkeypatch):
    import outbound.files

    def refuse(source: str, target: Any) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(outbound.files.os, "replace", refuse)
    report = tmp_path / "report.json"
    code = main(["import", str(_call_list(tmp_path)), "--db", db_url, "--report", str(report)])
    captured = capsys.readouterr()
    assert code == 1 and "Imported 2 rows" in captured.out
    assert captured.err == ("Error: The contacts were imported, but the report was not "
                            f"written. Cannot write {report}: Input/output error.\n")
    assert _contacts(db) == 2 and list(tmp_path.glob("*.json*")) == []
