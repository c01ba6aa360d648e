"""Tests for outbound.phones: real-looking cells as they arrive in council spreadsheets.

Fictitious numbers use Ofcom's drama ranges (0113 496 0xxx, 0161 496 0xxx,
020 7946 0xxx); the rest are public care-home business numbers from CQC data.
"""

from __future__ import annotations

import phonenumbers
import pytest

from outbound.phones import (
    DAMAGED,
    FLOAT_SUFFIX,
    LEADING_ZERO,
    MISSING_PLUS,
    SCIENTIFIC,
    SERVICE,
    PhoneNumber,
    _number_type,
    format_for_display,
    parse_phone,
    parse_phone_cell,
)


# (cell, status, usable E.164 numbers in order, extension of the primary)
@pytest.mark.parametrize(
    ("cell", "status", "e164s", "extension"),
    [
        ("1616275874", "repaired", ["+441616275874"], None),
        ("7976848608", "repaired", ["+447976848608"], None),
        ("NA", "missing", [], None),
        ("1617777e3", "invalid", [], None),
        ("161627587", "invalid", [], None),
        ("0161 476 0702 / 07976 848608", "valid", ["+441614760702", "+447976848608"], None),
        ("+44 (0)113 496 0123 ext 204", "valid", ["+441134960123"], "204"),
        ("0044 20 7946 0123", "valid", ["+442079460123"], None),
        ("07700 900123", "invalid", [], None),
        ("09065 123456", "valid", ["+449065123456"], None),
        ("7.976848608E+9", "repaired", ["+447976848608"], None),
        ("999", "invalid", [], None),
    ],
)
def test_real_cells(cell: str, status: str, e164s: list[str], extension: str | None) -> None:
    parsed = parse_phone_cell(cell)
    assert parsed.status == status
    assert [n.e164 for n in parsed.usable] == e164s
    if e164s:
        assert parsed.primary is not None
        assert parsed.primary.extension == extension
    else:
        assert parsed.primary is None


@pytest.mark.parametrize(
    "cell",
    [
        "0161 496 0123",
        "01614960123",
        "+44 161 496 0123",
        "+441614960123",
        "0044 161 496 0123",
        "00 44 161 496 0123",
        "+44 (0)161 496 0123",
        "+44(0)161-496-0123",
        "0044 (0)161 496 0123",
        "(0161) 496 0123",
        "0161-496-0123",
        "0161.496.0123",
        "  0161 496 0123  ",
        "\u00a00161\u00a0496\u00a00123",
        "Tel: 0161 496 0123",
        "0161 496 0123 (office)",
        "0161 496 0123 (24 hrs)",
    ],
)
def test_accepted_uk_formats(cell: str) -> None:
    parsed = parse_phone_cell(cell)
    assert parsed.status == "valid"
    assert [n.e164 for n in parsed.numbers] == ["+441614960123"]
    assert parsed.primary is not None
    assert parsed.primary.line_type == "landline"
    assert parsed.repairs == ()
    assert parsed.problems == ()


@pytest.mark.parametrize(
    "cell",
    [
        "0113 496 0123 ext 204",
        "0113 496 0123 ext. 204",
        "0113 496 0123 ext204",
        "0113 496 0123 Ext: 204",
        "0113 496 0123 x204",
        "0113 496 0123 x 204",
        "0113 496 0123 X204",
        "0113 496 0123 extension 204",
        "0113 496 0123 extn 204",
        "0113 496 0123 #204",
        "0113 496 0123 # 204",
        "+44 (0)113 496 0123 ext 204",
        "0113 496 0123 ext 204 (reception)",
    ],
)
def test_extensions(cell: str) -> None:
    parsed = parse_phone_cell(cell)
    assert parsed.status == "valid"
    assert len(parsed.numbers) == 1
    number = parsed.numbers[0]
    assert (number.e164, number.extension) == ("+441134960123", "204")
    assert "204" in number.raw


