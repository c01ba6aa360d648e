"""Closing a session or a location on both databases: its places closed, its bookings
cancelled by the council, its holds dropped and its people called back to rebook, all
in one transaction, including while agents are booking into it at that moment."""

from __future__ import annotations

import multiprocessing
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select, update

from outbound import booking
from outbound.booking import BookingError, PlaceGone
from outbound.booking.closing import close_location, close_session
from outbound.db import open_database
from outbound.db.booking_models import (
    Booking,
    Location,
    Slot,
    SlotHold,
    WaitingListEntry,
)
from outbound.db.models import Task
from outbound.users import UserError, add_user
from tests.test_booking import (
    MONDAY,
    NOW,
    PHONE,
    SIGNING,
    add_contacts,
    agents,
    births,
    booked,
    registrar_week,
    slot_at,
)

TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = MONDAY + timedelta(days=2)
OFFICE = "Ashworth Register Office"


def session_of(db, service: str, day: date) -> int:
    return slot_at(db, service, day, time(9) if service == PHONE else time(13, 30)).session_id


def status_of(db, reference: str) -> tuple[str, str | None, str | None]:
    with db.read() as s:
        found = s.scalar(select(Booking).where(Booking.reference == reference))
        return found.status, found.status_reason, found.notes


def closed_slots(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count(Slot.id)).where(Slot.closed.is_(True)))


def open_tasks(db) -> list[Task]:
    with db.read() as s:
        return list(s.scalars(select(Task).where(Task.status == "open").order_by(Task.id)))


