"""More of the call queue on both databases: bank holidays, priorities, the progress
forecast, requests that must change nothing, and the campaign commands as a person uses
them (bad input included)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from outbound.campaigns.parsing import TemplateError
from outbound.contacts import ContactFilter
from outbound.db.models import Base, Task
from outbound.importing import import_rows
from outbound.queue.campaigns import (
    CampaignError,
    create_campaign,
    enrol,
    enrol_reminders,
    generate_round,
    list_campaigns,
    set_status,
)
from outbound.queue.claim import claim_next_task
from outbound.queue.outcomes import OutcomeError, record_outcome
from outbound.queue.progress import campaign_progress
from outbound.queue.status import queue_status
from outbound.users import UserError, add_user, user_id
from tests.conftest import REPO

LONDON = ZoneInfo("Europe/London")
WEDNESDAY = date(2026, 11, 25)
TEN_AM = datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)
CHRISTMAS = date(2026, 12, 25)          # a Friday; Monday 28th is Boxing Day's substitute
CHRISTMAS_11AM = datetime(2026, 12, 25, 11, 0, tzinfo=LONDON)
# Completes a care tracker call without the form, so these tests need no answers.
DONE = "already_submitted"


def add_contacts(db, count, source="Care providers", expiry=None):
    headers = ["Name", "Telephone", "Reference"] + (["Expiry date"] if expiry else [])
    rows = [(i + 2, [f"Home {i}", f"0113 496 0{i:03d}", f"REF{i}"]
             + ([expiry.strftime("%d/%m/%Y")] if expiry else [])) for i in range(count)]
    import_rows(db, headers, rows, file_name="test", source=source, kind="organisation")


def tracker(db, count, name="Care tracker", day=WEDNESDAY, now=TEN_AM):
    add_contacts(db, count)
    for agent in ("Sam", "Priya"):
        add_user(db, agent)
    cid = create_campaign(db, "care_capacity_tracker", name)
    enrol(db, cid, where=ContactFilter(source="Care providers"))
    generate_round(db, cid, day, now=now)
    return cid


def snapshot(db):
    """Every row of every table, to show that a refused request changed nothing."""
    with db.read() as session:
        return {table.name: [tuple(row) for row in session.execute(
                    select(table).order_by(*table.primary_key.columns))]
                for table in Base.metadata.sorted_tables}


# ---- bank holidays ---------------------------------------------------------------------


@pytest.mark.parametrize("template, opens", [
    ("welfare_check", datetime(2026, 12, 26, 10, 0, tzinfo=LONDON)),     # Mon-Sat 10-18
    ("bus_pass_renewal", datetime(2026, 12, 29, 9, 0, tzinfo=LONDON)),   # weekdays 9-17
])
def test_nobody_is_called_on_a_bank_holiday_the_window_skips(db, template, opens):
    add_contacts(db, 3, source="Residents", expiry=date(2027, 1, 20))
    add_user(db, "Sam")
    cid = create_campaign(db, template, "Holiday test", audience={"source": "Residents"})
    if template == "bus_pass_renewal":
        assert enrol_reminders(db, cid, date(2026, 12, 21),
                               now=CHRISTMAS_11AM - timedelta(days=4)) == 3
    else:
        enrol(db, cid, where=ContactFilter(source="Residents"),
              now=CHRISTMAS_11AM - timedelta(days=3))
    assert claim_next_task(db, "Sam", cid, now=CHRISTMAS_11AM) is None
    status = queue_status(db, "Sam", cid, now=CHRISTMAS_11AM)
    assert status.outside_hours and status.callable_now == 0
    assert status.bank_holiday == "Christmas Day"
    assert status.opens_at == opens
    assert status.sentence() == ("Nothing to call now: no calls on a bank holiday (Christmas "
                                 f"Day) until {opens:%a} {opens:%H:%M}.")
    claimed = claim_next_task(db, "Sam", cid, now=opens)
    assert claimed is not None and claimed.reason == "fresh"


def test_the_care_tracker_calls_on_bank_holidays_too(db):
    cid = tracker(db, 2, day=CHRISTMAS, now=CHRISTMAS_11AM - timedelta(hours=4))
    assert queue_status(db, "Sam", cid, now=CHRISTMAS_11AM).sentence() == "2 to call now."
    assert claim_next_task(db, "Sam", cid, now=CHRISTMAS_11AM) is not None


def test_an_ordinary_evening_is_outside_hours_not_a_holiday(db):
    add_contacts(db, 1, source="Residents")
    add_user(db, "Sam")
    cid = create_campaign(db, "welfare_check", "Chat")
    enrol(db, cid, where=ContactFilter(source="Residents"), now=TEN_AM)
    status = queue_status(db, "Sam", cid, now=TEN_AM.replace(hour=19))
    assert status.bank_holiday is None
    assert status.sentence() == "Nothing to call now: outside calling hours until Thu 10:00."


# ---- priorities ------------------------------------------------------------------------


def test_higher_priority_first_then_oldest_own_list_before_the_pool(db):
    cid = tracker(db, 6)
    with db.write() as session:
        ids = list(session.scalars(select(Task.id).order_by(Task.id)))
        for task_id, priority in zip(ids, (60, 60, 90, 90, 10, 10), strict=True):
            session.execute(update(Task).where(Task.id == task_id).values(priority=priority))
        session.execute(update(Task).where(Task.id == ids[5])
                        .values(assigned_to=user_id(session, "Sam")))
    order = []
    for agent in ("Sam", "Priya", "Sam", "Priya", "Sam", "Priya"):
        task = claim_next_task(db, agent, cid, now=TEN_AM)
        order.append(task.task_id)
    # Sam's own task first, whatever its priority; then 90s, 60s and 10s, oldest first.
    assert order == [ids[5], ids[2], ids[3], ids[0], ids[1], ids[4]]
    assert claim_next_task(db, "Sam", cid, now=TEN_AM) is None


def test_when_the_top_priority_is_all_held_a_lower_one_is_called(db):
    cid = tracker(db, 3)
    with db.write() as session:
        top = session.scalar(select(Task.id).order_by(Task.id.desc()).limit(1))
        session.execute(update(Task).where(Task.id == top).values(priority=99))
    assert claim_next_task(db, "Sam", cid, now=TEN_AM).task_id == top
    second = claim_next_task(db, "Priya", cid, now=TEN_AM)
    assert second is not None and second.task_id != top


# ---- progress and forecast -------------------------------------------------------------


def _call(db, agent, cid, at, outcome, seconds):
    task = claim_next_task(db, agent, cid, now=at)
    record_outcome(db, task.task_id, agent, outcome, duration_seconds=seconds, now=at)


def test_progress_counts_and_forecast_at_a_known_rate(db):
    cid = tracker(db, 24)
    t = TEN_AM
    _call(db, "Sam", cid, t, DONE, 300)
    _call(db, "Priya", cid, t, "no_answer", 30)         # still to call: not finished
    _call(db, "Sam", cid, t + timedelta(minutes=30), DONE, 240)
    _call(db, "Priya", cid, t + timedelta(minutes=30), DONE, 180)
    _call(db, "Sam", cid, t + timedelta(minutes=60), DONE, 150)
    noon = t.replace(hour=12)
    before = campaign_progress(db, cid, now=noon)
    claim_next_task(db, "Sam", cid, now=noon)           # on a call now
    report = campaign_progress(db, cid, now=noon)
    assert (report.total, report.done, report.closed) == (24, 4, 0)
    assert (report.remaining, report.in_progress) == (19, 1)
    assert before.remaining == 20 and before.in_progress == 0
    assert report.attempts == 5
    assert report.by_outcome == {DONE: 4, "no_answer": 1}
    assert report.contact_rate == pytest.approx(0.8)
    assert report.average_handle_seconds == pytest.approx(180)
    # 4 calls finished between 10:00 and 12:00 by 2 agents: 2 an hour, 1 per agent.
    assert report.agents_today == 2
    assert report.finished_per_hour == pytest.approx(2.0)
    # 20 left at 2 an hour is 10 calling hours: 8 today (to 20:00), 2 tomorrow from 08:00.
    assert report.forecast_finish == datetime(2026, 11, 26, 10, 0, tzinfo=LONDON)
    # To finish by 20:00: 20 calls in 8 hours at 1 an hour each.
    assert report.agents_needed_today == 3
    assert campaign_progress(db, cid, "2026-11-25", now=noon).as_dict() == report.as_dict() \
        | {"round_key": "2026-11-25"}
    assert campaign_progress(db, cid, "2026-11-24", now=noon).total == 0


def test_progress_over_two_days_rates_only_today_s_agents_and_calls(db):
    cid = tracker(db, 9)
    _call(db, "Sam", cid, TEN_AM, DONE, 300)
    _call(db, "Priya", cid, TEN_AM, "no_answer", 30)
    tomorrow = TEN_AM + timedelta(days=1)
    _call(db, "Priya", cid, tomorrow + timedelta(hours=1), DONE, 120)
    _call(db, "Sam", cid, tomorrow + timedelta(hours=1, minutes=30), "no_answer", 60)
    report = campaign_progress(db, cid, now=tomorrow + timedelta(hours=2))
    assert report.by_outcome == {DONE: 2, "no_answer": 2} and report.attempts == 4
    assert report.contact_rate == pytest.approx(0.5)
    assert report.average_handle_seconds == pytest.approx((300 + 30 + 120 + 60) / 4)
    assert report.agents_today == 2                      # the same two, counted once each
    # one call finished today, in the hour since today's first call at 11:00
    assert report.finished_per_hour == pytest.approx(1.0)


def test_forecast_read_after_hours_rates_only_the_calling_hours(db):
    cid = tracker(db, 9)
    t = TEN_AM
    _call(db, "Sam", cid, t, DONE, 300)
    _call(db, "Priya", cid, t, "no_answer", 30)
    _call(db, "Sam", cid, t + timedelta(minutes=30), DONE, 240)
    _call(db, "Priya", cid, t + timedelta(minutes=30), DONE, 180)
    _call(db, "Sam", cid, t + timedelta(minutes=60), DONE, 150)
    late = t.replace(hour=22)
    report = campaign_progress(db, cid, now=late)
    # Calling stopped at 20:00: 4 calls in the 10 calling hours since 10:00, not in 12.
    assert report.finished_per_hour == pytest.approx(0.4)
    # 5 left at 0.4 an hour is 12.5 calling hours: Thursday 08:00 to 20:00, then half an
    # hour on Friday morning.
    assert report.forecast_finish == datetime(2026, 11, 27, 8, 30, tzinfo=LONDON)
    assert template_window(db, cid).is_open(report.forecast_finish)
    assert report.agents_needed_today is None           # nobody can call tonight


def template_window(db, cid):
    from outbound.queue.campaigns import load_campaign
    with db.read() as session:
        return load_campaign(session, cid)[1].window


def test_no_forecast_before_a_call_is_finished_and_none_left_means_done(db):
    cid = tracker(db, 1)
    fresh = campaign_progress(db, cid, now=TEN_AM)
    assert fresh.remaining == 1 and fresh.attempts == 0 and fresh.contact_rate is None
    assert fresh.forecast_finish is None and fresh.finished_per_hour is None
    _call(db, "Sam", cid, TEN_AM, DONE, 60)
    later = TEN_AM + timedelta(minutes=30)
    done = campaign_progress(db, cid, now=later)
    assert done.remaining == 0 and done.done == 1
    assert done.forecast_finish == later and done.agents_needed_today == 0


def test_calls_closed_when_the_next_round_is_made_are_not_counted_as_finished(db):
    cid = tracker(db, 4)
    _call(db, "Sam", cid, TEN_AM, DONE, 60)
    thursday = TEN_AM + timedelta(days=1)
    # Made late, at 09:00 on Thursday: the three left from Wednesday close now.
    generate_round(db, cid, WEDNESDAY + timedelta(days=1), now=thursday - timedelta(hours=1))
    _call(db, "Sam", cid, thursday, DONE, 60)
    report = campaign_progress(db, cid, now=thursday + timedelta(hours=1))
    assert report.closed == 3
    assert report.finished_per_hour == pytest.approx(1.0)


# ---- bad requests change nothing --------------------------------------------------------


def test_refused_requests_change_nothing(db):
    cid = tracker(db, 2)
    task = claim_next_task(db, "Sam", cid, now=TEN_AM)
    before = snapshot(db)
    refused = [
        (UserError, "There is no agent called “Nobody”.",
         lambda: claim_next_task(db, "Nobody", cid, now=TEN_AM)),
        (CampaignError, "There is no campaign called “Nowhere”.",
         lambda: claim_next_task(db, "Sam", "Nowhere", now=TEN_AM)),
        (OutcomeError, "already passed",
         lambda: record_outcome(db, task.task_id, "Sam", "call_back", now=TEN_AM,
                                callback_at=TEN_AM - timedelta(minutes=5))),
        (OutcomeError, "must say its time zone",
         lambda: record_outcome(db, task.task_id, "Sam", "call_back", now=TEN_AM,
                                callback_at=datetime(2026, 11, 25, 15, 0))),
        (OutcomeError, "“went_to_lunch” is not an outcome of Care capacity tracker",
         lambda: record_outcome(db, task.task_id, "Sam", "went_to_lunch", now=TEN_AM)),
        (OutcomeError, "no longer yours",
         lambda: record_outcome(db, task.task_id, "Priya", DONE, now=TEN_AM)),
        (OutcomeError, "There is no task 999999.",
         lambda: record_outcome(db, 999999, "Sam", DONE, now=TEN_AM)),
        (TemplateError, "There is no campaign template “nope”",
         lambda: create_campaign(db, "nope", "Another")),
        (CampaignError, "There is already a campaign called “Care tracker”.",
         lambda: create_campaign(db, "care_capacity_tracker", "Care tracker")),
        (CampaignError, "not a reminder campaign",
         lambda: enrol_reminders(db, cid, WEDNESDAY)),
    ]
    for error, words, request in refused:
        with pytest.raises(error) as caught:
            request()
        message = str(caught.value)
        assert words in message and message.endswith(".") and "\n" not in message
        assert snapshot(db) == before, words
    set_status(db, cid, "paused")
    with pytest.raises(CampaignError, match="Care tracker is paused: there is nothing to call"):
        claim_next_task(db, "Priya", cid, now=TEN_AM)


def test_a_closed_campaign_stays_closed(db):
    cid = create_campaign(db, "care_capacity_tracker", "Care tracker")
    set_status(db, cid, "closed")
    for status in ("active", "paused"):
        with pytest.raises(CampaignError, match="is closed and cannot be opened again"):
            set_status(db, cid, status)
    set_status(db, cid, "closed")                 # closing twice is harmless
    assert [c.status for c in list_campaigns(db) if c.id == cid] == ["closed"]


# ---- the commands ------------------------------------------------------------------------


def run(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(REPO / "main.py"), *args, "--db", db]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO)


@pytest.fixture
def ok(capsys):
    """Run a command in this process (quicker than a new one each time): its output,
    after checking that it succeeded and said nothing on stderr."""
    from outbound.cli import main

    def command(*args: str, db: str) -> str:
        code = main([*args, "--db", db])
        out, err = capsys.readouterr()
        assert code == 0 and err == "", err
        return out

    return command


def write_list(path, count, extra_headers=(), extra=lambda i: []):
    lines = [",".join(["Name", "Telephone", "District", "Postcode", *extra_headers])]
    for i in range(count):
        district = "North" if i % 2 else "South"
        lines.append(",".join([f"Home {i}", f"0113 496 0{i:03d}", district,
                               f"PN{i % 3 + 1} 1AB", *extra(i)]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_campaign_commands_from_create_to_close(db, db_url, tmp_path, ok):
    homes = write_list(tmp_path / "homes.csv", 6)
    assert "6 new" in ok("import", homes, "--source", "Care providers", db=db_url)
    assert ok("agent", "Sam", db=db_url) == "Sam can now sign in as agent.\n"
    ok("agent", "Priya", db=db_url)
    ok("agent", "Tom", "--role", "supervisor", db=db_url)
    assert ok("campaign", "create", "--template", "care_capacity_tracker", "--name",
              "Care tracker", "--set", "max_attempts=4", "--set", "repeat_call_gap=2h",
              db=db_url).startswith("Created campaign ")
    assert ok("campaign", "list", db=db_url).split("\n")[0].split("\t")[1:] == [
        "Care tracker", "care_capacity_tracker", "active"]
    assert ok("enrol", "--campaign", "Care tracker", "--source", "Care providers",
              db=db_url) == "Enrolled 6 contacts.\n"
    assert ok("enrol", "--campaign", "Care tracker", db=db_url) == "Enrolled 0 contacts.\n"
    assert ok("round", "--campaign", "Care tracker", "--date", "2026-11-25", db=db_url) == (
        "Round 2026-11-25: 6 new tasks (0 left from earlier rounds closed).\n")
    assert "2026-11-25: 0 new tasks" in ok("round", "--campaign", "Care tracker", "--date",
                                           "2026-11-25", db=db_url)
    assert ok("assign", "--campaign", "Care tracker", "--agents", "Sam,Priya",
              db=db_url) == "Sam: 3 tasks\nPriya: 3 tasks\n"
    assert ok("assign", "--campaign", "Care tracker", "--agents", "pool",
              db=db_url) == "6 tasks returned to the pool.\n"
    assert ok("assign", "--campaign", "Care tracker", "--agents", "Sam", "--district", "North",
              db=db_url) == "3 tasks given to Sam.\n"
    assert ok("assign", "--campaign", "Care tracker", "--agents", "Priya", "--postcode-area",
              "pn1", db=db_url) == "2 tasks given to Priya.\n"
    cid = int(ok("campaign", "list", db=db_url).split("\t")[0])
    task = claim_next_task(db, "Sam", cid, now=TEN_AM)
    record_outcome(db, task.task_id, "Sam", DONE, duration_seconds=120, now=TEN_AM)
    progress = json.loads(ok("progress", "--campaign", "Care tracker", "--format", "json",
                             db=db_url))
    assert progress["campaign"] == "Care tracker"
    assert (progress["total"], progress["done"], progress["remaining"]) == (6, 1, 5)
    assert progress["by_outcome"] == {DONE: 1} and progress["contact_rate"] == 1.0
    assert progress["average_handle_seconds"] == 120
    text = ok("progress", "--campaign", "Care tracker", "--round", "2026-11-25", db=db_url)
    assert text.startswith("Care tracker round 2026-11-25: 1 done, 5 to call, 0 on a call now")
    assert ok("campaign", "pause", "--campaign", "Care tracker",
              db=db_url) == "Care tracker is now paused.\n"
    with pytest.raises(CampaignError, match="paused"):
        claim_next_task(db, "Sam", cid, now=TEN_AM)
    ok("campaign", "resume", "--campaign", str(cid), db=db_url)
    assert claim_next_task(db, "Priya", cid, now=TEN_AM) is not None
    ok("campaign", "close", "--campaign", "Care tracker", db=db_url)
    assert ok("campaign", "list", db=db_url).rstrip().endswith("\tclosed")


def test_reminder_commands(db_url, tmp_path, ok):
    passes = write_list(tmp_path / "passes.csv", 4, ["Expiry date"],
                        lambda i: [f"{10 + i:02d}/12/2026"])
    ok("import", passes, "--source", "NoWcard", db=db_url)
    ok("campaign", "create", "--template", "bus_pass_renewal", "--name", "Bus passes",
       "--source", "NoWcard", db=db_url)
    # 42 days' lead: from 1 November, passes expiring up to 13 December.
    assert ok("reminders", "--campaign", "Bus passes", "--date", "2026-11-01",
              db=db_url) == "4 reminders to call.\n"
    assert ok("reminders", "--campaign", "Bus passes", "--date", "2026-11-01",
              db=db_url) == "0 reminders to call.\n"
    result = run("round", "--campaign", "Bus passes", "--date", "2026-11-02", db=db_url)
    assert result.returncode == 1
    assert result.stderr == "Error: Bus passes is not a round campaign; it has no rounds.\n"


BAD_COMMANDS = [
    (["campaign", "create", "--template", "no_such_template", "--name", "X"], 1,
     "There is no campaign template “no_such_template”"),
    (["campaign", "create", "--template", "care_capacity_tracker", "--name", "Care tracker"],
     1, "There is already a campaign called “Care tracker”."),
    (["campaign", "create", "--template", "care_capacity_tracker", "--name", "Y", "--set",
      "colour=blue"], 1, "“colour” cannot be changed for one campaign"),
    (["campaign", "create", "--template", "care_capacity_tracker", "--name", "Y", "--set",
      "max_attempts"], 1, "is not a setting: write it as key=value"),
    (["campaign", "create", "--template", "care_capacity_tracker", "--name", "Y",
      "--starts", "2026-12-01", "--ends", "2026-11-01"], 1, "ends before it starts"),
    (["campaign", "pause", "--campaign", "Nowhere"], 1, "There is no campaign called “Nowhere”."),
    (["campaign", "close", "--campaign", "999"], 1, "There is no campaign called “999”."),
    (["enrol", "--campaign", "Nowhere", "--source", "Care providers"], 1,
     "no campaign called “Nowhere”"),
    (["round", "--campaign", "Nowhere"], 1, "no campaign called “Nowhere”"),
    (["round", "--campaign", "Care tracker", "--date", "2026-13-01"], 2,
     "is not a date like 2026-11-23"),
    (["reminders", "--campaign", "Care tracker"], 1, "is not a reminder campaign"),
    (["assign", "--campaign", "Care tracker", "--agents", "Nobody"], 1,
     "There is no agent called “Nobody”."),
    (["assign", "--campaign", "Care tracker", "--agents", "Sam,Nobody"], 1,
     "There is no agent called “Nobody”."),
    (["assign", "--campaign", "Nowhere", "--agents", "Sam"], 1, "no campaign called"),
    (["progress", "--campaign", "Nowhere", "--format", "json"], 1, "no campaign called"),
    (["progress", "--campaign", "Care tracker", "--format", "pdf"], 2, "invalid choice"),
    (["agent", "Sam", "--role", "boss"], 2, "invalid choice"),
    (["agent", " "], 1, "A user needs a name."),
]


def test_bad_commands_say_one_sentence_and_change_nothing(db, db_url, tmp_path, ok):
    ok("import", write_list(tmp_path / "homes.csv", 4), "--source", "Care providers",
       db=db_url)
    ok("agent", "Sam", db=db_url)
    ok("campaign", "create", "--template", "care_capacity_tracker", "--name", "Care tracker",
       db=db_url)
    ok("enrol", "--campaign", "Care tracker", "--source", "Care providers", db=db_url)
    ok("round", "--campaign", "Care tracker", "--date", "2026-11-25", db=db_url)
    before = snapshot(db)
    for args, code, words in BAD_COMMANDS:
        result = run(*args, db=db_url)
        assert result.returncode == code, (args, result.stderr)
        assert words in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr and result.stdout == ""
        if code == 1:   # a user's mistake: one line, "Error: ..." and a full stop
            line = result.stderr.strip()
            assert "\n" not in line and line.startswith("Error: ") and line.endswith(".")
        assert snapshot(db) == before, args


def test_progress_text_gives_london_times_on_any_machine(db, db_url, monkeypatch, capsys):
    from outbound.cli import main

    cid = tracker(db, 4)
    _call(db, "Sam", cid, TEN_AM, DONE, 60)
    _call(db, "Sam", cid, TEN_AM + timedelta(hours=1), DONE, 60)
    monkeypatch.setattr("outbound.queue.progress.utcnow", lambda: TEN_AM + timedelta(hours=2))
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert main(["progress", "--campaign", "Care tracker", "--db", db_url]) == 0
    finally:
        monkeypatch.undo()
        time.tzset()
    out = capsys.readouterr().out
    # 2 finished from 10:00 to 12:00, one agent: 2 left take until 14:00 London (09:00 in
    # New York, which the machine's own clock would have shown).
    assert "At today's rate it will be finished by Wed 25 Nov 14:00; agents needed to " \
           "finish today: 1." in out
