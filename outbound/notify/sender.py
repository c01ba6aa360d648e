"""The one sender: claims a batch of queued messages, sends each once, records what
Notify said, and later asks what became of it.

Exactly once:

- Each message's reference is in the outbox before it is sent.
- A batch is claimed by one ``UPDATE ... RETURNING`` that gives it a lease; two senders
  never hold the same message. Claims are taken one at a time (``BEGIN IMMEDIATE`` on
  SQLite, an advisory lock on PostgreSQL), which also lets the claim count the claims
  of the last minute (and ``pace_lag``): a message not sent within ``pace_lag`` of its
  claim goes back, so all senders together send at most Notify's 3,000 in any minute.
- A message whose lease ran out while it was being sent (its sender died between
  sending and recording) is claimed again with ``check_first`` set: the new sender asks
  Notify by reference and records what it finds, sending only if Notify has nothing.
  So does a request that timed out or met a server error.
- A sender stops sending from a batch a margin before its lease runs out (more than the
  request timeout), so a slow sender cannot overlap one that took over.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from outbound.clock import utcnow
from outbound.db.database import Database
from outbound.db.models import Campaign, Contact
from outbound.db.notify_models import Message, MessageSender
from outbound.notify.client import NotifyGateway, NotifyProblem
from outbound.notify.outbox import call_round_key, make_call_tasks
from outbound.notify.status import failure_reason, outcome_of
from outbound.queue.campaigns import template_of

log = logging.getLogger(__name__)
M = Message.__table__
C = Contact.__table__
_PG_CLAIM_LOCK = 7_364_214
SAME_MESSAGE_GAP = timedelta(days=1)
BULK_FROM = 25          # this many messages to ask about: read Notify's list instead


@dataclass(frozen=True)
class SenderSettings:
    name: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    per_minute: int = 3000                  # Notify's limit for one key
    batch: int = 50
    lease: timedelta = timedelta(seconds=60)
    margin: timedelta = timedelta(seconds=15)   # more than the request timeout
    check_every: timedelta = timedelta(seconds=30)
    poll_batch: int = 200
    idle_wait: float = 1.0
    due_every: timedelta = timedelta(minutes=5)
    max_backoff: float = 60.0
    # A message claimed is sent within this long or goes back to the queue: claims are
    # counted over a minute and this, so sends in any minute stay within the limit.
    pace_lag: timedelta = timedelta(seconds=2)


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    reference: str
    channel: str
    template_id: str
    destination: str
    personalisation: dict[str, Any]
    check_first: bool
    lease_expires_at: datetime


@dataclass
class _Results:
    sent: list[tuple[int, str, str]] = field(default_factory=list)   # id, notify id, status
    rejected: list[tuple[int, str]] = field(default_factory=list)    # id, reason
    back: list[tuple[int, bool]] = field(default_factory=list)       # id, check first


def claim_batch(db: Database, holder: str, *, limit: int, per_minute: int,
                lease: timedelta, now: datetime,
                window: timedelta = timedelta(minutes=1)
                ) -> tuple[list[Claimed], datetime | None]:
    """Up to ``limit`` messages for ``holder`` under a lease, within the minute's room;
    with nothing claimed because the minute is full, also when there is room again."""

    def work(session: Session) -> tuple[list[Claimed], datetime | None]:
        postgres = session.get_bind().dialect.name == "postgresql"
        if postgres:
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_CLAIM_LOCK})
        _cancel_suppressed(session, now)
        minute_ago = now - window
        used = session.scalar(select(func.count()).select_from(M).where(
            M.c.claimed_at > minute_ago)) or 0
        room = min(limit, per_minute - used)
        if room <= 0:
            oldest = session.scalar(select(func.min(M.c.claimed_at)).where(
                M.c.claimed_at > minute_ago))
            return [], (oldest + window) if oldest else now
        candidates = (
            select(M.c.id).select_from(M.outerjoin(C, C.c.id == M.c.contact_id))
            .where(or_(and_(M.c.status == "queued", M.c.next_try_at <= now),
                       and_(M.c.status == "sending", M.c.lease_expires_at < now)),
                   or_(M.c.contact_id.is_(None), C.c.do_not_call.is_(False)))
            .order_by(M.c.id).limit(room))
        if postgres:
            candidates = candidates.with_for_update(of=M, skip_locked=True)
        until = now + lease
        rows = session.execute(
            update(M).where(M.c.id.in_(candidates.scalar_subquery()))
            .values(status="sending", lease_holder=holder, lease_expires_at=until,
                    claimed_at=now, attempts=M.c.attempts + 1,
                    check_first=case((M.c.status == "sending", True),
                                     else_=M.c.check_first))
            .returning(M.c.id, M.c.reference, M.c.channel, M.c.template_id,
                       M.c.destination, M.c.personalisation, M.c.check_first,
                       M.c.contact_id, M.c.body_key)).all()
        keep = _drop_repeats(session, rows, now)
        return [Claimed(r.id, r.reference, r.channel, r.template_id, r.destination,
                        dict(r.personalisation or {}), bool(r.check_first), until)
                for r in rows if r.id in keep], None

    return db.run_write(work)


def _cancel_suppressed(session: Session, now: datetime) -> None:
    """Suppression wins even over a message queued before it was recorded."""
    suppressed = select(C.c.id).where(C.c.do_not_call.is_(True))
    session.execute(update(M).where(M.c.status == "queued",
                                    M.c.contact_id.in_(suppressed))
                    .values(status="cancelled", done_at=now, next_try_at=None,
                            reason="not sent: they are not to be contacted"))


def _drop_repeats(session: Session, rows: list[Any], now: datetime) -> set[int]:
    """Never the same message to a person twice within a day, whatever the campaign:
    mobile networks block repeated identical texts. A repeat is marked skipped."""
    keep = {row.id for row in rows}
    keyed = [row for row in rows if row.body_key and row.contact_id and not row.check_first]
    if not keyed:
        return keep
    ids = [row.id for row in rows]
    recent = set(session.execute(
        select(M.c.contact_id, M.c.body_key).where(
            M.c.contact_id.in_({row.contact_id for row in keyed}),
            M.c.body_key.in_({row.body_key for row in keyed}),
            M.c.id.not_in(ids), M.c.status.in_(("sending", "sent", "delivered")),
            func.coalesce(M.c.sent_at, M.c.claimed_at) > now - SAME_MESSAGE_GAP)).all())
    repeats: list[int] = []
    for row in sorted(keyed, key=lambda r: r.id):
        key = (row.contact_id, row.body_key)
        if key in recent:
            repeats.append(row.id)
        else:
            recent.add(key)
    if repeats:
        session.execute(update(M).where(M.c.id.in_(repeats)).values(
            status="skipped", lease_holder=None, lease_expires_at=None, done_at=now,
            reason="not sent: they were sent the same message within the last day"))
    return keep - set(repeats)


class Sender:
    """Sends the outbox through one Notify connection; see the module's docstring."""

    def __init__(self, db: Database, gateway: NotifyGateway,
                 settings: SenderSettings | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.gateway = gateway
        self.settings = settings or SenderSettings()
        self.clock = clock
        self.backoff = 0.0
        self.paused_until = 0.0
        self.problem: str | None = None
        self.sent_total = 0
        self._last_due: datetime | None = None

    # -- sending ---------------------------------------------------------------------

    def send_once(self) -> int:
        """Claim one batch and send it; how many messages were handled."""
        now = self.clock()
        s = self.settings
        batch, room_at = claim_batch(self.db, s.name, limit=s.batch,
                                     per_minute=s.per_minute, lease=s.lease, now=now,
                                     window=timedelta(minutes=1) + s.pace_lag)
        if room_at is not None:
            self.paused_until = max(self.paused_until, time.monotonic()
                                    + max(0.05, (room_at - now).total_seconds()))
            return 0
        results = _Results()
        stop_at = None
        for index, message in enumerate(batch):
            moment = self.clock()
            if moment >= message.lease_expires_at - s.margin or moment >= now + s.pace_lag:
                stop_at = index          # let the rest go: keep to the pace and the lease
                break
            try:
                self._send_one(message, results)
            except NotifyProblem as problem:
                stop_at = self._met(problem, message, results, index)
                if stop_at is not None:
                    break
        if stop_at is not None:
            results.back += [(m.id, m.check_first) for m in batch[stop_at:]
                             if m.id not in {i for i, _ in results.back}]
        self._record(results)
        return len(batch)

    def _send_one(self, message: Claimed, results: _Results) -> None:
        if message.check_first:
            found = self.gateway.find(message.reference)
            if found is not None:
                results.sent.append((message.id, found.notify_id, found.status))
                return
        found = self.gateway.send(message.channel, message.destination, message.template_id,
                                  message.personalisation, message.reference)
        results.sent.append((message.id, found.notify_id, found.status))
        self.backoff = 0.0

    def _met(self, problem: NotifyProblem, message: Claimed, results: _Results,
             index: int) -> int | None:
        """Deal with a problem; the index from which the batch goes back, or None."""
        if problem.kind == "rejected":
            results.rejected.append((message.id, problem.words))
            return None
        self.backoff = min(self.settings.max_backoff, max(0.5, self.backoff * 2))
        self.paused_until = time.monotonic() + self.backoff
        if problem.kind == "throttled":
            log.info("%s; waiting %.1f s", problem.words, self.backoff)
            if "daily limit" in problem.words:      # supervisors should know
                self._set_problem(problem.words)
            results.back.append((message.id, message.check_first))
            return index + 1
        if problem.kind == "refused":
            self._set_problem(problem.words)
            log.error("%s", problem.words)
            results.back.append((message.id, message.check_first))
            return index + 1
        log.warning("%s; will ask Notify by reference before trying again", problem.words)
        results.back.append((message.id, True))
        return index + 1

    def _record(self, results: _Results) -> None:
        if not (results.sent or results.rejected or results.back):
            return
        now = self.clock()
        check_at = now + self.settings.check_every
        retry_at = now + timedelta(seconds=self.backoff)
        mine = and_(M.c.status == "sending", M.c.lease_holder == self.settings.name)

        def work(session: Session) -> None:
            for message_id, notify_id, status in results.sent:
                session.execute(update(M).where(M.c.id == message_id, mine).values(
                    status="sent", notify_id=notify_id, notify_status=status, sent_at=now,
                    next_check_at=check_at, lease_holder=None, lease_expires_at=None,
                    check_first=False, next_try_at=None))
            for message_id, check_first in results.back:
                session.execute(update(M).where(M.c.id == message_id, mine).values(
                    status="queued", lease_holder=None, lease_expires_at=None,
                    next_try_at=retry_at, check_first=check_first))
            if results.rejected:
                for message_id, reason in results.rejected:
                    session.execute(update(M).where(M.c.id == message_id, mine).values(
                        status="failed", reason=reason, done_at=now, lease_holder=None,
                        lease_expires_at=None, next_try_at=None))
                _calls_for(session, [i for i, _ in results.rejected], now)
            if results.sent and not results.back and self.problem is not None:
                self.problem = None
                _note(session, self.settings.name, now, problem=None, clear=True)

        self.db.run_write(work)
        self.sent_total += len(results.sent)

    def _set_problem(self, words: str) -> None:
        self.problem = words
        now = self.clock()
        self.db.run_write(lambda session: _note(session, self.settings.name, now,
                                                problem=words))

    # -- delivery ----------------------------------------------------------------------

    def poll_once(self) -> int:
        """Ask Notify what became of messages sent; failures become calls."""
        now = self.clock()
        with self.db.read() as session:
            rows = session.execute(
                select(M.c.id, M.c.notify_id, M.c.channel, M.c.sent_at, M.c.campaign_id)
                .where(M.c.status == "sent", M.c.next_check_at <= now)
                .order_by(M.c.next_check_at).limit(self.settings.poll_batch)).all()
            waits = {cid: template_of(camp).messages for cid, camp in (
                (row.campaign_id, session.get(Campaign, row.campaign_id))
                for row in rows if row.campaign_id is not None) if camp is not None}
        outcomes: list[tuple[int, str, str, str | None]] = []   # id, status, notify, why
        try:
            statuses = self._statuses(rows)
        except NotifyProblem as problem:
            if problem.kind == "refused":
                self._set_problem(problem.words)
            return 0
        for row in rows:
            status = statuses.get(row.notify_id)
            if status is None:           # not found: ask again later
                outcomes.append((row.id, "sent", "", None))
                continue
            result = outcome_of(status)
            plan = waits.get(row.campaign_id)
            wait = plan.wait if plan is not None else timedelta(days=3)
            if result == "failed":
                outcomes.append((row.id, "failed", status, failure_reason(row.channel,
                                                                          status)))
            elif result == "delivered":
                outcomes.append((row.id, "delivered", status, None))
            elif row.sent_at is not None and now - row.sent_at > wait:
                outcomes.append((row.id, "failed", status,
                                 f"{row.channel or 'message'} not delivered after "
                                 f"{_days(wait)} (Notify says “{status}”)"))
            else:
                outcomes.append((row.id, "sent", status, None))
        if not outcomes:
            return 0
        later = now + self.settings.check_every

        def work(session: Session) -> None:
            failed: list[int] = []
            for message_id, status, notify_status, why in outcomes:
                values: dict[str, Any] = {"notify_status": notify_status} \
                    if notify_status else {}
                if status == "sent":
                    values["next_check_at"] = later
                else:
                    values.update(status=status, reason=why, done_at=now,
                                  next_check_at=None)
                changed = session.execute(update(M).where(
                    M.c.id == message_id, M.c.status == "sent").values(**values)).rowcount
                if changed and status == "failed":
                    failed.append(message_id)
            if failed:
                _calls_for(session, failed, now)

        self.db.run_write(work)
        return len(outcomes)

    def _statuses(self, rows: list[Any]) -> dict[str, str]:
        """Notify's status of each row: one request each for a few, else the list of
        recent notifications read a page (250) at a time."""
        if len(rows) < BULK_FROM:
            return {row.notify_id: self.gateway.status(row.notify_id) for row in rows}
        since = min(row.sent_at for row in rows) - timedelta(minutes=5)
        return self.gateway.statuses_since(since, {row.notify_id for row in rows})

    # -- the loop ----------------------------------------------------------------------

    def run(self, stop: threading.Event, *, until_idle: bool = False) -> None:
        """Send and poll until ``stop`` is set (or, with ``until_idle``, until nothing is
        left to send or to hear about)."""
        from outbound.notify.due import queue_due_messages

        while not stop.is_set():
            now = self.clock()
            if self._last_due is None or now - self._last_due >= self.settings.due_every:
                self._last_due = now
                try:
                    queue_due_messages(self.db, now=now)
                except Exception:   # a bad campaign must not stop the sending
                    log.exception("Queuing the messages due now failed")
            wait = self.paused_until - time.monotonic()
            if wait > 0:
                stop.wait(min(wait, 1.0))
                continue
            try:
                sent = self.send_once()
                polled = self.poll_once()
                self._heartbeat()
            except Exception:   # the database gone, say: keep the service, try again
                log.exception("Sending messages failed; trying again in a while")
                stop.wait(max(1.0, self.settings.max_backoff / 4))
                continue
            if until_idle and sent == 0 and polled == 0 and self._outstanding() == 0:
                return
            if sent == 0 and polled == 0:
                stop.wait(self.settings.idle_wait)

    def _heartbeat(self) -> None:
        now = self.clock()
        self.db.run_write(lambda session: _note(session, self.settings.name, now,
                                                problem=self.problem, clear=True,
                                                sent=self.sent_total))

    def _outstanding(self) -> int:
        with self.db.read() as session:
            return session.scalar(select(func.count()).select_from(M).where(
                M.c.status.in_(("queued", "sending", "sent")))) or 0


def _days(wait: timedelta) -> str:
    if wait >= timedelta(days=1) and wait.total_seconds() % 86400 == 0:
        days = int(wait.total_seconds() // 86400)
        return f"{days} day{'s' if days != 1 else ''}"
    hours = wait.total_seconds() / 3600
    return f"{hours:g} hours" if hours >= 1 else f"{int(wait.total_seconds())} seconds"


def _calls_for(session: Session, message_ids: list[int], now: datetime) -> None:
    """Each failed message of a campaign that calls on failure becomes a call task."""
    rows = session.execute(select(M.c.campaign_id, M.c.code).where(
        M.c.id.in_(message_ids), M.c.campaign_id.is_not(None)).distinct()).all()
    for campaign_id, code in rows:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            continue
        template = template_of(campaign)
        plan = template.messages
        if plan is None or not (plan.call_when_failed or template.kind == "notification"):
            continue
        make_call_tasks(session, campaign, template, call_round_key(template, code),
                        and_(M.c.id.in_(message_ids), M.c.code == code), now)


def _note(session: Session, name: str, now: datetime, *, problem: str | None,
          clear: bool = False, sent: int | None = None) -> None:
    """Upsert the sender's row: when it was last seen, and its problem in words."""
    maker = postgresql.insert if session.get_bind().dialect.name == "postgresql" \
        else sqlite.insert
    values: dict[str, Any] = {"name": name, "seen_at": now, "sent": sent or 0}
    changes: dict[str, Any] = {"seen_at": now}
    if sent is not None:
        changes["sent"] = sent
    if problem is not None or clear:
        values.update(problem=problem, problem_at=now if problem else None)
        changes.update(problem=problem, problem_at=now if problem else None)
    table = MessageSender.__table__
    session.execute(maker(table).values(**values).on_conflict_do_update(
        index_elements=["name"], set_=changes))
