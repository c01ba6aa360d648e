"""The demo county: realistic, and unable to ring a real person."""

from __future__ import annotations

import phonenumbers
from sqlalchemy import func, select

from outbound.db.models import Contact, ContactPhone
from outbound.demo import DRAMA_RANGES, build_demo

DRAMA_PREFIXES = tuple("+44" + prefix.replace(" ", "")[1:] for prefix, _, _ in DRAMA_RANGES)


def test_every_demo_number_is_a_valid_drama_number(sqlite_db):
    summary = build_demo(sqlite_db, scale=0.2)
    assert summary.contacts > 1500
    with sqlite_db.read() as s:
        numbers = [*s.scalars(select(Contact.primary_phone).where(
            Contact.primary_phone.is_not(None))),
                   *s.scalars(select(ContactPhone.e164).where(ContactPhone.e164.is_not(None)))]
    assert numbers
    for number in numbers:
        assert number.startswith(DRAMA_PREFIXES), number
        assert phonenumbers.is_valid_number(phonenumbers.parse(number))


def test_the_demo_has_providers_backlog_and_renewals(sqlite_db):
    build_demo(sqlite_db, scale=0.1)
    with sqlite_db.read() as s:
        by_source = dict(s.execute(select(Contact.source, func.count())
                                   .group_by(Contact.source)).all())
        wave = s.scalar(select(func.count()).where(Contact.source == "NoWcard",
                                                   Contact.expiry_date == "2027-03-31"))
        districts = s.scalar(select(func.count(func.distinct(Contact.district))))
    assert set(by_source) == {"Care providers (CQC)", "Registration service", "NoWcard",
                              "Blue Badge"}
    assert wave > by_source["NoWcard"] / 3
    assert districts == 8


def test_building_the_demo_twice_changes_nothing(sqlite_db):
    first = build_demo(sqlite_db, scale=0.05)
    second = build_demo(sqlite_db, scale=0.05)
    assert sum(r.created for r in second.reports) == 0
    assert second.contacts == first.contacts


def test_demo_campaigns_have_a_week_of_answers_and_today_s_round(sqlite_db):
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from outbound.campaigns.template import get_template
    from outbound.db.capture_models import AnswerSet
    from outbound.db.models import Task
    from outbound.demo_campaigns import HISTORY_DAYS, build_demo_campaigns
    from outbound.forms import flagged_answers, form_of, validate

    build_demo(sqlite_db, scale=0.05)
    now = datetime(2026, 11, 23, 11, 0, tzinfo=ZoneInfo("Europe/London"))
    made = build_demo_campaigns(sqlite_db, now=now)
    assert {"Care capacity tracker", "Bus pass renewals"} <= set(made.campaigns)
    assert made.past_calls > HISTORY_DAYS * 30
    form = form_of(get_template("care_capacity_tracker"))
    with sqlite_db.read() as s:
        sets = s.scalars(select(AnswerSet)).all()
        rounds = {row.round_key for row in sets}
        today_open = s.scalar(select(func.count()).where(
            Task.round_key == date(2026, 11, 23).isoformat(), Task.status == "open"))
    assert len(rounds) == HISTORY_DAYS + 1 and today_open > 0
    assert any(row.unchanged for row in sets)
    for row in sets[:50]:      # every stored answer set is valid under its form
        assert validate(form, row.answers, row.confirmations, final=True).ok
    assert flagged_answers(sqlite_db, made.campaigns["Care capacity tracker"])
    assert build_demo_campaigns(sqlite_db, now=now).past_calls == 0