def test_closing_a_session_cancels_its_bookings_and_has_its_people_called(db):
    registrar_week(db, capacity=2)
    agents(db)
    add_user(db, "Ann Supervisor", role="supervisor")
    camp = births(db)
    [two_part, single, no_campaign, holding, elsewhere] = add_contacts(db, 5)
    monday_phone = session_of(db, PHONE, MONDAY)
    first, second = booking.book_two_parts(
        db, "Sam", two_part, slot_at(db, PHONE, MONDAY, time(9)).id,
        slot_at(db, SIGNING, TUESDAY, time(13, 30)).id, campaign=camp, now=NOW)
    one = booking.book(db, "Sam", single, slot_at(db, PHONE, MONDAY, time(10)).id,
                       campaign=camp, now=NOW)
    loose = booking.book(db, "Priya", no_campaign, slot_at(db, PHONE, MONDAY, time(11)).id,
                         now=NOW)
    kept = booking.book(db, "Priya", elsewhere, slot_at(db, PHONE, TUESDAY, time(9)).id,
                        campaign=camp, now=NOW)
    held = slot_at(db, PHONE, MONDAY, time(11, 30)).id
    booking.hold_slot(db, "Priya", held, contact=holding, now=NOW)

    result = close_session(db, monday_phone, reason_note="Registrar Jones is off sick.",
                           by="Ann Supervisor", now=NOW)

    assert (result.sessions, result.slots_closed, result.places_closed,
            result.holds_dropped) == (1, 14, 28, 1)
    assert result.cancelled == (first.reference, second.reference, one.reference,
                                loose.reference)
    for reference in result.cancelled:
        status, reason, notes = status_of(db, reference)
        assert (status, reason) == ("cancelled", "council_cancelled")
        assert notes.endswith("Registrar Jones is off sick.")
    assert status_of(db, kept.reference)[0] == "booked"
    with db.read() as s:
        monday = list(s.scalars(select(Slot).where(Slot.session_id == monday_phone)))
        assert all(slot.closed and slot.booked == 0 for slot in monday)
        assert s.scalar(select(func.count(SlotHold.id))) == 0
        assert s.scalar(select(func.count(Slot.id)).where(Slot.closed.is_(True))) == 14
    assert booked(db, slot_at(db, SIGNING, TUESDAY, time(13, 30)).id) == 0   # second part
    assert booked(db, slot_at(db, PHONE, TUESDAY, time(9)).id) == 1

    # Everyone is called back to rebook: a waiting-list entry and an open call due now.
    [by_two_part, by_single, by_hand] = result.rebook
    assert (by_two_part.contact_id, by_two_part.references) == (
        two_part, (first.reference, second.reference))
    assert by_single.references == (one.reference,)
    assert (by_hand.contact_id, by_hand.task_id, by_hand.entry_id) == (no_campaign, None,
                                                                       None)
    assert "booked outside any campaign" in by_hand.why_not
    assert [r.contact_id for r in result.to_call] == [two_part, single]
    with db.read() as s:
        for person in result.to_call:
            entry = s.get(WaitingListEntry, person.entry_id)
            task = s.get(Task, person.task_id)
            assert (entry.campaign_id, entry.contact_id, entry.service, entry.status,
                    entry.minutes) == (camp, person.contact_id, PHONE, "waiting", 30)
            assert "cancelled by the council" in entry.note
            assert (task.campaign_id, task.contact_id, task.round_key, task.status) == (
                camp, person.contact_id, f"offer:{entry.id}", "open")
            assert task.priority >= 100 and task.due_at == NOW
    assert result.describe() == (
        f"Closed 14 slots (28 places) at {OFFICE} on Monday 30 November 2026 (Telephone "
        f"appointment, 09:00 to 12:30, Registrar Jones); cancelled 4 bookings "
        f"({first.reference}, {second.reference}, {one.reference}, {loose.reference}); "
        f"2 people will be called to rebook.\n"
        f"Parent 2 ({loose.reference}): booked outside any campaign: please ring them to "
        f"rebook.")

    # Nobody can book or hold a closed place any more, and it is not offered.
    with pytest.raises(BookingError, match="closed for booking"):
        booking.book(db, "Sam", holding, held, now=NOW)
    with pytest.raises(BookingError, match="closed for booking"):
        booking.hold_slot(db, "Sam", held, contact=holding, now=NOW)
    free = booking.find_free_slots(db, PHONE, from_=MONDAY, limit=1, now=NOW)
    assert free[0].starts_at.date() == TUESDAY
    # Rebooking them on their call settles their waiting-list entry.
    again = booking.book(db, "Sam", single, slot_at(db, PHONE, WEDNESDAY, time(9)).id,
                         campaign=camp, task=by_single.task_id, now=NOW)
    with db.read() as s:
        entry = s.get(WaitingListEntry, by_single.entry_id)
        assert (entry.status, entry.booking_id) == ("booked", again.booking_id)


def test_closing_only_the_second_part_keeps_the_first(db):
    registrar_week(db)
    agents(db)
    camp = births(db)
    [parent] = add_contacts(db, 1)
    first, second = booking.book_two_parts(
        db, "Sam", parent, slot_at(db, PHONE, MONDAY, time(9)).id,
        slot_at(db, SIGNING, TUESDAY, time(13, 30)).id, campaign=camp, now=NOW)
    result = close_session(db, session_of(db, SIGNING, TUESDAY), reason_note=None,
                           by="Sam", now=NOW)
    assert result.cancelled == (second.reference,)
    assert status_of(db, first.reference)[0] == "booked"
    [person] = result.rebook
    assert (person.service, person.references) == (SIGNING, (second.reference,))
    assert result.describe().endswith("1 person will be called to rebook.")
    # rebooked for signing on another day: they are off the waiting list
    booking.book(db, "Sam", parent, slot_at(db, SIGNING, WEDNESDAY, time(13, 30)).id,
                 campaign=camp, first_part=first.reference, now=NOW)
    with db.read() as s:
        entry = s.get(WaitingListEntry, person.entry_id)
        assert entry.status == "booked"


