"""Messages through GOV.UK Notify, against a fake Notify: channels, the outbox, the
sender's rules, failures turned into calls, suppression and the clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from outbound.campaigns import TemplateError, parse_template
from outbound.clock import utcnow
from outbound.contacts import suppress_contact
from outbound.db.models import Task
from outbound.db.notify_models import Message, MessageSender
from outbound.notify.client import CLOCK_WORDS
from outbound.notify.sender import claim_batch
from outbound.notify.status import call_reasons, campaign_messages, messages_for_contact
from outbound.notify.templates import MessagePlan, MessageSpec, Reach, choose_channel
from outbound.queue.campaigns import create_campaign, enrol
from tests.fake_notify import fake_in_thread
from tests.notify_helpers import person, run_until_idle, sender_for, warn_and_inform

LONDON = ZoneInfo("Europe/London")
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=LONDON)
pytestmark = pytest.mark.clock(NOON)
IDS = {"text": "3c9e7a1b-4d2f-4e8a-9b6c-1f2e3d4c5b6a",
       "email": "7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e",
       "letter": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"}


def messages(db, **where):
    with db.read() as session:
        query = select(Message)
        for key, value in where.items():
            query = query.where(getattr(Message, key) == value)
        return list(session.scalars(query.order_by(Message.id)))


def reach(mobile=None, email=None, lines=(), preferred=None, needs=None):
    return Reach(mobile, email, tuple(lines), preferred, needs)


# -- choosing the channel -----------------------------------------------------------


def test_the_channel_follows_preference_then_what_we_hold():
    plan = MessagePlan()
    spec = MessageSpec("m", "enrolment", 0, IDS, {})
    both = reach("+447400000001", "a@example.org", ("1 High St", "Town", "PE1 1AA"))
    assert choose_channel(plan, spec, both).channel == "text"
    assert choose_channel(plan, spec, reach("+447400000001", "a@example.org",
                                            preferred="email")).channel == "email"
    assert choose_channel(plan, spec, reach(None, "a@example.org",
                                            preferred="text")).channel == "email"
    letter = choose_channel(plan, spec, reach(lines=("1 High St", "Town", "PE1 1AA")))
    assert letter.channel == "letter" and letter.destination.endswith("PE1 1AA")
    nothing = choose_channel(plan, spec, reach())
    assert nothing.channel is None
    assert nothing.reason == "no mobile number, no email address, no postal address"
    texts_only = MessageSpec("m", "enrolment", 0, {"text": IDS["text"]}, {})
    assert choose_channel(plan, texts_only, reach(email="a@example.org")).reason == \
        "no mobile number"


def test_accessibility_needs_and_a_wish_for_calls_become_a_call():
    plan, spec = MessagePlan(), MessageSpec("m", "enrolment", 0, IDS, {})
    bsl = choose_channel(plan, spec, reach("+447400000001", needs="Uses BSL"))
    assert bsl.channel is None and bsl.reason == "needs BSL: call instead of a message"
    # GOV.UK Notify has no large-print letters: the agent is told why it is a call.
    big = choose_channel(plan, spec, reach(lines=("1 High St", "PE1 1AA"),
                                           needs="Large print please"))
    assert big.channel is None and big.reason == "needs large print: call instead of a letter"
    assert choose_channel(plan, spec, reach("+447400000001", preferred="phone")).reason \
        == "they asked to be contacted by phone"


@pytest.mark.parametrize("section, problem", [
    ('[[messages.send]]\ncode = "m"\nwhen = "enrolment"\ntext = "not-an-id"\n',
     "GOV.UK Notify template ID"),
    (f'[[messages.send]]\ncode = "m"\nwhen = "expiry"\ntext = "{IDS["text"]}"\n',
     "days_before"),
    (f'[[messages.send]]\ncode = "m"\nwhen = "enrolment"\ntext = "{IDS["text"]}"\n'
     'personalisation = { name = "contact.name", when = "booking.time" }\n',
     "not about a booking"),
    ('[messages]\nchannels = ["fax"]\n', "channels"),
])
def test_mistakes_in_the_messages_section_name_the_line(section, problem):
    text = (_BASE + section)
    with pytest.raises(TemplateError) as caught:
        parse_template(text)
    assert problem in str(caught.value) and "line" in str(caught.value)


def test_a_notification_campaign_must_declare_its_message():
    with pytest.raises(TemplateError, match=r"needs a \[messages\] section"):
        parse_template(_BASE.replace('kind = "list"', 'kind = "notification"'))


_BASE = """
[campaign]
code = "t"
name = "T"
kind = "list"
[calling_window]
days = "weekdays"
start = "09:00"
end = "17:00"
[script]
text = "Hello"
[[outcomes]]
code = "done"
label = "Done"
key = "1"
completes = true
"""


# -- the outbox ------------------------------------------------------------------------


def test_enrolling_queues_one_message_each_and_a_call_for_who_cannot_get_one(db):
    rows = [person(1), person(2, phone="", email="two@example.org"),
            person(3, phone="0161 496 0003", address="1 Mill Lane, Pendle",
                   postcode="PE1 1AA"),
            person(4, phone="0161 496 0004"),                       # landline only
            person(5, needs="BSL")]
    cid = warn_and_inform(db, rows, now=NOON)
    enrol(db, cid, where=None, contact_ids=[1, 2, 3, 4, 5], now=NOON)    # again: no-op
    found = messages(db, campaign_id=cid)
    assert [(m.channel, m.status) for m in found] == [
        ("text", "queued"), ("email", "queued"), ("letter", "queued"),
        (None, "unsendable"), (None, "unsendable")]
    assert found[0].destination == "+447400000001"
    assert found[0].personalisation == {"first_name": "Person", "reference": "T00001",
                                        "helpline": "0161 496 0000"}
    assert found[2].personalisation["address_line_3"] == "PE1 1AA"
    assert all(m.reference.startswith("outbound-") for m in found)
    with db.read() as session:
        tasks = session.execute(select(Task.contact_id, Task.round_key).where(
            Task.campaign_id == cid).order_by(Task.contact_id)).all()
    assert [tuple(t) for t in tasks] == [(found[3].contact_id, "list"),
                                         (found[4].contact_id, "list")]
    assert call_reasons(db, found[3].task_id) == [
        "no mobile number, no email address, no postal address"]


def test_messages_are_sent_once_polled_and_a_failure_becomes_a_call(db):
    rows = [person(i) for i in range(1, 6)] + [person(99)]
    cid = warn_and_inform(db, rows, now=NOON)
    with fake_in_thread(fail_ending=["99"]) as fake:
        run_until_idle(sender_for(db, fake.url))
        assert sorted(n["to"] for n in fake.posts) == sorted(
            f"+4474000000{i:02d}" for i in (1, 2, 3, 4, 5, 99))
    found = {m.destination: m for m in messages(db, campaign_id=cid)}
    assert {m.status for d, m in found.items() if not d.endswith("99")} == {"delivered"}
    failed = found["+447400000099"]
    assert failed.status == "failed"
    assert failed.reason == "text not delivered: number not in use"
    assert call_reasons(db, failed.task_id) == ["text not delivered: number not in use"]
    seen = messages_for_contact(db, failed.contact_id)
    assert seen[0].sentence() == "text not delivered: number not in use"
    summary = campaign_messages(db, cid)
    assert (summary.delivered, summary.failed, summary.calls_instead) == (5, 1, 1)


def test_many_statuses_are_read_a_page_at_a_time(db):
    cid = warn_and_inform(db, [person(i) for i in range(1, 61)] + [person(199)], now=NOON)
    with fake_in_thread(fail_ending=["99"], final_after=0.5) as fake:
        run_until_idle(sender_for(db, fake.url, batch=100, poll_batch=100,
                                  check_every=timedelta(milliseconds=250)))
        assert fake.reads < 30          # one per message would be 61 and more
    summary = campaign_messages(db, cid)
    assert (summary.delivered, summary.failed, summary.calls_instead) == (60, 1, 1)


def test_a_refusal_fails_the_message_at_once_with_the_reason(db):
    cid = warn_and_inform(db, [person(1), person(2)], now=NOON)
    with fake_in_thread(reject={"+447400000002": "phone_number Not a UK mobile number"}
                        ) as fake:
        run_until_idle(sender_for(db, fake.url))
        assert len(fake.posts) == 1
    failed = messages(db, campaign_id=cid, status="failed")
    assert len(failed) == 1 and failed[0].attempts == 1
    assert failed[0].reason.startswith("text not sent: the number cannot take texts")
    assert failed[0].task_id is not None


def test_a_suppressed_person_is_sent_nothing(db):
    cid = warn_and_inform(db, [person(1), person(2)], now=NOON)
    first = messages(db, campaign_id=cid)[0]
    suppress_contact(db, first.contact_id, "deceased", source="Tell Us Once", now=NOON)
    assert messages(db, id=first.id)[0].status == "cancelled"
    with fake_in_thread() as fake:
        run_until_idle(sender_for(db, fake.url))
        assert [n["to"] for n in fake.posts] == ["+447400000002"]
    with db.read() as session:   # and no call either
        assert session.scalar(select(func.count(Task.id)).where(
            Task.contact_id == first.contact_id, Task.status == "open")) == 0


def test_a_person_suppressed_after_queuing_by_a_call_outcome_is_still_sent_nothing(db):
    cid = warn_and_inform(db, [person(1), person(2)], now=NOON)
    first = messages(db, campaign_id=cid)[0]
    with db.write() as session:          # as erasure or an outcome elsewhere would leave it
        from outbound.db.models import Contact
        session.get(Contact, first.contact_id).do_not_call = True
    with fake_in_thread() as fake:
        run_until_idle(sender_for(db, fake.url))
        assert [n["to"] for n in fake.posts] == ["+447400000002"]
    assert messages(db, id=first.id)[0].status == "cancelled"


def test_the_same_message_goes_to_a_person_once_a_day_across_campaigns(db):
    warn_and_inform(db, [person(1)], name="First", now=NOON)
    second = create_campaign(db, "warn_and_inform", "Second")
    enrol(db, second, contact_ids=[1], now=NOON)
    with fake_in_thread() as fake:
        run_until_idle(sender_for(db, fake.url))
        assert len(fake.posts) == 1
    skipped = messages(db, campaign_id=second)[0]
    assert skipped.status == "skipped"
    assert skipped.reason == "not sent: they were sent the same message within the last day"


def test_a_clock_out_by_more_than_30_seconds_is_reported_in_words(db):
    cid = warn_and_inform(db, [person(1)], now=NOON)
    with fake_in_thread(clock_offset=120) as fake:
        sender = sender_for(db, fake.url)
        assert sender.send_once() == 1
        assert fake.posts == [] and fake.refusals == [403]
    assert messages(db, campaign_id=cid)[0].status == "queued"   # kept, to go later
    with db.read() as session:
        row = session.get(MessageSender, "test-sender")
    assert row.problem == CLOCK_WORDS
    assert "clock is more than 30 seconds out" in CLOCK_WORDS
    with fake_in_thread() as fake:                # the clock put right: it carries on
        sender.gateway = sender_for(db, fake.url).gateway
        sender.paused_until = 0
        run_until_idle(sender)
        assert len(fake.posts) == 1
    with db.read() as session:
        assert session.get(MessageSender, "test-sender").problem is None


def test_a_sender_that_died_after_sending_asks_notify_before_sending_again(db):
    cid = warn_and_inform(db, [person(1), person(2)], now=NOON)
    with fake_in_thread() as fake:
        batch, _ = claim_batch(db, "dead", limit=10, per_minute=3000,
                               lease=timedelta(seconds=10), now=utcnow())
        first = batch[0]      # it sent one, then died before recording anything
        sender_for(db, fake.url).gateway.send(first.channel, first.destination,
                                              first.template_id, first.personalisation,
                                              first.reference)
        later = sender_for(db, fake.url, name="next")
        later.clock = lambda: utcnow() + timedelta(seconds=11)   # the lease has run out
        run_until_idle(later)
        assert sorted(n["to"] for n in fake.posts) == ["+447400000001", "+447400000002"]
    found = messages(db, campaign_id=cid)
    assert {m.status for m in found} == {"delivered"}
    assert [m.attempts for m in found] == [2, 2]
    assert found[0].notify_id == fake.posts[0]["id"]


def test_a_server_error_is_checked_by_reference_and_not_sent_twice(db):
    warn_and_inform(db, [person(1), person(2), person(3)], now=NOON)
    with fake_in_thread(server_errors=1) as fake:
        run_until_idle(sender_for(db, fake.url))
        assert sorted(n["to"] for n in fake.posts) == [
            "+447400000001", "+447400000002", "+447400000003"]


def test_the_sender_keeps_under_the_rate_for_all_senders(db):
    cid = warn_and_inform(db, [person(i) for i in range(1, 41)], now=NOON)
    with fake_in_thread() as fake:
        one = sender_for(db, fake.url, name="one", per_minute=15, batch=10)
        two = sender_for(db, fake.url, name="two", per_minute=15, batch=10)
        for _ in range(4):
            one.send_once()
            two.send_once()
        assert len(fake.posts) == 15
    assert len(messages(db, campaign_id=cid, status="queued")) == 25


def test_a_429_backs_off_and_goes_on_without_losing_or_doubling(db):
    warn_and_inform(db, [person(i) for i in range(1, 31)], now=NOON)
    with fake_in_thread(rate_limit=12) as fake:
        sender = sender_for(db, fake.url, batch=20)
        sender.send_once()
        assert len(fake.posts) == 12 and 429 in fake.refusals
        assert sender.paused_until > 0
        fake.configure(rate_limit=0)
        run_until_idle(sender)
        tos = [n["to"] for n in fake.posts]
        assert len(tos) == 30 and len(set(tos)) == 30


def test_a_test_message_to_the_supervisor_is_queued_and_sent(db):
    from outbound.notify.outbox import queue_test_message

    with pytest.raises(ValueError, match="not a UK mobile number"):
        queue_test_message(db, "text", "0161 496 0000", IDS["text"])
    reference = queue_test_message(db, "text", "07400 123456", IDS["text"], by="Jo Evans")
    with fake_in_thread() as fake:
        run_until_idle(sender_for(db, fake.url))
        assert [n["reference"] for n in fake.posts] == [reference]
    assert messages(db, reference=reference)[0].status == "delivered"


def test_erasing_a_person_removes_what_was_sent_and_keeps_that_it_went(db):
    from outbound.rights import erase_person
    from outbound.users import add_user

    cid = warn_and_inform(db, [person(1), person(2)], now=NOON)
    with fake_in_thread() as fake:
        run_until_idle(sender_for(db, fake.url))
    add_user(db, "Priya", "supervisor")
    first = messages(db, campaign_id=cid)[0]
    erase_person(db, first.contact_id, by="Priya")
    erased = messages(db, id=first.id)[0]
    assert (erased.status, erased.channel) == ("delivered", "text")
    assert (erased.destination, erased.personalisation, erased.reason) == (None, {}, None)
    assert messages(db, campaign_id=cid)[1].destination == "+447400000002"


def test_notify_s_daily_limit_is_reported_and_the_rest_wait(db):
    cid = warn_and_inform(db, [person(i) for i in range(1, 6)], now=NOON)
    with fake_in_thread(daily_limit=3) as fake:
        sender = sender_for(db, fake.url)
        sender.send_once()
        assert len(fake.posts) == 3 and fake.refusals == [429]
    assert len(messages(db, campaign_id=cid, status="queued")) == 2
    with db.read() as session:
        problem = session.get(MessageSender, "test-sender").problem
    assert problem.startswith("GOV.UK Notify will take no more messages today")


def test_a_subject_access_export_lists_the_messages(db, tmp_path):
    from openpyxl import load_workbook

    from outbound.rights import export_person

    cid = warn_and_inform(db, [person(1)], now=NOON)
    contact = messages(db, campaign_id=cid)[0].contact_id
    out = tmp_path / "person.xlsx"
    export_person(db, contact, out, actor="Priya")
    rows = list(load_workbook(out)["Messages"].iter_rows(min_row=2, values_only=True))
    assert [row[:4] for row in rows] == [("Outbreak", "text", "+447400000001", "queued")]


def test_a_database_fault_does_not_stop_the_sender(db, monkeypatch):
    from outbound.notify import sender as sender_module

    warn_and_inform(db, [person(1)], now=NOON)
    real, calls = sender_module.claim_batch, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(sender_module, "claim_batch", flaky)
    with fake_in_thread() as fake:
        run_until_idle(sender_for(db, fake.url, max_backoff=0.2))
        assert len(fake.posts) == 1
