"""Tests for reading call-list files: encodings, delimiters, XLSX values, refusals and streaming."""

from __future__ import annotations

import datetime as dt
import os
import tracemalloc
from pathlib import Path

import openpyxl
import pytest

from outbound.importing.table import ImportRefused, TableReader, open_table

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def read_all(path: Path, **kwargs: str) -> tuple[TableReader, list[tuple[int, list[str]]]]:
    with TableReader(path, **kwargs) as table:
        return table, list(table.rows())


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refusal(path: Path) -> str:
    with pytest.raises(ImportRefused) as exc, TableReader(path) as table:
        list(table.rows())
    message = str(exc.value)
    assert f"“{path.name}”" in message
    return message


# -- encodings ---------------------------------------------------------------------------
def test_utf8(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "homes.csv",
        "name,phone\nCafé Résidence,0161 555 0100\nŁódź House,0161\n".encode(),
    )
    table, rows = read_all(path)
    assert table.info.format == "csv"
    assert table.info.encoding == "utf-8"
    assert table.info.delimiter == ","
    assert table.info.headers == ["name", "phone"]
    assert rows == [(2, ["Café Résidence", "0161 555 0100"]), (3, ["Łódź House", "0161"])]


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "homes.csv", b"\xef\xbb\xbfName,Phone\r\nCaf\xc3\xa9,01\r\n")
    table, rows = read_all(path)
    assert table.info.encoding == "utf-8-sig"
    assert table.info.headers == ["Name", "Phone"]
    assert rows == [(2, ["Café", "01"])]


def test_cp1252(tmp_path: Path) -> None:
    path = write(tmp_path, "homes.csv", b"Name,Fee\r\nCaf\xe9 R\xe9sidence,\xa35 \x96 weekly\r\n")
    table, rows = read_all(path)
    assert table.info.encoding == "cp1252"
    assert rows == [(2, ["Café Résidence", "£5 – weekly"])]


def test_cp1252_undefined_byte_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "odd.csv", b"Name,Phone\r\nAb\x81c,01\r\n")
    assert "encoding" in refusal(path)


def test_mixed_utf8_and_cp1252_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "mixed.csv", "Name,Fee\nCafé,1\n".encode() + b"Caf\xe9,\xa35\n")
    assert "mixes two kinds of character encoding" in refusal(path)


def test_utf16_tab_separated(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "export.txt",
        "Name\tAddress\tPhone\r\nCafé, Home\t1 High St, Sale\t0161\r\n".encode("utf-16"),
    )
    table, rows = read_all(path)
    assert table.info.encoding == "utf-16"
    assert table.info.delimiter == "\t"
    assert rows == [(2, ["Café, Home", "1 High St, Sale", "0161"])]


def test_utf16_without_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "export.txt", "Name\tPhone\r\nAnn\t0161\r\n".encode("utf-16-le"))
    table, rows = read_all(path)
    assert table.info.encoding == "utf-16-le"
    assert rows == [(2, ["Ann", "0161"])]


def test_utf8_char_straddling_sample_boundary(tmp_path: Path) -> None:
    line = "Ann,é" + "x" * 90 + "\n"
    path = write(tmp_path, "big.csv", ("name,note\n" + line * 2000).encode())
    table, rows = read_all(path)
    assert table.info.encoding == "utf-8"
    assert len(rows) == 2000 and rows[-1] == (2001, ["Ann", "é" + "x" * 90])


# -- delimiters and quoting -------------------------------------------------------------------
def test_semicolon(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "homes.csv",
        b"Name;Address;Phone\nOak House;1 Main St, Sale;0161 1\nElm;2 Road;0161 2\n",
    )
    table, rows = read_all(path)
    assert table.info.delimiter == ";"
    assert rows[0] == (2, ["Oak House", "1 Main St, Sale", "0161 1"])


def test_tab(tmp_path: Path) -> None:
    path = write(tmp_path, "homes.tsv", b"Name\tAddress\tPhone\nOak House\t1 Main St, Sale\t0161\n")
    table, rows = read_all(path)
    assert table.info.delimiter == "\t"
    assert rows == [(2, ["Oak House", "1 Main St, Sale", "0161"])]


def test_quoted_commas_newlines_and_row_numbers(tmp_path: Path) -> None:
    text = (
        'name,address,phone\n"Oak, House","1 Main St\nSale\nM33 1AA", 0161 \n'
        ',,\n\n  ,  \nElm,"2 ""The"" Road",0162\n'
    )
    _, rows = read_all(write(tmp_path, "homes.csv", text.encode()))
    assert rows == [
        (2, ["Oak, House", "1 Main St\nSale\nM33 1AA", "0161"]),
        (6, ["Elm", '2 "The" Road', "0162"]),
    ]


