"""The commissioners' export of a campaign's answers, wide or long, CSV or XLSX.

*Wide* is what the contracts team opens every morning: one row per provider per round,
one column per question. *Long* is one row per answer, for people who pivot or load
the data elsewhere. Both carry the form version of every row, and both come with a
data dictionary saying what each column holds. A campaign that sends texts, emails or
letters also gets each person's messages and what became of them (``messages.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any, Literal

import orjson
from sqlalchemy.orm import Session

from outbound.audit import record_export
from outbound.db.database import Database
from outbound.exports import messages as sent
from outbound.exports.cells import csv_text
from outbound.exports.fields import (
    DICTIONARY_HEADER,
    FieldColumn,
    FixedColumn,
    dictionary_rows,
    field_columns,
)
from outbound.exports.reading import (
    AGENT,
    ANSWERS,
    CONFIRMED,
    CONTACT,
    ID,
    NOTES,
    RECORDED,
    ROUND,
    VERSION,
    ContactCache,
    LondonClock,
    answer_batches,
    flagged_fields,
)
from outbound.exports.source import (
    AnswerFilter,
    CampaignInfo,
    ExportError,
    campaign_info,
    check_dates,
    checked_filter,
    form_versions,
    round_value,
    user_names,
)
from outbound.exports.tables import (
    ExtraTable,
    check_target,
    csv_cells_text,
    write_table_file,
)

# Answer sets per look-up of their flags in the long layout.
LONG_BATCH = 1000

Format = Literal["csv", "xlsx"]
Layout = Literal["wide", "long"]
FORMATS = ("csv", "xlsx")
LAYOUTS = ("wide", "long")


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What was written: the file, its row count, the CSV's dictionary, and warnings;
    for a campaign that sends messages, the rows of its messages table (and, beside a
    CSV, that table's file)."""

    path: Path
    rows: int
    dictionary_path: Path | None = None
    warnings: tuple[str, ...] = field(default=())
    message_rows: int | None = None
    messages_path: Path | None = None

    def sentences(self) -> list[str]:
        """Where the data dictionary and each person's messages are, for the reader."""
        said = []
        if self.dictionary_path:
            said.append(f"The data dictionary is in {self.dictionary_path.name}.")
        if self.message_rows is not None:
            where = (f"in {self.messages_path.name}" if self.messages_path
                     else f"on the {sent.TITLE} sheet")
            said.append(f"Each person's texts, emails and letters ({self.message_rows:,} "
                        f"people) are {where}.")
        return said


def _fixed_columns(info: CampaignInfo) -> list[FixedColumn]:
    round_help = ("The day of the round the answers are for." if info.by_round else
                  "“list” for a list campaign; for reminders, the expiry date called about.")
    recorded_help = "When the answers were saved, on the UK clock."
    if not info.by_round:
        recorded_help += (" A file for chosen dates holds each person's last answers saved "
                          "on those dates; answers corrected later are in a later file.")
    return [
        FixedColumn("Reference", "Text", "The contact's reference in the call list it came "
                    "from (for care providers, the CQC location ID)."),
        FixedColumn("District", "Text", "The contact's district."),
        FixedColumn("Name", "Text", "The contact's name."),
        FixedColumn("Organisation", "Text", "The organisation the contact belongs to."),
        FixedColumn("Round", "Date" if info.by_round else "Text", round_help),
        FixedColumn("Outcome", "Text", "How the call ended; corrected outcomes show the "
                    "correction."),
        FixedColumn("Recorded at", "Date and time (UK time)", recorded_help),
        FixedColumn("Agent", "Text", "Who took the answers."),
        FixedColumn("Form version", "Whole number", "The version of the form the answers "
                    "were given under; a changed form makes a new version."),
        FixedColumn("Unchanged", "Yes / No", "Yes when the provider said nothing had "
                    "changed since last time and the answers were confirmed as they were."),
        FixedColumn("Flagged", "Yes / No", "Yes when an answer crossed an alert threshold."),
        FixedColumn("Notes", "Text", "The agent's notes on the call, as typed."),
        FixedColumn("Confirmed unusual answers", "Text", "Answers outside the usual range "
                    "that the agent checked with the person and confirmed as right: the "
                    "question's field name, the check as the form asked it, and who "
                    "confirmed it, separated by “; ”."),
    ]


