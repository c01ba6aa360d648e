"""The scheduler as processes run it: ``serve`` stopping cleanly on SIGTERM, ``jobs``
listing and running jobs, a real APScheduler holding the campaigns' jobs, and the
overdue call-back alert handed to the client."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from outbound.cli import main
from outbound.db import open_database
from outbound.queue.campaigns import create_campaign, generate_round, set_status
from outbound.queue.claim import claim_next_task
from outbound.queue.outcomes import record_outcome
from outbound.schedule import JOB_STORE, ScheduledWork, scheduler_options
from outbound.schedule.serve import READY
from outbound.users import add_user
from tests.conftest import REPO
from tests.test_schedule import MONDAY, at, campaign, tracker


def test_jobs_lists_each_job_with_its_last_and_next_run(sqlite_db, capsys):
    cid = tracker(sqlite_db)
    url = str(sqlite_db.url)
    assert main(["jobs", "--db", url]) == 0
    listed = capsys.readouterr().out
    assert f"round:{cid}\tCare tracker: make the round at 07:30, every day" in listed
    assert f"export:{cid}\t" in listed and "sweep-leases\t" in listed
    assert "last run: never" in listed and "next run: " in listed

    assert main(["jobs", "run", f"round:{cid}", "--db", url]) == 0
    assert "Made 5 tasks for" in capsys.readouterr().out
    assert main(["jobs", "run", f"round:{cid}", "--db", url]) == 0
    assert "Use --force to run it again." in capsys.readouterr().out
    assert main(["jobs", "run", f"round:{cid}", "--force", "--db", url]) == 0
    assert "Made 0 tasks for" in capsys.readouterr().out
    assert main(["jobs", "--db", url]) == 0
    assert "(done): Made 0 tasks for" in capsys.readouterr().out


def test_an_unknown_job_is_one_sentence_and_exit_1(sqlite_db, capsys):
    assert main(["jobs", "run", "round:42", "--db", str(sqlite_db.url)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: There is no scheduled job “round:42”; the jobs are: ")
    assert err.count("\n") == 1


def test_a_failed_job_says_why_and_exits_1(sqlite_db, capsys, monkeypatch):
    cid = tracker(sqlite_db)
    monkeypatch.setitem(sys.modules, "outbound.exports", None)   # not importable
    code = main(["jobs", "run", f"export:{cid}", "--db", str(sqlite_db.url),
                 "--exports", str(Path(str(sqlite_db.url.database)).parent / "out")])
    assert code == 1
    assert "Scheduled exports are not available" in capsys.readouterr().err


def _lines(stream, into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line)
    into.put("")


def _serve_until(tmp_path, cue: str) -> str:
    """Start ``serve``, send SIGTERM once a line containing ``cue`` is logged, and
    return everything it logged; it must stop by itself, with status 0."""
    path = tmp_path / "served.db"
    db = open_database(str(path))
    try:
        create_campaign(db, "care_capacity_tracker", "Care tracker")   # nothing to catch up
    finally:
        db.close()
    env = {**os.environ, "OUTBOUND_EXPORT_FOLDER": str(tmp_path / "exports")}
    process = subprocess.Popen(
        [sys.executable, str(REPO / "main.py"), "serve", "--db", str(path)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    said: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=_lines, args=(process.stderr, said), daemon=True)
    reader.start()
    log: list[str] = []
    try:
        while not log or cue not in log[-1]:
            line = said.get(timeout=60)
            assert line, "serve ended before it was ready:\n" + "".join(log)
            log.append(line)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(timeout=10)
    while (line := said.get(timeout=10)) != "":
        log.append(line)
    output = "".join(log)
    assert "Stopping (SIGTERM)" in output and output.rstrip().endswith("Stopped.")
    assert "Traceback" not in output
    return output


def test_serve_stops_cleanly_on_sigterm(tmp_path):
    output = _serve_until(tmp_path, READY)
    assert "Serving 5 jobs" in output and "round:1: Care tracker" in output


def test_serve_stops_cleanly_when_signalled_while_starting(tmp_path):
    output = _serve_until(tmp_path, "Serving 5 jobs")
    assert "Stopping (SIGTERM)" in output


def test_serve_in_a_thread_stops_on_an_event(sqlite_db, tmp_path):
    from outbound.schedule.serve import serve

    stop = threading.Event()
    server = threading.Thread(target=serve, args=(sqlite_db,),
                              kwargs={"export_to": tmp_path, "stop": stop})
    server.start()
    stop.set()
    server.join(timeout=30)
    assert not server.is_alive()


def test_a_background_scheduler_holds_the_campaigns_jobs_and_follows_changes(sqlite_db,
                                                                              tmp_path):
    cid = tracker(sqlite_db)
    scheduler = BackgroundScheduler(**scheduler_options())
    work = ScheduledWork(sqlite_db, scheduler, export_to=tmp_path)
    work.rebuild()
    scheduler.start()
    try:
        held = {job.id: job for job in scheduler.get_jobs(JOB_STORE)}
        assert set(held) == {f"round:{cid}", f"export:{cid}", "sweep-leases",
                             "overdue-callbacks", "retention"}
        round_job = held[f"round:{cid}"]
        assert round_job.coalesce and round_job.max_instances == 1
        assert round_job.misfire_grace_time == 12 * 3600
        assert round_job.next_run_time.hour == 7 and round_job.next_run_time.minute == 30
        set_status(sqlite_db, cid, "paused")
        work.rebuild()
        assert {job.id for job in scheduler.get_jobs(JOB_STORE)} == {
            "sweep-leases", "overdue-callbacks", "retention"}
        other = campaign(sqlite_db, "bus_pass_renewal", "Bus passes")
        work.rebuild()
        assert {job.id for job in scheduler.get_jobs(JOB_STORE)} >= {
            f"enrol:{other}", f"export:{other}"}
    finally:
        scheduler.shutdown()


def test_overdue_call_backs_are_handed_to_the_client(db, tmp_path):
    cid = tracker(db, count=2)
    add_user(db, "Sam")
    generate_round(db, cid, MONDAY, now=at(MONDAY, 9))
    task = claim_next_task(db, "Sam", cid, now=at(MONDAY, 9))
    record_outcome(db, task.task_id, "Sam", "call_back", now=at(MONDAY, 9),
                   callback_at=at(MONDAY, 11))
    alerts: list[list] = []
    results = []
    work = ScheduledWork(db, BackgroundScheduler(**scheduler_options()), export_to=tmp_path,
                         on_overdue=alerts.append, on_result=results.append)
    work.rebuild(now=at(MONDAY, 9))
    job = next(job for job in work.jobs if job.job_id == "overdue-callbacks")
    job.function(db, at(MONDAY, 10), at(MONDAY, 10))
    assert alerts == [[]]
    late = at(MONDAY, 11) + timedelta(minutes=5)
    assert job.function(db, late, late) == "1 call-back overdue."
    (overdue,) = alerts[-1]
    assert overdue.task_id == task.task_id and overdue.owner == "Sam"
    assert overdue.callback_at == at(MONDAY, 11)


@pytest.mark.parametrize("given, env, expected", [
    ("/srv/exports", None, Path("/srv/exports")),
    (None, "/mnt/share", Path("/mnt/share")),
])
def test_the_export_folder_is_chosen_by_option_then_environment(monkeypatch, given, env,
                                                                 expected):
    from outbound.schedule import EXPORT_FOLDER_ENV, export_folder

    monkeypatch.delenv(EXPORT_FOLDER_ENV, raising=False)
    if env:
        monkeypatch.setenv(EXPORT_FOLDER_ENV, env)
    assert export_folder(given) == expected
    monkeypatch.delenv(EXPORT_FOLDER_ENV, raising=False)
    assert export_folder().name == "Outbound exports"