@pytest.mark.parametrize(
    "separator", [" / ", "/", ", ", ",", "; ", " or ", " OR ", " & ", "\n", " | ", " and "]
)
def test_two_numbers_in_one_cell(separator: str) -> None:
    parsed = parse_phone_cell(f"0161 476 0702{separator}07976 848608")
    assert parsed.status == "valid"
    assert parsed.primary is not None
    assert parsed.primary.e164 == "+441614760702"
    assert parsed.primary.line_type == "landline"
    assert [n.e164 for n in parsed.alternates] == ["+447976848608"]
    assert parsed.alternates[0].line_type == "mobile"
    assert [n.raw for n in parsed.numbers] == ["0161 476 0702", "07976 848608"]


def test_many_numbers_and_labels_keep_cell_order() -> None:
    cell = "Office: 0113 496 0123 x 12; Mob 07976 848608\nHome 020 7946 0123"
    parsed = parse_phone_cell(cell)
    assert [(n.e164, n.extension) for n in parsed.numbers] == [
        ("+441134960123", "12"),
        ("+447976848608", None),
        ("+442079460123", None),
    ]
    assert len(parsed.alternates) == 2


def test_repeated_number_is_not_an_alternate() -> None:
    parsed = parse_phone_cell("0161 496 0123 / 0161 4960123 / 020 7946 0123")
    assert [n.e164 for n in parsed.alternates] == ["+442079460123"]


def test_unusable_number_next_to_a_good_one() -> None:
    parsed = parse_phone_cell("07700 900123 / 0161 496 0123")
    assert parsed.status == "valid"
    assert parsed.primary is not None
    assert parsed.primary.e164 == "+441614960123"
    assert parsed.alternates == ()
    assert len(parsed.numbers) == 2
    assert len(parsed.problems) == 1


def test_spaces_and_dashes_inside_a_number_do_not_split_it() -> None:
    parsed = parse_phone_cell("0161 - 496 - 0123")
    assert [n.e164 for n in parsed.numbers] == ["+441614960123"]
    run_together = parse_phone_cell("0161 496 0123 07976 848608")
    assert run_together.status == "invalid"
    assert run_together.numbers[0].e164 is None


@pytest.mark.parametrize(
    ("cell", "e164", "line_type"),
    [
        ("1616275874", "+441616275874", "landline"),
        ("7976848608", "+447976848608", "mobile"),
        ("2079460123", "+442079460123", "landline"),
        ("1134960123", "+441134960123", "landline"),
        ("3001234567", "+443001234567", "uan"),
        ("8001234567", "+448001234567", "freephone"),
        ("120462150", "+44120462150", "landline"),   # 01204 62150: Bolton has 5-digit numbers
    ],
)
def test_leading_zero_restored(cell: str, e164: str, line_type: str) -> None:
    parsed = parse_phone_cell(cell)
    assert parsed.status == "repaired"
    number = parsed.numbers[0]
    assert (number.e164, number.line_type) == (e164, line_type)
    assert number.repairs == (LEADING_ZERO,)
    assert parsed.repairs == (LEADING_ZERO,)
    assert number.raw == cell


@pytest.mark.parametrize("cell", ["7700900123", "161627587", "161627", "6161627587"])
def test_leading_zero_not_restored_when_still_invalid(cell: str) -> None:
    parsed = parse_phone_cell(cell)
    assert parsed.status == "invalid"
    assert parsed.numbers[0].e164 is None
    assert parsed.repairs == ()
    assert parsed.numbers[0].problem


@pytest.mark.parametrize("cell", ["120462150", "120462150.0", "1.20462150E+8"])
def test_nine_digits_that_lost_their_zero_are_reported_as_repaired(cell: str) -> None:
    parsed = parse_phone_cell(cell)
    assert parsed.status == "repaired"
    assert [n.e164 for n in parsed.usable] == ["+44120462150"]
    assert LEADING_ZERO in parsed.repairs


@pytest.mark.parametrize("cell", ["4412345678", "441134960"])
def test_no_zero_is_put_before_a_country_code(cell: str) -> None:
    parsed = parse_phone_cell(cell)
    assert parsed.status == "invalid"
    assert parsed.repairs == ()


def test_leading_zero_only_for_uk_region() -> None:
    assert parse_phone_cell("2125550123", region="US").repairs == ()


