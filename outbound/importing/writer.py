"""Storing a batch of imported contacts: insert the new, update the changed, skip repeats.

Duplicates are found by external reference when the list has one, otherwise by primary
number plus normalised name (or, with no usable number, by name plus postcode), both
within the file and against the database. Each batch costs a few indexed queries and
bulk statements, whatever the size of the database.

A duplicate row is not stored again; the report says which row it repeats and, when it
says something else (another address, type or website), which details differ, as the
first row's are kept. That comparison is made only for the duplicates found.
"""

from __future__ import annotations

import json
import sqlite3
from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from outbound.db.models import Contact, ContactPhone, NumberEvent
from outbound.importing.columns import FIELDS
from outbound.importing.inserts import ContactInserts, insert_rows
from outbound.importing.rows import (
    CONTACTS,
    FIRST_PHONE,
    ISSUE_COLUMNS,
    KEYS,
    NUMBERS,
    PHONE_COLUMNS,
    PHONES,
    C,
    ParsedBatch,
)
from outbound.numbers import NumberMarks, number_marks
from outbound.phones import parse_phone_cell

Key = tuple[Any, ...]
_SQLITE_CACHE_KB = 64 * 1024
_COMPARED = ("organisation", "role", "address", "postcode", "district", "email",
             "expiry_date", "preferred_contact", "accessibility_needs")
_COMPARED_AT = tuple((column, C[column]) for column in _COMPARED)
_LOADED = ("id", "name", "name_key", "external_ref", "primary_phone", "phone_extension",
           "phone_raw", "postcode", "attributes", "last_import_id",
           *(c for c in _COMPARED if c != "postcode"))
_FIRST_PHONE_AT = tuple((column, C[column]) for column in FIRST_PHONE)
_PRIMARY, _EXTENSION, _RAW = C["primary_phone"], C["phone_extension"], C["phone_raw"]
_LOADED_COLUMNS = tuple(Contact.__table__.c[name] for name in _LOADED)
_SELECTED = ", ".join(f"c.{name}" for name in _LOADED)

# Looking up a batch's keys: one statement per kind of key, the keys passed as one JSON
# parameter, each key an index probe. The keys drive the join (CROSS JOIN fixes SQLite's
# join order; on PostgreSQL the LATERAL subquery, kept apart by OFFSET 0, is planned per
# key on a fully matched index), so neither missing statistics nor a generic plan can
# turn a lookup into a scan of every contact of the source, once per batch.
_LOOKUP = {
    "sqlite": {
        "ref": "FROM json_each(:keys) AS k CROSS JOIN contact AS c "
               "WHERE c.source = :source AND c.external_ref = k.value",
        "phone": "FROM json_each(:keys) AS k CROSS JOIN contact AS c "
                 "WHERE c.primary_phone = json_extract(k.value, '$[0]') "
                 "AND c.name_key = json_extract(k.value, '$[1]')",
        "name": "FROM json_each(:keys) AS k CROSS JOIN contact AS c "
                "WHERE c.name_key = json_extract(k.value, '$[0]') AND (c.primary_phone IS NULL "
                "OR c.phone_line_type = 'premium') "
                "AND c.postcode IS json_extract(k.value, '$[1]')",
    },
    "postgresql": {
        "ref": "FROM json_array_elements_text(CAST(:keys AS json)) AS k(ref) "
               "CROSS JOIN LATERAL (SELECT * FROM contact WHERE source = :source "
               "AND external_ref = k.ref OFFSET 0) AS c",
        "phone": "FROM json_array_elements(CAST(:keys AS json)) AS k(v) CROSS JOIN LATERAL ("
                 "SELECT * FROM contact WHERE primary_phone = k.v->>0 "
                 "AND name_key = k.v->>1 OFFSET 0) AS c",
        "name": "FROM json_array_elements(CAST(:keys AS json)) AS k(v) CROSS JOIN LATERAL ("
                "SELECT * FROM contact WHERE name_key = k.v->>0 AND (primary_phone IS NULL "
                "OR phone_line_type = 'premium') "
                "AND postcode IS NOT DISTINCT FROM k.v->>1 OFFSET 0) AS c",
    },
}
_FOUND_AS = {"ref": ("external_ref",), "phone": ("primary_phone", "name_key"),
             "name": ("name_key", "postcode")}

