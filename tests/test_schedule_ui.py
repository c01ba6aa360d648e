"""The client's QtScheduler: jobs run on APScheduler's pool, results arrive on the GUI
thread as signals."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QCoreApplication, QThread

from tests.test_schedule import exports, tracker  # noqa: F401  (exports is a fixture)
from ui.scheduler import JobScheduler


@pytest.fixture
def client_scheduler(qtbot, sqlite_db, tmp_path, exports):  # noqa: F811
    scheduler = JobScheduler(sqlite_db, export_to=tmp_path / "exports")
    yield scheduler
    scheduler.shutdown()


def test_jobs_run_in_the_pool_and_report_on_the_gui_thread(qtbot, sqlite_db,
                                                           client_scheduler):
    cid = tracker(sqlite_db)
    work_threads: list[threading.Thread] = []
    original = client_scheduler._work.run_now

    def run_now(*args, **kwargs):
        work_threads.append(threading.current_thread())
        return original(*args, **kwargs)

    client_scheduler._work.run_now = run_now
    with qtbot.waitSignal(client_scheduler.jobs_changed, timeout=20000) as changed:
        client_scheduler.start()
    assert {job.job_id for job in changed.args[0]} >= {f"round:{cid}", f"export:{cid}"}

    received_on: list[QThread] = []
    client_scheduler.job_finished.connect(
        lambda _outcome: received_on.append(QThread.currentThread()))
    with qtbot.waitSignal(client_scheduler.job_finished, timeout=20000,
                          check_params_cb=lambda o: o.job_id == f"round:{cid}") as done:
        client_scheduler.run_now(f"round:{cid}")
    assert done.args[0].status in ("done", "skipped")   # catch-up may have made it first
    assert work_threads and work_threads[0] is not threading.main_thread()
    gui = QCoreApplication.instance().thread()
    assert received_on and all(thread == gui for thread in received_on)

    # When the start's catch-up run made the round first, it may still be recording how
    # it went: wait for that, then ask as the screen asks.
    def round_status(statuses) -> str | None:  # type: ignore[no-untyped-def]
        return {status.job_id: status for status in statuses}[f"round:{cid}"].last_status

    qtbot.waitUntil(lambda: round_status(client_scheduler._work.statuses(None)) != "running",
                    timeout=20000)
    with qtbot.waitSignal(client_scheduler.statuses_ready, timeout=20000) as answered:
        client_scheduler.request_statuses()
    by_id = {status.job_id: status for status in answered.args[0]}
    assert round_status(answered.args[0]) == "done"
    assert by_id[f"round:{cid}"].next_run is not None


def test_shutdown_twice_is_harmless(client_scheduler, qtbot):
    client_scheduler.start()
    assert client_scheduler.running and client_scheduler._refresh.isActive()
    client_scheduler.shutdown()
    client_scheduler.shutdown()
    assert not client_scheduler.running and not client_scheduler._refresh.isActive()
    client_scheduler.rebuild()        # ignored once stopped
