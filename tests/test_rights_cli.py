"""The person, retention and suppressions commands: one sentence, an exit code, the
database left as it was after a mistake."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from openpyxl import load_workbook

from outbound.audit import AuditFilter, search_audit
from outbound.cli import main
from outbound.contacts import get_contact
from tests.conftest import REPO
from tests.rights_people import CALLED_AT, NAME, add_rich_person


def test_person_export_hold_and_erase(sqlite_db, tmp_path, capsys):
    db = sqlite_db
    ids = add_rich_person(db, starts_at=CALLED_AT - timedelta(days=1))
    cid = str(ids["contact"])
    url = str(db.url)
    out = tmp_path / "person.xlsx"
    assert main(["person", "export", "--contact", cid, "--out", str(out), "--by", "Priya",
                 "--db", url]) == 0
    assert "about contact" in capsys.readouterr().out
    assert load_workbook(out, read_only=True).sheetnames[0] == "Person"

    assert main(["person", "hold", "--contact", cid, "--reason", "Claim 88", "--by", "Priya",
                 "--db", url]) == 0
    assert main(["person", "erase", "--contact", cid, "--by", "Priya", "--db", url]) == 1
    assert "on legal hold" in capsys.readouterr().err
    assert get_contact(db, int(cid)).name == NAME
    assert main(["person", "hold", "--contact", cid, "--lift", "--by", "Priya",
                 "--db", url]) == 0
    assert main(["person", "erase", "--contact", cid, "--by", "Priya", "--db", url]) == 0
    assert capsys.readouterr().out.startswith(f"Lifted the legal hold on contact {cid}.\n"
                                              f"Erased contact {cid}'s personal details")
    assert [e.action for e in search_audit(db, AuditFilter(contact_id=int(cid)))] == [
        "erased", "legal_hold_lifted", "legal_hold_set", "subject_access_export"]


def test_a_mistake_is_one_sentence_and_a_non_zero_exit(sqlite_db):
    add_rich_person(sqlite_db)
    result = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "person", "hold", "--contact", "1",
         "--by", "Priya", "--db", str(sqlite_db.url)],
        capture_output=True, text=True, timeout=120, cwd=REPO)
    assert result.returncode == 1
    assert result.stderr == "Error: Say why with --reason, such as the complaint number.\n"


def test_retention_check_and_run(sqlite_db, capsys):
    url = str(sqlite_db.url)
    assert main(["retention", "--check", "--db", url]) == 0
    assert capsys.readouterr().out.startswith("Nothing was past its retention period on ")
    assert main(["retention", "--run", "--by", "Priya", "--db", url]) == 0
    assert capsys.readouterr().out.startswith("Nothing was past its retention period on ")
    assert [e.actor for e in search_audit(sqlite_db, AuditFilter(action="retention_run"))] \
        == ["Priya"]


def test_suppressions_import_pending_and_confirm(sqlite_db, tmp_path, capsys):
    from tests.test_suppression_lists import LIST, people

    ids = people(sqlite_db)
    url = str(sqlite_db.url)
    path = tmp_path / "deaths.csv"
    path.write_text(LIST, encoding="utf-8")
    assert main(["suppressions", "import", str(path), "--source", "Tell Us Once",
                 "--by", "Priya", "--db", url]) == 0
    out = capsys.readouterr().out
    assert f"Row 2: contact {ids['Ann Lee']}: calls stopped (phone number)." in out
    assert (f"Row 4: contact {ids['Cath Wood']} may be this person (same name, different "
            "postcode): confirm or dismiss it.") in out
    assert "by name and postcode alone" not in out        # Fay Green holds one
    assert out.rstrip().endswith("1 not found, 1 rows not understood.")
    assert main(["suppressions", "pending", "--db", url]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert main(["suppressions", "confirm", first.split(":")[0], "--by", "Priya",
                 "--db", url]) == 0
    assert capsys.readouterr().out == f"Calls to contact {ids['Cath Wood']} stopped.\n"
    assert main(["suppressions", "import", str(tmp_path / "none.csv"), "--source", "X",
                 "--by", "Priya", "--db", url]) == 1
    assert "could not be found" in capsys.readouterr().err
