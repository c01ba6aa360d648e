"""The commissioners' export of a campaign's answers, wide or long, CSV or XLSX.

*Wide* is what the contracts team opens every morning: one row per provider per round,
one column per question. *Long* is one row per answer, for people who pivot or load
the data elsewhere. Both carry the form version of every row, and both come with a
data dictionary saying what each column holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.orm import Session

from outbound.db.database import Database
from outbound.exports.fields import (
    DICTIONARY_HEADER,
    FieldColumn,
    FixedColumn,
    dictionary_rows,
    field_columns,
)
from outbound.exports.source import (
    AnswerFilter,
    AnswerRecord,
    CampaignInfo,
    ExportError,
    answer_batches,
    campaign_info,
    check_dates,
    checked_filter,
    flagged_fields,
    form_versions,
    london_wall_clock,
    round_value,
    user_names,
)
from outbound.exports.tables import check_target, write_table_file

Format = Literal["csv", "xlsx"]
Layout = Literal["wide", "long"]
FORMATS = ("csv", "xlsx")
LAYOUTS = ("wide", "long")


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What was written: the file, its row count, the CSV's dictionary, and warnings."""

    path: Path
    rows: int
    dictionary_path: Path | None = None
    warnings: tuple[str, ...] = field(default=())


def _fixed_columns(info: CampaignInfo) -> list[FixedColumn]:
    round_help = ("The day of the round the answers are for." if info.by_round else
                  "“list” for a list campaign; for reminders, the expiry date called about.")
    return [
        FixedColumn("Reference", "Text", "The contact's reference in the call list it came "
                    "from (for care providers, the CQC location ID)."),
        FixedColumn("District", "Text", "The contact's district."),
        FixedColumn("Name", "Text", "The contact's name."),
        FixedColumn("Organisation", "Text", "The organisation the contact belongs to."),
        FixedColumn("Round", "Date" if info.by_round else "Text", round_help),
        FixedColumn("Outcome", "Text", "How the call ended; corrected outcomes show the "
                    "correction."),
        FixedColumn("Recorded at", "Date and time (UK time)",
                    "When the answers were saved, on the UK clock."),
        FixedColumn("Agent", "Text", "Who took the answers."),
        FixedColumn("Form version", "Whole number", "The version of the form the answers "
                    "were given under; a changed form makes a new version."),
        FixedColumn("Unchanged", "Yes / No", "Yes when the provider said nothing had "
                    "changed since last time and the answers were confirmed as they were."),
        FixedColumn("Flagged", "Yes / No", "Yes when an answer crossed an alert threshold."),
    ]


LONG_HEADER = ("Reference", "District", "Name", "Round", "Recorded at", "Form version",
               "Field", "Label", "Value", "Unit", "Flagged")


def _multi(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return value


def _as_date(value: Any) -> Any:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return value


def _as_time(value: Any) -> Any:
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError):
        return value


def _converter(kind: str, fmt: str) -> Callable[[Any], Any] | None:
    """How a field's stored JSON value becomes a cell value, when it is not as it is.

    yes_no (True/False) is shown as Yes/No by the writers. Dates and times become real
    dates in XLSX; in CSV the stored ISO text is what Excel reads best.
    """
    if kind == "multi_choice":
        return _multi
    if fmt == "xlsx" and kind == "date":
        return _as_date
    if fmt == "xlsx" and kind == "time":
        return _as_time
    return None


class _Context:
    """Lookups made once per export: versions, agents, outcome labels, rounds."""

    def __init__(self, session: Session, info: CampaignInfo,
                 versions: list[tuple[int, int, list[dict[str, Any]]]]) -> None:
        self.info = info
        self.version_of = {vid: number for vid, number, _ in versions}
        self.users = user_names(session)
        self.rounds: dict[str, date | str] = {}
        self.unknown_fields: dict[str, int] = {}

    def base(self, record: AnswerRecord) -> tuple[Any, ...]:
        key = record.round_key
        rnd = self.rounds.get(key)
        if rnd is None:
            rnd = self.rounds[key] = round_value(key)
        return (rnd, london_wall_clock(record.recorded_at),
                self.version_of.get(record.version_id, record.version_id))

    def note_unknown(self, names: Any) -> None:
        for name in names:
            self.unknown_fields[name] = self.unknown_fields.get(name, 0) + 1


