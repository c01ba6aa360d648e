"""The audit trail: who did what to whose data, for the council's information governance.

Every entry is appended in the same transaction as the act it records, so an act that
is rolled back leaves no entry, and an entry never names an act that did not happen.
The database refuses to change or delete an entry (see ``outbound.db.audit_models``).

An entry names the person whose data it was by contact number only, never by name or
number: entries cannot be changed, so they must hold nothing that an erasure would
have to remove. The screen shows the person's current name beside the number.

    record(session, "suppressed", "Stopped calls: deceased (Tell Us Once).",
           actor="Priya", contact_id=42, detail={"reason": "deceased"})
"""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    CTE,
    ColumnElement,
    Connection,
    Engine,
    Select,
    String,
    cast,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.orm import Session

from outbound.clock import local_instant, to_london
from outbound.db.audit_models import AuditEvent
from outbound.db.database import Database

# What each action is called on the audit screen and in its export.
ACTIONS: dict[str, str] = {
    "signed_in": "Signed in",
    "signed_out": "Signed out",
    "sign_in_failed": "Sign-in refused",
    "record_opened": "Opened a person's record",
    "searched": "Searched contacts",
    "imported": "Imported a list",
    "exported": "Exported a file",
    "suppressed": "Stopped calls to a person",
    "suppression_lifted": "Allowed calls again",
    "outcome_undone": "Undid an outcome",
    "outcome_corrected": "Corrected an outcome",
    "premium_allowed": "Allowed a premium-rate number",
    "contact_corrected": "Corrected a contact's details",
    "booking_cancelled": "Cancelled a booking",
    "user_changed": "Added or changed a user",
    "user_disabled": "Switched a user off",
    "password_changed": "Changed their password",
    "password_reset": "Set a temporary password",
    "team_set_up": "Set up the team's database",
    "audit_exported": "Exported the audit trail",
    "subject_access_export": "Exported everything held about a person",
    "erased": "Erased a person's details",
    "legal_hold_set": "Set a legal hold",
    "legal_hold_lifted": "Lifted a legal hold",
    "retention_run": "Removed data past its retention period",
    "suppression_list_imported": "Imported a suppression list",
    "suppression_match_dismissed": "Dismissed a suppression-list match",
    "setting_changed": "Changed a rule for every computer",
}


class AuditError(ValueError):
    """A bad audit search or entry; one clear sentence."""


def default_actor() -> str:
    """Who is acting when no Outbound user is named: the computer's account.

    A command run in a terminal acts as the person signed in to the computer, who owns
    a single-user database file.
    """
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown account"


def record(session: Session, action: str, summary: str, *, actor: str | None,
           contact_id: int | None = None, detail: dict[str, Any] | None = None) -> None:
    """Append an entry in the caller's transaction.

    In a team's database no login may write to the table itself: the entry goes through
    the database's ``outbound_audit`` function (see ``outbound.team.security``).
    """
    if action not in ACTIONS:
        raise AuditError(f"“{action}” is not an action the audit trail records.")
    who = actor or default_actor()
    if _through_the_database(session):
        session.execute(
            text("SELECT outbound_audit(:actor, :action, :contact, :summary, "
                 "CAST(:detail AS json))"),
            {"actor": who, "action": action, "contact": contact_id, "summary": summary,
             "detail": json.dumps(detail or {})})
        return
    session.add(AuditEvent(actor=who, action=action, contact_id=contact_id,
                           summary=summary, detail=detail or {}))


_FUNCTION_FOUND: WeakKeyDictionary[Engine, bool] = WeakKeyDictionary()


def _through_the_database(session: Session | Connection) -> bool:
    """Whether this database writes audit entries itself: a team's PostgreSQL, set up
    with ``team setup``. Asked once per engine."""
    bind = session.get_bind() if isinstance(session, Session) else session
    engine = bind if isinstance(bind, Engine) else bind.engine
    if engine.dialect.name != "postgresql":
        return False
    found = _FUNCTION_FOUND.get(engine)
    if found is None:
        found = session.scalar(text(
            "SELECT to_regprocedure('outbound_audit(text, text, integer, text, json)') "
            "IS NOT NULL")) is True
        _FUNCTION_FOUND[engine] = found
    return found