# What a duplicate was matched on, in the report's words.
_MATCHED_ON = {"ref": "reference", "phone": "number and name", "name": "name and postcode"}
_NAME_ONLY = "name; neither has a usable number or a postcode"

_ISSUE_INSERT = ("import_issue", ISSUE_COLUMNS)
_PHONE_INSERT = ("contact_phone", ("contact_id", *PHONE_COLUMNS))


class ContactWriter:
    """Writes batches of parsed rows for one import, remembering what it has matched.

    A stored contact this import created or updated carries its id in last_import_id;
    the ones it matched and left unchanged are remembered here, so that a later row of
    the file repeating them is counted as a duplicate. So is the row of the file that
    created or first matched each contact, for the report of a duplicate: compactly, as
    an import may create millions.
    """

    def __init__(self, session: Session, *, import_id: int, source: str,
                 by_reference: bool, now: datetime) -> None:
        self.session = session
        self.import_id = import_id
        self.source = source
        self.by_reference = by_reference
        self.now = now
        self.dialect = session.get_bind().dialect.name
        # stored contacts matched by this import -> the row that first matched each
        self.matched: dict[int, int] = {}
        # contacts this import created, in id order, and the rows that created them
        self._created_ids = array("q")
        self._created_rows = array("q")
        self._created_in_order = True
        # the last batch's duplicates: index in the batch -> what the row repeats
        self.repeats: dict[int, str] = {}
        self._sequence: int | None = None  # PostgreSQL: the contact id sequence's oid
        self._marked_wrong: set[str] | None = None   # numbers marked wrong on calls
        self._contacts = ContactInserts(self.dialect, {"do_not_call": False,
                                                       "created_at": self.stamp,
                                                       "updated_at": self.stamp,
                                                       "last_import_id": import_id})
        self._lookups = {kind: text(f"SELECT {_SELECTED} {sql}").columns(*_LOADED_COLUMNS)
                         for kind, sql in _LOOKUP[self.dialect].items()}

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Writing many batches: on SQLite, with a page cache big enough to hold the hot
        pages of the contact indexes, which are otherwise read and spilled again and
        again (the cache is given back afterwards)."""
        if self.dialect != "sqlite":
            yield
            return
        driver = self.session.connection().connection.dbapi_connection
        assert driver is not None
        before = driver.execute("PRAGMA cache_size").fetchone()[0]
        driver.execute(f"PRAGMA cache_size = {min(int(before), -_SQLITE_CACHE_KB)}")
        try:
            yield
        finally:
            with suppress(sqlite3.Error):  # never hide why the import stopped
                driver.execute(f"PRAGMA cache_size = {int(before)}")

    @property
    def stamp(self) -> str:
        """``now`` as the database stores it (see UTCDateTime), for the parsed rows."""
        if self.dialect == "sqlite":
            return self.now.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        return self.now.astimezone(UTC).isoformat(" ", "microseconds")

    def write(self, batch: ParsedBatch) -> list[str | None]:
        """Store a batch; returns per row "created", "updated", "unchanged", "duplicate",
        or None for a row refused as an error. ``repeats`` then says, for each duplicate,
        which row it repeats and which of its details differ."""
        keys = batch[KEYS]
        results: list[str | None] = ["duplicate"] * len(keys)
        # the first row of each key, in row order (rows refused as errors have none)
        first_in_batch: dict[Key, int] = {}
        deque(map(first_in_batch.setdefault, keys, range(len(keys))), 0)
        if None in first_in_batch:
            del first_in_batch[None]
            for i, key in enumerate(keys):
                if key is None:
                    results[i] = None
        existing = self._existing(first_in_batch)
        to_insert: list[int] = []
        matched: list[tuple[int, dict[str, Any]]] = []
        if not existing:     # the usual batch of a new list: every key new
            to_insert = list(first_in_batch.values())
        else:
            for key, i in first_in_batch.items():
                found = existing.get(key)
                if found is None:
                    to_insert.append(i)
                elif found["last_import_id"] == self.import_id or found["id"] in self.matched:
                    continue   # a repeat of a row earlier in the file
                else:
                    self.matched[found["id"]] = batch[NUMBERS][i]
                    matched.append((i, found))
        if matched:
            self._update(batch, matched, results)
        if to_insert:
            self._insert(batch, to_insert, results)
        self.repeats = {}
        if "duplicate" in results:
            self._explain_repeats(batch, results, first_in_batch, existing)
        return results

    def _update(self, batch: ParsedBatch, matched: list[tuple[int, dict[str, Any]]],
                results: list[str | None]) -> None:
        stored_others = self._other_phones([found["id"] for _, found in matched])
        updates: list[dict[str, Any]] = []
        phone_changes: dict[int, tuple[tuple[Any, ...], ...]] = {}
        changes: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
        # the contacts whose numbers in the file differ from those stored
        differ: list[tuple[int, int, dict[str, Any], list[tuple[Any, ...]]]] = []
        for i, found in matched:
            contact = batch[CONTACTS][i]
            change = self._changes(found, contact)
            changes.append((i, found, change))
            if contact[_RAW] is not None:   # a blank cell keeps the numbers stored
                stored = stored_others.get(found["id"], [])
                if found["phone_raw"] is not None or found["primary_phone"] is not None:
                    stored = [(found["primary_phone"], found["phone_extension"],
                               found["phone_raw"]), *stored]
                if _given(contact[_PRIMARY:_RAW + 1], batch[PHONES][i]) != stored:
                    differ.append((i, found["id"], change, stored))
        # A number marked wrong on a call stays so, and a premium-rate number a supervisor
        # allowed stays allowed, when the list brings it back: one query for the batch,
        # and only for the contacts whose numbers would be rewritten.
        marks = number_marks(self.session, [d[1] for d in differ]) if differ else {}
        for i, contact_id, change, stored in differ:
            contact = batch[CONTACTS][i]
            first = tuple(contact[index] for _, index in _FIRST_PHONE_AT)
            others = batch[PHONES][i]
            if contact_id in marks:
                first, others = _with_marks(first, others, marks[contact_id])
                if _given(first[:3], others) == stored:
                    continue
            phone_changes[contact_id] = others
            change.update(zip(FIRST_PHONE, first, strict=True))
        for i, found, change in changes:
            if change:
                change.update(id=found["id"], updated_at=self.now,
                              last_import_id=self.import_id)
                updates.append(change)
                results[i] = "updated"
            else:
                results[i] = "unchanged"
        if updates:
            self.session.execute(update(Contact), updates)
        if phone_changes:
            self.session.execute(delete(ContactPhone).where(
                ContactPhone.contact_id.in_(phone_changes)))
            rows = [(cid, *phone) for cid, phones in phone_changes.items() for phone in phones]
            if rows:
                self._executemany(_PHONE_INSERT, rows)

    def _insert(self, batch: ParsedBatch, indexes: list[int],
                results: list[str | None]) -> None:
        ids = self._allocate_ids(len(indexes))
        contacts, phones_of, numbers = batch[CONTACTS], batch[PHONES], batch[NUMBERS]
        if len(indexes) < len(contacts):
            contacts = [contacts[i] for i in indexes]
            phones_of = [phones_of[i] for i in indexes]
            numbers = [numbers[i] for i in indexes]
            for i in indexes:
                results[i] = "created"
        else:                # every row of the batch (indexes are ascending)
            results[:] = ["created"] * len(contacts)
        phones = [(contact_id, *phone) for contact_id, others in zip(ids, phones_of, strict=True)
                  if others for phone in others]
        if self._created_ids and ids and ids[0] <= self._created_ids[-1]:
            self._created_in_order = False
        self._created_ids.extend(ids)
        self._created_rows.extend(numbers)
        self._contacts.insert(self.session.connection(), ids, contacts)
        if phones:
            self._executemany(_PHONE_INSERT, phones)

    def insert_issues(self, issues: Sequence[tuple[Any, ...]]) -> None:
        """Store import_issue rows (ISSUE_COLUMNS order)."""
        self._executemany(_ISSUE_INSERT, issues)

    def _executemany(self, statement: tuple[str, tuple[str, ...]],
                     rows: Sequence[tuple[Any, ...]]) -> None:
        insert_rows(self.session.connection(), *statement, rows)

    def _allocate_ids(self, count: int) -> list[int]:
        """Ids for new contacts, so that rows can be inserted in bulk without RETURNING.

        On SQLite the import's transaction holds the write lock (BEGIN IMMEDIATE), so
        nobody else can take the ids after the current largest; PostgreSQL hands them
        out from the table's sequence, named once by its number (looking it up by name
        for every id took longer than the ids themselves).
        """
        connection = self.session.connection()
        if self.dialect == "sqlite":
            start = connection.exec_driver_sql("SELECT max(id) FROM contact").scalar() or 0
            return list(range(start + 1, start + 1 + count))
        if self._sequence is None:
            self._sequence = int(connection.exec_driver_sql(
                "SELECT CAST(CAST(pg_get_serial_sequence('contact', 'id') AS regclass) "
                "AS oid)").scalar_one())
        rows = connection.exec_driver_sql(
            f"SELECT nextval(CAST({self._sequence} AS regclass)) "
            "FROM generate_series(1, %(n)s)", {"n": count}).fetchall()
        return [row[0] for row in rows]

    def _existing(self, keys: Iterable[Key]) -> dict[Key, dict[str, Any]]:
        """The stored contacts matching the keys, one per key (the first found)."""
        keys = list(keys)
        kinds = set(map(itemgetter(0), keys))
        by_kind: dict[str, list[Key]] = {"ref": [], "phone": [], "name": []}
        if len(kinds) == 1:
            by_kind[kinds.pop()] = keys
        else:
            for key in keys:
                by_kind[key[0]].append(key)
        found: dict[Key, dict[str, Any]] = {}
        for kind, wanted in by_kind.items():
            if not wanted:
                continue
            values = ([key[1] for key in wanted] if kind == "ref"
                      else [key[1:] for key in wanted])
            params: dict[str, Any] = {"keys": json.dumps(values, ensure_ascii=False)}
            if kind == "ref":
                params["source"] = self.source
            names = _FOUND_AS[kind]
            for row in self.session.execute(self._lookups[kind], params).mappings():
                found.setdefault((kind, *(row[n] for n in names)), dict(row))
            if kind == "phone":
                self._found_by_wrong_number(wanted, found)
        return found

    def _found_by_wrong_number(self, wanted: list[Key], found: dict[Key, dict[str, Any]]
                               ) -> None:
        """A contact whose first number was marked wrong on a call no longer has it on
        its row, so a list giving that number first is matched by the mark instead (the
        numbers marked wrong are read once per import; most lists touch none)."""
        missed = [key for key in wanted if key not in found]
        if not missed:
            return
        if self._marked_wrong is None:
            self._marked_wrong = set(self.session.scalars(
                select(NumberEvent.number).where(NumberEvent.event == "wrong_number",
                                                 NumberEvent.number.is_not(None))
                .distinct()))
        missed = [key for key in missed if key[1] in self._marked_wrong]
        if not missed:
            return
        stmt = (select(NumberEvent.number.label("marked"), *_LOADED_COLUMNS)
                .select_from(Contact)
                .join(NumberEvent, NumberEvent.contact_id == Contact.id)
                .where(NumberEvent.event == "wrong_number",
                       NumberEvent.number.in_({key[1] for key in missed}),
                       Contact.name_key.in_({key[2] for key in missed}))
                .order_by(Contact.id))
        wanted_now = set(missed)
        for row in self.session.execute(stmt).mappings():
            key = ("phone", row["marked"], row["name_key"])
            if key in wanted_now:
                found.setdefault(key, {name: row[name] for name in _LOADED})

    def _first_row(self, contact_id: int) -> int | None:
        """The row of this import that created or first matched a stored contact."""
        if contact_id in self.matched:
            return self.matched[contact_id]
        ids = self._created_ids
        if self._created_in_order:
            at = bisect_left(ids, contact_id)
            found = at < len(ids) and ids[at] == contact_id
        else:  # pragma: no cover - ids are handed out in order on both databases
            found = contact_id in ids
            at = ids.index(contact_id) if found else 0
        return self._created_rows[at] if found else None

    def _explain_repeats(self, batch: ParsedBatch, results: list[str | None],
                         first_in_batch: dict[Key, int],
                         existing: dict[Key, dict[str, Any]]) -> None:
        """Say, for each duplicate of the batch, which row it repeats and what differs."""
        keys, contacts, numbers = batch[KEYS], batch[CONTACTS], batch[NUMBERS]
        for i, result in enumerate(results):
            if result != "duplicate":
                continue
            key = keys[i]
            first = first_in_batch[key]
            found = existing.get(key)
            if first != i and results[first] != "duplicate":
                row: int | None = numbers[first]   # the first row of the batch was kept
                kept = _details(contacts[first])
                if found is not None:              # over a stored contact's details
                    kept = {**_stored_details(found), **kept,
                            "attributes": {**(found["attributes"] or {}), **kept["attributes"]}}
            else:                                  # a contact stored by an earlier batch
                assert found is not None
                row = self._first_row(found["id"])
                kept = _stored_details(found)
            self.repeats[i] = _repeat_message(key, row, _differences(contacts[i], kept))

    def _changes(self, found: dict[str, Any], contact: tuple[Any, ...]) -> dict[str, Any]:
        """Fields the file changes: a value given replaces; a blank keeps what is stored."""
        change: dict[str, Any] = {}
        name = contact[C["name"]]
        if name != found["name"]:
            change["name"] = name
            change["name_key"] = contact[C["name_key"]]
        for column, index in _COMPARED_AT:
            value = contact[index]
            if value is None:
                continue
            if column == "expiry_date":
                value = date.fromisoformat(value)
            if value != found[column]:
                change[column] = value
        attributes = json.loads(contact[C["attributes"]])
        stored = found["attributes"] or {}
        merged = {**stored, **attributes}
        if merged != stored:
            change["attributes"] = merged
        return change

    def _other_phones(self, ids: list[int]) -> dict[int, list[tuple[Any, ...]]]:
        """The second and later numbers stored for these contacts, as (e164, extension,
        raw), in order."""
        phones: dict[int, list[tuple[Any, ...]]] = {}
        if ids:
            stmt = (select(ContactPhone.contact_id, ContactPhone.e164, ContactPhone.extension,
                           ContactPhone.raw)
                    .where(ContactPhone.contact_id.in_(ids))
                    .order_by(ContactPhone.contact_id, ContactPhone.position))
            for contact_id, e164, extension, raw in self.session.execute(stmt):
                phones.setdefault(contact_id, []).append((e164, extension, raw))
        return phones


def _given(first: Sequence[Any], others: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """A row's numbers as compared with those stored: (e164, extension, raw) each."""
    return [tuple(first), *(phone[1:4] for phone in others)]


