"""The sender's guarantees with real processes, on SQLite and PostgreSQL: a 2,000-person
warn-and-inform list is sent each person at most once when a sender is killed (SIGKILL)
mid-batch and another takes over, and when two senders run at once; failures become
call tasks; all senders together keep under the rate.

The fake Notify runs in a process of its own, started with its documented command, so
that it and the senders read the same clock (the machine's, or faketime's).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from outbound.db import open_database
from outbound.db.models import Task
from outbound.db.notify_models import Message
from outbound.notify.client import NotifyGateway
from outbound.notify.sender import Sender, SenderSettings
from tests.fake_notify import DEMO_KEY, fake_process
from tests.notify_helpers import person, warn_and_inform

LONDON = ZoneInfo("Europe/London")
pytestmark = [pytest.mark.clock(datetime(2026, 11, 25, 12, 0, tzinfo=LONDON)),
              pytest.mark.slow]
PEOPLE = 2000
FAILING = 20          # numbers ending in 99: permanent failures


def _sender(url: str, fake_url: str, name: str, until_idle: bool, per_minute: int,
            seconds: float) -> None:
    db = open_database(url)
    settings = SenderSettings(name=name, per_minute=per_minute, batch=100,
                              lease=timedelta(seconds=4), margin=timedelta(seconds=2),
                              check_every=timedelta(milliseconds=200), idle_wait=0.1,
                              max_backoff=0.5)
    stop = threading.Event()
    threading.Timer(seconds, stop.set).start()
    try:
        Sender(db, NotifyGateway(DEMO_KEY, fake_url, timeout=1.0), settings).run(
            stop, until_idle=until_idle)
    finally:
        stop.set()
        db.close()
        os._exit(0)          # the timer thread must not keep the process alive


def _start(ctx, db_url, fake_url, name, *, until_idle=True, per_minute=3000,
           seconds=240.0):
    process = ctx.Process(target=_sender, args=(db_url, fake_url, name, until_idle,
                                                per_minute, seconds))
    process.start()
    return process


def _people() -> list[list[str]]:
    """Everyone has a mobile; the 20 ending in 99 are not in use (they fail)."""
    return [person(i) for i in range(1, PEOPLE + 1)]


def _wait_for(fake, count: int, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while len(fake.notifications()) < count:
        assert time.monotonic() < deadline, "the sender did not get going"
        time.sleep(0.05)


def _check_each_person_got_one(db, fake, cid) -> None:
    posts = fake.notifications()
    assert len(posts) == PEOPLE
    assert max(Counter(n["reference"] for n in posts).values()) == 1
    assert max(Counter(n["to"] for n in posts).values()) == 1
    with db.read() as session:
        statuses = dict(session.execute(select(Message.status, func.count()).where(
            Message.campaign_id == cid).group_by(Message.status)).all())
        failed_tasks = session.scalar(select(func.count(Task.id)).where(
            Task.campaign_id == cid, Task.round_key == "list"))
        refs = set(session.scalars(select(Message.reference).where(
            Message.campaign_id == cid)))
    assert statuses == {"delivered": PEOPLE - FAILING, "failed": FAILING}
    assert failed_tasks == FAILING
    assert {n["reference"] for n in posts} == refs


def test_a_sender_killed_mid_batch_and_restarted_sends_each_person_once(db, db_url):
    cid = warn_and_inform(db, _people())
    ctx = multiprocessing.get_context("spawn")
    with fake_process("--rate-limit", "0", "--final-after", "0.3", "--fail-ending",
                      "99", "--delay", "0.001") as fake:
        first = _start(ctx, db_url, fake.url, "first", until_idle=False)
        _wait_for(fake, 450)
        os.kill(first.pid, signal.SIGKILL)
        first.join(timeout=30)
        assert first.exitcode == -signal.SIGKILL
        sent_before = len(fake.notifications())
        assert sent_before < PEOPLE
        second = _start(ctx, db_url, fake.url, "second")
        second.join(timeout=300)
        assert second.exitcode == 0
        _check_each_person_got_one(db, fake, cid)


def test_two_senders_at_once_send_each_person_once(db, db_url):
    cid = warn_and_inform(db, _people())
    ctx = multiprocessing.get_context("spawn")
    with fake_process("--rate-limit", "0", "--final-after", "0.3", "--fail-ending",
                      "99") as fake:
        senders = [_start(ctx, db_url, fake.url, name) for name in ("one", "two")]
        for process in senders:
            process.join(timeout=300)
        assert [p.exitcode for p in senders] == [0, 0]
        _check_each_person_got_one(db, fake, cid)
        with db.read() as session:
            both = set(session.scalars(select(Message.reference).where(
                Message.campaign_id == cid, Message.attempts > 1)))
        assert len(both) < PEOPLE


def test_two_senders_together_keep_under_the_rate(db, db_url):
    warn_and_inform(db, [person(i) for i in range(1, 301)])
    ctx = multiprocessing.get_context("spawn")
    with fake_process("--rate-limit", "0") as fake:
        senders = [_start(ctx, db_url, fake.url, name, until_idle=False, per_minute=120,
                          seconds=6) for name in ("one", "two")]
        for process in senders:
            process.join(timeout=60)
        posts = fake.notifications()
        assert 0 < len(posts) <= 120
        assert fake.refusals() == []