def test_headers_blank_duplicate_padding_and_truncation(tmp_path: Path) -> None:
    text = (
        " Name ,,Phone,phone,Column 2,,,\nAnn,x,1,2,y,,\nBob\nCy,a,b,c,d,e\n"
        + "Di,1\n" * 100
        + "Ed,a,b,c,d,e,f,g\n"
    )
    table, rows = read_all(write(tmp_path, "h.csv", text.encode()))
    # trailing blank headings are dropped unless one of the first 100 rows has data under them
    assert table.info.headers == [
        "Name",
        "Column 2",
        "Phone",
        "phone (2)",
        "Column 2 (2)",
        "Column 6",
    ]
    assert rows[1] == (3, ["Bob", "", "", "", "", ""])
    assert rows[2] == (4, ["Cy", "a", "b", "c", "d", "e"])
    assert rows[-1] == (105, ["Ed", "a", "b", "c", "d", "e"])


def test_leading_blank_lines_before_header(tmp_path: Path) -> None:
    table, rows = read_all(write(tmp_path, "h.csv", b"\n\nname,phone\nAnn,1\n"))
    assert table.info.headers == ["name", "phone"]
    assert rows == [(4, ["Ann", "1"])]


def test_rows_can_be_read_twice_and_estimate(tmp_path: Path) -> None:
    path = write(tmp_path, "h.csv", b"name,phone\nAnn,1\nBob,2\n\n")
    with open_table(path) as table:
        assert list(table.rows()) == list(table.rows())
        assert table.count_rows_estimate() == 2


def test_single_column_file_is_allowed(tmp_path: Path) -> None:
    table, rows = read_all(write(tmp_path, "p.csv", b"Phone\n0161 1\n0161 2\n"))
    assert table.info.headers == ["Phone"] and len(rows) == 2


