"""Importing call lists: real damaged data, duplicates, one transaction, clear refusals."""

from __future__ import annotations

import csv
import json
import threading

import openpyxl
import pytest
from sqlalchemy import func, select

from outbound.contacts import ContactFilter, contact_ids, count_contacts, get_contacts
from outbound.db.models import Contact, ContactPhone, ImportIssue, ImportRun
from outbound.importing import (
    ImportCancelled,
    ImportRefused,
    MappingError,
    import_file,
    open_table,
)
from outbound.importing.table import normalise_rows


def snapshot(db):
    """Everything an import could have touched, to prove a refused one touched nothing."""
    with db.read() as s:
        return (s.scalar(select(func.count(Contact.id))),
                s.scalar(select(func.count(ContactPhone.id))),
                s.scalar(select(func.count(Contact.phone_raw))),
                s.scalar(select(func.count(ImportRun.id))),
                s.scalar(select(func.count(ImportIssue.id))),
                s.scalar(select(func.max(Contact.updated_at))))


def write_csv(path, rows, encoding="utf-8", delimiter=","):
    with open(path, "w", newline="", encoding=encoding) as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def test_greater_manchester_list_with_its_real_damage(db, shared_data):
    report = import_file(db, shared_data / "gm_care_homes_2019.csv", kind="organisation")
    assert report.committed
    assert report.rows_read == 559
    # The exact repeat, and two rows repeating a home by name and number/postcode.
    assert report.counts["duplicate"] == 3
    assert report.counts["repaired"] > 500      # leading 0 lost in a spreadsheet
    assert report.created == 556
    issues = {(i.row_number, i.outcome): i.message for i in report.issues}
    assert "lost digits" in issues[(118, "invalid_phone")]   # 1617777e3
    assert "too short" in issues[(422, "invalid_phone")]     # 161688
    with db.read() as s:
        neville = s.scalars(select(Contact).where(Contact.name.like("Neville House%"))).one()
        assert neville.primary_phone == "+441616275874"
        heartly = s.scalars(select(Contact).where(Contact.name == "Heartly Green")).one()
        assert heartly.primary_phone is None and not heartly.callable
        # the damaged number is kept as imported, never turned into a wrong number
        assert [p.raw for p in heartly.phones] == ["1617777e3"]
        assert heartly.phones[0].e164 is None
        # extra columns kept as they are, malformed area codes included
        assert neville.attributes["area_code"] == "E0800004"
        # a number shared by two homes is two contacts, not a duplicate
        shared = s.execute(select(Contact.primary_phone).group_by(Contact.primary_phone)
                           .having(func.count() > 1)).all()
        assert shared


def test_a_number_that_lost_its_zero_but_kept_nine_digits_is_reported(db, shared_data):
    report = import_file(db, shared_data / "gm_care_homes_2019.csv", kind="organisation")
    lyngate = [i for i in report.issues if i.row_number == 16]
    assert [(i.column, i.outcome) for i in lyngate] == [("telephone", "repaired")]
    assert "restored the leading 0" in lyngate[0].message
    with db.read() as s:
        contact = s.scalars(select(Contact).where(Contact.name == "Lyngate Care Home")).one()
        assert contact.primary_phone == "+44120462150"       # 01204 62150
        assert contact.phones[0].note == lyngate[0].message.split(": ", 1)[1]


@pytest.mark.parametrize("again", [False, True])
def test_duplicates_in_the_greater_manchester_list_say_what_differs(db, shared_data, again):
    path = shared_data / "gm_care_homes_2019.csv"
    report = import_file(db, path, kind="organisation")
    if again:     # the stored contacts are matched now, not created
        report = import_file(db, path, kind="organisation", batch_size=100)
    duplicates = {i.row_number: i.message for i in report.issues if i.outcome == "duplicate"}
    assert duplicates == {
        # a hospice with no number, on the site of the care home of the same name
        560: "same as row 118 (name and postcode) but type and website differ: "
             "kept the first row's",
        455: "same as row 381 (number and name) but website differs: kept the first row's",
        521: "same as row 161 (number and name)",    # the exact repeat
    }
    with db.read() as s:
        heartly = s.scalars(select(Contact).where(Contact.name == "Heartly Green")).one()
        assert heartly.attributes["type"] == "Residential homes"
        assert heartly.attributes["website"] == "http://www.c-i-c.co.uk"