def test_places_that_have_started_are_left_alone(db):
    registrar_week(db)
    agents(db)
    camp = births(db)
    [early, late] = add_contacts(db, 2)
    started = booking.book(db, "Sam", early, slot_at(db, PHONE, MONDAY, time(9)).id,
                           campaign=camp, now=NOW)
    later = booking.book(db, "Sam", late, slot_at(db, PHONE, MONDAY, time(11)).id,
                         campaign=camp, now=NOW)
    half_past_nine = slot_at(db, PHONE, MONDAY, time(9, 30)).starts_at
    result = close_session(db, session_of(db, PHONE, MONDAY), reason_note=None, by="Sam",
                           now=half_past_nine)
    assert result.slots_closed == 11 and result.cancelled == (later.reference,)
    assert status_of(db, started.reference)[0] == "booked"
    with db.read() as s:
        assert s.scalar(select(func.count(Slot.id)).where(
            Slot.closed.is_(True), Slot.starts_at <= half_past_nine)) == 0


def test_a_place_offered_from_the_waiting_list_goes_back_when_it_closes(db):
    registrar_week(db)
    agents(db)
    camp = births(db)
    [cancelling, waiting] = add_contacts(db, 2)
    made = booking.book(db, "Sam", cancelling, slot_at(db, PHONE, MONDAY, time(9)).id,
                        minutes=15, campaign=camp, now=NOW)
    entry = booking.add_to_waiting_list(db, camp, waiting, PHONE, now=NOW)
    [offer] = booking.cancel(db, "Sam", made.reference, "unwell", now=NOW).offers
    result = close_session(db, session_of(db, PHONE, MONDAY), reason_note=None, by="Sam",
                           now=NOW)
    assert result.holds_dropped == 1 and result.cancelled == ()
    assert result.describe().endswith("; there were no bookings to cancel.")
    with db.read() as s:
        assert s.get(WaitingListEntry, entry).status == "waiting"
        assert s.get(Task, offer.task_id).status == "closed"


def test_closing_a_location_from_a_date_leaves_earlier_sessions_alone(db):
    registrar_week(db)
    agents(db)
    camp = births(db)
    [monday, wednesday, friday] = add_contacts(db, 3)
    before = booking.book(db, "Sam", monday, slot_at(db, PHONE, MONDAY, time(9)).id,
                          campaign=camp, now=NOW)
    wed = booking.book(db, "Sam", wednesday, slot_at(db, PHONE, WEDNESDAY, time(9)).id,
                       campaign=camp, now=NOW)
    fri = booking.book(db, "Sam", friday, slot_at(db, PHONE, MONDAY + timedelta(days=4),
                                                  time(10)).id, campaign=camp, now=NOW)
    result = close_location(db, OFFICE, from_day=WEDNESDAY, by="Sam", now=NOW)
    assert (result.sessions, result.slots_closed) == (6, 3 * (14 + 12))
    assert result.cancelled == (wed.reference, fri.reference)
    assert {r.contact_id for r in result.to_call} == {wednesday, friday}
    assert status_of(db, before.reference)[0] == "booked"
    wednesday_nine = slot_at(db, PHONE, WEDNESDAY, time(9)).starts_at
    with db.read() as s:
        assert s.scalar(select(func.count(Slot.id)).where(
            Slot.closed.is_(True), Slot.starts_at < wednesday_nine)) == 0
    assert result.describe().startswith(
        f"Closed 78 places at {OFFICE} from Wednesday 2 December 2026 (6 sessions); "
        f"cancelled 2 bookings")
    # Monday and Tuesday are still offered.
    assert booking.find_free_slots(db, PHONE, limit=1, now=NOW)[0].starts_at.date() == MONDAY


