"""The queue on the nights the clocks change, on both databases: what the status line
says there is to call, a claim at the same instant gives, and the other way round."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from outbound.clock import clock_reaches
from outbound.contacts import ContactFilter
from outbound.db.models import Contact, Task
from outbound.importing import import_rows
from outbound.queue.campaigns import create_campaign, enrol, generate_round
from outbound.queue.claim import claim_next_task, release_task
from outbound.queue.outcomes import record_outcome
from outbound.queue.status import queue_status
from outbound.users import add_user, user_id

SPRING = date(2026, 3, 29)      # 01:00 GMT becomes 02:00 BST
AUTUMN = date(2026, 10, 25)     # 02:00 BST becomes 01:00 GMT
# Calling hours opening or closing in the hour skipped in spring and repeated in
# autumn, one lying wholly inside it, and ordinary ones.
WINDOWS = [("01:30", "03:30"), ("00:30", "01:30"), ("01:00", "02:00"), ("01:15", "01:45"),
           ("00:00", "02:30"), ("02:00", "04:00"), ("08:00", "20:00")]
AGENTS = ("Sam", "Priya")


def utc(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=UTC)


def add_contacts(db, count: int) -> None:
    rows = [(i + 2, [f"Home {i}", f"0113 496 0{i:03d}", f"REF{i}"]) for i in range(count)]
    import_rows(db, ["Name", "Telephone", "Reference"], rows, file_name="test",
                source="Care providers", kind="organisation")


def night_round(db, day: date, start: str, end: str) -> int:
    """A care tracker with these calling hours, its round for ``day`` made the evening
    before."""
    cid = create_campaign(db, "care_capacity_tracker", f"Night {start}-{end}",
                          overrides={"calling_window": {"start": start, "end": end}})
    enrol(db, cid, where=ContactFilter(source="Care providers"),
          now=utc(day - timedelta(days=1), 12))
    generate_round(db, cid, day, now=utc(day - timedelta(days=1), 19))
    return cid


def vary(db, cid: int, day: date) -> None:
    """Besides fresh calls: a retry, call-backs asked for and not, for Sam and for Priya,
    a call on Priya's list, one Priya holds, and a person spoken to lately."""

    def work(session) -> None:
        sam, priya = user_id(session, "Sam"), user_id(session, "Priya")
        tasks = {session.get(Contact, task.contact_id).name: task for task in session.scalars(
            select(Task).where(Task.campaign_id == cid))}
        if not tasks:
            return      # no calling on this day at all
        tasks["Home 1"].attempts, tasks["Home 1"].due_at = 1, utc(day, 0, 50)
        tasks["Home 2"].callback_at, tasks["Home 2"].callback_owner_id = utc(day, 1, 40), sam
        tasks["Home 2"].callback_requested = True
        tasks["Home 3"].callback_at, tasks["Home 3"].callback_owner_id = utc(day, 0, 20), priya
        tasks["Home 4"].assigned_to = priya
        tasks["Home 5"].holder_id, tasks["Home 5"].lease_expires_at = priya, utc(day, 1, 5)
        session.get(Contact, tasks["Home 5"].contact_id).busy_until = utc(day, 1, 5)
        session.get(Contact, tasks["Home 6"].contact_id).last_spoken_at = utc(day, 0, 10)
        tasks["Home 7"].callback_at, tasks["Home 7"].callback_owner_id = utc(day, 2, 10), None
        tasks["Home 7"].assigned_to = priya

    db.run_write(work)


def instants(day: date) -> list[datetime]:
    """Every quarter of an hour through the night, and either side of each hour and half
    hour about the change (the London clock's 00:00 to 04:00 on both nights)."""
    moment, last = utc(day - timedelta(days=1), 23), utc(day, 4, 30)
    found = {utc(day, 7), utc(day, 8)}
    while moment <= last:
        found.add(moment)
        moment += timedelta(minutes=15)
    for hour in (0, 1, 2, 3):
        for minutes in (0, 30):
            edge = utc(day, hour, minutes)
            found.update({edge - timedelta(seconds=1), edge + timedelta(seconds=1)})
    return sorted(found)


@pytest.mark.parametrize("day", [SPRING, AUTUMN], ids=["spring", "autumn"])
def test_the_status_promises_a_call_exactly_when_a_claim_gives_one(db, day):
    add_contacts(db, 9)
    for agent in AGENTS:
        add_user(db, agent)
    campaigns = {}
    for start, end in WINDOWS:
        cid = night_round(db, day, start, end)
        vary(db, cid, day)
        campaigns[cid] = f"{start}-{end}"
    promised = 0
    for moment in instants(day):
        for cid, hours in campaigns.items():
            for agent in AGENTS:
                status = queue_status(db, agent, cid, now=moment)
                claimed = claim_next_task(db, agent, cid, now=moment)
                if claimed is not None:
                    release_task(db, claimed.task_id, agent)
                said = status.sentence()
                where = f"{agent}, calling hours {hours}, at {moment:%d %b %H:%M:%S} UTC"
                assert (status.callable_now > 0) == (claimed is not None), (
                    f"{where}: the status says “{said}” but a claim gave "
                    f"{'a call' if claimed else 'nothing'}")
                assert said.endswith("to call now.") == (claimed is not None), where
                promised += claimed is not None
    assert promised > 100    # the sweep saw calls to make, not only a closed queue


