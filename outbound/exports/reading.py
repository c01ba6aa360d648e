"""Reading a campaign's answers for an export: one streamed query, newest set wins.

A year of the care tracker is a quarter of a million answer sets. They are read in one
read transaction (a consistent picture) through the driver's own cursor, a batch at a
time (a server-side cursor on PostgreSQL), never all at once. When an outcome was
corrected a contact has several sets for one round and the newest wins, and the
outcome and flagged filters apply to winners only. A daily round's sets come in the
order they were saved and a day is held at a time (the database need not sort them);
other campaigns' come ordered by round, contact and id, and the winner is the last of
each run.

Rows stay plain tuples, with columns typed so that the driver's values pass through
unconverted: at this size per-row conversions are most of an export's time, so the
few that are needed are done once, by the caller, with caches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, suppress
from datetime import UTC, datetime, timedelta
from itertools import chain, count, groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Integer, Select, String, Text, cast, func, select, type_coerce
from sqlalchemy.orm import Session

from outbound.clock import to_london
from outbound.db.capture_models import AnswerFlag, AnswerSet
from outbound.db.models import Attempt, Contact, Task
from outbound.exports.source import AnswerFilter, CampaignInfo, period

# Rows are handed on a hundred at a time: a batch is written and freed before the
# garbage collector's older generations ever see it, which for a year's export saves
# a third of the time that batches of 2,000 took. PostgreSQL sends more per round trip.
FETCH_BATCH = 100
SERVER_FETCH = 2000
# Positions in an answer row as fetched.
(ID, CONTACT, ROUND, RECORDED, VERSION, ANSWERS, UNCHANGED, FLAGGED, AGENT, OUTCOME, NOTES,
 CONFIRMED) = range(12)


def answer_batches(session: Session, info: CampaignInfo, where: AnswerFilter,
                   batch: int = FETCH_BATCH) -> Iterator[list[tuple[Any, ...]]]:
    """The winning answer sets that pass the filter, in round and contact order.

    Each row holds, at the positions above: the answers as JSON text, the recorded
    instant as the driver gives it (see ``LondonClock``), the agent of the completing
    attempt (else of the set) and its outcome (else the task's last), the agent's notes
    on that call, and the soft checks confirmed as JSON text.
    """
    stmt = (
        select(AnswerSet.id, AnswerSet.contact_id, AnswerSet.round_key,
               type_coerce(AnswerSet.recorded_at, String), AnswerSet.form_version_id,
               cast(AnswerSet.answers, Text), type_coerce(AnswerSet.unchanged, Integer),
               type_coerce(AnswerSet.flagged, Integer),
               func.coalesce(Attempt.agent_id, AnswerSet.agent_id),
               func.coalesce(Attempt.outcome, Task.last_outcome),
               Attempt.notes, cast(AnswerSet.confirmations, Text))
        .outerjoin(Attempt, Attempt.id == AnswerSet.attempt_id)
        .outerjoin(Task, Task.id == AnswerSet.task_id)
        .where(AnswerSet.campaign_id == info.id, *period(info, where)))
    if where.district:
        stmt = stmt.where(AnswerSet.contact_id.in_(
            select(Contact.id).where(Contact.district == where.district)))
    if info.by_round:
        stmt = stmt.order_by(AnswerSet.round_key, AnswerSet.id)
        newest = _newest_by_round
    else:
        stmt = stmt.order_by(AnswerSet.round_key, AnswerSet.contact_id, AnswerSet.id)
        newest = _winners
    with closing(driver_batches(session.connection(), stmt, batch)) as result:
        yield from newest(result, where, batch)


def _wanted(where: AnswerFilter) -> Callable[[Sequence[Any]], bool]:
    outcome, flagged_only = where.outcome, where.flagged_only

    def wanted(row: Sequence[Any]) -> bool:
        return (not flagged_only or bool(row[FLAGGED])) and (
            outcome is None or row[OUTCOME] == outcome)

    return wanted


def _newest_by_round(result: Iterator[list[tuple[Any, ...]]], where: AnswerFilter,
                     batch: int) -> Iterator[list[tuple[Any, ...]]]:
    """Each round's newest set per contact, in contact order, from rows in round and id
    order: a day's sets at a time, kept newest-last in a dict, all in C loops, and no
    sort for the database but a day's contact ids for Python."""
    wanted = _wanted(where) if where.outcome or where.flagged_only else None
    contact_of = itemgetter(CONTACT)
    for _round, run in groupby(chain.from_iterable(result), itemgetter(ROUND)):
        sets = list(run)
        newest = dict(zip(map(contact_of, sets), sets, strict=True))   # later sets win
        winners = list(map(newest.__getitem__, sorted(newest)))
        if wanted is not None:
            winners = [row for row in winners if wanted(row)]
        for start in range(0, len(winners), batch):
            yield winners[start:start + batch]


def _winners(result: Iterator[list[tuple[Any, ...]]], where: AnswerFilter,
             batch: int) -> Iterator[list[tuple[Any, ...]]]:
    """The last row of each (round, contact) run, if it passes the filter, in batches."""
    wanted = _wanted(where)

    pending: Any = None
    out: list[tuple[Any, ...]] = []
    for rows in result:
        for row in rows:
            # A new (round, contact) run: the previous row was the last of its run.
            if pending is not None and (row[ROUND] != pending[ROUND]
                                        or row[CONTACT] != pending[CONTACT]) \
                    and wanted(pending):
                out.append(pending)
            pending = row
        if len(out) >= batch:
            yield out
            out = []
    if pending is not None and wanted(pending):
        out.append(pending)
    if out:
        yield out


def driver_batches(connection: Connection, stmt: Select[Any],
                   batch: int = FETCH_BATCH) -> Iterator[list[tuple[Any, ...]]]:
    """The statement's rows as the driver gives them (plain tuples), a batch at a time.

    SQLAlchemy compiles the statement and converts its parameters; the rows skip its
    result layer, through which a year's answers took twice as long to read. On
    PostgreSQL the cursor is a server-side one, so the server holds the rows not yet
    fetched; SQLite steps through its query as rows are fetched. The cursor belongs to
    the connection's transaction, so it sees the same picture as everything else read.
    """
    dialect = connection.dialect
    compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    values = compiled.construct_params()
    for bind, name in compiled.bind_names.items():
        convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if convert is not None and name in values:
            values[name] = convert(values[name])
    params: Any = ([values[name] for name in compiled.positiontup or ()]
                   if compiled.positional else values)
    driver = connection.connection.driver_connection
    fetch = batch
    if dialect.name == "postgresql":
        cursor = driver.cursor(name=f"outbound_export_{next(_cursor_numbers)}")
        fetch = max(batch, SERVER_FETCH)
        cursor.itersize = fetch
    else:
        cursor = driver.cursor()
    cursor.arraysize = fetch
    try:
        cursor.execute(str(compiled), params)
        while rows := cursor.fetchmany(fetch):
            if fetch == batch:
                yield rows
            else:
                for start in range(0, len(rows), batch):
                    yield rows[start:start + batch]
    finally:
        # Never hide the error that ended the export behind one from closing.
        with suppress(dialect.loaded_dbapi.Error):
            cursor.close()


_cursor_numbers = count(1)


class ContactCache:
    """Reference, district, name and organisation by contact id, fetched a batch at a
    time: a provider called every day for a year is read once, not 365 times."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.known: dict[int, tuple[Any, ...]] = {}

    def fill(self, rows: Sequence[Sequence[Any]]) -> dict[int, tuple[Any, ...]]:
        missing = list({row[CONTACT] for row in rows} - self.known.keys())
        for start in range(0, len(missing), 500):
            for cid, *rest in self.session.execute(
                    select(Contact.id, Contact.external_ref, Contact.district, Contact.name,
                           Contact.organisation)
                    .where(Contact.id.in_(missing[start:start + 500]))):
                self.known[cid] = tuple(rest)
        return self.known


def flagged_fields(session: Session, rows: Sequence[Sequence[Any]]) -> dict[int, set[str]]:
    """For the flagged sets among ``rows``: which of their fields raised a flag."""
    ids = [r[ID] for r in rows if r[FLAGGED]]
    found: dict[int, set[str]] = {}
    for start in range(0, len(ids), 500):
        for set_id, name in session.execute(
                select(AnswerFlag.answer_set_id, AnswerFlag.field)
                .where(AnswerFlag.answer_set_id.in_(ids[start:start + 500]))):
            found.setdefault(set_id, set()).add(name)
    return found


class LondonClock:
    """Instants as London wall-clock times (naive, to the second), fast: the offset is
    looked up once per UTC hour, since the clocks only ever change on the hour."""

    def __init__(self) -> None:
        self._offsets: dict[tuple[int, int], timedelta] = {}
        self._hours: dict[str, str | None] = {}

    def wall_text(self, value: datetime | str | None) -> str | None:
        """The wall-clock time as "YYYY-MM-DD HH:MM:SS", for CSV.

        SQLite's UTC text needs no datetime at all: London is a whole number of hours
        from UTC, so only the date and hour change, and they are looked up per hour.
        """
        if isinstance(value, str) and len(value) >= 19 and value[10] == " ":
            hour = value[:13]
            prefix = self._hours.get(hour, "")
            if prefix == "":
                wall = self.wall(hour + ":00:00")
                whole = wall is not None and (wall - datetime.fromisoformat(
                    hour + ":00:00")).total_seconds() % 3600 == 0
                prefix = self._hours[hour] = (
                    wall.isoformat(" ")[:13] if whole and wall is not None else None)
            if prefix is not None:
                return prefix + value[13:19]
        wall = self.wall(value)
        return wall.isoformat(" ") if wall is not None else None

    def wall(self, value: datetime | str | None) -> datetime | None:
        """``value`` is a datetime (PostgreSQL) or the UTC text SQLite stores."""
        if value is None:
            return None
        if isinstance(value, str):
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is not None:
                moment = moment.astimezone(UTC).replace(tzinfo=None)
        else:
            moment = value.astimezone(UTC).replace(tzinfo=None)
        hour = (moment.toordinal(), moment.hour)
        offset = self._offsets.get(hour)
        if offset is None:
            start = moment.replace(minute=0, second=0, microsecond=0, tzinfo=UTC)
            offset = self._offsets[hour] = to_london(start).utcoffset() or timedelta(0)
        return (moment + offset).replace(microsecond=0)
