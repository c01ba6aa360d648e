"""Scheduled jobs with a controlled clock: fire times across the clock changes, one run
per period however often or from however many clients a job fires, catch-up after
downtime, and the renewal wave enrolled on its day. Storage tests run on SQLite and on
PostgreSQL."""

from __future__ import annotations

import sys
import threading
import types
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import func, select

from outbound.campaigns import get_template
from outbound.clock import local_instant
from outbound.contacts import ContactFilter
from outbound.db import connect
from outbound.db.models import Campaign, Task
from outbound.db.schedule_models import JobRun
from outbound.importing import import_rows
from outbound.queue.campaigns import create_campaign, enrol, set_status
from outbound.schedule import (
    ScheduledJob,
    build_jobs,
    campaign_jobs,
    catch_up,
    claim_run,
    find_job,
    job_statuses,
    latest_runs,
    run_job,
    run_job_now,
)
from outbound.schedule.jobs import daily_trigger

LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)
SPRING_FORWARD = date(2026, 3, 29)
FALL_BACK = date(2026, 10, 25)
MONDAY = date(2026, 11, 23)


def at(day: date, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    return local_instant(day, time(hour, minute), fold=fold).astimezone(UTC)


def fires_on(trigger, day: date) -> list[datetime]:
    """Every fire time of ``trigger`` during the London day, in UTC (stepping in UTC)."""
    start, end = at(day, 0), at(day + timedelta(days=1), 0)
    fires: list[datetime] = []
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and fire.astimezone(UTC) < end:
        fires.append(fire.astimezone(UTC))
        fire = trigger.get_next_fire_time(fire, fire.astimezone(UTC) + timedelta(seconds=1))
    return fires


def providers(db, count: int, source: str = "Care providers") -> None:
    rows = [(i + 2, [f"Home {i}", f"0113 496 {i:04d}"]) for i in range(count)]
    import_rows(db, ["Name", "Telephone"], rows, file_name="test", source=source,
                kind="organisation")


def campaign(db, template: str = "care_capacity_tracker", name: str = "Care tracker",
             **settings) -> int:
    """A campaign that has existed since January, so its schedule covers the test dates."""
    cid = create_campaign(db, template, name, **settings)
    with db.write() as session:
        session.get(Campaign, cid).created_at = LONG_AGO
    return cid


def tracker(db, count: int = 5, **settings) -> int:
    providers(db, count)
    cid = campaign(db, **settings)
    enrol(db, cid, where=ContactFilter(source="Care providers"))
    return cid


def job_of(db, job_id: str, today: date, folder: Path | None = None) -> ScheduledJob:
    return find_job(build_jobs(db, export_to=folder or Path("exports"), today=today), job_id)


def count(db, model, **where) -> int:
    with db.read() as session:
        stmt = select(func.count()).select_from(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return session.scalar(stmt)


@pytest.fixture
def exports(monkeypatch):
    """Scheduled exports replaced by a writer that records each call and writes a file."""
    calls: list[Path] = []

    def write_scheduled_export(db, campaign, folder, day, *, fmt=None, keep_days=None):
        path = Path(folder) / f"campaign-{campaign}-{day.isoformat()}.{fmt or 'xlsx'}"
        path.write_text("exported")
        calls.append(path)
        return path

    module = types.ModuleType("outbound.exports")
    module.write_scheduled_export = write_scheduled_export  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "outbound.exports", module)
    return calls


# --- fire times: no database ------------------------------------------------------------

def _transient_tracker(**overrides) -> list[ScheduledJob]:
    template = get_template("care_capacity_tracker")
    if overrides:
        template = template.with_overrides(overrides)
    camp = Campaign(id=1, name="Care tracker", status="active", created_at=LONG_AGO,
                    starts_on=None, ends_on=None)
    return campaign_jobs(camp, template, Path("exports"))


def test_a_0730_round_fires_once_at_0730_london_on_both_clock_change_days():
    (round_job,) = [job for job in _transient_tracker() if job.job_id == "round:1"]
    assert fires_on(round_job.trigger, SPRING_FORWARD) == [
        datetime(2026, 3, 29, 6, 30, tzinfo=UTC)]            # 07:30 BST
    assert fires_on(round_job.trigger, FALL_BACK) == [
        datetime(2026, 10, 25, 7, 30, tzinfo=UTC)]           # 07:30 GMT
    assert fires_on(round_job.trigger, date(2026, 3, 28)) == [
        datetime(2026, 3, 28, 7, 30, tzinfo=UTC)]            # the day before: GMT
    assert round_job.warning is None


def test_a_0130_round_fires_twice_on_25_october_and_is_warned_about():
    (round_job,) = [job for job in _transient_tracker(schedule={"generate_at": "01:30"})
                    if job.job_id == "round:1"]
    # As measured with APScheduler 3.11.3: both 01:30s in October, 02:30 BST in March.
    assert fires_on(round_job.trigger, FALL_BACK) == [
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)]
    assert fires_on(round_job.trigger, SPRING_FORWARD) == [
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC)]
    assert {round_job.period(fire) for fire in fires_on(round_job.trigger, FALL_BACK)} == {
        "2026-10-25"}
    assert "01:30" in round_job.warning and "clocks change" in round_job.warning