def test_closing_twice_changes_nothing_more(db):
    registrar_week(db)
    agents(db)
    camp = births(db)
    [parent] = add_contacts(db, 1)
    booking.book(db, "Sam", parent, slot_at(db, PHONE, MONDAY, time(9)).id, campaign=camp,
                 now=NOW)
    sid = session_of(db, PHONE, MONDAY)
    close_session(db, sid, reason_note=None, by="Sam", now=NOW)
    tasks = open_tasks(db)
    again = close_session(db, sid, reason_note=None, by="Sam", now=NOW)
    assert (again.slots_closed, again.cancelled, again.rebook) == (0, (), ())
    assert again.describe() == (
        f"Nothing to close at {OFFICE} on Monday 30 November 2026 (Telephone appointment, "
        f"09:00 to 12:30, Registrar Jones): its places have passed or are closed already.")
    assert close_location(db, OFFICE, from_day=MONDAY, by="Sam", now=NOW).cancelled == ()
    assert [t.id for t in open_tasks(db)] == [t.id for t in tasks]
    assert closed_slots(db) == 14 + (4 * 14 + 5 * 12)
    with db.read() as s:
        assert s.scalar(select(func.count(WaitingListEntry.id))) == 1


def test_someone_already_waiting_keeps_their_entry_and_is_called(db):
    registrar_week(db)
    agents(db)
    camp = births(db)
    [parent] = add_contacts(db, 1)
    booking.book(db, "Sam", parent, slot_at(db, PHONE, MONDAY, time(9)).id, campaign=camp,
                 now=NOW)
    entry = booking.add_to_waiting_list(db, camp, parent, PHONE, now=NOW)
    [person] = close_session(db, session_of(db, PHONE, MONDAY), reason_note=None,
                             by="Sam", now=NOW).rebook
    assert person.entry_id == entry and person.task_id is not None
    with db.read() as s:
        assert s.scalar(select(func.count(WaitingListEntry.id))) == 1


def test_a_lapsed_offer_leaves_the_call_to_rebook_open(db):
    registrar_week(db)
    agents(db)
    camp = births(db)
    [parent, other] = add_contacts(db, 2)
    booking.book(db, "Sam", parent, slot_at(db, PHONE, MONDAY, time(9)).id, campaign=camp,
                 minutes=15, now=NOW)
    elsewhere = booking.book(db, "Sam", other, slot_at(db, PHONE, TUESDAY, time(9)).id,
                             minutes=15, campaign=camp, now=NOW)
    [person] = close_session(db, session_of(db, PHONE, MONDAY), reason_note=None,
                             by="Sam", now=NOW).rebook
    # a place frees on Tuesday: it is offered on the same call, and nobody rings in time
    [offer] = booking.cancel(db, "Sam", elsewhere.reference, "unwell", now=NOW).offers
    assert offer.entry_id == person.entry_id and offer.task_id == person.task_id
    assert booking.lapse_offers(db, now=NOW + timedelta(hours=3)) == 1
    with db.read() as s:
        entry = s.get(WaitingListEntry, person.entry_id)
        assert (entry.status, entry.must_call) == ("waiting", True)
        assert s.get(Task, person.task_id).status == "open"   # still to be rung


def test_unknown_session_location_or_person_changes_nothing(db):
    registrar_week(db)
    agents(db)
    sid = session_of(db, PHONE, MONDAY)
    with pytest.raises(BookingError, match=r"^There is no session 999\.$"):
        close_session(db, 999, reason_note=None, by="Sam", now=NOW)
    with pytest.raises(BookingError, match=r"^There is no location called “Atlantis”\.$"):
        close_location(db, "Atlantis", from_day=MONDAY, by="Sam", now=NOW)
    with pytest.raises(UserError, match="There is no agent called “Nobody”"):
        close_session(db, sid, reason_note=None, by="Nobody", now=NOW)
    assert closed_slots(db) == 0


def test_a_closed_location_takes_no_bookings(db):
    registrar_week(db)
    agents(db)
    [parent] = add_contacts(db, 1)
    with db.write() as s:
        s.execute(update(Location).values(active=False))
    with pytest.raises(BookingError, match=f"^{OFFICE} is closed for booking"):
        booking.book(db, "Sam", parent, slot_at(db, PHONE, MONDAY, time(9)).id, now=NOW)


