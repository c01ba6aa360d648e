"""Retention reaches the texts, emails and letters: a campaign's finished messages past
its [retention] period are deleted (with the number or address and the words filled
in), counted by ``retention --check``; a message still in hand, and anyone on legal
hold, are left alone. The calls made instead stay."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from outbound.campaigns import parse_template
from outbound.cli import main
from outbound.db.models import Task
from outbound.db.notify_models import Message
from outbound.rights import lift_legal_hold, set_legal_hold
from outbound.rights.retention import apply_retention, plan_retention
from outbound.users import add_user
from tests.notify_helpers import person, warn_and_inform
from tests.test_templates import GOOD

LONDON = ZoneInfo("Europe/London")
SENT = datetime(2026, 11, 25, 12, 0, tzinfo=LONDON)
# 13 months on: past warn_and_inform's 12 months for messages.
LATER = datetime(2027, 12, 30, 12, 0, tzinfo=LONDON)
pytestmark = pytest.mark.clock(LATER)


def by_contact(db) -> dict[int, tuple[str, str | None]]:
    with db.read() as session:
        return {m.contact_id: (m.status, m.destination)
                for m in session.scalars(select(Message))}


def set_status(db, contact_id: int, status: str, done_at: datetime | None) -> None:
    with db.write() as session:
        session.execute(update(Message).where(Message.contact_id == contact_id)
                        .values(status=status, done_at=done_at, sent_at=SENT,
                                next_try_at=None))


def test_finished_messages_past_their_period_go_and_a_hold_keeps_them(db_url, db, capsys):
    rows = [person(1), person(2), person(3), person(4, phone="0161 496 0004"), person(5)]
    cid = warn_and_inform(db, rows, now=SENT)
    set_status(db, 1, "delivered", SENT)
    set_status(db, 2, "delivered", SENT)
    set_status(db, 3, "sent", None)                 # Notify has not said yet: kept
    set_status(db, 5, "failed", datetime(2027, 1, 15, 9, 0, tzinfo=LONDON))   # recent
    add_user(db, "Priya", "supervisor")
    set_legal_hold(db, 2, "Complaint 7", by="Priya", now=SENT)
    before = by_contact(db)
    assert before[4] == ("unsendable", None)       # person 4: a landline, so a call

    assert main(["retention", "--check", "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert ("Outbreak: 2 messages from before 30 December 2026 (12 months) to be "
            "deleted.") in out
    assert "Would remove what was past its retention period: 2 messages." in out
    assert by_contact(db) == before                 # --check changes nothing

    done = apply_retention(db, now=LATER, actor="Priya")
    assert [(i.campaign, i.kind, i.count) for i in done.items] == [("Outbreak", "messages", 2)]
    assert done.summary(done=True) == ("Removed what was past its retention period: "
                                       "2 messages.")
    kept = by_contact(db)
    assert sorted(kept) == [2, 3, 5]
    assert kept[2] == ("delivered", "+447400000002")
    with db.read() as session:       # the call made instead of person 4's message stays
        assert session.scalar(select(func.count(Task.id)).where(
            Task.campaign_id == cid, Task.contact_id == 4)) == 1
    assert plan_retention(db, now=LATER).items == ()

    lift_legal_hold(db, 2, by="Priya", now=LATER)
    assert [(i.kind, i.count) for i in apply_retention(db, now=LATER).items] == [
        ("messages", 1)]
    assert sorted(by_contact(db)) == [3, 5]


def test_messages_are_kept_as_long_as_the_calls_unless_the_template_says():
    kept = parse_template(GOOD + '\n[retention]\ncalls = "2 years"\n').retention
    assert kept.months("messages") == 24
    kept = parse_template(GOOD + '\n[retention]\ncalls = "2 years"\nmessages = "6 months"\n'
                          ).retention
    assert kept.months("messages") == 6
    assert parse_template(GOOD).retention.months("messages") is None
