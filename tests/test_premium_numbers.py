"""Premium-rate numbers, on both databases: imported and kept, never called unless a
supervisor allows it for the contact, and the report and the contact say why."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from outbound.audit import AuditFilter, search_audit
from outbound.contacts import get_contact
from outbound.db.models import Contact
from outbound.importing import import_file
from outbound.numbers import NumberError, allow_premium_numbers, number_history
from outbound.queue.campaigns import create_campaign, enrol
from outbound.queue.claim import claim_next_task
from outbound.users import add_user
from tests.test_cli import run
from tests.test_import import write_csv

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/London"))
WHY = "premium-rate number: not called unless a supervisor allows it"


def _import(db, tmp_path):  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "list.csv", [
        ["Name", "Tel No", "Mobile"],
        ["Premium Line", "09065 123456", ""],
        ["Two Lines", "09065 123457", "0113 496 0999"],
    ])
    report = import_file(db, path)
    with db.read() as s:
        ids = {c.name: c.id for c in s.scalars(select(Contact))}
    return report, ids


def test_a_premium_rate_number_is_not_called_and_the_report_says_why(db, tmp_path):
    report, ids = _import(db, tmp_path)
    assert report.premium_flagged == 2
    premium_issues = [i for i in report.issues if i.outcome == "premium"]
    assert [i.message for i in premium_issues] == [
        f"09065 123456 is a {WHY}", f"09065 123457 is a {WHY}"]
    assert "2 premium-rate numbers held back: not called unless a supervisor allows it." \
        in report.summary()
    only = get_contact(db, ids["Premium Line"])
    assert not only.callable
    assert [(p.raw, p.usable, p.note) for p in only.phones] == [("09065 123456", False, WHY)]
    both = get_contact(db, ids["Two Lines"])
    assert both.primary_phone == "+441134960999"                 # the ordinary number first
    assert [(p.e164, p.usable) for p in both.phones] == [("+441134960999", True),
                                                         ("+449065123457", False)]
    add_user(db, "Sam")
    camp = create_campaign(db, "welfare_check", "Welfare")
    enrol(db, camp, contact_ids=[ids["Premium Line"]], now=NOW)
    assert claim_next_task(db, "Sam", camp, now=NOW) is None


def test_a_supervisor_allows_it_for_one_contact(db, tmp_path, db_url):
    _report, ids = _import(db, tmp_path)
    add_user(db, "Sam")
    add_user(db, "Priya", role="supervisor")
    with pytest.raises(NumberError, match="Sam is not a supervisor"):
        allow_premium_numbers(db, ids["Premium Line"], "Sam", now=NOW)
    assert allow_premium_numbers(db, ids["Premium Line"], "Priya", now=NOW) == 1
    allowed = get_contact(db, ids["Premium Line"])
    assert allowed.callable and allowed.primary_phone == "+449065123456"
    assert allowed.phones[0].note == "premium-rate number, allowed by Priya"
    [event] = number_history(db, ids["Premium Line"])
    assert (event.number, event.event, event.recorded_by, event.recorded_at) == (
        "+449065123456", "premium_allowed", "Priya", NOW)
    with pytest.raises(NumberError, match="no premium-rate number waiting"):
        allow_premium_numbers(db, ids["Premium Line"], "Priya", now=NOW)
    [entry] = search_audit(db, AuditFilter(action="premium_allowed"))
    assert (entry.actor, entry.contact_id, entry.summary) == (
        "Priya", ids["Premium Line"], "Allowed calls to 1 premium-rate number.")
    camp = create_campaign(db, "welfare_check", "Welfare")
    enrol(db, camp, contact_ids=[ids["Premium Line"]], now=NOW)
    assert claim_next_task(db, "Sam", camp, now=NOW) is not None
    # The same from the command line, for the other contact.
    shown = run("numbers", "show", str(ids["Two Lines"]), db=db_url)
    assert shown.returncode == 0, shown.stderr
    assert "Two Lines: may be called" in shown.stdout
    assert f"(not called: {WHY})" in shown.stdout
    refused = run("numbers", "allow-premium", str(ids["Two Lines"]), "--by", "Sam", db=db_url)
    assert refused.returncode == 1 and "Sam is not a supervisor" in refused.stderr
    done = run("numbers", "allow-premium", str(ids["Two Lines"]), "--by", "Priya", db=db_url)
    assert done.returncode == 0, done.stderr
    assert "Two Lines: its premium-rate number may now be called (allowed by Priya)." \
        in done.stdout
    assert "premium-rate number allowed by Priya" in run(
        "numbers", "show", str(ids["Two Lines"]), db=db_url).stdout
