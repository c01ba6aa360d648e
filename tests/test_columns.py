"""Tests for guessing and overriding which column is which field."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from outbound.importing.columns import (
    FIELDS,
    MappingError,
    apply_overrides,
    guess_mapping,
    normalise_header,
    parse_mapping_overrides,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def headers_of(name: str) -> list[str]:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{path} not present")
    with path.open(encoding="utf-8", newline="") as f:
        return next(csv.reader(f))


def test_normalise_header() -> None:
    assert normalise_header("  Tel. No. ") == "tel no"
    assert normalise_header("E-mail_Address") == "e mail address"
    assert normalise_header("Café  Name") == "café name"


def test_fields_include_name_parts() -> None:
    assert {"name", "first_name", "last_name", "phone", "phone_alt", "kind", "notes"} <= set(FIELDS)


def test_gm_care_homes() -> None:
    mapping = guess_mapping(headers_of("gm_care_homes_2019.csv"))
    assert mapping == {
        "name": "name",
        "address": "address",
        "postcode": "postcode",
        "telephone": "phone",
        "area_name": "district",
    }


def test_trafford_care_homes() -> None:
    mapping = guess_mapping(headers_of("trafford_care_homes_2026.csv"))
    assert mapping == {
        "name": "name",
        "cqc_id": "external_ref",
        "address": "address",
        "postcode": "postcode",
        "telephone": "phone",
        "provider": "organisation",
        "area_name": "district",
    }
    for unmapped in (
        "type",
        "website",
        "inspection_date",
        "cqc_webpage",
        "area_code",
        "lon",
        "lat",
    ):
        assert unmapped not in mapping


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Full name", "name"),
        ("Care Home", "name"),
        ("Location name", "name"),
        ("Resident", "name"),
        ("Organization", "organisation"),
        ("Company", "organisation"),
        ("Job title", "role"),
        ("Tel", "phone"),
        ("Tel. no.", "phone"),
        ("Telephone Number", "phone"),
        ("Landline", "phone"),
        ("Number", "phone"),
        ("Contact number", "phone"),
        ("E-mail", "email"),
        ("Email address", "email"),
        ("Address line 1", "address"),
        ("Post code", "postcode"),
        ("Location postal code", "postcode"),
        ("Borough", "district"),
        ("LA", "district"),
        ("Ward", "district"),
        ("CQC location ID", "external_ref"),
        ("NoWcard number", "external_ref"),
        ("ID", "external_ref"),
        ("Bus pass number", "external_ref"),
        ("Valid to", "expiry_date"),
        ("Expiry (dd/mm/yyyy)", "expiry_date"),
        ("Contact preference", "preferred_contact"),
        ("Interpreter", "accessibility_needs"),
        ("Communication needs", "accessibility_needs"),
        ("Contact type", "kind"),
        ("Comments", "notes"),
        ("First name", "first_name"),
        ("Surname", "last_name"),
        ("Last name", "last_name"),
    ],
)
def test_single_headers(header: str, field: str) -> None:
    assert guess_mapping([header]) == {header: field}


@pytest.mark.parametrize(
    "header",
    ["type", "Service type", "Provider type", "website", "lon", "lat", "area_code", "Title"],
)
def test_left_unmapped(header: str) -> None:
    assert guess_mapping([header]) == {}


def test_phone_alt_takes_several_and_phone_once() -> None:
    headers = ["Name", "Telephone", "Mobile", "Tel 2", "Phone", "Alternative number"]
    assert guess_mapping(headers) == {
        "Name": "name",
        "Telephone": "phone",
        "Mobile": "phone_alt",
        "Tel 2": "phone_alt",
        "Phone": "phone_alt",
        "Alternative number": "phone_alt",
    }


def test_mobile_becomes_phone_without_landline() -> None:
    assert guess_mapping(["Name", "Other phone", "Mobile number"]) == {
        "Name": "name",
        "Other phone": "phone_alt",
        "Mobile number": "phone",
    }


def test_each_field_once() -> None:
    assert guess_mapping(["Name", "Care home", "Postcode", "Post code"]) == {
        "Name": "name",
        "Postcode": "postcode",
    }


def test_first_and_last_name() -> None:
    assert guess_mapping(["Title", "Forename", "Last name", "Mob"]) == {
        "Forename": "first_name",
        "Last name": "last_name",
        "Mob": "phone",
    }


def test_parse_overrides() -> None:
    assert parse_mapping_overrides(
        ["Tel No=phone", " CQC ID = External_Ref", "Website=-", "Fax=ignore", "Alt=Other phone"]
    ) == {
        "Tel No": "phone",
        "CQC ID": "external_ref",
        "Website": "-",
        "Fax": "-",
        "Alt": "phone_alt",
    }


@pytest.mark.parametrize("spec", ["Tel No", "=phone", "Tel No=", "  "])
def test_parse_overrides_bad_syntax(spec: str) -> None:
    with pytest.raises(MappingError, match="Column heading=field"):
        parse_mapping_overrides([spec])


def test_parse_overrides_unknown_field() -> None:
    with pytest.raises(MappingError, match=r"“telephone”.*name, first_name"):
        parse_mapping_overrides(["Tel=telephone"])


def test_apply_overrides() -> None:
    headers = ["Name", "Telephone", "Tel No", "Website", "Ref"]
    guessed = guess_mapping(headers)
    assert guessed == {
        "Name": "name",
        "Telephone": "phone",
        "Tel No": "phone_alt",
        "Ref": "external_ref",
    }
    final = apply_overrides(
        headers,
        guessed,
        parse_mapping_overrides(["tel no=phone", "Website=-", "Telephone=phone_alt"]),
    )
    assert final == {
        "Name": "name",
        "Telephone": "phone_alt",
        "Tel No": "phone",
        "Website": "-",
        "Ref": "external_ref",
    }
    assert list(final) == ["Name", "Telephone", "Tel No", "Website", "Ref"]


def test_apply_overrides_unknown_header() -> None:
    with pytest.raises(MappingError, match=r"no column headed “Fax”.*“Name”, “Phone”"):
        apply_overrides(["Name", "Phone"], {}, {"Fax": "-"})


def test_apply_overrides_conflict() -> None:
    with pytest.raises(MappingError, match="Both “A” and “B” are mapped to phone"):
        apply_overrides(["A", "B"], {}, {"A": "phone", "B": "phone"})