def record_opened(session: Session, agent_id: int, contact_id: int, task_id: int,
                  how: str) -> None:
    """Note that a person's record was put on an agent's screen (a call handed out)."""
    from outbound.db.models import User

    agent = session.get(User, agent_id)
    record(session, "record_opened", f"Opened on the call screen: call {task_id} ({how}).",
           actor=agent.name if agent else str(agent_id), contact_id=contact_id,
           detail={"task": task_id, "how": how})


def audited_by_database(bind: Session | Connection) -> bool:
    """Whether audit entries go through the database's ``outbound_audit`` (a team's)."""
    return _through_the_database(bind)


def opened_on_claim(claimed: Any, *, actor: ColumnElement[str], how: ColumnElement[str],
                    audited_by_database: bool) -> CTE:
    """``record_opened`` for the call a claim takes, as part of the claim's own
    statement (PostgreSQL): ``claimed`` is the claim's ``UPDATE ... RETURNING`` as a
    CTE, with ``id`` and ``contact_id``; ``how`` says which kind of call it was. The
    entry reads exactly as ``record_opened`` writes it."""
    summary = (literal("Opened on the call screen: call ") + cast(claimed.c.id, String)
               + literal(" (") + how + literal(")."))
    detail = func.json_build_object(literal("task"), claimed.c.id, literal("how"), how)
    if audited_by_database:
        return select(func.outbound_audit(actor, literal("record_opened"),
                                          claimed.c.contact_id, summary, detail)
                      .label("noted")).select_from(claimed).cte("noted")
    table = AuditEvent.__table__
    return insert(table).from_select(
        ["actor", "action", "contact_id", "summary", "detail"],
        select(actor, literal("record_opened"), claimed.c.contact_id, summary,
               detail).select_from(claimed)).returning(table.c.id.label("noted")).cte("noted")


def record_event(db: Database, action: str, summary: str, *, actor: str | None,
                 contact_id: int | None = None, detail: dict[str, Any] | None = None) -> None:
    """Append an entry in a transaction of its own (for acts outside the database, such
    as a file written or a sign-in refused)."""
    db.run_write(lambda session: record(session, action, summary, actor=actor,
                                        contact_id=contact_id, detail=detail))


def file_digest(path: Path) -> str:
    """The SHA-256 of a file, so a copy found later can be matched to its export."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_export(db: Database, what: str, path: Path, rows: int, *, actor: str | None,
                  campaign: str | None = None, filters: dict[str, Any] | None = None,
                  extra_files: tuple[Path, ...] = ()) -> None:
    """Note a file written: what, which campaign, the filters, rows, name and SHA-256."""
    files = [path, *extra_files]
    detail: dict[str, Any] = {
        "what": what, "campaign": campaign, "rows": rows,
        "filters": {k: _plain(v) for k, v in (filters or {}).items() if v not in (None, "")},
        "files": [{"name": str(f), "sha256": file_digest(f)} for f in files],
    }
    about = f" of {campaign}" if campaign else ""
    record_event(db, "exported", f"Exported {what}{about}: {rows:,} rows to {path.name}.",
                 actor=actor, detail=detail)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    db_user: str | None
    action: str
    contact_id: int | None
    summary: str
    detail: dict[str, Any]
    person: str | None = None     # the person's name now (anonymised once erased)

    @property
    def action_words(self) -> str:
        return ACTIONS.get(self.action, self.action)


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What to look for; every part is optional. Dates are London days, inclusive."""

    contact_id: int | None = None
    actor: str | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    text: str | None = None

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise AuditError("The dates run the wrong way round.")
        if self.action and self.action not in ACTIONS:
            raise AuditError(f"“{self.action}” is not an action the audit trail records; "
                             "use one of " + ", ".join(ACTIONS) + ".")
        if self.contact_id is not None:
            stmt = stmt.where(AuditEvent.contact_id == self.contact_id)
        if self.actor:
            stmt = stmt.where(AuditEvent.actor.ilike(self.actor.strip()))
        if self.action:
            stmt = stmt.where(AuditEvent.action == self.action)
        if self.date_from:
            stmt = stmt.where(AuditEvent.at >= local_instant(self.date_from, time(0)))
        if self.date_to:
            stmt = stmt.where(AuditEvent.at < local_instant(self.date_to + timedelta(days=1),
                                                            time(0)))
        if self.text:
            stmt = stmt.where(AuditEvent.summary.ilike(f"%{self.text.strip()}%"))
        return stmt


