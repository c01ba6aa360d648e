"""One row of a call list turned into a contact row, with what was wrong with it.

Pure functions: no database. The importer calls this for every row, often in worker
processes, so it does all the per-row work (the phone parsing dominates) and hands back
rows in the form they are stored in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain
from operator import itemgetter
from typing import Any, Literal

from outbound.importing.table import normalise_rows
from outbound.phones import PREMIUM_NOTE, PhoneNumber, parse_phone_cell
from outbound.text import name_key, normalise_postcode

RowOutcome = Literal["valid", "repaired", "invalid_phone", "duplicate", "error"]
OUTCOMES: tuple[RowOutcome, ...] = ("valid", "repaired", "invalid_phone", "duplicate", "error")

PREFERRED = {
    "phone": "phone", "telephone": "phone", "call": "phone", "tel": "phone",
    "email": "email", "e-mail": "email",
    "letter": "letter", "post": "letter", "postal": "letter",
    "text": "text", "sms": "text", "text message": "text",
}
KINDS = {"person": "person", "individual": "person", "organisation": "organisation",
         "organization": "organisation", "provider": "organisation", "business": "organisation"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y", "%d %B %Y",
                 "%d %b %Y", "%Y/%m/%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")


@dataclass(slots=True)
class RowIssue:
    row_number: int
    column: str | None
    outcome: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row_number, "column": self.column, "outcome": self.outcome,
                "reason": self.message}


# A parsed row: (row_number, outcome, key, contact, phones, issues) where
#   outcome  "valid", "repaired", "invalid_phone", or "error" (then key and contact
#            are None);
#   key      what duplicates are found by: ("ref", ref), ("phone", e164, name_key) or
#            ("name", name_key, postcode);
#   contact  the contact row in CONTACT_COLUMNS order, ready to insert but for its id,
#            with the first number (usable ones first) in its FIRST_PHONE columns;
#   phones   contact_phone rows for the second and later numbers, in PHONE_COLUMNS
#            order but for the contact id;
#   issues   import_issue rows in ISSUE_COLUMNS order.
ParsedRow = tuple[int, str, tuple[Any, ...] | None, tuple[Any, ...] | None,
                  tuple[tuple[Any, ...], ...], tuple[tuple[Any, ...], ...]]
# A batch travels from a worker process to the writer column by column, as tuples of
# plain values (str, int, bool, None): cheap to send and to read back, and, holding no
# lists, soon left alone by the garbage collector of the importing process. The same
# fields as ParsedRow, but issues is one tuple for the batch, in row order.
ParsedBatch = tuple[tuple[Any, ...], ...]
# A row's numbers as stored, from RowParser._phones_of.
_Phones = tuple[tuple[Any, ...], tuple[tuple[Any, ...], ...], str, str | None,
                tuple[tuple[str | None, str, str], ...]]
NUMBERS, ROW_OUTCOMES, KEYS, CONTACTS, PHONES, ISSUES = range(6)

CONTACT_COLUMNS = (
    "kind", "name", "name_key", "organisation", "role", "email", "address", "postcode",
    "district", "source", "external_ref", "expiry_date", "preferred_contact",
    "accessibility_needs", "attributes", "primary_phone", "phone_extension", "phone_raw",
    "phone_line_type", "phone_note", "do_not_call", "created_at", "updated_at",
    "last_import_id")
# The first number's columns on the contact row: e164 (when usable), extension, raw,
# line type and note.
FIRST_PHONE = ("primary_phone", "phone_extension", "phone_raw", "phone_line_type",
               "phone_note")
PHONE_COLUMNS = ("position", "e164", "extension", "raw", "line_type", "usable", "note")
ISSUE_COLUMNS = ("import_id", "row_number", "column", "outcome", "message")
C = {column: index for index, column in enumerate(CONTACT_COLUMNS)}
_PARSED_FIELDS = ("name", "first_name", "last_name", "organisation", "role", "address",
                  "district", "external_ref", "accessibility_needs", "kind", "notes", "phone",
                  "postcode", "email", "expiry_date", "preferred_contact")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_to_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(…, ensure_ascii=False)
_NO_PHONE = (None,) * len(FIRST_PHONE)
# Cells remembered per parser: a list repeats its postcodes, dates and often its numbers.
_REMEMBERED = 1 << 16


class _Remembered(dict[Any, Any]):
    """A pure function's results by argument; emptied when full, so memory stays bounded.
    A repeated cell costs one dictionary lookup."""

    def __init__(self, function: Callable[[Any], Any]) -> None:
        super().__init__()
        self.function = function

    def __missing__(self, key: Any) -> Any:
        if len(self) >= _REMEMBERED:
            self.clear()
        value = self[key] = self.function(key)
        return value


def _name_key(name: str) -> str:
    """outbound.text.name_key, without its Unicode work for the usual all-ASCII name."""
    if name.isascii():
        return _NOT_WORD.sub(" ", name.lower().replace("&", " and ")).strip()
    return name_key(name)


_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})$")


def parse_date(text: str) -> date | None:
    """A date as councils write it: 31/03/2027 (never the American 03/31), or ISO."""
    quick = _UK_DATE.match(text)
    if quick:
        day, month, year = quick.groups()
    else:
        quick = _ISO_DATE.match(text)
        if quick:
            year, month, day = quick.groups()
    if quick:
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _iso_date(text: str) -> str | None:
    """parse_date as stored: ISO text."""
    parsed = parse_date(text)
    return None if parsed is None else parsed.isoformat()


class RowParser:
    """Turns rows of cells into ParsedRows, given the header -> field mapping.

    ``source``, ``stamp`` (created/updated time as the database stores it) and
    ``import_id`` go into every contact row as they are; ``by_reference`` says whether
    duplicates are found by external reference first.
    """

    def __init__(self, headers: Sequence[str], mapping: Mapping[str, str], *,
                 default_kind: str = "person", region: str = "GB",
                 by_reference: bool = False, source: str = "", stamp: Any = None,
                 import_id: int | None = None) -> None:
        self.headers = list(headers)
        self.region = region
        self.default_kind = default_kind
        self.by_reference = by_reference
        self.source = source
        self.stamp = stamp
        self.import_id = import_id
        self._field_at: dict[str, int] = {}
        self._alt_at: list[int] = []
        self._extra_at: list[tuple[int, str]] = []
        for index, header in enumerate(self.headers):
            target = mapping.get(header)
            if target == "phone_alt":
                self._alt_at.append(index)
            elif target == "-":
                continue
            elif target:
                self._field_at.setdefault(target, index)
            else:
                self._extra_at.append((index, header))
        self._columns = {name: self.headers[i] for name, i in self._field_at.items()}
        self._phone_column = self._columns.get("phone")
        # Every field's cell in one C call; a field with no column reads the "" that
        # parse() appends to the row.
        self._fields = itemgetter(*(self._field_at.get(f, -1) for f in _PARSED_FIELDS))
        # a number cell's _phones_of; with other number columns, each cell's numbers
        self._phone_cells = _Remembered(self._phone_cell)
        self._numbers = _Remembered(lambda cell: parse_phone_cell(cell, region).numbers)
        self._postcodes = _Remembered(normalise_postcode)
        self._dates = _Remembered(_iso_date)

    def has_field(self, name: str) -> bool:
        return name in self._field_at or (name == "phone_alt" and bool(self._alt_at))

    def column_of(self, name: str) -> str | None:
        return self._columns.get(name)

    def parse(self, row_number: int, cells: Sequence[str]) -> ParsedRow:
        (name, first_name, last_name, organisation, role, address, district, ref,
         accessibility, kind, notes, phone, postcode, email, expiry,
         preferred) = self._fields([*cells, ""])
        if not name:
            name = " ".join(p for p in (first_name, last_name) if p)
        organisation = organisation or None
        if not name and organisation:
            name = organisation
        import_id = self.import_id
        if not name:
            return (row_number, "error", None, None, (), (
                (import_id, row_number, self.column_of("name"), "error",
                 "no name: a contact needs a name to be called"),))

        if self._alt_at:
            first_phone, phone_rows, outcome, primary, found = self._phones_of(
                [(self._phone_column, self._numbers[phone]),
                 *((self.headers[i], self._numbers[cells[i]]) for i in self._alt_at
                   if cells[i])])
        else:
            first_phone, phone_rows, outcome, primary, found = self._phone_cells[phone]
        issues = [(import_id, row_number, *issue) for issue in found] if found else []
        if postcode:
            raw, postcode = postcode, self._postcodes[postcode]
            if postcode is None:
                issues.append((import_id, row_number, self.column_of("postcode"), "warning",
                               f"“{raw}” is not a UK postcode; left out"))
        if email:
            email = self._email(row_number, email, issues)
        if expiry:
            raw, expiry = expiry, self._dates[expiry]
            if expiry is None:
                issues.append((import_id, row_number, self.column_of("expiry_date"),
                               "warning", f"“{raw}” is not a date (use 31/03/2027); left out"))
        if preferred:
            preferred = self._preferred(row_number, preferred, issues)
        kind = KINDS.get(kind.casefold(), self.default_kind) if kind else self.default_kind
        attributes = {header: cells[i] for i, header in self._extra_at if cells[i]}
        if notes:
            attributes["Notes"] = notes
        key_name = _name_key(name)[:300]
        ref = ref or None
        if self.by_reference and ref:
            key: tuple[Any, ...] = ("ref", ref)
        elif primary:
            key = ("phone", primary, key_name)
        else:
            key = ("name", key_name, postcode or None)
        contact = (
            kind, name[:300], key_name, organisation, role or None, email or None,
            address or None, postcode or None, district or None, self.source, ref,
            expiry or None, preferred or None, accessibility or None,
            _to_json(attributes) if attributes else "{}", *first_phone,
            False, self.stamp, self.stamp, import_id,
        )
        return (row_number, outcome, key, contact, phone_rows, tuple(issues))

    def parse_batch(self, rows: Iterable[tuple[int, Sequence[str]]], *,
                    as_read: bool = False) -> ParsedBatch:
        """Parse rows into a ParsedBatch; ``as_read``: rows from TableReader.record_chunks,
        normalised here first."""
        rows = (normalise_rows(rows, len(self.headers)) if as_read  # type: ignore[arg-type]
                else list(rows))
        self._check_numbers(rows)
        parse = self.parse
        parsed = [parse(number, cells) for number, cells in rows]
        if not parsed:
            return ((),) * 6
        numbers, outcomes, keys, contacts, phones, issues = zip(*parsed, strict=True)
        return numbers, outcomes, keys, contacts, phones, tuple(chain.from_iterable(issues))

    def _check_numbers(self, rows: Sequence[tuple[int, Sequence[str]]]) -> None:
        """Check a batch's number cells before its rows are parsed (which then find them
        remembered): one after another, phonenumbers' work runs a tenth faster than
        between the other cells'. A list with other number columns is checked row by row."""
        at = self._field_at.get("phone")
        if at is None or self._alt_at:
            return
        phone_cells = self._phone_cells.__getitem__
        for _, cells in rows:
            if at < len(cells):
                phone_cells(cells[at])

    def _issue(self, issues: list[tuple[Any, ...]], row_number: int, column: str | None,
               outcome: str, message: str) -> None:
        issues.append((self.import_id, row_number, column, outcome, message))

    def _phone_cell(self, text: str) -> _Phones:
        """_phones_of the phone column's cell, when the list has no other number column."""
        return self._phones_of([(self._phone_column, parse_phone_cell(text, self.region)
                                 .numbers)])

    @staticmethod
    def _phones_of(found: Sequence[tuple[str | None, tuple[PhoneNumber, ...]]]) -> _Phones:
        """The numbers found in a row's cells, by column, as stored: the first number's
        FIRST_PHONE columns (usable numbers first), contact_phone rows for the others,
        the row's outcome, the primary number (the first usable one), and the issues,
        as (column, outcome, message)."""
        issues: list[tuple[str | None, str, str]] = []
        rows: list[tuple[Any, ...]] = []
        unusable: list[PhoneNumber] = []
        premium: list[PhoneNumber] = []
        repaired = False
        for col, numbers in found:
            for number in numbers:
                e164, problem = number.e164, number.problem
                if e164 is None or problem is not None:
                    unusable.append(number)
                    issues.append((col, "invalid_phone", f"{number.raw}: {problem}"))
                    continue
                note = ""
                if number.repairs:
                    note = "; ".join(number.repairs)
                    repaired = True
                    issues.append((col, "repaired", f"{number.raw}: {note}"))
                line_type = number.line_type
                if line_type == "premium":       # costs the council: held back
                    issues.append((col, "premium", f"{number.raw} is a {PREMIUM_NOTE}"))
                    premium.append(number)
                    continue
                rows.append((len(rows), e164, number.extension, number.raw[:200], line_type,
                             True, note))
        if not rows and premium:
            outcome, primary = ("repaired" if repaired else "valid"), None
        elif not rows:
            outcome, primary = "invalid_phone", None
            if not unusable:
                issues.append((found[0][0], "invalid_phone", "no phone number given"))
        else:
            outcome, primary = ("repaired" if repaired else "valid"), rows[0][1]
        for number in premium:
            rows.append((len(rows), number.e164, number.extension, number.raw[:200],
                         number.line_type, False, PREMIUM_NOTE))
        for number in unusable:
            rows.append((len(rows), number.e164, number.extension, number.raw[:200],
                         number.line_type, False, number.problem))
        if not rows:
            return _NO_PHONE, (), outcome, primary, tuple(issues)
        first = rows[0]
        return ((primary, first[2], first[3], first[4], first[6] or None), tuple(rows[1:]),
                outcome, primary, tuple(issues))

    def _email(self, row_number: int, raw: str, issues: list[tuple[Any, ...]]) -> str | None:
        if _EMAIL.match(raw):
            return raw
        self._issue(issues, row_number, self.column_of("email"), "warning",
                    f"“{raw}” is not an email address; left out")
        return None

    def _preferred(self, row_number: int, raw: str,
                   issues: list[tuple[Any, ...]]) -> str | None:
        method = PREFERRED.get(raw.casefold())
        if method is None:
            self._issue(issues, row_number, self.column_of("preferred_contact"), "warning",
                        f"“{raw}” is not a contact method (phone, email, letter or text); "
                        "left out")
        return method
