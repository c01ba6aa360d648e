"""Storing a batch of imported contacts: insert the new, update the changed, skip repeats.

Duplicates are found by external reference when the list has one, otherwise by primary
number plus normalised name (or, with no usable number, by name plus postcode), both
within the file and against the database. Each batch costs a few indexed queries and
bulk statements, whatever the size of the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from outbound.db.models import Contact, ContactPhone
from outbound.importing.rows import ContactRecord, RowIssue

Key = tuple[Any, ...]
_COMPARED = ("organisation", "role", "address", "postcode", "district", "email",
             "expiry_date", "preferred_contact", "accessibility_needs")
_LOADED = (Contact.id, Contact.name, Contact.name_key, Contact.external_ref,
           Contact.primary_phone, Contact.postcode, Contact.attributes,
           *(getattr(Contact, c) for c in _COMPARED if c != "postcode"))


_CONTACT_INSERT = ("contact", (
    "id", "kind", "name", "name_key", "organisation", "role", "email", "address", "postcode",
    "district", "source", "external_ref", "expiry_date", "preferred_contact",
    "accessibility_needs", "attributes", "primary_phone", "do_not_call", "created_at",
    "updated_at", "last_import_id"))
_ISSUE_INSERT = ("import_issue", ("import_id", "row_number", "column", "outcome", "message"))
_PHONE_INSERT = ("contact_phone", (
    "contact_id", "position", "e164", "extension", "raw", "line_type", "usable", "note"))


def _phone_tuples(contact_id: int, record: ContactRecord) -> list[tuple[Any, ...]]:
    return [(contact_id, *row) for row in record.phone_rows]


class ContactWriter:
    """Writes batches of records for one import, remembering what it has touched."""

    def __init__(self, session: Session, *, import_id: int | None, source: str,
                 by_reference: bool, now: datetime) -> None:
        self.session = session
        self.import_id = import_id
        self.source = source
        self.by_reference = by_reference
        self.now = now
        self.touched: set[int] = set()   # contact ids this import created or matched

    def key(self, record: ContactRecord) -> Key:
        ref = record.values.get("external_ref")
        if self.by_reference and ref:
            return ("ref", ref)
        phone = record.primary_phone
        if phone:
            return ("phone", phone, record.name_key)
        return ("name", record.name_key, record.values.get("postcode"))

    def write(self, records: Sequence[ContactRecord]) -> list[str]:
        """Store a batch; returns per record "created", "updated", "unchanged" or "duplicate"."""
        results = ["" for _ in records]
        first_in_batch: dict[Key, int] = {}
        keys = [self.key(r) for r in records]
        for i, key in enumerate(keys):
            if key in first_in_batch:
                results[i] = "duplicate"
            else:
                first_in_batch[key] = i
        existing = self._existing(keys[i] for i in first_in_batch.values())
        to_insert: list[int] = []
        matched: list[tuple[int, dict[str, Any]]] = []
        for key, i in first_in_batch.items():
            row = existing.get(key)
            if row is None:
                to_insert.append(i)
            elif row["id"] in self.touched:
                results[i] = "duplicate"
            else:
                self.touched.add(row["id"])
                matched.append((i, row))
        stored_phones = self._stored_phones([row["id"] for _, row in matched])
        updates: list[dict[str, Any]] = []
        phone_changes: dict[int, ContactRecord] = {}
        for i, row in matched:
            change = self._changes(row, records[i])
            given = [row[1:4] for row in records[i].phone_rows]
            if given and given != stored_phones.get(row["id"], []):
                phone_changes[row["id"]] = records[i]
                change["primary_phone"] = records[i].primary_phone
            if change:
                change.update(id=row["id"], updated_at=self.now, last_import_id=self.import_id)
                updates.append(change)
                results[i] = "updated"
            else:
                results[i] = "unchanged"
        self._insert(records, to_insert, results)
        if updates:
            self.session.execute(update(Contact), updates)
        if phone_changes:
            self.session.execute(delete(ContactPhone).where(
                ContactPhone.contact_id.in_(phone_changes)))
            rows = [p for cid, rec in phone_changes.items() for p in _phone_tuples(cid, rec)]
            if rows:
                self._executemany(_PHONE_INSERT, rows)
        return results

    def _insert(self, records: Sequence[ContactRecord], indexes: list[int],
                results: list[str]) -> None:
        if not indexes:
            return
        ids = self._allocate_ids(len(indexes))
        stamp = self._stamp()
        contacts: list[tuple[Any, ...]] = []
        phones: list[tuple[Any, ...]] = []
        for i, contact_id in zip(indexes, ids, strict=True):
            record = records[i]
            values = record.values
            expiry = values.get("expiry_date")
            contacts.append((
                contact_id, record.kind, record.name[:300], record.name_key,
                values.get("organisation"), values.get("role"), values.get("email"),
                values.get("address"), values.get("postcode"), values.get("district"),
                self.source, values.get("external_ref"),
                expiry.isoformat() if expiry else None, values.get("preferred_contact"),
                values.get("accessibility_needs"), record.attributes_json,
                record.primary_phone, False, stamp, stamp, self.import_id,
            ))
            self.touched.add(contact_id)
            results[i] = "created"
            phones.extend(_phone_tuples(contact_id, record))
        # Plain DBAPI executemany: the rows are already in storage form, and this is
        # the hot path of every import (SQLAlchemy's per-row processing doubled it).
        self._executemany(_CONTACT_INSERT, contacts)
        if phones:
            self._executemany(_PHONE_INSERT, phones)

    def _stamp(self) -> str:
        """``now`` as the database stores it (see UTCDateTime)."""
        if self.session.get_bind().dialect.name == "sqlite":
            return self.now.astimezone(UTC).replace(tzinfo=None).isoformat(" ",
                                                                          "microseconds")
        return self.now.astimezone(UTC).isoformat(" ", "microseconds")

    def insert_issues(self, issues: Sequence[RowIssue]) -> None:
        self._executemany(_ISSUE_INSERT, [
            (self.import_id, i.row_number, i.column, i.outcome, i.message) for i in issues])

    def _executemany(self, statement: tuple[str, tuple[str, ...]],
                     rows: list[tuple[Any, ...]]) -> None:
        table, columns = statement
        marker = "?" if self.session.get_bind().dialect.paramstyle == "qmark" else "%s"
        quoted = ", ".join(f'"{column}"' for column in columns)
        sql = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join([marker] * len(columns))})"
        self.session.connection().exec_driver_sql(sql, rows)

    def _allocate_ids(self, count: int) -> list[int]:
        """Ids for new contacts, so that rows can be inserted in bulk without RETURNING.

        On SQLite the import's transaction holds the write lock (BEGIN IMMEDIATE), so
        nobody else can take the ids after the current largest; PostgreSQL hands them
        out from the table's sequence.
        """
        if self.session.get_bind().dialect.name == "sqlite":
            start = self.session.scalar(select(func.max(Contact.id))) or 0
            return list(range(start + 1, start + 1 + count))
        return list(self.session.scalars(
            text("SELECT nextval(pg_get_serial_sequence('contact', 'id')) "
                 "FROM generate_series(1, :n)"), {"n": count}))

    def _existing(self, keys: Iterable[Key]) -> dict[Key, dict[str, Any]]:
        refs, phones, names = [], [], []
        for key in keys:
            {"ref": refs, "phone": phones, "name": names}[key[0]].append(key)
        found: dict[Key, dict[str, Any]] = {}
        if refs:
            stmt = select(*_LOADED).where(Contact.source == self.source,
                                          Contact.external_ref.in_([k[1] for k in refs]))
            for row in self.session.execute(stmt).mappings():
                found[("ref", row["external_ref"])] = dict(row)
        if phones:
            wanted = set(phones)
            stmt = select(*_LOADED).where(Contact.primary_phone.in_({k[1] for k in phones}))
            for row in self.session.execute(stmt).mappings():
                key = ("phone", row["primary_phone"], row["name_key"])
                if key in wanted:
                    found.setdefault(key, dict(row))
        if names:
            wanted = set(names)
            stmt = select(*_LOADED).where(Contact.name_key.in_({k[1] for k in names}),
                                          Contact.primary_phone.is_(None))
            for row in self.session.execute(stmt).mappings():
                key = ("name", row["name_key"], row["postcode"])
                if key in wanted:
                    found.setdefault(key, dict(row))
        return found

    def _changes(self, row: dict[str, Any], record: ContactRecord) -> dict[str, Any]:
        """Fields the file changes: a value given replaces; a blank keeps what is stored."""
        change: dict[str, Any] = {}
        if record.name != row["name"]:
            change["name"] = record.name[:300]
            change["name_key"] = record.name_key
        for column in _COMPARED:
            value = record.values.get(column)
            if value is not None and value != row[column]:
                change[column] = value
        merged = {**(row["attributes"] or {}), **record.attributes}
        if merged != (row["attributes"] or {}):
            change["attributes"] = merged
        return change

    def _stored_phones(self, ids: list[int]) -> dict[int, list[tuple[Any, ...]]]:
        phones: dict[int, list[tuple[Any, ...]]] = {}
        if ids:
            stmt = (select(ContactPhone.contact_id, ContactPhone.e164, ContactPhone.extension,
                           ContactPhone.raw)
                    .where(ContactPhone.contact_id.in_(ids))
                    .order_by(ContactPhone.contact_id, ContactPhone.position))
            for contact_id, e164, extension, raw in self.session.execute(stmt):
                phones.setdefault(contact_id, []).append((e164, extension, raw))
        return phones
