"""What an export is of: the campaign, its checked filter, the period and form versions.

Everything a person can get wrong (a campaign, district or outcome that does not
exist, dates the wrong way round) is checked here, before a file is opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from outbound.campaigns.template import CampaignTemplate
from outbound.clock import local_instant, to_london
from outbound.db.capture_models import AnswerSet, FormVersion
from outbound.db.models import Campaign, Contact, User
from outbound.queue.campaigns import find_campaign, template_of


class ExportError(ValueError):
    """An export that cannot be made as asked; one clear sentence."""


@dataclass(frozen=True, slots=True)
class AnswerFilter:
    """Which answers an export holds. Dates are rounds for a round campaign, else the
    London day the answers were recorded; both ends are included."""

    date_from: date | None = None
    date_to: date | None = None
    district: str | None = None
    outcome: str | None = None
    flagged_only: bool = False


@dataclass(frozen=True, slots=True)
class CampaignInfo:
    """What an export needs to know about its campaign, read once."""

    id: int
    name: str
    kind: str
    template: CampaignTemplate
    outcome_labels: dict[str, str] = field(default_factory=dict)

    @property
    def by_round(self) -> bool:
        return self.kind == "round"


def check_dates(date_from: date | None, date_to: date | None) -> None:
    if date_from and date_to and date_from > date_to:
        raise ExportError(f"The dates are the wrong way round: {date_from:%d/%m/%Y} is "
                          f"after {date_to:%d/%m/%Y}.")


def campaign_info(session: Session, campaign: str | int) -> CampaignInfo:
    found: Campaign = find_campaign(session, campaign)
    template = template_of(found)
    return CampaignInfo(found.id, found.name, found.kind, template,
                        {o.code: o.label for o in template.outcomes})


def known_district(session: Session, district: str) -> str:
    """The stored spelling of a district, matched without regard to case."""
    wanted = district.strip().casefold()
    names = [d for d in session.scalars(
        select(Contact.district).where(Contact.district.is_not(None)).distinct()) if d]
    for name in names:
        if name.casefold() == wanted:
            return name
    listed = ", ".join(sorted(names)[:12]) or "none recorded"
    raise ExportError(f"No contact is in a district called “{district}”; "
                      f"the districts are: {listed}.")


def known_outcome(info: CampaignInfo, outcome: str) -> str:
    """The outcome code for a code or label, matched without regard to case."""
    wanted = outcome.strip().casefold()
    for code, label in info.outcome_labels.items():
        if wanted in (code.casefold(), label.casefold()):
            return code
    raise ExportError(f"“{outcome}” is not an outcome of {info.name}; its outcomes are: "
                      f"{', '.join(info.outcome_labels)}.")


def checked_filter(session: Session, info: CampaignInfo, where: AnswerFilter) -> AnswerFilter:
    """The filter with district and outcome in their stored spelling, or ExportError."""
    check_dates(where.date_from, where.date_to)
    return AnswerFilter(
        where.date_from, where.date_to,
        known_district(session, where.district) if where.district else None,
        known_outcome(info, where.outcome) if where.outcome else None,
        where.flagged_only)


def recorded_between(column: Any, date_from: date | None,
                     date_to: date | None) -> list[ColumnElement[bool]]:
    """Conditions for an instant falling on London days ``date_from``..``date_to``."""
    clauses: list[ColumnElement[bool]] = []
    if date_from:
        clauses.append(column >= local_instant(date_from, time(0)))
    if date_to:
        clauses.append(column < local_instant(date_to + timedelta(days=1), time(0)))
    return clauses


def period(info: CampaignInfo, where: AnswerFilter) -> list[ColumnElement[bool]]:
    if info.by_round:
        clauses: list[ColumnElement[bool]] = []
        if where.date_from:
            clauses.append(AnswerSet.round_key >= where.date_from.isoformat())
        if where.date_to:
            clauses.append(AnswerSet.round_key <= where.date_to.isoformat())
        return clauses
    return recorded_between(AnswerSet.recorded_at, where.date_from, where.date_to)


def form_versions(session: Session, info: CampaignInfo,
                  where: AnswerFilter) -> list[tuple[int, int, list[dict[str, Any]]]]:
    """(id, version, fields) of every form version the period's answers were given under.

    With no answers yet, the newest stored version of the template (else the template's
    own form) gives the columns, so an empty day's file still has its headings.
    """
    used = select(AnswerSet.form_version_id).where(
        AnswerSet.campaign_id == info.id, *period(info, where)).distinct()
    rows = session.execute(select(FormVersion.id, FormVersion.version, FormVersion.fields)
                           .where(FormVersion.id.in_(used)).order_by(FormVersion.version))
    found = [(r.id, r.version, list(r.fields or [])) for r in rows]
    if found:
        return found
    newest = session.execute(
        select(FormVersion.id, FormVersion.version, FormVersion.fields)
        .where(FormVersion.template_code == info.template.code)
        .order_by(FormVersion.version.desc()).limit(1)).first()
    if newest is not None:
        return [(newest.id, newest.version, list(newest.fields or []))]
    return [(0, 0, [dict(f) for f in info.template.form])]


def user_names(session: Session) -> dict[int, str]:
    return {uid: name for uid, name in session.execute(select(User.id, User.name))}


def round_value(round_key: str) -> date | str:
    """A daily round's key as a date (so Excel sorts and filters it); others as they are."""
    try:
        return date.fromisoformat(round_key)
    except ValueError:
        return round_key


def london_wall_clock(instant: datetime | None) -> datetime | None:
    """An instant as the London wall-clock time a person would read (naive)."""
    return to_london(instant).replace(tzinfo=None) if instant else None
