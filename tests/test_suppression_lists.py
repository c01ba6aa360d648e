"""Tell Us Once and objections in bulk: sure matches stopped at once, near matches
listed to confirm, and the same list twice changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import select, text

from outbound.audit import AuditFilter, search_audit
from outbound.db.models import Contact, ContactPhone, Suppression, User
from outbound.rights import RightsError
from outbound.rights.suppression_lists import (
    decide_match,
    import_suppression_list,
    pending_matches,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
LIST = """Full name,Telephone,Postcode,Date of birth,Notification
Ann Lee,0161 496 0001,,,Tell Us Once
Bob Stone,,pn1 1aa,,Death registered
Cath Wood,,PN2 2BB,,Death registered
Davyd Hart,,PN3 3CC,,Death registered
Zed Nobody,,PN4 4DD,,Death registered
Eve Black,07912 345678,,,Objection to calls
Fay Green,,PN5 5EE,02/02/1940,Death registered
Gus Grey,,PN6 6FF,,Moved away
Hal Stone,0113 496 0002,,,Tell Us Once
"""


def people(db) -> dict[str, int]:
    with db.write() as s:
        s.add(User(name="Priya", role="supervisor"))
        s.add(User(name="Sam", role="agent"))
        made = [
            Contact(name="Ann Lee", name_key="ann lee", primary_phone="+441614960001"),
            Contact(name="Bob Stone", name_key="bob stone", postcode="PN1 1AA"),
            Contact(name="Cath Wood", name_key="cath wood", postcode="PN9 9ZZ"),
            Contact(name="David Hart", name_key="david hart", postcode="PN3 3CC"),
            Contact(name="Eve Black", name_key="eve black"),
            Contact(name="Fay Green", name_key="fay green", postcode="PN5 5EE",
                    attributes={"Date of birth": "01/02/1940"}),
            Contact(name="Oak Lodge", name_key="oak lodge", primary_phone="+441134960002"),
        ]
        s.add_all(made)
        s.flush()
        s.add(ContactPhone(contact_id=made[4].id, position=1, e164="+447912345678",
                           raw="07912 345678"))
        return {c.name: c.id for c in made}


def state(db) -> list:
    with db.engine.connect() as connection:
        return [connection.execute(text(f"SELECT * FROM {t} ORDER BY id")).all()
                for t in ("contact", "suppression", "suppression_candidate")]


def test_sure_matches_stop_calls_and_near_ones_wait_for_a_person(db, tmp_path):
    ids = people(db)
    path = tmp_path / "weekly deaths.csv"
    path.write_text(LIST, encoding="utf-8")
    report = import_suppression_list(db, path, source="Tell Us Once", by="Priya", now=NOW)
    got = {(r.row, r.outcome, r.contact_id, r.how) for r in report.rows}
    assert got == {
        (2, "stopped", ids["Ann Lee"], "phone number"),
        (3, "stopped", ids["Bob Stone"], "name and postcode; no date of birth to compare"),
        (4, "to_confirm", ids["Cath Wood"], "same name, different postcode"),
        (5, "to_confirm", ids["David Hart"], "similar name, same postcode"),
        (6, "not_found", None, ""),
        (7, "stopped", ids["Eve Black"], "phone number"),
        (8, "to_confirm", ids["Fay Green"], "same name and postcode, different date of birth"),
        (10, "to_confirm", ids["Oak Lodge"], "same phone number, different name"),
    } | {(9, "unreadable", None, "the reason “Moved away” is neither a death nor an "
                                 "objection.")}
    assert report.summary() == (
        "Imported the suppression list weekly deaths.csv (Tell Us Once): 3 people stopped, "
        "4 near matches to confirm, 0 already stopped, 1 not found, 1 rows not understood.")
    with db.read() as s:
        stopped = {(c, r) for c, r in s.execute(select(Suppression.contact_id,
                                                       Suppression.reason))}
        assert stopped == {(ids["Ann Lee"], "deceased"), (ids["Bob Stone"], "deceased"),
                           (ids["Eve Black"], "asked_not_to_be_called")}
        assert s.get(Contact, ids["Ann Lee"]).do_not_call
        assert not s.get(Contact, ids["Cath Wood"]).do_not_call
    entry = search_audit(db, AuditFilter(action="suppression_list_imported"))[0]
    assert entry.summary == report.summary() and entry.actor == "Priya"

    before = state(db)
    again = import_suppression_list(db, path, source="Tell Us Once", by="Priya", now=NOW)
    assert state(db) == before
    assert (again.count("stopped"), again.count("already_stopped"),
            again.count("to_confirm")) == (0, 3, 4)

    pending = {m.contact_id: m for m in pending_matches(db)}
    assert len(pending) == 4
    assert pending[ids["Cath Wood"]].sentence().endswith(
        "may be row 4 of weekly deaths.csv, deceased (same name, different postcode).")
    decide_match(db, pending[ids["Cath Wood"]].id, confirm=True, by="Priya", now=NOW)
    decide_match(db, pending[ids["David Hart"]].id, confirm=False, by="Priya", now=NOW)
    with pytest.raises(RightsError, match="already confirmed by Priya"):
        decide_match(db, pending[ids["Cath Wood"]].id, confirm=False, by="Priya")
    with db.read() as s:
        assert s.get(Contact, ids["Cath Wood"]).do_not_call
        assert not s.get(Contact, ids["David Hart"]).do_not_call
    assert len(pending_matches(db)) == 2
    third = import_suppression_list(db, path, source="Tell Us Once", by="Priya", now=NOW)
    assert third.count("stopped") == 0 and len(pending_matches(db)) == 2


def test_an_xlsx_list_with_a_reason_given_for_every_row(db, tmp_path):
    ids = people(db)
    book = Workbook()
    sheet = book.active
    sheet.append(["Forename", "Surname", "Post code"])
    sheet.append(["Bob", "Stone", "PN1 1AA"])
    path = tmp_path / "objections.xlsx"
    book.save(path)
    report = import_suppression_list(db, path, source="Objections", by="Priya",
                                     reason="asked_not_to_be_called", now=NOW)
    assert [(r.outcome, r.contact_id) for r in report.rows] == [("stopped", ids["Bob Stone"])]


@pytest.mark.parametrize("content, reason, by, problem", [
    ("Name,Town\nAnn Lee,Ashworth\n", "deceased", "Priya",
     "needs a phone number column, or name and postcode columns"),
    ("Name,Postcode\nAnn Lee,PN1 1AA\n", None, "Priya", "has no reason column"),
    ("Name,Postcode\nAnn Lee,PN1 1AA\n", "deceased", "Sam",
     "Sam is an agent; only a supervisor or an administrator can import a "
     "suppression list."),
    ("Name,Postcode\nAnn Lee,PN1 1AA\n", "moved", "Priya", "“moved” is not a reason"),
])
def test_a_list_that_cannot_be_used_changes_nothing(db, tmp_path, content, reason, by,
                                                     problem):
    people(db)
    path = tmp_path / "list.csv"
    path.write_text(content, encoding="utf-8")
    before = state(db)
    with pytest.raises(RightsError, match=problem):
        import_suppression_list(db, path, source="Tell Us Once", by=by, reason=reason)
    assert state(db) == before