def _with_marks(first: tuple[Any, ...], others: Sequence[tuple[Any, ...]],
                marks: NumberMarks) -> tuple[tuple[Any, ...], tuple[tuple[Any, ...], ...]]:
    """A row's numbers (FIRST_PHONE columns, contact_phone rows) with the contact's marks
    applied, usable numbers first, as ``numbers`` stores them after a mark."""
    primary, extension, raw, line_type, note = first
    e164 = primary
    if e164 is None and line_type == "premium" and raw:   # held back: kept as text only
        parsed = parse_phone_cell(raw).numbers
        e164 = parsed[0].e164 if parsed else None
    entries = [(e164, extension, raw, line_type, primary is not None, note),
               *(phone[1:] for phone in others)]
    marked = []
    for e164, extension, raw, line_type, usable, note in entries:
        usable, note = marks.apply(e164, usable, line_type, note)
        marked.append((e164, extension, raw, line_type, usable, note))
    ordered = ([m for m in marked if m[4] and m[0]]
               + [m for m in marked if not (m[4] and m[0])])
    top = ordered[0]
    first = (top[0] if top[4] else None, top[1], top[2], top[3], top[5] or None)
    return first, tuple((position, *m) for position, m in enumerate(ordered[1:], start=1))


_DETAILS = ("name_key", "organisation", "role", "address", "postcode", "district", "email",
            "expiry_date", "preferred_contact", "accessibility_needs")