def _entry(event: AuditEvent, person: str | None = None) -> AuditEntry:
    return AuditEntry(event.id, event.at, event.actor, event.db_user, event.action,
                      event.contact_id, event.summary, dict(event.detail or {}), person)


def search_audit(db: Database, where: AuditFilter | None = None, *,
                 limit: int = 500) -> list[AuditEntry]:
    """The newest entries first that match ``where``, with each person's name now."""
    from outbound.db.models import Contact

    stmt = (where or AuditFilter()).apply(
        select(AuditEvent, Contact.name).outerjoin(Contact,
                                                   Contact.id == AuditEvent.contact_id))
    with db.read() as session:
        return [_entry(event, name) for event, name in session.execute(
            stmt.order_by(AuditEvent.id.desc()).limit(limit))]


def iter_audit(session: Session, where: AuditFilter) -> Iterator[AuditEntry]:
    """Every matching entry, oldest first, streamed."""
    stmt = where.apply(select(AuditEvent)).order_by(AuditEvent.id)
    for event in session.scalars(stmt.execution_options(yield_per=1000)):
        yield _entry(event)


EXPORT_COLUMNS = (
    ("Entry", "Number", "The entry's number; numbers only ever go up."),
    ("When", "Date and time", "When it happened, on the UK clock, by the database's clock."),
    ("Who", "Text", "The Outbound user, or the computer account that ran a command."),
    ("Database login", "Text", "The database login that wrote the entry (team databases)."),
    ("Action", "Text", "What was done."),
    ("Person", "Number", "The contact number of the person whose data it was, if one."),
    ("What happened", "Text", "The act in words."),
    ("Details", "Text", "The act's particulars (files, filters, counts), as JSON."),
)


def audit_table_rows(session: Session, where: AuditFilter) -> Iterator[list[Any]]:
    import json

    for entry in iter_audit(session, where):
        yield [entry.id, to_london(entry.at).replace(tzinfo=None), entry.actor,
               entry.db_user, entry.action_words, entry.contact_id, entry.summary,
               json.dumps(entry.detail, ensure_ascii=False, sort_keys=True)]


def export_audit(db: Database, out: Path, *, fmt: str, where: AuditFilter | None = None,
                 actor: str | None = None) -> int:
    """Write the matching entries with a data dictionary; the export is audited too."""
    from outbound.exports.tables import check_target, write_table_file

    where = where or AuditFilter()
    out = check_target(Path(out))
    with db.read() as session:
        count, dictionary_path, _ = write_table_file(
            fmt, out, "Audit trail", [c[0] for c in EXPORT_COLUMNS],
            audit_table_rows(session, where),
            dictionary=(("Column", "Type", "What it holds"),
                        [list(c) for c in EXPORT_COLUMNS]))
    files = (out, dictionary_path) if dictionary_path else (out,)
    filters = {"person": where.contact_id, "who": where.actor, "action": where.action,
               "from": where.date_from, "to": where.date_to, "text": where.text}
    detail = {"rows": count, "filters": {k: _plain(v) for k, v in filters.items() if v},
              "files": [{"name": str(f), "sha256": file_digest(f)} for f in files]}
    record_event(db, "audit_exported",
                 f"Exported {count:,} audit entries to {out.name}.", actor=actor,
                 detail=detail)
    return count
