"""Queuing messages: which channel each person gets, with a reference written before
anything is sent; a call instead for whoever cannot receive one; and suppression, which
cancels whatever is still waiting.

Queuing the same message for the same occasion twice, from any number of clients at
once, is a no-op: the outbox's unique (campaign, contact, message, occasion) turns the
second INSERT into nothing, as the task table does for rounds.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from outbound.campaigns.script import _as_text, _contact_value
from outbound.campaigns.template import CampaignTemplate
from outbound.clock import london_day, to_london, utcnow
from outbound.db.database import Database
from outbound.db.models import Campaign, Contact, ContactPhone, Enrolment, Task
from outbound.db.notify_models import Message
from outbound.db.types import UTCDateTime
from outbound.notify.templates import (
    MessagePlan,
    MessageSpec,
    Reach,
    address_lines,
    choose_channel,
)

M = Message.__table__
T = Task.__table__


@dataclass(frozen=True, slots=True)
class Queued:
    """What queuing did: messages waiting to be sent, people to call instead."""

    queued: int
    calls: int

    def __add__(self, other: Queued) -> Queued:
        return Queued(self.queued + other.queued, self.calls + other.calls)


NOTHING = Queued(0, 0)


def new_reference() -> str:
    """The reference Notify keeps with the message, and the one we ask it by."""
    return f"outbound-{uuid.uuid4().hex}"


def body_key(template_id: str, personalisation: Mapping[str, Any]) -> str:
    """Two messages with the same key say the same thing."""
    text = json.dumps([template_id, personalisation], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def call_round_key(template: CampaignTemplate, spec_code: str) -> str:
    """The task a message turned into a call is kept under: the list itself for a
    notification campaign, else one per message of the campaign."""
    return "list" if template.kind == "notification" else f"message:{spec_code}"[:40]


def reaches(session: Session, contacts: Iterable[Contact]) -> dict[int, Reach]:
    """How each contact may be reached, from what we hold."""
    rows = list(contacts)
    mobiles: dict[int, str] = {}
    extra = session.execute(
        select(ContactPhone.contact_id, ContactPhone.e164)
        .where(ContactPhone.contact_id.in_([c.id for c in rows]),
               ContactPhone.line_type == "mobile", ContactPhone.usable.is_(True),
               ContactPhone.e164.is_not(None))
        .order_by(ContactPhone.contact_id, ContactPhone.position.desc())).all()
    for contact_id, e164 in extra:
        mobiles[contact_id] = e164
    found: dict[int, Reach] = {}
    for contact in rows:
        mobile = (contact.primary_phone if contact.phone_line_type == "mobile"
                  and contact.primary_phone else mobiles.get(contact.id))
        found[contact.id] = Reach(
            mobile=mobile, email=contact.email or None,
            address_lines=address_lines(contact.address, contact.postcode),
            preferred=contact.preferred_contact, needs=contact.accessibility_needs)
    return found


def contact_values(contact: Contact) -> dict[str, Any]:
    values = {column: getattr(contact, column) for column in (
        "name", "organisation", "role", "email", "address", "postcode", "district",
        "external_ref", "expiry_date", "preferred_contact", "accessibility_needs")}
    values["reference"] = contact.external_ref
    values["attributes"] = contact.attributes or {}
    return values


def personalise(spec: MessageSpec, plan: MessagePlan, contact: Mapping[str, Any],
                campaign_name: str, booking: Mapping[str, Any] | None = None,
                letter_lines: tuple[str, ...] = (), channel: str = "text") -> dict[str, Any]:
    """The personalisation Notify fills the template with, as text (and an email's
    calendar file as Notify's upload)."""
    values: dict[str, Any] = {}
    for field, source in spec.personalisation.items():
        scope, _, key = source.partition(".")
        if source == "booking.ics":
            ics = (booking or {}).get("ics")
            if channel == "email" and isinstance(ics, bytes):
                from notifications_python_client.utils import prepare_upload

                values[field] = prepare_upload(io.BytesIO(ics), filename="appointment.ics")
            continue
        if scope == "contact":
            values[field] = _as_text(_contact_value(contact, key))
        elif scope == "campaign":
            values[field] = campaign_name if key == "name" else plan.values.get(key, "")
        else:
            values[field] = _as_text((booking or {}).get(key))
    for number, line in enumerate(letter_lines, start=1):
        values[f"address_line_{number}"] = line
    return values


def queue_messages(session: Session, campaign: Campaign, template: CampaignTemplate,
                   spec: MessageSpec, contacts: list[Contact], occasion: str,
                   now: datetime, *, bookings: Mapping[int, Mapping[str, Any]] | None = None,
                   created_by: str | None = None) -> Queued:
    """Queue ``spec`` for each contact (each once per occasion); who cannot receive it
    gets a call task instead, with the reason kept on the message row."""
    plan = template.messages
    assert plan is not None
    live = [c for c in contacts if not c.do_not_call and c.erased_at is None]
    if not live:
        return NOTHING
    reach = reaches(session, live)
    rows: list[dict[str, Any]] = []
    for contact in live:
        choice = choose_channel(plan, spec, reach[contact.id])
        booking = (bookings or {}).get(contact.id)
        row = dict(campaign_id=campaign.id, contact_id=contact.id, code=spec.code,
                   occasion=occasion, reference=new_reference(), created_at=now,
                   created_by=created_by, attempts=0, check_first=False,
                   personalisation={})
        if choice.channel is None:
            rows.append(row | dict(status="unsendable", reason=choice.reason, done_at=now))
            continue
        lines = reach[contact.id].address_lines if choice.channel == "letter" else ()
        values = personalise(spec, plan, contact_values(contact), campaign.name, booking,
                             lines, choice.channel)
        template_id = spec.templates[choice.channel]
        rows.append(row | dict(
            status="queued", channel=choice.channel, template_id=template_id,
            destination=choice.destination, personalisation=values,
            body_key=body_key(template_id, values), next_try_at=now))
    _insert_new(session, rows)
    unsendable = sum(1 for row in rows if row["status"] == "unsendable")
    calls = 0
    if unsendable and (plan.call_when_failed or template.kind == "notification"):
        calls = calls_for_unsendable(session, campaign, template, spec.code, occasion, now)
    return Queued(len(rows) - unsendable, calls)


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    maker = postgresql.insert if session.get_bind().dialect.name == "postgresql" \
        else sqlite.insert
    columns = sorted({key for row in rows for key in row})
    full = [{column: row.get(column) for column in columns} for row in rows]
    for start in range(0, len(full), 2000):
        session.execute(maker(M).on_conflict_do_nothing(
            index_elements=["campaign_id", "contact_id", "code", "occasion"]),
            full[start:start + 2000])


def make_call_tasks(session: Session, campaign: Campaign, template: CampaignTemplate,
                    round_key: str, message_filter: Any, now: datetime) -> int:
    """A call task for the contact of each message matching ``message_filter`` (one per
    person however many of their messages failed), linked from the message."""
    maker = postgresql.insert if session.get_bind().dialect.name == "postgresql" \
        else sqlite.insert
    C = Contact.__table__
    people = (select(M.c.contact_id).select_from(M.join(C, C.c.id == M.c.contact_id))
              .where(M.c.campaign_id == campaign.id, message_filter,
                     C.c.do_not_call.is_(False)).distinct().subquery())
    source = select(literal(campaign.id).label("campaign_id"), people.c.contact_id,
                    literal(round_key).label("round_key"), literal("open").label("status"),
                    literal(template.priority).label("priority"),
                    literal(now, UTCDateTime()).label("due_at"),
                    literal(0).label("attempts"),
                    literal(False).label("callback_requested"),
                    literal(False).label("escalated"),
                    literal(now, UTCDateTime()).label("created_at")).select_from(people)
    source = source.where(literal(True))   # SQLite reads "ON CONFLICT" after a bare FROM
    result = session.execute(
        maker(T).from_select(["campaign_id", "contact_id", "round_key", "status", "priority",
                              "due_at", "attempts", "callback_requested", "escalated",
                              "created_at"], source)
        .on_conflict_do_nothing(index_elements=["campaign_id", "contact_id", "round_key"]),
        execution_options={"preserve_rowcount": True})
    task = (select(T.c.id).where(T.c.campaign_id == M.c.campaign_id,
                                 T.c.contact_id == M.c.contact_id,
                                 T.c.round_key == round_key).scalar_subquery())
    session.execute(update(M).where(M.c.campaign_id == campaign.id, message_filter,
                                    M.c.task_id.is_(None)).values(task_id=task))
    return max(result.rowcount or 0, 0)


def calls_for_unsendable(session: Session, campaign: Campaign, template: CampaignTemplate,
                         code: str, occasion: str, now: datetime) -> int:
    return make_call_tasks(
        session, campaign, template, call_round_key(template, code),
        and_(M.c.status == "unsendable", M.c.code == code, M.c.occasion == occasion,
             M.c.task_id.is_(None)), now)


def queue_on_enrolment(session: Session, campaign: Campaign, template: CampaignTemplate,
                       now: datetime, created_by: str | None = None) -> Queued:
    """The campaign's on-enrolment messages for everyone enrolled who has not had them."""
    plan = template.messages
    if plan is None:
        return NOTHING
    done = NOTHING
    for spec in plan.sent("enrolment"):
        already = select(M.c.contact_id).where(M.c.campaign_id == campaign.id,
                                               M.c.code == spec.code,
                                               M.c.occasion == "enrolment")
        contacts = list(session.scalars(
            select(Contact).join(Enrolment, Enrolment.contact_id == Contact.id)
            .where(Enrolment.campaign_id == campaign.id, Enrolment.active.is_(True),
                   Contact.id.not_in(already))))
        for start in range(0, len(contacts), 5000):
            done += queue_messages(session, campaign, template, spec,
                                   contacts[start:start + 5000], "enrolment", now,
                                   created_by=created_by)
    return done


def cancel_messages_of(session: Session, contact_id: int, reason: str,
                       now: datetime) -> int:
    """Suppression wins: whatever is still waiting to go to this person is cancelled."""
    result = session.execute(
        update(M).where(M.c.contact_id == contact_id, M.c.status == "queued")
        .values(status="cancelled", reason=f"not sent: {reason}", done_at=now,
                next_try_at=None))
    return result.rowcount or 0


def erase_messages_of(session: Session, contact_id: int, now: datetime) -> int:
    """Erasure: what was sent and where (number, address, personalisation, the reason
    naming their needs) goes; that a message went, and what became of it, stays for
    the counts. Whatever was still waiting is cancelled."""
    cancel_messages_of(session, contact_id, "their details were erased", now)
    result = session.execute(
        update(M).where(M.c.contact_id == contact_id)
        .values(destination=None, personalisation={}, body_key=None, reason=None))
    return result.rowcount or 0


def queue_test_message(db: Database, channel: str, to: str, template_id: str, *,
                       personalisation: Mapping[str, str] | None = None,
                       by: str | None = None, now: datetime | None = None) -> str:
    """A supervisor's test message to their own number or address, sent by the service
    like any other; returns its reference."""
    from outbound.notify.templates import _UUID, CHANNELS
    from outbound.phones import parse_phone

    if channel not in CHANNELS:
        raise ValueError(f"“{channel}” is not a channel; use text, email or letter.")
    if not _UUID.match(template_id.strip()):
        raise ValueError(f"“{template_id}” is not a GOV.UK Notify template ID; copy it from "
                         "the template's page in Notify.")
    destination = to.strip()
    if channel == "text":
        number = parse_phone(destination)
        if number.e164 is None or number.line_type != "mobile":
            raise ValueError(f"“{to}” is not a UK mobile number, so it cannot take a text.")
        destination = number.e164
    elif channel == "email" and "@" not in destination:
        raise ValueError(f"“{to}” is not an email address.")
    moment = now or utcnow()
    reference = new_reference()
    values = dict(personalisation or {})

    def work(session: Session) -> str:
        session.add(Message(code="test", occasion=f"test:{moment.isoformat()}",
                            reference=reference, channel=channel,
                            template_id=template_id.strip().lower(), destination=destination,
                            personalisation=values, status="queued", next_try_at=moment,
                            created_at=moment, created_by=by, attempts=0,
                            check_first=False))
        return reference

    return db.run_write(work)


def appointment_values(starts_at: datetime, place: str | None, address: str | None,
                       reference: str, service: str, ics: bytes | None = None
                       ) -> dict[str, Any]:
    local = to_london(starts_at)
    return {"reference": reference, "date": local.date(), "time": f"{local:%H:%M}",
            "place": place or "", "address": address or "", "service": service,
            "when": local, "ics": ics}


def expiry_window(today: date, days_before: int) -> tuple[date, date]:
    """Expiry dates a message ``days_before`` expiry is due for today: from today (a
    message for an expiry already past is pointless) to ``days_before`` days ahead."""
    return today, today + timedelta(days=days_before)


def today_in_london(now: datetime) -> date:
    return london_day(now)