def _long_columns(info: CampaignInfo) -> list[FixedColumn]:
    kept = ("Reference", "District", "Name", "Round", "Recorded at", "Form version")
    return [c for c in _fixed_columns(info) if c.heading in kept] + [
        FixedColumn("Field", "Text", "The question's field name; the rows below describe "
                    "each one."),
        FixedColumn("Label", "Text", "The question as the form asked it."),
        FixedColumn("Value", "As the field's type", "The answer: numbers as numbers, "
                    "Yes / No, and several choices separated by “; ”."),
        FixedColumn("Unit", "Text", "What the number counts (beds, staff, people)."),
        FixedColumn("Flagged", "Yes / No", "Yes when this answer crossed an alert threshold."),
        FixedColumn("Confirmed by", "Text", "When this answer was outside the usual range: "
                    "the agent who checked it with the person and confirmed it as right, "
                    "and the check as the form asked it. The agent's notes on the call are "
                    f"a row of their own, with the field “{NOTES_FIELD}”."),
    ]


YES_NO = {True: "Yes", False: "No"}
NOTES_FIELD = "call_notes"
NOTES_LABEL = "The agent's notes on the call"


def _multi(value: Any) -> Any:
    if type(value) is list:
        try:
            return "; ".join(value)
        except TypeError:
            return "; ".join(map(str, value))
    return value