# -- XLSX -----------------------------------------------------------------------------------
def make_xlsx(path: Path, rows: list[list[object]], *, extra_sheet_first: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    if extra_sheet_first:
        ws.title = "Notes"
        ws = wb.create_sheet("Homes")
    else:
        ws.title = "Homes"
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_xlsx_values(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "homes.xlsx",
        [
            ["Name ", "Phone", "Mobile", "Expiry", "Visited", "Ratio", "Active", "Empty"],
            [
                "  Oak House ",
                1616275874.0,
                7976848608,
                dt.datetime(2026, 3, 1),
                dt.datetime(2026, 3, 1, 14, 30),
                0.25,
                True,
                None,
            ],
            [None, None, None, None, None, None, None, None],
            ["Elm", "0161 555", 1.5e3, dt.date(2025, 1, 2), None, 1.5, False, None],
        ],
    )
    table, rows = read_all(path)
    assert table.info.format == "xlsx" and table.info.sheet == "Homes"
    assert table.info.encoding is None and table.info.delimiter is None
    assert table.info.headers == [
        "Name",
        "Phone",
        "Mobile",
        "Expiry",
        "Visited",
        "Ratio",
        "Active",
        "Empty",
    ]
    assert rows == [
        (
            2,
            [
                "Oak House",
                "1616275874",
                "7976848608",
                "2026-03-01",
                "2026-03-01 14:30:00",
                "0.25",
                "yes",
                "",
            ],
        ),
        (4, ["Elm", "0161 555", "1500", "2025-01-02", "", "1.5", "no", ""]),
    ]
    with open_table(path) as t:
        assert t.count_rows_estimate() == 3


def test_xlsx_first_sheet_with_data_and_named_sheet(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "book.xlsx", [["Name", "Phone"], ["Ann", 1]], extra_sheet_first=True
    )
    table, rows = read_all(path)
    assert table.info.sheet == "Homes" and rows == [(2, ["Ann", "1"])]
    table, rows = read_all(path, sheet="homes")
    assert table.info.sheet == "Homes"
    with pytest.raises(ImportRefused, match=r"no sheet called “Residents”.*“Notes”, “Homes”"):
        read_all(path, sheet="Residents")


def test_xlsx_detected_by_content_not_extension(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "book.xlsx", [["Name", "Phone"], ["Ann", 1]])
    renamed = path.rename(tmp_path / "book.csv")
    table, rows = read_all(renamed)
    assert table.info.format == "xlsx" and rows == [(2, ["Ann", "1"])]


def test_xlsx_header_only_and_empty(tmp_path: Path) -> None:
    assert "header row but no rows" in refusal(make_xlsx(tmp_path / "h.xlsx", [["Name", "Phone"]]))
    assert "is empty" in refusal(make_xlsx(tmp_path / "e.xlsx", []))


def test_real_files() -> None:
    if not DATA.is_dir():
        pytest.skip("shared data folder not present")
    table, rows = read_all(DATA / "gm_care_homes_2019.csv")
    assert table.info.headers[:5] == ["name", "type", "address", "postcode", "telephone"]
    assert rows[0] == (
        2,
        [
            "The Foothills",
            "Residential homes",
            "9 The Foothills, Rochdale",
            "OL16 2AY",
            "7976848608",
            "NA",
            "Rochdale",
            "E0800005",
            "-2.142585",
            "53.624754",
        ],
    )
    assert len(rows) == 559
    table, rows = read_all(DATA / "trafford_care_homes_2026.csv")
    assert "provider" in table.info.headers and len(rows) == 56


# -- refusals ---------------------------------------------------------------------------------
@pytest.mark.parametrize("data", [b"", b"   \r\n\n\t \n", b"\xef\xbb\xbf", b",,,\n,,\n"])
def test_empty(tmp_path: Path, data: bytes) -> None:
    assert (
        refusal(write(tmp_path, "carehomes.csv", data))
        == "“carehomes.csv” is empty: there is nothing to import."
    )


def test_header_only(tmp_path: Path) -> None:
    assert "has a header row but no rows to import" in refusal(
        write(tmp_path, "h.csv", b"name,phone\n\n,\n")
    )


def test_nul_garbage(tmp_path: Path) -> None:
    assert "does not look like" in refusal(
        write(tmp_path, "g.csv", b"name,phone\x00\x00\x00\x01\x02" * 50)
    )


def test_nul_late_in_file(tmp_path: Path) -> None:
    path = write(tmp_path, "late.csv", b"name,phone\n" + b"Ann,1\n" * 200000 + b"Bob\x00,2\n")
    assert refusal(path) == (
        "“late.csv” has binary content (a NUL byte) at line 200002, which a CSV file never "
        "holds: open it in Excel and save it as .xlsx or CSV, then import that.")


@pytest.mark.parametrize(("data", "line"), [
    (b"name,phone\r\nAnn,0161 496 0123\r\nB\x00b,0161 496 0124\r\n", 3),
    (b"name,phone\n\x00Ann,0161 496 0123\n", 2),
    ("name,phone\nZoë,0161 496 0123\nBob\x00,1\n".encode("utf-16"), 3),
])
def test_a_stray_nul_byte_is_named_with_its_line(tmp_path: Path, data: bytes, line: int) -> None:
    message = refusal(write(tmp_path, "list.csv", data))
    assert f"has binary content (a NUL byte) at line {line}," in message


def test_random_bytes(tmp_path: Path) -> None:
    assert "does not look like" in refusal(write(tmp_path, "r.csv", os.urandom(4096)))


def test_fake_xlsx(tmp_path: Path) -> None:
    assert "not a valid Excel workbook" in refusal(
        write(tmp_path, "list.xlsx", b"this is not a spreadsheet\n")
    )
    assert "not a valid Excel workbook" in refusal(
        write(tmp_path, "zip.xlsx", b"PK\x03\x04" + os.urandom(200))
    )


def test_old_xls(tmp_path: Path) -> None:
    message = refusal(
        write(tmp_path, "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    )
    assert "old-style Excel" in message and "save it as .xlsx or CSV" in message
    assert "password" in refusal(
        write(tmp_path, "locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    )


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert "could not be found" in refusal(tmp_path / "gone.csv")
    folder = tmp_path / "lists"
    folder.mkdir()
    assert "is a folder" in refusal(folder)


def test_ragged_single_column_header(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", b"Care homes list 2024\nOak,0161 1,Sale\nElm,0161 2,Hale\n")
    assert "only one column heading" in refusal(path)


# -- streaming --------------------------------------------------------------------------------
@pytest.mark.slow
def test_streaming_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("name,address,postcode,phone\n")
        for i in range(200_000):
            f.write(f'Home {i},"{i} Long Street, Sale",M33 {i % 10}AA,0161 {i:07d}\n')
    tracemalloc.start()
    try:
        with open_table(path) as table:
            estimate = table.count_rows_estimate()
            count = sum(1 for _ in table.rows())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_000
    assert estimate is not None and 180_000 < estimate < 220_000
    assert peak < 20 * 1024 * 1024