def _wide_rows(batches: Iterator[list[AnswerRecord]], ctx: _Context,
               fields: Sequence[FieldColumn], fmt: str) -> Iterator[list[Any]]:
    names = [f.name for f in fields]
    known = frozenset(names)
    width = 11
    special = [(width + i, conv) for i, f in enumerate(fields)
               if (conv := _converter(f.type, fmt)) is not None]
    labels, users = ctx.info.outcome_labels, ctx.users
    for batch in batches:
        for rec in batch:
            answers = rec.answers or {}
            rnd, recorded, version = ctx.base(rec)
            row = [rec.reference, rec.district, rec.name, rec.organisation, rnd,
                   labels.get(rec.outcome, rec.outcome), recorded, users.get(rec.agent),
                   version, bool(rec.unchanged), bool(rec.flagged)]
            row.extend(map(answers.get, names))
            for index, conv in special:
                if row[index] is not None:
                    row[index] = conv(row[index])
            if not known.issuperset(answers):
                ctx.note_unknown(answers.keys() - known)
            yield row


def _long_rows(session: Session, batches: Iterator[list[AnswerRecord]], ctx: _Context,
               fields: Sequence[FieldColumn], fmt: str) -> Iterator[list[Any]]:
    specs = [(f.name, f.label, f.unit, _converter(f.type, fmt)) for f in fields]
    known = frozenset(f.name for f in fields)
    for batch in batches:
        flags = flagged_fields(session, batch)
        for rec in batch:
            answers = rec.answers or {}
            rnd, recorded, version = ctx.base(rec)
            head = [rec.reference, rec.district, rec.name, rnd, recorded, version]
            raised = flags.get(rec.id, ())
            for name, label, unit, conv in specs:
                value = answers.get(name)
                if value is None:
                    continue
                if conv is not None:
                    value = conv(value)
                yield [*head, name, label, value, unit, name in raised]
            # An answer its form did not declare is still exported, never dropped.
            for name in sorted(answers.keys() - known):
                if answers[name] is not None:
                    yield [*head, name, name, _multi(answers[name]), None, name in raised]


def export_answers(db: Database, campaign: str | int, *, fmt: Format, layout: Layout,
                   out: Path, date_from: date | None = None, date_to: date | None = None,
                   district: str | None = None, outcome: str | None = None,
                   flagged_only: bool = False) -> ExportResult:
    """Write a campaign's answers for the period and filter to ``out``.

    Raises ExportError (or CampaignError) for a bad request and OutputError when the
    file cannot be written; in every case nothing is left at ``out``.
    """
    if fmt not in FORMATS:
        raise ExportError(f"“{fmt}” is not an export format; use csv or xlsx.")
    if layout not in LAYOUTS:
        raise ExportError(f"“{layout}” is not a layout; use wide or long.")
    check_dates(date_from, date_to)
    out = check_target(Path(out))
    with db.read() as session:
        info = campaign_info(session, campaign)
        where = checked_filter(session, info, AnswerFilter(
            date_from, date_to, district, outcome, flagged_only))
        versions = form_versions(session, info, where)
        fixed = _fixed_columns(info)
        fields = field_columns([(number, flds) for _, number, flds in versions],
                               taken=[c.heading for c in fixed])
        ctx = _Context(session, info, versions)
        batches = answer_batches(session, info, where)
        if layout == "wide":
            header = [c.heading for c in fixed] + [f.heading for f in fields]
            rows = _wide_rows(batches, ctx, fields, fmt)
        else:
            header = list(LONG_HEADER)
            rows = _long_rows(session, batches, ctx, fields, fmt)
        dictionary = (DICTIONARY_HEADER, dictionary_rows(fixed, fields))
        count, dictionary_path, warnings = write_table_file(
            fmt, out, "Answers", header, rows, dictionary=dictionary)
    if ctx.unknown_fields:
        listed = ", ".join(f"{name} ({n:,})" for name, n in sorted(ctx.unknown_fields.items()))
        warnings.append("Some answers are for fields their form version does not list, so "
                        f"the wide layout has no column for them: {listed}. The long layout "
                        "includes them.")
    if count == 0:
        warnings.append("No answers match: the file has its headings and no rows.")
    return ExportResult(out, count, dictionary_path, tuple(warnings))
