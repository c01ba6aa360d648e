"""A refreshed list keeps what was learnt on calls, on both databases: a number marked
wrong stays uncalled and a premium-rate number a supervisor allowed stays allowed when
the same number comes back in the file."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from outbound.contacts import get_contact
from outbound.db.models import Contact
from outbound.importing import import_file
from outbound.numbers import (
    WRONG_NUMBER_NOTE,
    allow_premium_numbers,
    mark_wrong_number,
    number_history,
)
from outbound.users import add_user
from tests.test_import import write_csv

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/London"))
HEADINGS = ["Reference", "Name", "Tel No", "Mobile"]
FIRST_LIST = [
    HEADINGS,
    ["R1", "Wrong First", "0113 496 0001", "0113 496 0002"],
    ["R2", "Only Wrong", "0113 496 0003", ""],
    ["R3", "Premium Line", "09065 123456", ""],
    ["R4", "Untouched", "0113 496 0005", ""],
]


def _ids(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return {c.name: c.id for c in s.scalars(select(Contact))}


def _mark_wrong(db, contact_id: int, number: str) -> None:  # type: ignore[no-untyped-def]
    def work(session):  # type: ignore[no-untyped-def]
        contact = session.get(Contact, contact_id)
        mark_wrong_number(session, contact, number, by="Sam", now=NOW)

    db.run_write(work)


def _numbers(db, contact_id: int) -> list[tuple[str | None, bool, str | None]]:  # type: ignore[no-untyped-def]
    return [(p.e164 or p.raw, p.usable, p.note or None)
            for p in get_contact(db, contact_id).phones]


def _marked(db, tmp_path) -> dict[str, int]:  # type: ignore[no-untyped-def]
    import_file(db, write_csv(tmp_path / "first.csv", FIRST_LIST), source="Welfare")
    ids = _ids(db)
    add_user(db, "Priya", role="supervisor")
    _mark_wrong(db, ids["Wrong First"], "+441134960001")
    _mark_wrong(db, ids["Only Wrong"], "+441134960003")
    allow_premium_numbers(db, ids["Premium Line"], "Priya", now=NOW + timedelta(minutes=1))
    return ids


def test_the_same_list_again_keeps_every_mark(db, tmp_path):
    ids = _marked(db, tmp_path)
    before = {name: _numbers(db, cid) for name, cid in ids.items()}
    report = import_file(db, write_csv(tmp_path / "again.csv", FIRST_LIST), source="Welfare")
    assert report.committed
    assert _ids(db) == ids                                    # matched, not doubled
    assert {name: _numbers(db, cid) for name, cid in ids.items()} == before
    assert _numbers(db, ids["Wrong First"]) == [
        ("+441134960002", True, None), ("+441134960001", False, WRONG_NUMBER_NOTE)]
    only = get_contact(db, ids["Only Wrong"])
    assert not only.callable and only.phones[0].note == WRONG_NUMBER_NOTE
    premium = get_contact(db, ids["Premium Line"])
    assert premium.callable and premium.primary_phone == "+449065123456"
    assert premium.phones[0].note == "premium-rate number, allowed by Priya"
    # nothing about them changed, so nothing was rewritten
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)


def test_a_refreshed_list_with_other_numbers_keeps_the_marks_on_the_numbers_it_repeats(
        db, tmp_path):
    ids = _marked(db, tmp_path)
    refreshed = [
        HEADINGS,
        ["R1", "Wrong First", "0113 496 0001", "0113 496 0007"],   # a new second number
        ["R2", "Only Wrong", "0113 496 0008", "0113 496 0003"],    # a new first number
        ["R3", "Premium Line", "0113 496 0009", "09065 123456"],   # an ordinary one too
        ["R4", "Untouched", "0113 496 0006", ""],                  # simply a new number
    ]
    import_file(db, write_csv(tmp_path / "refreshed.csv", refreshed), source="Welfare")
    assert _ids(db) == ids
    assert _numbers(db, ids["Wrong First"]) == [
        ("+441134960007", True, None), ("+441134960001", False, WRONG_NUMBER_NOTE)]
    assert _numbers(db, ids["Only Wrong"]) == [
        ("+441134960008", True, None), ("+441134960003", False, WRONG_NUMBER_NOTE)]
    assert _numbers(db, ids["Premium Line"]) == [
        ("+441134960009", True, None),
        ("+449065123456", True, "premium-rate number, allowed by Priya")]
    assert _numbers(db, ids["Untouched"]) == [("+441134960006", True, None)]
    # The history is the calls' and the supervisor's: the import adds nothing to it.
    assert [e.event for e in number_history(db, ids["Wrong First"])] == ["wrong_number"]


def test_a_mark_undone_is_not_applied_again(db, tmp_path):
    from outbound.db.models import NumberEvent

    ids = _marked(db, tmp_path)

    def undo(session):  # type: ignore[no-untyped-def]
        session.add(NumberEvent(contact_id=ids["Only Wrong"], number="+441134960003",
                                raw="0113 496 0003", event="wrong_number_undone",
                                recorded_by="Sam", recorded_at=NOW + timedelta(minutes=5)))

    db.run_write(undo)
    import_file(db, write_csv(tmp_path / "again.csv", FIRST_LIST), source="Welfare")
    assert _numbers(db, ids["Only Wrong"]) == [("+441134960003", True, None)]
    assert get_contact(db, ids["Only Wrong"]).callable


def test_a_list_without_references_finds_the_contacts_by_their_marked_numbers(db, tmp_path):
    """With no reference column a contact is found by its first number and name, or by
    name and postcode when it has no usable number: a number marked wrong or a premium
    number allowed has moved the contact's first number, and it is found all the same."""
    plain = [["Name", "Tel No", "Mobile", "Postcode"],
             ["Wrong First", "0113 496 0001", "0113 496 0002", "LS1 4AP"],
             ["Only Wrong", "0113 496 0003", "", "LS2 7EW"],
             ["Premium Line", "09065 123456", "", "LS3 1AB"]]
    import_file(db, write_csv(tmp_path / "plain.csv", plain), source="Welfare")
    ids = _ids(db)
    add_user(db, "Priya", role="supervisor")
    _mark_wrong(db, ids["Wrong First"], "+441134960001")
    _mark_wrong(db, ids["Only Wrong"], "+441134960003")
    allow_premium_numbers(db, ids["Premium Line"], "Priya", now=NOW)
    report = import_file(db, write_csv(tmp_path / "again.csv", plain), source="Welfare")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert _ids(db) == ids                                    # nobody doubled
    assert _numbers(db, ids["Wrong First"]) == [
        ("+441134960002", True, None), ("+441134960001", False, WRONG_NUMBER_NOTE)]
    assert not get_contact(db, ids["Only Wrong"]).callable
    assert get_contact(db, ids["Premium Line"]).callable
