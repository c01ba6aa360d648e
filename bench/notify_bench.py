"""Sending a 35,000-person warn-and-inform list through the fake GOV.UK Notify.

    python bench/notify_bench.py [--people 35000] [--per-minute 3000] [--pg URL]
                                 [--unlimited] [--senders 1]

Imports the list (mobiles in 07400 0xxxxx, going nowhere: the fake Notify runs on
127.0.0.1 in its own process), makes a ``warn_and_inform`` campaign and enrols everyone,
which queues the messages. Then the sender runs in a process of its own, as
``outbound serve`` runs it, until every message is sent and Notify has said what became
of it, and the script prints messages per second against the 3,000 a minute (50 a
second) Notify allows, with the sender's peak memory (its maximum resident set).

With ``--per-minute 3000`` (the default) the run takes about 12 minutes and shows
whether sending is limited by Notify, as it should be: the rate should sit just under
50 a second. ``--unlimited`` lifts the limit in the sender and the fake, to show how
far above Notify's limit the sender itself could go.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from outbound.contacts import ContactFilter  # noqa: E402
from outbound.db import open_database  # noqa: E402
from outbound.db.notify_models import Message  # noqa: E402
from outbound.importing import import_rows  # noqa: E402
from outbound.queue.campaigns import create_campaign, enrol  # noqa: E402
from tools.fake_notify import DEMO_KEY  # noqa: E402


def _sender(url: str, fake_url: str, per_minute: int, name: str, peaks) -> None:
    from outbound.notify.client import NotifyGateway
    from outbound.notify.sender import Sender, SenderSettings

    db = open_database(url)
    settings = SenderSettings(name=name, per_minute=per_minute, batch=100,
                              check_every=timedelta(seconds=2), poll_batch=500,
                              idle_wait=0.2)
    Sender(db, NotifyGateway(DEMO_KEY, fake_url), settings).run(threading.Event(),
                                                                until_idle=True)
    db.close()
    peaks.put(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)   # MB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=35000)
    parser.add_argument("--per-minute", type=int, default=3000)
    parser.add_argument("--unlimited", action="store_true")
    parser.add_argument("--senders", type=int, default=1)
    parser.add_argument("--pg", metavar="URL", help="a PostgreSQL server to use instead")
    args = parser.parse_args()
    per_minute = 10**9 if args.unlimited else args.per_minute
    folder = tempfile.mkdtemp(prefix="notify_bench_")
    scratch = None
    if args.pg:
        scratch = f"outbound_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.pg.replace("postgresql://", "postgresql+psycopg://"),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{scratch}"'))
        url = args.pg.rsplit("/", 1)[0] + f"/{scratch}"
    else:
        url = f"sqlite:///{folder}/bench.db"
    db = open_database(url)
    started = time.perf_counter()
    rows = [(n + 2, [f"Person {n}", f"07400 {n:06d}", f"W{n:06d}"])
            for n in range(1, args.people + 1)]
    import_rows(db, ["Name", "Mobile", "Reference"], rows, file_name="list.csv",
                source="Outbreak list")
    campaign = create_campaign(db, "warn_and_inform", "Bench outbreak")
    enrol(db, campaign, where=ContactFilter(source="Outbreak list"))
    print(f"{args.people:,} people imported and queued in "
          f"{time.perf_counter() - started:.1f} s ({'PostgreSQL' if args.pg else 'SQLite'})")
    fake = subprocess.Popen(
        [sys.executable, "-m", "tools.fake_notify", "--port", "0", "--final-after", "1",
         "--rate-limit", "0" if args.unlimited else str(args.per_minute)],
        cwd=REPO, stdout=subprocess.PIPE, text=True)
    fake_url = (fake.stdout.readline() if fake.stdout else "").strip().rsplit(" ", 1)[-1]
    try:
        ctx = multiprocessing.get_context("spawn")
        peaks = ctx.Queue()
        senders = [ctx.Process(target=_sender, args=(url, fake_url, per_minute, f"s{i}",
                                                     peaks))
                   for i in range(args.senders)]
        started = time.perf_counter()
        for process in senders:
            process.start()
        for process in senders:
            process.join()
        elapsed = time.perf_counter() - started
        peak_mb = max(peaks.get(timeout=30) for _ in senders)
    finally:
        fake.terminate()
        fake.wait()
    with db.read() as session:
        counts = dict(session.execute(select(Message.status, func.count())
                                      .group_by(Message.status)).all())
        first = session.scalar(select(func.min(Message.sent_at)))
        last = session.scalar(select(func.max(Message.sent_at)))
    db.close()
    sent = counts.get("delivered", 0) + counts.get("failed", 0)
    sending_time = (last - first).total_seconds() if first and last else elapsed
    rate = sent / sending_time if sending_time else float("inf")
    print(f"{sent:,} messages sent and delivered in {elapsed:.1f} s "
          f"(first to last send {sending_time:.1f} s): {rate:.1f} messages a second, "
          f"{rate * 60:,.0f} a minute; Notify allows 3,000 a minute (50 a second): "
          f"{rate / 50:.2f}x its limit")
    print(f"statuses: {counts}")
    print(f"sender's peak memory (its own maximum resident set): {peak_mb:.0f} MB")
    if scratch:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
    return 0


if __name__ == "__main__":
    sys.exit(main())