_DETAILS_AT = tuple((column, C[column]) for column in _DETAILS)
_LABELS = {column: FIELDS[column].lower() for column in _DETAILS if column in FIELDS}
_LABELS["name_key"] = "name"


def _phone_detail(primary: str | None, extension: str | None, raw: str | None) -> Any:
    """A number as compared: the usable number and extension, else the text imported."""
    return (primary, extension) if primary is not None else raw


def _details(contact: tuple[Any, ...]) -> dict[str, Any]:
    """The details a contact row gives (blanks left out, as a blank keeps what is stored)."""
    details = {column: contact[index] for column, index in _DETAILS_AT
               if contact[index] is not None}
    if contact[_RAW] is not None:
        details["phone"] = _phone_detail(contact[_PRIMARY], contact[_EXTENSION], contact[_RAW])
    details["attributes"] = json.loads(contact[C["attributes"]])
    return details


def _stored_details(found: dict[str, Any]) -> dict[str, Any]:
    """A stored contact's details, in the form _details gives them."""
    details = {column: found[column] for column in _DETAILS if found[column] is not None}
    if "expiry_date" in details:
        details["expiry_date"] = details["expiry_date"].isoformat()
    if found["phone_raw"] is not None or found["primary_phone"] is not None:
        details["phone"] = _phone_detail(found["primary_phone"], found["phone_extension"],
                                         found["phone_raw"])
    details["attributes"] = found["attributes"] or {}
    return details


def _differences(contact: tuple[Any, ...], kept: dict[str, Any]) -> list[str]:
    """What a duplicate row gives that differs from what was kept, in the report's words:
    fields by name, extra columns by their heading."""
    given = _details(contact)
    differ = [_LABELS.get(column, column) for column, value in given.items()
              if column != "attributes" and kept.get(column) != value]
    stored = kept["attributes"]
    differ += [heading for heading, value in given["attributes"].items()
               if stored.get(heading) != value]
    return differ


def _repeat_message(key: Key, row: int | None, differ: list[str]) -> str:
    """"same as row 118 (name and postcode) but type and website differ: kept the first
    row's"."""
    on = _NAME_ONLY if key[0] == "name" and key[2] is None else _MATCHED_ON[key[0]]
    message = f"same as row {row} ({on})" if row is not None else f"same as an earlier row ({on})"
    if not differ:
        return message
    listed = differ[0] if len(differ) == 1 else ", ".join(differ[:-1]) + " and " + differ[-1]
    verb = "differs" if len(differ) == 1 else "differ"
    return f"{message} but {listed} {verb}: kept the first row's"