# Closing while agents book ------------------------------------------------------------

WORKERS = 6
MAX_TRIES = 5000     # a safety net only: each agent stops when it finds the session closed


def _keep_booking(url: str, agent: str, contact: int, campaign: int, slots: list[int],
                  hold_first: bool, booked_once, results) -> None:
    db = open_database(url)
    made: list[str] = []
    try:
        for attempt in range(MAX_TRIES):
            slot = slots[attempt % len(slots)]
            try:
                if hold_first:
                    booking.hold_slot(db, agent, slot, contact=contact, now=NOW)
                made.append(booking.book(db, agent, contact, slot, minutes=15,
                                         campaign=campaign, now=NOW).reference)
                booked_once.set()
            except (PlaceGone, BookingError) as exc:
                with db.read() as s:
                    if s.get(Slot, slot).closed:
                        results.put((agent, made, str(exc)))
                        return
        results.put((agent, made, "never saw the session closed"))
    except Exception as exc:  # reported to the test, which fails on it
        results.put((agent, made, f"error: {exc!r}"))
    finally:
        db.close()


def _close_when_booked(url: str, session_id: int, booked_once, results) -> None:
    db = open_database(url)
    try:
        booked_once.wait(timeout=120)
        closed = close_session(db, session_id, reason_note="Clinic cancelled.",
                               by="Supervisor", now=NOW)
        results.put(("closer", list(closed.cancelled), "closed"))
    except Exception as exc:
        results.put(("closer", [], f"error: {exc!r}"))
    finally:
        db.close()


def test_agents_booking_while_a_session_closes_are_kept_or_refused(db, db_url):
    registrar_week(db, capacity=20)
    names = [f"Agent {i}" for i in range(WORKERS)]
    for name in [*names, "Supervisor"]:
        add_user(db, name)
    camp = births(db)
    people = add_contacts(db, WORKERS)
    sid = session_of(db, PHONE, MONDAY)
    with db.read() as s:
        slots = list(s.scalars(select(Slot.id).where(Slot.session_id == sid)
                               .order_by(Slot.id)))
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    booked_once = ctx.Event()
    workers = [ctx.Process(target=_keep_booking,
                           args=(db_url, name, person, camp, slots[i:] + slots[:i],
                                 i % 2 == 0, booked_once, results))
               for i, (name, person) in enumerate(zip(names, people, strict=True))]
    workers.append(ctx.Process(target=_close_when_booked,
                               args=(db_url, sid, booked_once, results)))
    for p in workers:
        p.start()
    outcomes = {who: (made, said) for who, made, said in
                (results.get(timeout=300) for _ in workers)}
    for p in workers:
        p.join(timeout=60)
    cancelled, said = outcomes.pop("closer")
    assert said == "closed"
    assert all(not said.startswith(("error", "never")) for _, said in outcomes.values()), \
        outcomes
    kept = [ref for made, _ in outcomes.values() for ref in made]
    assert kept and sorted(kept) == sorted(cancelled)   # made before the close, cancelled
    with db.read() as s:
        assert s.scalar(select(func.count(Slot.id)).where(
            Slot.session_id == sid, Slot.closed.is_(False))) == 0
        assert s.scalar(select(func.coalesce(func.sum(Slot.booked), 0)).where(
            Slot.session_id == sid)) == 0
        assert s.scalar(select(func.count(SlotHold.id)).where(SlotHold.slot_id.in_(slots))) \
            == 0
        in_session = list(s.scalars(select(Booking).where(Booking.slot_id.in_(slots))))
        assert sorted(b.reference for b in in_session) == sorted(kept)
        assert {(b.status, b.status_reason) for b in in_session} == {
            ("cancelled", "council_cancelled")}
        called = set(s.scalars(select(Task.contact_id).where(
            Task.status == "open", Task.round_key.like("offer:%"))))
        assert called == {b.contact_id for b in in_session}