@pytest.mark.parametrize("workers", [0, 2])
def test_a_duplicate_row_names_the_row_it_repeats_and_what_it_says_differently(
        db, tmp_path, monkeypatch, workers):
    import outbound.importing as importing

    monkeypatch.setattr(importing, "workers_for", lambda _estimate: workers)
    header = ["Name", "Telephone", "Address", "Postcode", "Email", "Type", "Website"]
    rows = [
        ["Oak Lodge", "NA", "1 Oak Road", "PN1 1AB", "", "Care home", "oak.example"],     # 2
        ["OAK LODGE", "", "1 Oak Road", "pn1 1ab", "", "Hospice", "nhs.example"],         # 3
        ["Elm Court", "0113 496 0001", "2 Elm Road", "PN1 2AB", "", "Care home", ""],     # 4
        ["Elm Court", "0113 496 0001", "2 Elm Road", "PN1 2AB", "", "Care home", ""],     # 5
        ["Ash House", "", "", "", "", "", ""],                                             # 6
        ["Elm Court", "01134960001", "3 Elm Road", "PN1 2AB", "elm@example.org", "", ""],  # 7
        ["Ash House", "n/a", "", "", "", "", "ash.example"],                               # 8
        ["Oak Lodge", "1617777e3", "1 Oak Road", "PN1 1AB", "", "Care home", "oak.example"],
    ]
    path = write_csv(tmp_path / "repeats.csv", [header, *rows])
    expected = {
        3: "same as row 2 (name and postcode) but Type and Website differ: "
           "kept the first row's",
        5: "same as row 4 (number and name)",
        7: "same as row 4 (number and name) but address and email differ: "
           "kept the first row's",
        8: "same as row 6 (name; neither has a usable number or a postcode) but Website "
           "differs: kept the first row's",
        9: "same as row 2 (name and postcode) but phone differs: kept the first row's",
    }
    for _ in range(2):      # created by the first import, matched by the second
        report = import_file(db, path, batch_size=3)
        assert {i.row_number: i.message for i in report.issues
                if i.outcome == "duplicate"} == expected
        assert report.counts["duplicate"] == 5
    with db.read() as s:
        oak = s.scalars(select(Contact).where(Contact.name == "Oak Lodge")).one()
        assert oak.attributes == {"Type": "Care home", "Website": "oak.example"}
        assert oak.phones == []


def test_a_repeated_reference_names_its_differences_too(db, tmp_path):
    header = ["Reference", "Name", "Telephone", "Expiry date"]
    rows = [["B1", "Dorothy Hall", "0113 496 0002", "31/03/2027"],
            ["B1", "Kenneth Wood", "0113 496 0003", "31/03/2027"],
            ["B1", "Dorothy Hall", "0113 496 0002", "30/04/2028"]]
    report = import_file(db, write_csv(tmp_path / "passes.csv", [header, *rows]))
    assert [(i.row_number, i.message) for i in report.issues if i.outcome == "duplicate"] == [
        (3, "same as row 2 (reference) but name and phone differ: kept the first row's"),
        (4, "same as row 2 (reference) but expiry date differs: kept the first row's")]


def test_importing_the_same_file_twice_changes_nothing(db, shared_data):
    first = import_file(db, shared_data / "trafford_care_homes_2026.csv")
    before = snapshot(db)[:2]
    second = import_file(db, shared_data / "trafford_care_homes_2026.csv")
    assert first.created == 56
    assert (second.created, second.updated, second.unchanged) == (0, 0, 56)
    assert snapshot(db)[:2] == before


def test_a_refreshed_list_updates_by_reference(db, shared_data, tmp_path):
    source = shared_data / "trafford_care_homes_2026.csv"
    import_file(db, source, source="CQC")
    rows = list(csv.reader(source.open(encoding="utf-8")))
    rows[1][5] = "0161 496 0123"              # first home's number changed
    rows[2][0] = "Allingham House"            # second home renamed
    changed = write_csv(tmp_path / "trafford_refreshed.csv", rows)
    report = import_file(db, changed, source="CQC")
    assert (report.created, report.updated, report.unchanged) == (0, 2, 54)
    with db.read() as s:
        first = s.scalars(select(Contact).where(Contact.external_ref == rows[1][1])).one()
        assert first.primary_phone == "+441614960123"
        assert [p.e164 for p in first.phones] == ["+441614960123"]
        assert s.scalar(select(func.count(Contact.id))) == 56