def _yes_no(value: Any) -> Any:
    return "Yes" if value is True else "No" if value is False else value


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

    Dates and times become real dates in XLSX; in CSV the stored ISO text is what
    Excel reads best.
    """
    if kind == "multi_choice":
        return _multi
    if kind == "yes_no":
        return _yes_no
    if fmt == "xlsx" and kind == "date":
        return _as_date
    if fmt == "xlsx" and kind == "time":
        return _as_time
    return None


def _may_need_quoting(text: str) -> bool:
    """Could any string in this JSON text start with a formula character?

    A JSON string starting with one shows as ``"=`` (or ``"+``, ``"-``, ``"@``); tab,
    carriage return and any ``\\u`` escape need a backslash. Most answer sets have
    none, and then their values need no look one by one. Each pair is looked for only
    when its second character is there at all: a one-character search is a memchr,
    while ``"`` is everywhere in JSON and slows a two-character search down.
    """
    return (("=" in text and '"=' in text) or ("+" in text and '"+' in text)
            or ("-" in text and '"-' in text) or ("@" in text and '"@' in text)
            or "\\" in text)


class _Rows:
    """Builds an export's rows, with the lookups and caches made once per export.

    For CSV the rows come out ready for the csv module (text protected, times as
    text), since checking every cell of a year again would double the time; for XLSX
    they hold Python values that the sheet writer types and protects.
    """

    def __init__(self, session: Session, info: CampaignInfo,
                 versions: list[tuple[int, int, list[dict[str, Any]]]],
                 fields: Sequence[FieldColumn], fmt: str) -> None:
        self.session = session
        self.csv = fmt == "csv"
        self.fields = fields
        self.fmt = fmt
        text = csv_text if self.csv else _same
        self.text = text
        self.version_of = {vid: number for vid, number, _ in versions}
        self.users = {uid: text(name) for uid, name in user_names(session).items()}
        self.outcomes = {code: text(label) for code, label in info.outcome_labels.items()}
        self.contacts = ContactCache(session)
        # Cells made once per contact and per round, not once per row.
        self.people = _Cache(self._person)
        self.rounds = _Cache(self._round)
        self.clock = LondonClock()
        self.unknown_fields: dict[str, int] = {}
        # Wide CSV rows as (lead, answers) pairs; a lead wants two cells after it.
        self.led = self.csv and len(fields) > 1

    def _person(self, contact_id: int) -> tuple[Any, ...]:
        ref, district, name, organisation = self.contacts.known[contact_id]
        text = self.text
        return (text(ref or ""), text(district or ""), text(name or ""),
                text(organisation or ""))

    def _round(self, key: str) -> Any:
        return self.text(key) if self.csv else round_value(key)

    def _recorded(self, value: Any) -> Any:
        return self.clock.wall_text(value) if self.csv else self.clock.wall(value)

    def wide(self, batches: Iterator[list[tuple[Any, ...]]]) -> Iterator[list[Any]]:
        """A batch of rows for each batch of answer sets.

        This loop runs a quarter of a million times for a year, so it does only what a
        row needs: the fixed cells come from caches, the answers from one ``map`` over
        the field names, and only yes_no, multi_choice (and in XLSX date and time)
        fields are looked at again. For CSV (``led``) the fixed cells come as one CSV
        text, put together from pieces made once per contact, round, outcome and so on
        (see ``write_csv_table``), and the row holds the answers only.
        """
        led, protect = self.led, self.csv
        names = [f.name for f in self.fields]
        nones = [None] * len(names)
        fixed = 0 if led else 13   # the cells in ``row`` before the answers
        confirmed_text = self.confirmed_text
        yes_no = [fixed + i for i, f in enumerate(self.fields) if f.type == "yes_no"]
        special = [(fixed + i, conv) for i, f in enumerate(self.fields) if f.type != "yes_no"
                   and (conv := _converter(f.type, self.fmt)) is not None]
        outcomes, users, versions = self.outcomes, self.users, self.version_of
        people, rounds = self.people, self.rounds
        recorded = self.clock.wall_text if protect else self.clock.wall
        loads = orjson.loads
        # Fixed cells as CSV text, each made once.
        people_text = _Cache(lambda contact: csv_cells_text(people[contact]))
        rounds_text = _Cache(lambda key: csv_cells_text([rounds[key]]))
        outcomes_text = _Cache(lambda code: csv_cells_text([outcomes.get(code, code)]))
        users_text = _Cache(lambda uid: csv_cells_text([users.get(uid)]))
        versions_text = _Cache(lambda vid: csv_cells_text([versions.get(vid, vid)]))
        flags_text = _Cache(lambda pair: csv_cells_text([YES_NO[bool(v)] for v in pair]))
        for batch in batches:
            self.contacts.fill(batch)
            rows: list[Any] = []
            add = rows.append
            # The columns as answer_batches gives them (ID, CONTACT, ROUND...).
            for (_id, contact, round_key, when, version, text, unchanged, flagged, agent,
                 outcome, notes, confirmed) in batch:
                try:
                    answers = loads(text) if text else {}
                except orjson.JSONDecodeError:
                    answers = _loads(text)
                # Popped, not read: what is left afterwards has no column.
                if led:
                    row = [*map(answers.pop, names, nones)]
                else:
                    row = [*people[contact], rounds[round_key], outcomes.get(outcome, outcome),
                           recorded(when), users.get(agent), versions.get(version, version),
                           YES_NO[bool(unchanged)], YES_NO[bool(flagged)],
                           self.text(notes) if notes else None,
                           confirmed_text(confirmed, agent),
                           *map(answers.pop, names, nones)]
                for index in yes_no:
                    value = row[index]
                    if value is True:
                        row[index] = "Yes"
                    elif value is False:
                        row[index] = "No"
                for index, conv in special:
                    value = row[index]
                    if value is not None:
                        row[index] = conv(value)
                if answers:
                    self._note_unknown(answers)
                if protect and text and _may_need_quoting(text):
                    for index in range(fixed, len(row)):
                        value = row[index]
                        if type(value) is str:
                            row[index] = csv_text(value)
                if not led:
                    add(row)
                    continue
                # The time is digits, dashes, colons and a space, unless the database
                # holds something odd: then the csv module says how to write it.
                stamp = recorded(when)
                if stamp and not ('"' in stamp or "," in stamp or "\n" in stamp
                                  or "\r" in stamp):
                    stamp += ","
                else:
                    stamp = csv_cells_text([stamp])
                said = (csv_cells_text([csv_text(notes) if notes else None,
                                        confirmed_text(confirmed, agent)])
                        if notes or (confirmed and confirmed != "{}") else ",,")
                add((f"{people_text[contact]}{rounds_text[round_key]}{outcomes_text[outcome]}"
                     f"{stamp}{users_text[agent]}{versions_text[version]}"
                     f"{flags_text[unchanged, flagged]}{said}", row))
            yield rows

    def long(self, batches: Iterator[list[tuple[Any, ...]]]) -> Iterator[list[list[Any]]]:
        """The rows (one per answer) of each answer set, a set at a time.

        The flags are looked up a batch of sets at a time; the rows go a set at a time,
        so that they are written and freed while still young for the garbage collector.
        """
        text = self.text
        specs = [(text(f.name), text(f.label), text(f.unit) if f.unit else None, f.name,
                  _converter(f.type, self.fmt)) for f in self.fields]
        versions = self.version_of
        people, rounds = self.people, self.rounds
        for batch in batches:
            self.contacts.fill(batch)
            flags = flagged_fields(self.session, batch)
            for r in batch:
                raw = r[ANSWERS]
                answers = _loads(raw) if raw else {}
                protect = self.csv and raw and _may_need_quoting(raw)
                ref, district, name, _org = people[r[CONTACT]]
                head = [ref, district, name, rounds[r[ROUND]],
                        self._recorded(r[RECORDED]), versions.get(r[VERSION], r[VERSION])]
                raised = flags.get(r[ID], ())
                confirmed = self.confirmations(r[CONFIRMED])
                who = self.users.get(r[AGENT]) or ""
                rows: list[list[Any]] = []
                add = rows.append
                for field_name, label, unit, key, conv in specs:
                    value = answers.pop(key, None)
                    if value is None:
                        continue
                    if conv is not None:
                        value = conv(value)
                    if protect and type(value) is str:
                        value = csv_text(value)
                    add([*head, field_name, label, value, unit,
                         "Yes" if key in raised else "No",
                         text(f"{who}: {confirmed[key]}") if key in confirmed else None])
                # An answer its form did not declare is still exported, never dropped.
                for key in sorted(answers):
                    value = _multi(answers[key])
                    if value is not None:
                        if protect and type(value) is str:
                            value = csv_text(value)
                        add([*head, text(key), text(key), value, None,
                             "Yes" if key in raised else "No",
                             text(f"{who}: {confirmed[key]}") if key in confirmed else None])
                notes = r[NOTES]
                if notes:
                    add([*head, text(NOTES_FIELD), text(NOTES_LABEL), text(notes), None,
                         "No", None])
                yield rows

    @staticmethod
    def confirmations(raw: str | None) -> dict[str, Any]:
        """The soft checks confirmed on a set (field name to the check's words)."""
        if not raw or raw == "{}":
            return {}
        found = _loads(raw)
        return found if isinstance(found, dict) else {}

    def confirmed_text(self, raw: str | None, agent: int | None) -> str | None:
        """A wide row's confirmed unusual answers, in one cell."""
        confirmed = self.confirmations(raw)
        if not confirmed:
            return None
        who = self.users.get(agent) or "the agent"
        return self.text("; ".join(f"{name}: “{words}” confirmed by {who}"
                                   for name, words in confirmed.items()))

    def _note_unknown(self, names: Any) -> None:
        for name in names:
            self.unknown_fields[name] = self.unknown_fields.get(name, 0) + 1


def _same(value: str) -> str:
    return value


def _loads(text: str) -> Any:
    """An answer set's JSON text as Python values.

    orjson reads it four times as fast as the json module, which matters a quarter of
    a million times over; what orjson refuses (NaN, integers past 64 bits) json reads.
    """
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


class _Cache(dict[Any, Any]):
    """A dict that makes a missing value with ``make`` and keeps it."""

    def __init__(self, make: Callable[[Any], Any]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.make(key)
        return value


def export_answers(db: Database, campaign: str | int, *, fmt: Format, layout: Layout,
                   out: Path, date_from: date | None = None, date_to: date | None = None,
                   district: str | None = None, outcome: str | None = None,
                   flagged_only: bool = False, actor: str | None = None) -> ExportResult:
    """Write a campaign's answers for the period and filter to ``out``; the audit trail
    notes who wrote which file.

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
        builder = _Rows(session, info, versions, fields, fmt)
        if layout == "wide":
            header = [c.heading for c in fixed] + [f.heading for f in fields]
            rows = builder.wide(answer_batches(session, info, where))
        else:
            fixed = _long_columns(info)
            header = [c.heading for c in fixed]
            rows = builder.long(answer_batches(session, info, where, LONG_BATCH))
        described = dictionary_rows(fixed, fields)
        extra: list[ExtraTable] = []
        people = None
        if sent.has_messages(info):
            people = sent.Counted(sent.message_rows(session, info, where.district))
            extra.append(ExtraTable(sent.TITLE, sent.messages_csv_path(out), sent.HEADER,
                                    people))
            described += sent.dictionary_rows(fmt, out)
        dictionary = (DICTIONARY_HEADER, described)
        # Closed here, so a failure ends the database cursor before the session ends.
        with closing(rows):
            count, dictionary_path, warnings = write_table_file(
                fmt, out, "Answers", header, rows, dictionary=dictionary, prepared=True,
                batched=True, led=layout == "wide" and builder.led, extra=extra)
    if builder.unknown_fields:
        listed = ", ".join(f"{name} ({n:,})"
                           for name, n in sorted(builder.unknown_fields.items()))
        warnings.append("Some answers are for fields their form version does not list, so "
                        f"the wide layout has no column for them: {listed}. The long layout "
                        "includes them.")
    if count == 0:
        warnings.append("No answers match: the file has its headings and no rows."
                        if people is None else "No answers match: the answers have their "
                        "headings and no rows.")
    messages_path = sent.messages_csv_path(out) if people is not None and fmt == "csv" else None
    extra_files = tuple(p for p in (dictionary_path, messages_path) if p)
    what = f"answers ({layout})" + (" and messages" if people is not None else "")
    record_export(db, what, out, count, actor=actor, campaign=info.name,
                  filters={"from": date_from, "to": date_to, "district": district,
                           "outcome": outcome, "flagged only": flagged_only or None},
                  extra_files=extra_files)
    return ExportResult(out, count, dictionary_path, tuple(warnings),
                        people.count if people is not None else None, messages_path)
