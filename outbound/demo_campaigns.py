"""Campaigns for the demo county, with a week of history, so that every screen has
something true-looking to show: carried-forward answers, flags, a burn-down, bookings.

Past rounds are written in bulk (a week of the care tracker is 5,000 calls); today's
round is generated through the engine and partly worked when the demo opens in the day.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from outbound.campaigns.template import get_template
from outbound.clock import local_instant, london_day, utcnow
from outbound.contacts import ContactFilter
from outbound.db.capture_models import AnswerFlag, AnswerSet
from outbound.db.database import Database
from outbound.db.models import Attempt, Campaign, Contact, Task, User
from outbound.forms import ensure_form_version, form_of, validate
from outbound.queue.campaigns import (
    create_campaign,
    enrol,
    enrol_reminders,
    generate_round,
)
from outbound.users import add_user

AGENTS = ("Sam Patel", "Priya Shah", "Tom Hughes", "Aisha Khan", "Dan Morris")
SUPERVISORS = ("Jo Evans",)
TRACKER = "Care capacity tracker"
HISTORY_DAYS = 7


@dataclass(frozen=True, slots=True)
class DemoCampaigns:
    campaigns: dict[str, int]
    past_calls: int


def _tracker_answers(rng: random.Random, service: str, places: int,
                     previous: dict[str, Any] | None) -> dict[str, Any]:
    """A provider's answers, close to yesterday's: real figures drift, they don't jump."""
    if previous is not None and rng.random() < 0.45:
        return dict(previous)
    home = "home" in service
    answers: dict[str, Any] = {"service_type": service}
    staff = max(6, places // 2 + rng.randint(-3, 6)) if home else max(8, places // 3)
    if home:
        occupied = min(places, max(0, int(places * rng.uniform(0.8, 1.0))))
        reserved = rng.randint(0, max(0, min(2, places - occupied)))
        answers.update(beds_max=places, beds_occupied=occupied,
                       beds_vacant_reserved=reserved,
                       beds_vacant_available=max(0, places - occupied - reserved))
    else:
        answers["people_supported"] = places
    nurses = rng.randint(2, 8) if service == "Nursing home" else 0
    agency = rng.randint(0, max(1, staff // 8))
    non_care = max(2, staff // 5)
    care = max(1, staff - nurses - non_care)
    answers.update(nurses_employed=nurses, nurses_agency=0, care_staff_employed=care,
                   care_staff_agency=agency, non_care_staff_employed=non_care,
                   non_care_staff_agency=0,
                   staff_total=nurses + care + agency + non_care,
                   staff_absent_covid=rng.choices((0, 1, 2, 3), (70, 15, 10, 5))[0])
    cases = rng.random() < 0.12
    answers["any_cases"] = cases
    if cases:
        answers.update(staff_cases_suspected=rng.randint(0, 2),
                       staff_cases_confirmed=rng.randint(0, 2),
                       resident_cases_suspected=rng.randint(0, 3),
                       resident_cases_confirmed=rng.randint(0, 2))
    for item in ("masks", "gloves", "aprons", "eye_protection"):
        answers[f"ppe_{item}"] = rng.choices(("green", "blue", "amber", "red"),
                                             (60, 25, 12, 3))[0]
    answers["confidence"] = rng.choices(("Confident", "Some concerns", "Not confident"),
                                        (80, 17, 3))[0]
    total = answers["staff_total"]
    answers.update(staff_covid_vaccinated=int(total * rng.uniform(0.6, 0.95)),
                   staff_flu_vaccinated=int(total * rng.uniform(0.3, 0.7)),
                   residents_covid_vaccinated=int(places * rng.uniform(0.8, 0.98)),
                   residents_flu_vaccinated=int(places * rng.uniform(0.6, 0.9)),
                   staff_vaccine_concerns=rng.random() < 0.2)
    if answers["staff_vaccine_concerns"]:
        answers["low_uptake_reasons"] = rng.sample(
            ["Worried about side effects", "Pregnancy or fertility concerns",
             "Distrust of the vaccine", "Off sick or on leave"], k=rng.randint(1, 2))
    if home:
        answers["visiting"] = rng.choices(("Open", "Restricted", "Closed"), (75, 20, 5))[0]
    return answers


def _work_round(db: Database, campaign_id: int, day: date, agents: list[int],
                rng: random.Random, memory: dict[int, dict[str, Any]],
                share: float, until: datetime) -> int:
    """Record calls on a share of the round's tasks, in bulk, as the engine would."""
    template = get_template("care_capacity_tracker")
    form = form_of(template)
    start = local_instant(day, time(8, 5))
    with db.write() as session:
        version_id, _ = ensure_form_version(session, template)
        rows = session.execute(
            select(Task.id, Task.contact_id, Contact.attributes)
            .join(Contact, Contact.id == Task.contact_id)
            .where(Task.campaign_id == campaign_id, Task.round_key == day.isoformat(),
                   Task.status == "open").order_by(Task.priority.desc(), Task.id)).all()
        worked = rows[: int(len(rows) * share)]
        span = max(60.0, (until - start).total_seconds())
        done = 0
        for index, (task_id, contact_id, attributes) in enumerate(worked):
            when = start + timedelta(seconds=span * index / max(1, len(worked)))
            agent = agents[index % len(agents)]
            if rng.random() < 0.12:             # no answer: tried again later
                session.execute(insert(Attempt).values(
                    task_id=task_id, campaign_id=campaign_id, contact_id=contact_id,
                    agent_id=agent, recorded_at=when, outcome="no_answer",
                    contact_made=False, duration_seconds=rng.randint(20, 45)))
                session.execute(update(Task).where(Task.id == task_id).values(
                    attempts=1, last_outcome="no_answer", last_attempt_at=when,
                    due_at=when + timedelta(hours=2)))
                continue
            service = (attributes or {}).get("Service type", "Residential home")
            places = int((attributes or {}).get("Places", "30") or 30)
            answers = _tracker_answers(rng, service, places, memory.get(contact_id))
            unchanged = answers == memory.get(contact_id)
            memory[contact_id] = answers
            checked = validate(form, answers, {
                name: message for name, message in validate(form, answers).soft.items()})
            attempt_id = session.execute(insert(Attempt).values(
                task_id=task_id, campaign_id=campaign_id, contact_id=contact_id,
                agent_id=agent, recorded_at=when, outcome="completed", contact_made=True,
                duration_seconds=rng.randint(70, 140) if unchanged else rng.randint(180, 420),
            ).returning(Attempt.id)).scalar_one()
            set_id = session.execute(insert(AnswerSet).values(
                campaign_id=campaign_id, contact_id=contact_id, task_id=task_id,
                attempt_id=attempt_id, round_key=day.isoformat(), form_version_id=version_id,
                agent_id=agent, recorded_at=when, answers=checked.cleaned,
                confirmations=checked.confirmed,
                carried_forward=sorted(checked.cleaned) if unchanged else [],
                unchanged=unchanged, flagged=bool(checked.flags)).returning(AnswerSet.id)
            ).scalar_one()
            for flag in checked.flags:
                session.execute(insert(AnswerFlag).values(
                    answer_set_id=set_id, campaign_id=campaign_id, contact_id=contact_id,
                    round_key=day.isoformat(), field=flag.field, value=str(flag.value),
                    rule=flag.rule, message=flag.message, raised_at=when,
                    reviewed_at=when + timedelta(hours=1) if day < london_day(until) else None,
                    reviewed_by=SUPERVISORS[0] if day < london_day(until) else None))
            session.execute(update(Task).where(Task.id == task_id).values(
                status="done", attempts=Task.attempts + 1, last_outcome="completed",
                last_attempt_at=when, completed_at=when))
            session.execute(update(Contact).where(Contact.id == contact_id)
                            .values(last_spoken_at=when))
            done += 1
    return done


def build_demo_campaigns(db: Database, *, today: date | None = None,
                         now: datetime | None = None, seed: int = 2026) -> DemoCampaigns:
    """Users, campaigns and a week of the care tracker; nothing is made twice."""
    moment = now or utcnow()
    today = today or london_day(moment)
    rng = random.Random(seed)
    with db.read() as session:
        existing = dict(session.execute(select(Campaign.name, Campaign.id)).all())
        users = set(session.scalars(select(User.name)))
    for name in AGENTS:
        if name not in users:
            add_user(db, name, "agent")
    for name in SUPERVISORS:
        if name not in users:
            add_user(db, name, "supervisor")
    if TRACKER in existing:
        return DemoCampaigns(existing, 0)
    with db.read() as session:
        agents = list(session.scalars(select(User.id).where(User.role == "agent")))
    owner = SUPERVISORS[0]
    ids = {
        TRACKER: create_campaign(db, "care_capacity_tracker", TRACKER, owner=owner,
                                 starts_on=today - timedelta(days=HISTORY_DAYS)),
        "Birth registrations backlog": create_campaign(
            db, "registrar_birth_booking", "Birth registrations backlog", owner=owner),
        "Bus pass renewals": create_campaign(db, "bus_pass_renewal", "Bus pass renewals",
                                             owner=owner, audience={"source": "NoWcard"}),
        "Blue Badge renewals": create_campaign(db, "blue_badge_renewal",
                                               "Blue Badge renewals", owner=owner,
                                               audience={"source": "Blue Badge"}),
    }
    enrol(db, ids[TRACKER], where=ContactFilter(source="Care providers (CQC)"))
    enrol(db, ids["Birth registrations backlog"],
          where=ContactFilter(source="Registration service"))
    enrol_reminders(db, ids["Bus pass renewals"], today, now=moment)
    enrol_reminders(db, ids["Blue Badge renewals"], today, now=moment)
    memory: dict[int, dict[str, Any]] = {}
    calls = 0
    for back in range(HISTORY_DAYS, 0, -1):
        day = today - timedelta(days=back)
        generate_round(db, ids[TRACKER], day, now=local_instant(day, time(7, 30)))
        calls += _work_round(db, ids[TRACKER], day, agents, rng, memory, 0.97,
                             local_instant(day, time(15, 30)))
    generate_round(db, ids[TRACKER], today, now=min(moment, local_instant(today, time(7, 30))))
    opened = local_instant(today, time(8, 5))
    if moment > opened:
        hours = (moment - opened).total_seconds() / 3600
        calls += _work_round(db, ids[TRACKER], today, agents, rng, memory,
                             min(0.9, hours / 9), moment - timedelta(minutes=5))
    _book_some_registrations(db, ids["Birth registrations backlog"], today, moment, agents)
    return DemoCampaigns(ids, calls)


def _book_some_registrations(db: Database, campaign_id: int, today: date, now: datetime,
                             agents: list[int], count: int = 24) -> None:
    """Register offices with sessions, and a few families already booked, so that the
    day lists and the slot picker have something on them."""
    from outbound.booking import book_two_parts, find_free_slots
    from outbound.booking.demo import build_demo_bookings

    build_demo_bookings(db, today)
    template = get_template("registrar_birth_booking")
    first_part, second_part = (str(part) for part in template.booking["parts"])
    with db.read() as session:
        families = session.execute(
            select(Task.id, Task.contact_id).where(Task.campaign_id == campaign_id)
            .order_by(Task.id).limit(count)).all()
    for index, (task_id, contact_id) in enumerate(families):
        agent = agents[index % len(agents)]
        call = find_free_slots(db, first_part, from_=today + timedelta(days=1 + index % 5),
                               minutes=30, agent=agent, now=now, limit=1)
        if not call:
            return
        visit = find_free_slots(db, second_part, from_=call[0].starts_at + timedelta(days=2),
                                minutes=30, agent=agent, now=now, limit=1)
        if not visit:
            return
        book_two_parts(db, agent, contact_id, call[0].slot_id, visit[0].slot_id,
                       minutes=30, campaign=campaign_id, task=task_id, now=now)
        when = now - timedelta(hours=1, minutes=index)
        with db.write() as session:
            session.execute(insert(Attempt).values(
                task_id=task_id, campaign_id=campaign_id, contact_id=contact_id,
                agent_id=agent, recorded_at=when, outcome="booked", contact_made=True,
                duration_seconds=300 + 7 * index))
            session.execute(update(Task).where(Task.id == task_id).values(
                status="done", attempts=1, last_outcome="booked", last_attempt_at=when,
                completed_at=when))