def test_two_numbers_extension_and_premium_in_one_file(db, tmp_path):
    path = write_csv(tmp_path / "list.csv", [
        ["Name", "Tel No", "Mobile"],
        ["Oak Lodge", "0161 476 0702 / 07976 848608", ""],
        ["Beech Court", "+44 (0)113 496 0123 ext 204", "0113 496 0999"],
        ["Premium Line", "09065 123456", ""],
    ])
    report = import_file(db, path)
    assert report.counts["valid"] == 3 and report.premium_flagged == 1
    with db.read() as s:
        oak = s.scalars(select(Contact).where(Contact.name == "Oak Lodge")).one()
        assert [(p.position, p.e164) for p in oak.phones] == [
            (0, "+441614760702"), (1, "+447976848608")]
        beech = s.scalars(select(Contact).where(Contact.name == "Beech Court")).one()
        assert beech.phones[0].extension == "204"
        assert beech.phones[1].e164 == "+441134960999"
        premium = s.scalars(select(Contact).where(Contact.name == "Premium Line")).one()
        assert premium.phones[0].line_type == "premium"


def test_explicit_mapping_and_windows_1252_semicolons(db, tmp_path):
    path = write_csv(tmp_path / "résidents.csv", [
        ["Résident", "Num", "Code postal", "Badge"],
        ["Zoë Brontë", "0113 496 0001", "pn1 1ab", "BB123"],
    ], encoding="cp1252", delimiter=";")
    report = import_file(db, path, mapping=["Résident=name", "Num=phone",
                                            "Code postal=postcode", "Badge=external_ref"])
    assert report.encoding == "cp1252" and report.delimiter == ";"
    [contact] = get_contacts(db, contact_ids(db))
    assert (contact.name, contact.postcode, contact.external_ref) == (
        "Zoë Brontë", "PN1 1AB", "BB123")
    assert contact.source == "Badge"