def test_a_round_whose_hours_open_in_the_skipped_hour_is_called_when_the_clocks_jump(db):
    add_contacts(db, 2)
    add_user(db, "Sam")
    cid = night_round(db, SPRING, "01:30", "03:30")
    jump = utc(SPRING, 1)                     # 01:00 GMT is 02:00 BST
    assert clock_reaches(SPRING, time(1, 30)) == jump
    with db.read() as session:
        assert set(session.scalars(select(Task.due_at))) == {jump}
    before = jump - timedelta(seconds=1)
    assert claim_next_task(db, "Sam", cid, now=before) is None
    assert queue_status(db, "Sam", cid, now=before).sentence() == (
        "Nothing to call now: outside calling hours until Sun 02:00.")
    assert queue_status(db, "Sam", cid, now=jump).sentence() == "2 to call now."
    held = claim_next_task(db, "Sam", cid, now=jump)
    assert held is not None
    release_task(db, held.task_id, "Sam")
    later = jump + timedelta(minutes=29)       # 02:29 BST: the hour the two disagreed on
    assert queue_status(db, "Sam", cid, now=later).sentence() == "2 to call now."
    assert claim_next_task(db, "Sam", cid, now=later) is not None


def test_on_the_autumn_night_a_round_is_due_at_the_first_of_the_two_times(db):
    add_contacts(db, 1)
    add_user(db, "Sam")
    night_round(db, AUTUMN, "01:30", "03:30")
    with db.read() as session:
        assert set(session.scalars(select(Task.due_at))) == {utc(AUTUMN, 0, 30)}


def test_a_round_made_ahead_is_not_promised_before_it_is_due(db):
    add_contacts(db, 3)
    add_user(db, "Sam")
    cid = create_campaign(db, "care_capacity_tracker", "Tracker")
    enrol(db, cid, where=ContactFilter(source="Care providers"), now=utc(SPRING, 9))
    # Tomorrow's round made at 19:00 BST, while today's hours (08:00-20:00) are open.
    evening = utc(SPRING, 18)
    generate_round(db, cid, SPRING + timedelta(days=1), now=evening)
    status = queue_status(db, "Sam", cid, now=evening)
    assert claim_next_task(db, "Sam", cid, now=evening) is None
    assert status.callable_now == 0 and status.due_later == 3
    assert status.sentence() == "Nothing to call now: 3 calls due from Mon 08:00."
    # Once the hours close the opening time says it all.
    assert queue_status(db, "Sam", cid, now=utc(SPRING, 20)).sentence() == (
        "Nothing to call now: outside calling hours until Mon 08:00.")


def test_a_call_back_the_person_asked_for_is_promised_outside_hours(db):
    add_contacts(db, 2)
    add_user(db, "Sam")
    cid = create_campaign(db, "care_capacity_tracker", "Tracker")
    enrol(db, cid, where=ContactFilter(source="Care providers"), now=utc(SPRING, 9))
    generate_round(db, cid, SPRING, now=utc(SPRING, 6))
    task = claim_next_task(db, "Sam", cid, now=utc(SPRING, 9))
    asked_for = utc(SPRING, 19, 30)                 # 20:30 BST, after hours
    record_outcome(db, task.task_id, "Sam", "call_back", now=utc(SPRING, 9),
                   callback_at=asked_for, person_asked=True)
    other = claim_next_task(db, "Sam", cid, now=utc(SPRING, 9, 5))
    record_outcome(db, other.task_id, "Sam", "already_submitted", now=utc(SPRING, 9, 5))
    status = queue_status(db, "Sam", cid, now=asked_for)
    assert status.sentence() == "1 to call now."
    assert claim_next_task(db, "Sam", cid, now=asked_for).task_id == task.task_id


def test_a_due_call_back_on_another_agents_list_is_promised_to_whoever_may_take_it(db):
    add_contacts(db, 1)
    for agent in AGENTS:
        add_user(db, agent)
    cid = create_campaign(db, "care_capacity_tracker", "Tracker")
    enrol(db, cid, where=ContactFilter(source="Care providers"), now=utc(SPRING, 9))
    generate_round(db, cid, SPRING, now=utc(SPRING, 6))

    def on_priyas_list_sam_to_call_back(session) -> None:
        task = session.scalars(select(Task)).one()
        task.assigned_to = user_id(session, "Priya")
        task.callback_at, task.callback_owner_id = utc(SPRING, 10), user_id(session, "Sam")

    db.run_write(on_priyas_list_sam_to_call_back)
    moment = utc(SPRING, 10, 1)
    assert queue_status(db, "Sam", cid, now=moment).sentence() == "1 to call now."
    assert claim_next_task(db, "Sam", cid, now=moment) is not None