@pytest.mark.parametrize(
    ("cell", "e164"),
    [
        ("7.976848608E+9", "+447976848608"),
        ("7.976848608e9", "+447976848608"),
        ("7.976848608E+09", "+447976848608"),
        ("7.97684860800E+9", "+447976848608"),
        ("1.616275874E+9", "+441616275874"),
    ],
)
def test_scientific_notation_with_every_digit_is_repaired(cell: str, e164: str) -> None:
    parsed = parse_phone_cell(cell)
    assert parsed.status == "repaired"
    assert parsed.numbers[0].e164 == e164
    assert parsed.repairs == (SCIENTIFIC, LEADING_ZERO)


def test_scientific_notation_with_country_code() -> None:
    parsed = parse_phone_cell("4.41614960123E+11")
    assert parsed.numbers[0].e164 == "+441614960123"
    assert parsed.repairs == (SCIENTIFIC, MISSING_PLUS)


@pytest.mark.parametrize(
    "cell", ["1617777e3", "1.617777E+9", "7.9768486E+09", "7.97685E+09", "1.61628E+9", "1.5e0"]
)
def test_scientific_notation_that_lost_digits_is_refused(cell: str) -> None:
    parsed = parse_phone_cell(cell)
    assert parsed.status == "invalid"
    number = parsed.numbers[0]
    assert number.e164 is None
    assert not number.usable
    assert number.problem == DAMAGED
    assert number.repairs == ()


def test_damaged_cell_next_to_a_good_number() -> None:
    parsed = parse_phone_cell("1.617777E+9 / 0113 496 0123")
    assert parsed.primary is not None
    assert parsed.primary.e164 == "+441134960123"
    assert parsed.problems == (DAMAGED,)


def test_float_suffix_from_spreadsheet() -> None:
    parsed = parse_phone_cell("1616275874.0")
    assert parsed.numbers[0].e164 == "+441616275874"
    assert parsed.repairs == (FLOAT_SUFFIX, LEADING_ZERO)


@pytest.mark.parametrize("cell", ["441614960123", "44 161 496 0123"])
def test_missing_plus_before_country_code(cell: str) -> None:
    parsed = parse_phone_cell(cell)
    assert parsed.status == "repaired"
    assert parsed.numbers[0].e164 == "+441614960123"
    assert parsed.repairs == (MISSING_PLUS,)


@pytest.mark.parametrize(
    "cell", [None, "", "   ", "\t\n", "NA", "na", "N/A", "n/a", "n.a.", "None", "none", "-", "nan"]
)
def test_missing(cell: str | None) -> None:
    parsed = parse_phone_cell(cell)
    assert parsed.status == "missing"
    assert parsed.numbers == ()
    assert parsed.primary is None
    assert parsed.alternates == ()
    assert parsed.problems == ()


@pytest.mark.parametrize(
    "cell", ["ex-directory", "Ex Directory", "WITHHELD", "unknown", "TBC", "Number withheld"]
)
def test_no_number_given_on_purpose(cell: str) -> None:
    parsed = parse_phone_cell(cell)
    assert parsed.status == "invalid"
    assert parsed.primary is None
    (problem,) = parsed.problems
    assert problem.startswith("no number to call")
    assert cell.split()[-1].lower() in problem.lower()


def test_text_without_a_number() -> None:
    parsed = parse_phone_cell("Flat 2, ring the warden")
    assert parsed.status == "invalid"
    assert parsed.problems == ("no phone number found in this cell",)


@pytest.mark.parametrize("cell", ["999", "112", "111", " 999 "])
def test_emergency_and_service_numbers_refused(cell: str) -> None:
    parsed = parse_phone_cell(cell)
    assert parsed.status == "invalid"
    assert parsed.problems == (SERVICE,)


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("161627587", "too short"),
        ("161627", "too short"),
        ("0161 627", "too short"),
        ("07700 900123", "not a valid UK phone number"),
        ("0161 496 01234567", "too long"),
        ("0", "not a phone number"),
        ("(", "not a phone number"),
    ],
)
def test_invalid_numbers_explained(cell: str, words: str) -> None:
    parsed = parse_phone_cell(cell)
    assert parsed.status == "invalid"
    (number,) = parsed.numbers
    assert number.e164 is None
    assert number.problem is not None
    assert words in number.problem


