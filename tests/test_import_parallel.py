"""How an import's work is shared: parsing while the workers start, and contact rows
stored with only the values their batch fills bound."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from outbound.db.models import Contact, ImportRun
from outbound.importing import parallel
from outbound.importing.inserts import ContactInserts
from outbound.importing.rows import CONTACT_COLUMNS, C

HEADERS = ["Name", "Telephone", "Postcode"]
MAPPING = {"Name": "name", "Telephone": "phone", "Postcode": "postcode"}


def _chunks():
    return [[(n, [f"Person {n}", f"0113 496 {n:04d}" if n % 3 else "n/a", "pn1 1ab "])
             for n in range(start, start + 5)] for start in range(2, 42, 5)]


def test_the_first_batches_are_parsed_here_while_the_workers_start(monkeypatch):
    go = threading.Event()
    starters: list[parallel._Starting] = []
    submitted: list[str] = []

    class HeldBack(parallel._Starting):
        def __init__(self, *args):
            starters.append(self)
            super().__init__(*args)

        def run(self):
            go.wait(10)
            super().run()

    class Counting(parallel.ProcessPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            submitted.append(fn.__name__)
            return super().submit(fn, *args, **kwargs)

    monkeypatch.setattr(parallel, "_Starting", HeldBack)
    monkeypatch.setattr(parallel, "ProcessPoolExecutor", Counting)
    options = {"headers": HEADERS, "mapping": MAPPING, "as_read": True, "import_id": 7,
               "stamp": "2026-12-07 09:00:00.000000", "source": "Holders"}
    expected = list(parallel.parsed_batches(_chunks(), workers=0, **options))

    batches = parallel.parsed_batches(_chunks(), workers=2, parse_while_starting=True,
                                      **options)
    parsed = [next(batches)]          # the workers are held back: parsed here
    assert submitted == []
    go.set()
    threading.Thread.join(starters[0])
    parsed.extend(batches)            # the workers are up: the rest are theirs

    assert parsed == expected
    assert submitted.count("_parse_in_worker") == len(expected) - 1


def _contact(name, *, import_id, stamp, **values):
    row = [None] * len(CONTACT_COLUMNS)
    row[C["kind"]], row[C["name"]], row[C["name_key"]] = "person", name, name.lower()
    row[C["source"]], row[C["attributes"]], row[C["do_not_call"]] = "Holders", "{}", False
    row[C["created_at"]] = row[C["updated_at"]] = stamp
    row[C["last_import_id"]] = import_id
    for column, value in values.items():
        row[C[column]] = value
    return tuple(row)


def test_contact_rows_keep_every_value_whichever_are_bound(sqlite_db):
    """A column blank on every row of a batch is left out; the import's own time and id
    are written into the statement, unless a row of the batch holds something else."""
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    stamp = "2026-12-07 09:00:00.000000"
    with sqlite_db.write() as session:
        runs = [ImportRun(source="Holders", file_name="holders.csv") for _ in range(2)]
        session.add_all(runs)
        session.flush()
        ours, other = runs[0].id, runs[1].id
        inserts = ContactInserts("sqlite", {"do_not_call": False, "created_at": stamp,
                                            "updated_at": stamp, "last_import_id": ours})
        alike = [_contact("Ann", import_id=ours, stamp=stamp, postcode="PN1 1AB"),
                 _contact("Bob", import_id=ours, stamp=stamp, email="bob@example.org")]
        mixed = [_contact("Cat", import_id=other, stamp=stamp, do_not_call=True),
                 _contact("Dan", import_id=ours, stamp="2026-12-07 10:00:00.000000")]
        inserts.insert(session.connection(), [1, 2], alike)
        inserts.insert(session.connection(), [3, 4], mixed)
    with sqlite_db.read() as session:
        stored = {c.name: c for c in session.scalars(select(Contact))}
    assert sorted(stored) == ["Ann", "Bob", "Cat", "Dan"]
    assert (stored["Ann"].postcode, stored["Ann"].email) == ("PN1 1AB", None)
    assert (stored["Bob"].postcode, stored["Bob"].email) == (None, "bob@example.org")
    assert [stored[n].last_import_id for n in ("Ann", "Cat", "Dan")] == [ours, other, ours]
    assert [stored[n].do_not_call for n in ("Ann", "Cat", "Dan")] == [False, True, False]
    assert stored["Ann"].created_at == stored["Ann"].updated_at == now
    assert stored["Dan"].created_at == now.replace(hour=10)


def test_only_values_the_import_made_are_written_into_a_statement():
    with pytest.raises(ValueError, match="not a value to write into SQL"):
        ContactInserts("sqlite", {"created_at": "2026-12-07'; DROP TABLE contact; --"})