def test_jobs_come_from_the_templates_schedules():
    jobs = {job.job_id: job for job in _transient_tracker()}
    assert set(jobs) == {"round:1", "export:1"}
    assert "07:30" in jobs["round:1"].description
    assert fires_on(jobs["export:1"].trigger, MONDAY) == [at(MONDAY, 16)]
    weekdays = {job.job_id: job for job in _transient_tracker(
        calling_window={"days": "weekdays"})}["round:1"]
    saturday = date(2026, 11, 28)
    assert fires_on(weekdays.trigger, saturday) == []
    assert weekdays.trigger.get_next_fire_time(None, at(saturday, 9)) == at(
        saturday + timedelta(days=2), 7, 30)


# --- runs against the database -----------------------------------------------------------

def test_the_two_0130_firings_on_25_october_make_one_round(db):
    cid = tracker(db, overrides={"schedule": {"generate_at": "01:30"}})
    job = job_of(db, f"round:{cid}", FALL_BACK)
    outcomes = [run_job(db, job, fire, now=fire) for fire in fires_on(job.trigger, FALL_BACK)]
    assert [o.status for o in outcomes] == ["done", "skipped"]
    assert outcomes[0].result == "Made 5 tasks for Sunday 25 October."
    assert count(db, JobRun, job=f"round:{cid}") == 1
    assert count(db, Task, round_key="2026-10-25") == 5
    (spring,) = fires_on(job.trigger, SPRING_FORWARD)        # 02:30 BST
    assert run_job(db, job, spring, now=spring).period == "2026-03-29"
    (status,) = [s for s in job_statuses(db, [job], at(FALL_BACK, 9)) if s.job_id == job.job_id]
    assert status.last_period == "2026-03-29" and "01:30" in status.warning


def test_the_care_tracker_round_is_made_on_a_bank_holiday(db):
    cid = tracker(db)
    summer_bank_holiday = date(2026, 8, 31)
    job = job_of(db, f"round:{cid}", summer_bank_holiday)
    outcome = run_job(db, job, at(summer_bank_holiday, 7, 30))
    assert outcome.status == "done"
    assert outcome.result == "Made 5 tasks for Monday 31 August."
    assert count(db, Task, round_key="2026-08-31") == 5


def test_a_round_that_skips_bank_holidays_records_why(db):
    cid = tracker(db, overrides={"calling_window": {"skip_bank_holidays": True}})
    christmas = date(2026, 12, 25)
    job = job_of(db, f"round:{cid}", christmas)
    outcome = run_job(db, job, at(christmas, 7, 30))
    assert outcome.result == "No round for Friday 25 December: it is not a calling day."
    assert count(db, Task) == 0


def test_catch_up_after_downtime_makes_the_missed_round_once(db, exports, tmp_path):
    cid = tracker(db)
    jobs = build_jobs(db, export_to=tmp_path, today=MONDAY)
    early = catch_up(db, jobs, now=at(MONDAY, 7))                # only the 05:00 retention
    assert [o.job_id for o in early] == ["retention"]
    ten = catch_up(db, jobs, now=at(MONDAY, 10))
    assert [(o.job_id, o.status, o.period) for o in ten] == [
        (f"round:{cid}", "done", "2026-11-23")]
    assert count(db, Task, round_key="2026-11-23") == 5
    assert catch_up(db, jobs, now=at(MONDAY, 10, 5)) == []       # a second client starts
    evening = catch_up(db, jobs, now=at(MONDAY, 17))             # the 16:00 export missed
    assert [o.job_id for o in evening] == [f"export:{cid}"]
    assert [p.name for p in exports] == [f"campaign-{cid}-2026-11-23.xlsx"]
    assert catch_up(db, jobs, now=at(MONDAY, 18)) == []
    tuesday = MONDAY + timedelta(days=1)                         # yesterday is not redone
    assert [o.job_id for o in catch_up(db, jobs, now=at(tuesday, 7))] == ["retention"]
    assert count(db, JobRun) == 4 and len(exports) == 1


