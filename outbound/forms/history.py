"""Earlier answers, per contact and per field, and the flags supervisors review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from outbound.clock import utcnow
from outbound.db.capture_models import AnswerFlag, AnswerSet, FormVersion
from outbound.db.database import Database
from outbound.db.models import Campaign, Contact


@dataclass(frozen=True, slots=True)
class PastAnswers:
    """One earlier answer set, for the call screen's side-by-side history."""

    answer_set_id: int
    campaign_id: int
    round_key: str
    recorded_at: datetime
    version: int
    answers: dict[str, Any]
    unchanged: bool
    flagged: bool


@dataclass(frozen=True, slots=True)
class FieldAnswer:
    round_key: str
    recorded_at: datetime
    value: Any
    unchanged: bool
    version: int


def recent_answers(db: Database, contact_id: int, campaign_id: int | None = None, *,
                   limit: int = 5) -> list[PastAnswers]:
    """A contact's latest answer sets, newest first."""
    with db.read() as session:
        query = (select(AnswerSet, FormVersion.version)
                 .join(FormVersion, FormVersion.id == AnswerSet.form_version_id)
                 .where(AnswerSet.contact_id == contact_id))
        if campaign_id is not None:
            query = query.where(AnswerSet.campaign_id == campaign_id)
        rows = session.execute(query.order_by(AnswerSet.recorded_at.desc(),
                                              AnswerSet.id.desc()).limit(limit)).all()
        return [PastAnswers(row.id, row.campaign_id, row.round_key, row.recorded_at, version,
                            dict(row.answers), row.unchanged, row.flagged)
                for row, version in rows]


def answer_history(db: Database, contact_id: int, campaign_id: int | None = None, *,
                   limit: int = 30) -> dict[str, list[FieldAnswer]]:
    """Each field's answers over the contact's latest ``limit`` answer sets, newest first."""
    history: dict[str, list[FieldAnswer]] = {}
    for past in recent_answers(db, contact_id, campaign_id, limit=limit):
        for name, value in past.answers.items():
            history.setdefault(name, []).append(
                FieldAnswer(past.round_key, past.recorded_at, value, past.unchanged,
                            past.version))
    return history


@dataclass(frozen=True, slots=True)
class FlaggedAnswer:
    """An answer over an alert threshold, as a supervisor sees it."""

    flag_id: int
    campaign: str
    contact_id: int
    contact_name: str
    organisation: str | None
    district: str | None
    round_key: str
    field: str
    value: str | None
    message: str
    raised_at: datetime
    reviewed_at: datetime | None
    reviewed_by: str | None
    question: str = ""          # the field's label on the form the answer was given on

    @property
    def home(self) -> str:
        """The place the answer is about: a care home is the contact, its provider the
        organisation, so the contact's name comes first."""
        return self.contact_name or self.organisation or ""


def _labels(fields: list[dict[str, Any]] | None) -> dict[str, str]:
    return {str(entry.get("name")): str(entry.get("label") or entry.get("name"))
            for entry in fields or [] if isinstance(entry, dict) and entry.get("name")}


def flagged_answers(db: Database, campaign_id: int | None = None, *,
                    include_reviewed: bool = False, limit: int = 200) -> list[FlaggedAnswer]:
    """Flags newest first; by default only those nobody has reviewed yet."""
    with db.read() as session:
        query = (select(AnswerFlag, Campaign.name, Contact.name, Contact.organisation,
                        Contact.district, AnswerSet.form_version_id)
                 .join(Campaign, Campaign.id == AnswerFlag.campaign_id)
                 .join(Contact, Contact.id == AnswerFlag.contact_id)
                 .join(AnswerSet, AnswerSet.id == AnswerFlag.answer_set_id))
        if campaign_id is not None:
            query = query.where(AnswerFlag.campaign_id == campaign_id)
        if not include_reviewed:
            query = query.where(AnswerFlag.reviewed_at.is_(None))
        rows = session.execute(query.order_by(AnswerFlag.raised_at.desc(),
                                              AnswerFlag.id.desc()).limit(limit)).all()
        versions = {version_id for *_, version_id in rows}
        labels = {version.id: _labels(version.fields) for version in session.scalars(
            select(FormVersion).where(FormVersion.id.in_(versions)))} if versions else {}
        return [FlaggedAnswer(flag.id, campaign, flag.contact_id, name, organisation,
                              district, flag.round_key, flag.field, flag.value, flag.message,
                              flag.raised_at, flag.reviewed_at, flag.reviewed_by,
                              labels.get(version_id, {}).get(flag.field, flag.field))
                for flag, campaign, name, organisation, district, version_id in rows]


def review_flag(db: Database, flag_id: int, supervisor: str, *,
                now: datetime | None = None) -> bool:
    """Mark a flag as seen by a supervisor; False if it was already reviewed."""
    with db.write() as session:
        result = session.execute(
            update(AnswerFlag).where(AnswerFlag.id == flag_id,
                                     AnswerFlag.reviewed_at.is_(None))
            .values(reviewed_at=now or utcnow(), reviewed_by=supervisor))
        return bool(result.rowcount)
