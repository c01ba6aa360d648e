"""Every call attempt of a campaign: who was called, when, by whom, and how it ended.

Members asked why residents got no response; this is the record that answers them.
Nothing is overwritten when an outcome is corrected, so the export shows both the
original attempt (marked as corrected) and the correction (with its reason).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outbound.audit import record_export
from outbound.db.database import Database
from outbound.db.models import Attempt, Contact, Task
from outbound.exports.answers import FORMATS, ExportResult, Format
from outbound.exports.fields import FixedColumn
from outbound.exports.source import (
    CampaignInfo,
    ExportError,
    campaign_info,
    check_dates,
    london_wall_clock,
    recorded_between,
    round_value,
    user_names,
)
from outbound.exports.tables import check_target, write_table_file

FETCH_BATCH = 2000

COLUMNS = (
    FixedColumn("Attempt", "Whole number", "The attempt's number in Outbound; corrections "
                "refer to it."),
    FixedColumn("Reference", "Text", "The contact's reference in the call list it came from."),
    FixedColumn("District", "Text", "The contact's district."),
    FixedColumn("Name", "Text", "The contact's name."),
    FixedColumn("Organisation", "Text", "The organisation the contact belongs to."),
    FixedColumn("Round", "Date or text", "The round (a day), “list”, or the expiry called "
                "about."),
    FixedColumn("Called at", "Date and time (UK time)", "When the outcome was recorded."),
    FixedColumn("Agent", "Text", "Who made the call."),
    FixedColumn("Outcome", "Text", "How the call ended."),
    FixedColumn("Spoke to someone", "Yes / No", "Whether the call reached the contact."),
    FixedColumn("Duration (seconds)", "Whole number", "How long the call took."),
    FixedColumn("Call back at", "Date and time (UK time)", "The call-back time the person "
                "asked for, if any."),
    FixedColumn("Notes", "Text", "The agent's notes."),
    FixedColumn("Corrects attempt", "Whole number", "The attempt this one corrects, if it "
                "is a correction."),
    FixedColumn("Correction reason", "Text", "Why the earlier outcome was corrected."),
    FixedColumn("Corrected later", "Yes / No", "Yes when a later attempt corrects this one: "
                "read that one instead."),
)


def _rows(session: Session, info: CampaignInfo, date_from: date | None,
          date_to: date | None) -> Iterator[list[Any]]:
    corrected = set(session.scalars(
        select(Attempt.supersedes_id).where(Attempt.campaign_id == info.id,
                                            Attempt.supersedes_id.is_not(None))))
    users = user_names(session)
    labels = info.outcome_labels
    stmt = (
        select(Attempt.id, Contact.external_ref, Contact.district, Contact.name,
               Contact.organisation, Task.round_key, Attempt.recorded_at, Attempt.agent_id,
               Attempt.outcome, Attempt.contact_made, Attempt.duration_seconds,
               Attempt.callback_at, Attempt.notes, Attempt.supersedes_id,
               Attempt.correction_reason)
        .join(Contact, Contact.id == Attempt.contact_id)
        .join(Task, Task.id == Attempt.task_id)
        .where(Attempt.campaign_id == info.id,
               *recorded_between(Attempt.recorded_at, date_from, date_to))
        .order_by(Attempt.recorded_at, Attempt.id))
    rounds: dict[str, date | str] = {}
    result = session.connection().execute(stmt, execution_options={"yield_per": FETCH_BATCH})
    for (attempt_id, ref, district, name, org, round_key, recorded_at, agent_id, outcome,
         made, seconds, callback_at, notes, supersedes, reason) in result:
        rnd = rounds.get(round_key)
        if rnd is None:
            rnd = rounds[round_key] = round_value(round_key)
        yield [attempt_id, ref, district, name, org, rnd, london_wall_clock(recorded_at),
               users.get(agent_id), labels.get(outcome, outcome), bool(made), seconds,
               london_wall_clock(callback_at), notes, supersedes, reason,
               attempt_id in corrected]


def export_attempts(db: Database, campaign: str | int, *, fmt: Format, out: Path,
                    date_from: date | None = None, date_to: date | None = None,
                    actor: str | None = None) -> ExportResult:
    """Write every attempt of a campaign made on London days ``date_from``..``date_to``."""
    if fmt not in FORMATS:
        raise ExportError(f"“{fmt}” is not an export format; use csv or xlsx.")
    check_dates(date_from, date_to)
    out = check_target(Path(out))
    with db.read() as session:
        info = campaign_info(session, campaign)
        dictionary = (("Column", "Type", "What it holds"),
                      [[c.heading, c.type, c.help] for c in COLUMNS])
        count, dictionary_path, warnings = write_table_file(
            fmt, out, "Calls", [c.heading for c in COLUMNS],
            _rows(session, info, date_from, date_to), dictionary=dictionary)
    if count == 0:
        warnings.append("No calls match: the file has its headings and no rows.")
    record_export(db, "calls", out, count, actor=actor, campaign=info.name,
                  filters={"from": date_from, "to": date_to},
                  extra_files=(dictionary_path,) if dictionary_path else ())
    return ExportResult(out, count, dictionary_path, tuple(warnings))