def test_xlsx_with_numbers_stored_as_numbers(db, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Name", "Telephone", "Expiry date"])
    sheet.append(["Dorothy Hall", 1134960002, "31/03/2027"])
    sheet.append(["Kenneth Wood", 7.976848608e9, None])
    book.save(tmp_path / "passes.xlsx")
    report = import_file(db, tmp_path / "passes.xlsx")
    assert report.format == "xlsx"
    assert report.counts["repaired"] == 2
    with db.read() as s:
        dorothy = s.scalars(select(Contact).where(Contact.name == "Dorothy Hall")).one()
        assert dorothy.primary_phone == "+441134960002"
        assert dorothy.expiry_date.isoformat() == "2027-03-31"


def _workbook(path, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Holders"
    book.create_sheet("Notes").append(["Not this sheet"])
    sheet.append(["Name", "Telephone", "Expiry date"])
    sheet.append([])                                          # a blank row
    for i in range(rows):
        sheet.append([f"Holder {i}", 1134960000 + i if i % 2 else f"0113 496 {i:04d}",
                      "31/03/2027"])
    book.save(path)
    return path


@pytest.mark.parametrize("workers", [0, 2])
def test_a_workbook_imports_alike_in_workers(db, tmp_path, monkeypatch, workers):
    import outbound.importing as importing

    monkeypatch.setattr(importing, "workers_for", lambda _estimate: workers)
    report = import_file(db, _workbook(tmp_path / "holders.xlsx", 45), batch_size=4)
    assert (report.rows_read, report.created, report.sheet) == (45, 45, "Holders")
    assert report.counts["repaired"] == 22 and report.counts["valid"] == 23
    with db.read() as s:
        last = s.scalars(select(Contact).where(Contact.name == "Holder 44")).one()
        assert last.primary_phone == "+441134960044"
        assert last.expiry_date.isoformat() == "2027-03-31"


def test_a_big_workbook_that_does_not_say_its_size_is_still_parsed_in_workers(
        tmp_path, monkeypatch):
    """openpyxl's write-only workbooks (and some exporters) leave out the sheet's size."""
    from openpyxl import Workbook

    import outbound.importing.table as table_module

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Holders")
    sheet.append(["Name", "Telephone"])
    for i in range(30_000):
        sheet.append([f"Holder {i}", f"0113 496 {i % 10_000:04d}"])
    book.save(tmp_path / "big.xlsx")
    with open_table(tmp_path / "big.xlsx") as table:   # python-calamine counts the rows
        assert table.count_rows_estimate() == table.rows_guess() == 30_000
    monkeypatch.setattr(table_module, "CALAMINE_MAX_XML", 0)  # read streamed
    with open_table(tmp_path / "big.xlsx") as table:
        assert table.count_rows_estimate() is None     # no size for the progress bar
        assert table.rows_guess() > 20_000              # but big enough for workers


@pytest.mark.parametrize("reader, refusal", [
    ("calamine", "is not a valid Excel workbook, or is damaged: open it in Excel"),
    ("openpyxl", "is damaged after row"),
])
def test_a_workbook_damaged_part_way_is_refused_and_lands_nothing(db, tmp_path, monkeypatch,
                                                                  reader, refusal):
    """python-calamine reads the whole sheet before the import starts; a workbook too big
    for it is streamed, and the damage found part way through."""
    import zipfile

    import outbound.importing as importing
    import outbound.importing.table as table_module

    monkeypatch.setattr(importing, "workers_for", lambda _estimate: 2)
    if reader == "openpyxl":
        monkeypatch.setattr(table_module, "CALAMINE_MAX_XML", 0)
    whole = _workbook(tmp_path / "whole.xlsx", 400)
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(damaged, "w") as target:
        for part in source.infolist():
            data = source.read(part)
            if part.filename == "xl/worksheets/sheet1.xml":
                data = data[: data.index(b'<row r="300"')] + b'<row r="300"><c'
            target.writestr(part, data)
    before = snapshot(db)
    with pytest.raises(ImportRefused, match=refusal) as refused:
        import_file(db, damaged, batch_size=50)
    assert str(refused.value).startswith("“damaged.xlsx” ")
    assert str(refused.value).count(". ") == 0 and "\n" not in str(refused.value)
    assert snapshot(db) == before


@pytest.mark.parametrize("content, words", [
    (b"", "empty"),
    (b"Name,Telephone\n", "no rows"),
    (b"\x00\x01\x02garbage\x00" * 50, "."),
    (b"Name,Telephone\nOak Lodge,0161 496 0123\nElm\x00,1\n", r"NUL byte\) at line 3,"),
    (b"Colour,Size\nred,large\n", "No column holds a name"),
    (b"Name,Colour\nOak Lodge,red\n", "No column holds a phone"),
])
def test_bad_files_are_refused_and_the_database_is_left_as_it_was(
        db, tmp_path, shared_data, content, words):
    import_file(db, shared_data / "trafford_care_homes_2026.csv")
    before = snapshot(db)
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises((ImportRefused, MappingError), match=words):
        import_file(db, path)
    assert snapshot(db) == before


def test_a_mapping_naming_a_missing_column_is_refused(db, shared_data):
    with pytest.raises(MappingError, match="Tel No"):
        import_file(db, shared_data / "gm_care_homes_2019.csv", mapping=["Tel No=phone"])


def test_an_import_cancelled_half_way_lands_nothing(db, tmp_path, shared_data):
    import_file(db, shared_data / "trafford_care_homes_2026.csv")
    before = snapshot(db)
    rows = [["Name", "Telephone"]] + [[f"Resident {i}", f"0113 496 {i:04d}"]
                                      for i in range(1000)]
    path = write_csv(tmp_path / "big.csv", rows)
    cancel = threading.Event()

    def progress(done, _total):
        cancel.set()   # cancel after the first batch has been written

    with pytest.raises(ImportCancelled):
        import_file(db, path, batch_size=100, progress=progress, cancel=cancel)
    assert snapshot(db) == before


def test_a_check_saves_nothing_but_reports_everything(db, shared_data):
    report = import_file(db, shared_data / "gm_care_homes_2019.csv", dry_run=True)
    assert not report.committed and report.counts["duplicate"] == 3
    assert count_contacts(db) == 0


def test_the_report_lists_rows_and_lands_as_json(db, shared_data, tmp_path):
    report = import_file(db, shared_data / "gm_care_homes_2019.csv")
    report.write_json(tmp_path / "report.json")
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["counts"] == report.counts
    assert {"row", "column", "outcome", "reason"} <= set(data["issues"][0])
    with db.read() as s:
        stored = s.scalar(select(func.count(ImportIssue.id)))
    assert stored == report.issues_total


def test_search_finds_by_name_postcode_and_number(db, shared_data):
    import_file(db, shared_data / "trafford_care_homes_2026.csv")
    assert count_contacts(db, ContactFilter(search="allingham")) == 1
    assert count_contacts(db, ContactFilter(search="WA15 6SQ")) >= 1
    assert count_contacts(db, ContactFilter(search="0161 929 1783")) == 1


@pytest.mark.parametrize("workers", [0, 2])
def test_repeats_in_later_batches_are_duplicates_in_workers_too(db, tmp_path, monkeypatch,
                                                                workers):
    import outbound.importing as importing

    monkeypatch.setattr(importing, "workers_for", lambda _estimate: workers)
    rows = [["Name", "Telephone", "Postcode"]]
    for i in range(12):
        rows.append([f"Resident {i}", f"0113 496 {i:04d}", "PN1 1AB"])   # phone + name
        rows.append([f"Nobody {i}", "NA", f"PN{i % 3 + 1} 2CD"])         # name + postcode
    rows += [["Nameless Home", "", ""],                # no number, no postcode
             ["RESIDENT 3", "01134960003", ""],        # same number and name, other batch
             ["Nobody 4", "", "pn2 2cd"],              # same name and postcode
             ["Nobody 4", "", "PN3 2CD"],              # another postcode: someone else
             ["Resident 5", "0113 496 0099", ""],      # another number: someone else
             ["nameless home", "n/a", ""]]             # the first of these again
    path = write_csv(tmp_path / "repeats.csv", rows)
    first = import_file(db, path, batch_size=5)
    assert (first.created, first.counts["duplicate"]) == (27, 3)
    assert sorted(i.row_number for i in first.issues
                  if i.outcome == "duplicate") == [27, 28, 31]
    before = snapshot(db)
    again = import_file(db, path, batch_size=5)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 27)
    assert again.counts["duplicate"] == 3
    assert snapshot(db)[:2] == before[:2]


@pytest.mark.parametrize("workers", [0, 2])
def test_a_refreshed_list_by_reference_in_workers_too(db, tmp_path, monkeypatch, workers):
    import outbound.importing as importing

    monkeypatch.setattr(importing, "workers_for", lambda _estimate: workers)
    header = ["Reference", "Name", "Telephone", "Expiry date", "Notes"]
    rows = [[f"B{i}", f"Holder {i}", f"0113 496 {i:04d}", "31/03/2027", ""] for i in range(20)]
    import_file(db, write_csv(tmp_path / "a.csv", [header, *rows]), batch_size=3)
    rows[4][3] = "30/04/2028"                     # a renewed pass
    rows[7][4] = "BSL"                            # a new note
    rows[9][2] = "0113 496 9999"                  # a new number
    rows.append(list(rows[4]))                    # the renewed pass again, later on
    report = import_file(db, write_csv(tmp_path / "b.csv", [header, *rows]), batch_size=3)
    assert (report.created, report.updated, report.unchanged) == (0, 3, 17)
    assert report.counts["duplicate"] == 1
    with db.read() as s:
        renewed = s.scalars(select(Contact).where(Contact.external_ref == "B4")).one()
        assert renewed.expiry_date.isoformat() == "2028-04-30"
        noted = s.scalars(select(Contact).where(Contact.external_ref == "B7")).one()
        assert noted.attributes == {"Notes": "BSL"}
        moved = s.scalars(select(Contact).where(Contact.external_ref == "B9")).one()
        assert [p.e164 for p in moved.phones] == ["+441134969999"]
        assert moved.primary_phone == "+441134969999"


def test_a_refresh_gains_drops_and_keeps_second_numbers(db, tmp_path):
    header = ["Reference", "Name", "Telephone"]
    first = [["P1", "One Number", "0113 496 0001"],
             ["P2", "Two Numbers", "0113 496 0002 / 0113 496 0022"],
             ["P3", "Blank Later", "0113 496 0003 / 0113 496 0033"],
             ["P4", "Damaged Later", "0113 496 0004"]]
    import_file(db, write_csv(tmp_path / "a.csv", [header, *first]))
    again = [["P1", "One Number", "0113 496 0001 / 0113 496 0011"],   # gains a second
             ["P2", "Two Numbers", "0113 496 0002"],                   # loses its second
             ["P3", "Blank Later", ""],                                # blank: keep both
             ["P4", "Damaged Later", "1617777e3"]]                     # now unusable
    report = import_file(db, write_csv(tmp_path / "b.csv", [header, *again]))
    assert (report.created, report.updated, report.unchanged) == (0, 3, 1)

    def numbers(ref):
        with db.read() as s:
            contact = s.scalars(select(Contact).where(Contact.external_ref == ref)).one()
            return contact.primary_phone, [(p.e164, p.raw, p.usable) for p in contact.phones]

    assert numbers("P1") == ("+441134960001", [
        ("+441134960001", "0113 496 0001", True), ("+441134960011", "0113 496 0011", True)])
    assert numbers("P2") == ("+441134960002", [("+441134960002", "0113 496 0002", True)])
    assert numbers("P3")[1] == [("+441134960003", "0113 496 0003", True),
                                ("+441134960033", "0113 496 0033", True)]
    assert numbers("P4") == (None, [(None, "1617777e3", False)])
    with db.read() as s:
        assert s.scalar(select(func.count(ContactPhone.id))) == 2   # P1's and P3's seconds
    unchanged = import_file(db, write_csv(tmp_path / "c.csv", [header, *again]))
    assert (unchanged.updated, unchanged.unchanged) == (0, 4)


MESSY = ("Name,Telephone,Postcode\n"
         "  Oak Lodge  , 0113 496 0001 ,pn1 1ab\n"
         ",,\n"
         "\n"
         "Beech Court,0113 496 0002\n"              # a short row
         "Elm House,0113 496 0003,PN2 2CD,extra\n"  # a long one
         " , \n"                                   # blank once stripped
         ",0113 496 0004,\n")                       # no name: refused


def test_rows_read_in_chunks_are_the_rows_once_normalised(tmp_path):
    path = tmp_path / "messy.csv"
    path.write_text(MESSY, encoding="utf-8")
    with open_table(path) as table:
        rows = list(table.rows())
        width = len(table.info.headers)
        chunked = [row for chunk in table.record_chunks(2)
                   for row in normalise_rows(chunk, width)]
    assert chunked == rows
    assert [n for n, _ in rows] == [2, 5, 6, 8]


@pytest.mark.parametrize("workers", [0, 2])
def test_blank_short_and_padded_rows_import_alike_in_workers(db, tmp_path, monkeypatch,
                                                             workers):
    import outbound.importing as importing

    monkeypatch.setattr(importing, "workers_for", lambda _estimate: workers)
    path = tmp_path / "messy.csv"
    path.write_text(MESSY, encoding="utf-8")
    report = import_file(db, path, batch_size=2)
    assert report.rows_read == 4 and report.created == 3
    assert [(i.row_number, i.outcome) for i in report.issues] == [(8, "error")]
    with db.read() as s:
        oak = s.scalars(select(Contact).where(Contact.name == "Oak Lodge")).one()
        assert (oak.primary_phone, oak.postcode) == ("+441134960001", "PN1 1AB")
        elm = s.scalars(select(Contact).where(Contact.name == "Elm House")).one()
        assert elm.postcode == "PN2 2CD" and elm.attributes == {"Column 4": "extra"}


def test_a_broken_csv_is_refused_naming_the_last_good_row(db, tmp_path):
    path = tmp_path / "broken.csv"
    rows = "".join(f"Resident {i},0113 496 {i:04d}\n" for i in range(30))
    path.write_text("Name,Telephone\n" + rows + "x" * 200_000 + ",1\n" + rows,
                    encoding="utf-8")
    before = snapshot(db)
    with pytest.raises(ImportRefused, match="after row 31"):
        import_file(db, path, batch_size=7)
    assert snapshot(db) == before


def test_an_import_gives_back_the_page_cache_it_borrowed(db, shared_data):
    if not db.is_sqlite:
        pytest.skip("SQLite only")
    with db.engine.connect() as conn:
        before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    import_file(db, shared_data / "trafford_care_homes_2026.csv")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == before