def test_a_campaign_made_after_the_hour_has_missed_nothing(db, tmp_path):
    providers(db, 3)
    cid = create_campaign(db, "care_capacity_tracker", "New tracker")
    with db.write() as session:
        session.get(Campaign, cid).created_at = at(MONDAY, 10)
    jobs = build_jobs(db, export_to=tmp_path, today=MONDAY)
    assert [o.job_id for o in catch_up(db, jobs, now=at(MONDAY, 11))] == ["retention"]
    assert find_job(jobs, f"round:{cid}").trigger.get_next_fire_time(
        None, at(MONDAY, 11)) == at(MONDAY + timedelta(days=1), 7, 30)


def test_two_schedulers_firing_the_same_round_make_it_once(db, db_url, tmp_path):
    cid = tracker(db, count=20)
    fire = at(MONDAY, 7, 30)
    clients = 4
    barrier = threading.Barrier(clients)
    outcomes = []

    def scheduler(number: int) -> None:
        own = connect(db_url)      # each its own engine, as in another process
        try:
            job = job_of(own, f"round:{cid}", MONDAY, tmp_path)
            barrier.wait(timeout=30)
            outcomes.append(run_job(own, job, fire, client=f"client-{number}"))
        finally:
            own.close()

    threads = [threading.Thread(target=scheduler, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(o.status for o in outcomes) == ["done"] + ["skipped"] * (clients - 1)
    assert count(db, Task, round_key="2026-11-23") == 20
    assert count(db, JobRun) == 1


def _fire_in_a_process(url: str, cid: int, folder: str, number: int, barrier) -> str:  # type: ignore[no-untyped-def]
    own = connect(url)
    try:
        job = job_of(own, f"round:{cid}", MONDAY, Path(folder))
        barrier.wait(timeout=60)
        return run_job(own, job, at(MONDAY, 7, 30), client=f"process-{number}").status
    finally:
        own.close()


def test_schedulers_in_separate_processes_make_one_round(db, db_url, tmp_path):
    import multiprocessing

    cid = tracker(db, count=20)
    context = multiprocessing.get_context("spawn")
    clients = 4
    with context.Manager() as manager:
        barrier = manager.Barrier(clients)
        with context.Pool(clients) as pool:
            statuses = pool.starmap(_fire_in_a_process, [
                (db_url, cid, str(tmp_path), n, barrier) for n in range(clients)])
    assert sorted(statuses) == ["done"] + ["skipped"] * (clients - 1)
    assert count(db, Task, round_key="2026-11-23") == 20
    assert count(db, JobRun) == 1


def test_the_export_fired_twice_writes_one_file(db, exports, tmp_path):
    cid = tracker(db)
    folder = tmp_path / "Outbound exports"
    job = job_of(db, f"export:{cid}", MONDAY, folder)
    fire = at(MONDAY, 16)
    first = run_job(db, job, fire, now=fire)
    second = run_job(db, job, fire, now=fire + timedelta(seconds=2))
    assert (first.status, second.status) == ("done", "skipped")
    assert first.result == f"Wrote campaign-{cid}-2026-11-23.xlsx to {folder}."
    assert len(exports) == 1 and [p.name for p in folder.iterdir()] == [exports[0].name]


def test_a_renewal_wave_is_enrolled_lead_days_before_expiry_and_not_the_day_before(db):
    expiry = date(2027, 1, 15)
    rows = [(i + 2, [f"Pat {i}", f"0161 496 {i:04d}", expiry.isoformat()])
            for i in range(2000)]
    import_rows(db, ["Name", "Telephone", "Expiry date"], rows, file_name="wave",
                source="NoWcard")
    cid = campaign(db, "bus_pass_renewal", "Bus passes", audience={"source": "NoWcard"})
    lead = get_template("bus_pass_renewal").lead_days
    enrol_day = expiry - timedelta(days=lead)
    job = job_of(db, f"enrol:{cid}", enrol_day)
    day_before = enrol_day - timedelta(days=1)
    early = run_job(db, job, at(day_before, 6), now=at(day_before, 6))
    assert early.status == "done" and early.result.startswith("Enrolled 0 contacts")
    assert count(db, Task) == 0
    on_time = run_job(db, job, at(enrol_day, 6), now=at(enrol_day, 6))
    assert on_time.result == "Enrolled 2,000 contacts whose expiry falls by Friday 15 " \
                             "January 2027."
    assert count(db, Task, round_key="expiry:2027-01-15") == 2000
    assert run_job(db, job, at(enrol_day, 6), now=at(enrol_day, 7)).status == "skipped"
    assert count(db, Task) == 2000


def test_a_failed_run_is_recorded_and_retried(db):
    attempts: list[datetime] = []

    def flaky(db_, fire, now):
        attempts.append(now)
        if len(attempts) == 1:
            raise OSError("The export folder is on a drive that is not connected.")
        return "Worked."

    job = ScheduledJob("test:flaky", "A job that fails once", daily_trigger(time(7, 30)),
                       flaky)
    failed = run_job(db, job, at(MONDAY, 7, 30), now=at(MONDAY, 7, 30))
    assert failed.status == "failed" and "not connected" in failed.result
    with db.read() as session:
        assert session.scalar(select(JobRun.status)) == "failed"
    (retried,) = catch_up(db, [job], now=at(MONDAY, 8))
    assert retried.status == "done" and len(attempts) == 2
    assert catch_up(db, [job], now=at(MONDAY, 9)) == []


def test_a_failing_job_is_retried_later_and_later(db):
    tries: list[datetime] = []

    def broken(db_, fire, now):
        tries.append(now)
        raise OSError("The export folder is on a drive that is not connected.")

    job = ScheduledJob("test:broken", "A job that keeps failing",
                       daily_trigger(time(7, 30)), broken)
    run_job(db, job, at(MONDAY, 7, 30), now=at(MONDAY, 7, 30))
    minute = at(MONDAY, 7, 30)
    while minute < at(MONDAY, 12):               # a client catching up every minute
        minute += timedelta(minutes=1)
        catch_up(db, [job], now=minute)
    waits = [round((b - a).total_seconds() / 60) for a, b in pairwise(tries)]
    assert waits == [5, 10, 20, 40, 60, 60, 60]
    (run,) = latest_runs(db, ["test:broken"]).values()
    assert run.status == "failed" and run.attempts == 8
    assert run.retry_at() == at(MONDAY, 12, 45)
    (status,) = job_statuses(db, [job], now=at(MONDAY, 12, 10))
    assert status.last_status == "failed" and status.next_run == at(MONDAY, 12, 45)


def test_a_run_under_way_is_not_doubled_unless_its_client_died(db):
    start = at(MONDAY, 7, 30)
    assert claim_run(db, "round:9", "2026-11-23", now=start, client="a") is not None
    later = start + timedelta(minutes=10)
    assert claim_run(db, "round:9", "2026-11-23", now=later, client="b") is None
    assert claim_run(db, "round:9", "2026-11-23", now=later, client="b", force=True) is None
    abandoned = start + timedelta(hours=2)
    assert claim_run(db, "round:9", "2026-11-23", now=abandoned, client="b") is not None
    assert count(db, JobRun) == 1


def test_a_paused_campaign_skips_its_jobs_without_recording_them(db):
    cid = tracker(db)
    job = job_of(db, f"round:{cid}", MONDAY)
    set_status(db, cid, "paused")
    outcome = run_job(db, job, at(MONDAY, 7, 30))
    assert outcome.status == "skipped" and outcome.result == "Care tracker is paused."
    assert count(db, JobRun) == 0 and count(db, Task) == 0
    assert build_jobs(db, export_to=Path("x"), today=MONDAY)[0].job_id == "sweep-leases"


def test_run_now_makes_todays_round_early_and_once_unless_forced(db):
    cid = tracker(db)
    six = at(MONDAY, 6)
    first = run_job_now(db, f"round:{cid}", six, export_to=Path("x"))
    assert (first.status, first.period) == ("done", "2026-11-23")
    again = run_job_now(db, f"round:{cid}", six + timedelta(minutes=1), export_to=Path("x"))
    assert again.status == "skipped" and again.result == "Already done for 2026-11-23."
    forced = run_job_now(db, f"round:{cid}", six + timedelta(minutes=2), force=True,
                         export_to=Path("x"))
    assert forced.status == "done" and forced.result == "Made 0 tasks for Monday 23 November."
    with pytest.raises(ValueError, match="no scheduled job “round:999”"):
        run_job_now(db, "round:999", six, export_to=Path("x"))


def test_job_statuses_show_the_last_result_and_the_next_run(db):
    cid = tracker(db)
    jobs = build_jobs(db, export_to=Path("x"), today=MONDAY)
    run_job(db, find_job(jobs, f"round:{cid}"), at(MONDAY, 7, 30))
    statuses = {s.job_id: s for s in job_statuses(db, jobs, at(MONDAY, 9))}
    mine = statuses[f"round:{cid}"]
    assert mine.last_status == "done" and mine.last_result == (
        "Made 5 tasks for Monday 23 November.")
    assert mine.next_run == at(MONDAY + timedelta(days=1), 7, 30)
    assert statuses[f"export:{cid}"].last_run is None
    assert statuses[f"export:{cid}"].next_run == at(MONDAY, 16)


def test_the_every_minute_jobs_show_their_last_run_and_keep_one_row_each(db):
    jobs = build_jobs(db, export_to=Path("x"), today=MONDAY)
    nine = at(MONDAY, 9)
    assert {s.job_id: s.last_run for s in job_statuses(db, jobs, nine)} == {
        "sweep-leases": None, "overdue-callbacks": None, "retention": None}
    run_job_now(db, "sweep-leases", nine, jobs=jobs, client="desk-1:10")
    run_job_now(db, "overdue-callbacks", nine + timedelta(seconds=20), jobs=jobs,
                client="desk-1:10")
    statuses = {s.job_id: s for s in job_statuses(db, jobs, nine + timedelta(minutes=1))}
    sweep, overdue = statuses["sweep-leases"], statuses["overdue-callbacks"]
    assert (sweep.last_run, sweep.last_status, sweep.last_result) == (
        nine, "done", "No claims had run out.")
    assert (overdue.last_run, overdue.last_status, overdue.last_result) == (
        nine + timedelta(seconds=20), "done", "No call-backs are overdue.")
    # Every client runs them every few minutes: the latest run is kept, not every run,
    # and a slow client's earlier run does not hide a later one.
    later = nine + timedelta(minutes=1)
    run_job_now(db, "sweep-leases", later, jobs=jobs, client="desk-2:20")
    run_job(db, find_job(jobs, "sweep-leases"), nine + timedelta(seconds=30),
            now=nine + timedelta(seconds=30), client="desk-3:30")
    sweep = {s.job_id: s for s in job_statuses(db, jobs, later)}["sweep-leases"]
    assert sweep.last_run == later
    with db.read() as session:
        assert session.scalar(select(JobRun.client).where(JobRun.job == "sweep-leases")) \
            == "desk-2:20"
    assert count(db, JobRun) == 2


def test_the_real_export_job_fired_twice_writes_one_file(db, tmp_path):
    pytest.importorskip("outbound.exports")
    cid = tracker(db, count=3)
    folder = tmp_path / "Outbound exports"
    job = job_of(db, f"export:{cid}", MONDAY, folder)
    run_job(db, job_of(db, f"round:{cid}", MONDAY), at(MONDAY, 7, 30))
    fire = at(MONDAY, 16)
    outcomes = [run_job(db, job, fire, now=fire), run_job(db, job, fire, now=fire)]
    assert [o.status for o in outcomes] == ["done", "skipped"], outcomes[0].result
    (written,) = folder.iterdir()
    assert written.name.endswith("-2026-11-23.xlsx") and written.stat().st_size > 0
    assert outcomes[0].result == f"Wrote {written.name} to {folder}."


def test_a_weekly_round_fires_on_its_weekday_and_is_caught_up_within_the_week(db, tmp_path):
    thursday = date(2026, 11, 19)
    cid = tracker(db, overrides={"period": "weekly"}, starts_on=thursday)
    jobs = build_jobs(db, export_to=tmp_path, today=MONDAY)
    job = find_job(jobs, f"round:{cid}")
    assert "each Thursday" in job.description
    assert job.trigger.get_next_fire_time(None, at(MONDAY, 9)) == at(
        date(2026, 11, 26), 7, 30)
    (caught,) = [o for o in catch_up(db, jobs, now=at(MONDAY, 10))
                 if o.job_id == f"round:{cid}"]
    assert (caught.status, caught.period) == ("done", "2026-11-19")
    assert count(db, Task, round_key="2026-11-19") == 5
    assert run_job_now(db, f"round:{cid}", at(MONDAY, 11), jobs=jobs).status == "skipped"
