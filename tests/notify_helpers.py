"""Shared steps for the message tests: a list of people, a warn-and-inform campaign, and
a sender pointed at a fake Notify.

Mobile numbers here are in 07400 0xxxxx, which phonenumbers takes as mobiles (Ofcom's
drama range for mobiles, 07700 900xxx, is not valid to it); they never leave the machine:
every test talks to a fake Notify on 127.0.0.1.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from outbound.contacts import ContactFilter
from outbound.importing import import_rows
from outbound.notify.client import NotifyGateway
from outbound.notify.sender import Sender, SenderSettings
from outbound.queue.campaigns import create_campaign, enrol
from tools.fake_notify import DEMO_KEY

HEADERS = ["Name", "Telephone", "Email", "Address", "Postcode", "Reference",
           "Preferred contact", "Accessibility needs"]


def mobile(i: int) -> str:
    return f"07400 {i:06d}"


def person(i: int, *, phone: str | None = None, email: str = "", address: str = "",
           postcode: str = "", preferred: str = "", needs: str = "") -> list[str]:
    return [f"Person {i}", mobile(i) if phone is None else phone, email, address, postcode,
            f"T{i:05d}", preferred, needs]


def import_people(db, rows: list[list[str]], source: str = "Test list") -> None:
    import_rows(db, HEADERS, [(n + 2, row) for n, row in enumerate(rows)],
                file_name="list.csv", source=source)


def warn_and_inform(db, rows, name="Outbreak", source="Test list", now=None) -> int:
    import_people(db, rows, source)
    cid = create_campaign(db, "warn_and_inform", name)
    enrol(db, cid, where=ContactFilter(source=source), now=now)
    return cid


def fast_settings(**changes) -> SenderSettings:
    values = dict(name="test-sender", batch=50, lease=timedelta(seconds=30),
                  margin=timedelta(seconds=5), check_every=timedelta(milliseconds=50),
                  idle_wait=0.05, max_backoff=0.5)
    values.update(changes)
    return SenderSettings(**values)


def sender_for(db, fake_url: str, **changes) -> Sender:
    return Sender(db, NotifyGateway(DEMO_KEY, fake_url, timeout=5), fast_settings(**changes))


def run_until_idle(sender: Sender, seconds: float = 60) -> None:
    stop = threading.Event()
    timer = threading.Timer(seconds, stop.set)
    timer.start()
    try:
        sender.run(stop, until_idle=True)
    finally:
        timer.cancel()