def test_premium_is_usable_but_flagged() -> None:
    parsed = parse_phone_cell("09065 123456")
    number = parsed.numbers[0]
    assert number.usable
    assert number.premium
    assert number.line_type == "premium"
    assert number.repairs == ()
    assert parsed.status == "valid"
    assert not parse_phone_cell("0161 496 0123").numbers[0].premium


@pytest.mark.parametrize(
    ("cell", "line_type"),
    [
        ("0800 123 4567", "freephone"),
        ("0345 123 4567", "uan"),
        ("070 1234 5678", "personal"),
        ("056 1234 5678", "voip"),
        ("07976 848608", "mobile"),
        ("020 7946 0123", "landline"),
        ("+1 212 555 0123", "other"),
    ],
)
def test_line_types(cell: str, line_type: str) -> None:
    assert parse_phone_cell(cell).numbers[0].line_type == line_type


def test_repaired_status_only_counts_usable_numbers() -> None:
    parsed = parse_phone_cell("0161 496 0123 / 7700900123")
    assert parsed.status == "valid"
    assert parsed.repairs == ()
    assert parse_phone_cell("0161 496 0123 / 7976848608").status == "repaired"


def test_cell_keeps_raw_text() -> None:
    assert parse_phone_cell(" 0161 496 0123 ").raw == " 0161 496 0123 "
    assert parse_phone_cell(" 0161 496 0123 ").numbers[0].raw == "0161 496 0123"


def test_parse_phone_single_number() -> None:
    number = parse_phone("+44 (0)113 496 0123 ext 204")
    assert (number.e164, number.extension, number.usable) == ("+441134960123", "204", True)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "no number given"),
        ("N/A", "no number given"),
        ("0161 476 0702 / 07976 848608", "more than one"),
        ("999", "emergency"),
    ],
)
def test_parse_phone_refuses(text: str, words: str) -> None:
    number = parse_phone(text)
    assert isinstance(number, PhoneNumber)
    assert not number.usable
    assert number.problem is not None
    assert words in number.problem


@pytest.mark.parametrize(
    ("e164", "extension", "shown"),
    [
        ("+441614960123", None, "0161 496 0123"),
        ("+441134960123", "204", "0113 496 0123 ext. 204"),
        ("+442079460123", None, "020 7946 0123"),
        ("+447976848608", None, "07976 848608"),
        ("+449065123456", None, "0906 512 3456"),
        ("+12125550123", None, "+1 212-555-0123"),
        ("not a number", None, "not a number"),
    ],
)
def test_format_for_display(e164: str, extension: str | None, shown: str) -> None:
    assert format_for_display(e164, extension) == shown


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("0161 496 0123", "GB"),
        ("07976 848608", "GB"),
        ("09065 123456", "GB"),
        ("07700 900123", "GB"),
        ("01534 123456", "JE"),
        ("07781 123456", "JE"),
        ("01481 123456", "GG"),
        ("01624 123456", "IM"),
        ("07624 123456", "IM"),
        ("+1 212 555 0123", "GB"),
        ("+1 416 555 0123", "GB"),
        ("+1 242 555 0123", "GB"),
        ("+800 1234 5678", "GB"),
        ("+33 1 23 45 67 89", "GB"),
        ("+39 06 1234 5678", "GB"),
        ("+7 912 345 6789", "GB"),
        ("+7 701 123 4567", "GB"),
        ("161627", "GB"),
    ],
)
def test_number_type_matches_phonenumbers(text: str, region: str) -> None:
    """Our single-pass type lookup must agree with number_type() and is_valid_number()."""
    number = phonenumbers.parse(text, region)
    kind = _number_type(number, phonenumbers.national_significant_number(number))
    assert kind == phonenumbers.number_type(number)
    assert (kind != phonenumbers.PhoneNumberType.UNKNOWN) == phonenumbers.is_valid_number(number)
