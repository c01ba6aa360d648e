"""One row of a call list turned into a contact record, with what was wrong with it.

Pure functions: no database. The importer calls this for every row, so it is kept to
the work that must be done (the phone parsing dominates).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from outbound.phones import PhoneCell, PhoneNumber, parse_phone_cell
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


@dataclass(slots=True)
class ContactRecord:
    """What a row says about a contact, ready to be stored."""

    row_number: int
    name: str
    kind: str
    values: dict[str, Any]          # column values of the contact table (bar phones)
    phones: list[PhoneNumber]        # usable first, then the unusable ones as imported
    attributes: dict[str, str]
    outcome: RowOutcome
    issues: list[RowIssue] = field(default_factory=list)
    # Worked out once, where the row is parsed (possibly in a worker process).
    name_key: str = ""
    primary_phone: str | None = None
    attributes_json: str = "{}"
    phone_rows: list[tuple[Any, ...]] = field(default_factory=list)  # as contact_phone rows


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


class RowParser:
    """Turns rows of cells into ContactRecords, given the header -> field mapping."""

    def __init__(self, headers: Sequence[str], mapping: Mapping[str, str], *,
                 default_kind: str = "person", region: str = "GB") -> None:
        self.headers = list(headers)
        self.region = region
        self.default_kind = default_kind
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

    def has_field(self, name: str) -> bool:
        return name in self._field_at or (name == "phone_alt" and bool(self._alt_at))

    def column_of(self, name: str) -> str | None:
        index = self._field_at.get(name)
        return self.headers[index] if index is not None else None

    def _cell(self, cells: Sequence[str], name: str) -> str:
        index = self._field_at.get(name)
        return cells[index] if index is not None else ""

    def parse(self, row_number: int, cells: Sequence[str]) -> ContactRecord | RowIssue:
        issues: list[RowIssue] = []
        name = self._cell(cells, "name")
        if not name:
            name = " ".join(p for p in (self._cell(cells, "first_name"),
                                        self._cell(cells, "last_name")) if p)
        organisation = self._cell(cells, "organisation") or None
        if not name and organisation:
            name = organisation
        if not name:
            return RowIssue(row_number, self.column_of("name"), "error",
                            "no name: a contact needs a name to be called")

        phones, outcome = self._phones(row_number, cells, issues)
        values: dict[str, Any] = {"organisation": organisation}
        for simple in ("role", "address", "district", "external_ref", "accessibility_needs"):
            values[simple] = self._cell(cells, simple) or None
        self._postcode(row_number, cells, values, issues)
        self._email(row_number, cells, values, issues)
        self._expiry(row_number, cells, values, issues)
        self._preferred(row_number, cells, values, issues)
        kind = KINDS.get(self._cell(cells, "kind").casefold(), self.default_kind)
        attributes = {header: cells[i] for i, header in self._extra_at if cells[i]}
        notes = self._cell(cells, "notes")
        if notes:
            attributes["Notes"] = notes
        first = phones[0] if phones else None
        return ContactRecord(
            row_number, name, kind, values, phones, attributes, outcome, issues,
            name_key=name_key(name)[:300],
            primary_phone=first.e164 if first is not None and first.usable else None,
            attributes_json=json.dumps(attributes, ensure_ascii=False),
            phone_rows=[(position, n.e164, n.extension, n.raw[:200], n.line_type, n.usable,
                         "; ".join(n.repairs) if n.usable else n.problem)
                        for position, n in enumerate(phones)],
        )

    def _phones(self, row_number: int, cells: Sequence[str],
                issues: list[RowIssue]) -> tuple[list[PhoneNumber], RowOutcome]:
        column = self.column_of("phone")
        cell = parse_phone_cell(self._cell(cells, "phone"), self.region)
        found: list[tuple[str | None, PhoneCell]] = [(column, cell)]
        for index in self._alt_at:
            if cells[index]:
                found.append((self.headers[index], parse_phone_cell(cells[index], self.region)))
        usable: list[PhoneNumber] = []
        unusable: list[PhoneNumber] = []
        repaired = False
        for col, parsed in found:
            for number in parsed.numbers:
                if number.usable:
                    usable.append(number)
                    if number.repairs:
                        repaired = True
                        issues.append(RowIssue(row_number, col, "repaired",
                                               f"{number.raw}: " + "; ".join(number.repairs)))
                    if number.premium:
                        issues.append(RowIssue(row_number, col, "premium",
                                               f"{number.raw} is a premium-rate number"))
                else:
                    unusable.append(number)
                    issues.append(RowIssue(row_number, col, "invalid_phone",
                                           f"{number.raw}: {number.problem}"))
        if not usable:
            if not unusable:
                issues.append(RowIssue(row_number, column, "invalid_phone",
                                       "no phone number given"))
            return unusable, "invalid_phone"
        return usable + unusable, "repaired" if repaired else "valid"

    def _postcode(self, row_number: int, cells: Sequence[str], values: dict[str, Any],
                  issues: list[RowIssue]) -> None:
        raw = self._cell(cells, "postcode")
        values["postcode"] = None
        if raw:
            postcode = normalise_postcode(raw)
            if postcode is None:
                issues.append(RowIssue(row_number, self.column_of("postcode"), "warning",
                                       f"“{raw}” is not a UK postcode; left out"))
            values["postcode"] = postcode

    def _email(self, row_number: int, cells: Sequence[str], values: dict[str, Any],
               issues: list[RowIssue]) -> None:
        raw = self._cell(cells, "email")
        values["email"] = None
        if raw:
            if _EMAIL.match(raw):
                values["email"] = raw
            else:
                issues.append(RowIssue(row_number, self.column_of("email"), "warning",
                                       f"“{raw}” is not an email address; left out"))

    def _expiry(self, row_number: int, cells: Sequence[str], values: dict[str, Any],
                issues: list[RowIssue]) -> None:
        raw = self._cell(cells, "expiry_date")
        values["expiry_date"] = None
        if raw:
            expiry = parse_date(raw)
            if expiry is None:
                issues.append(RowIssue(row_number, self.column_of("expiry_date"), "warning",
                                       f"“{raw}” is not a date (use 31/03/2027); left out"))
            values["expiry_date"] = expiry

    def _preferred(self, row_number: int, cells: Sequence[str], values: dict[str, Any],
                   issues: list[RowIssue]) -> None:
        raw = self._cell(cells, "preferred_contact")
        values["preferred_contact"] = None
        if raw:
            method = PREFERRED.get(raw.casefold())
            if method is None:
                issues.append(RowIssue(row_number, self.column_of("preferred_contact"),
                                       "warning", f"“{raw}” is not a contact method "
                                       "(phone, email, letter or text); left out"))
            values["preferred_contact"] = method
