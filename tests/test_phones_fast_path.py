"""The short cut for UK numbers written nationally gives exactly what phonenumbers does."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from outbound.phones import _uk_national, parse_phone_cell


def _spaced(digits: str) -> list[str]:
    """The number as people write it: run together, and spaced two common ways."""
    return [digits, f"{digits[:5]} {digits[5:]}", f"{digits[:4]} {digits[4:7]} {digits[7:]}"]


def _starts() -> list[str]:
    """Every start of a national number: 0, then four digits, the first not 0."""
    return [f"0{first}{rest:03d}" for first in range(1, 10) for rest in range(1000)]


@pytest.mark.parametrize("length", [9, 10])
def test_every_start_of_a_national_number_parses_as_phonenumbers_parses_it(length: int) -> None:
    rng = random.Random(length)
    for start in _starts():
        tail = "".join(rng.choice("0123456789") for _ in range(length + 1 - len(start)))
        for text in _spaced(start + tail) if rng.random() < 0.1 else [start + tail]:
            assert _uk_national(text) == phonenumbers.parse(text, "GB"), text


@pytest.mark.parametrize("text", [
    "", "0", "01134960", "011349600", "0113496000000",      # too short or too long
    "00113496000", "0011349600",                           # 00 is the international prefix
    "1134960000", "+441134960000", "(0113) 496 0000",       # the 0 lost, +44, brackets
    "0113-496-0000", "0113 496 000x",
    "\u0660\u0661\u0661\u0663\u0664\u0669\u0666\u0660\u0660\u0660\u0660",  # Arabic digits
])
def test_anything_else_is_left_to_phonenumbers(text: str) -> None:
    assert _uk_national(text) is None


def test_spaces_around_it_change_nothing() -> None:
    for text in (" 01134960000", "01134960000 ", "  0113 496  0000 "):
        assert _uk_national(text) == phonenumbers.parse(text, "GB"), text


def test_the_cells_it_takes_come_out_as_they_did() -> None:
    """Valid, invalid, the lost 0 and the 9-digit numbers, through the whole cell parse."""
    cells = {
        "0113 496 0000": ("+441134960000", "landline", None),
        "1134960000": ("+441134960000", "landline", None),
        "01204 62150": None,
        "0999 999 9999": (None, None, "not a valid UK phone number: no UK number range "
                                      "starts like this"),
        "0800 123 4567": ("+448001234567", "freephone", None),
    }
    for cell, expected in cells.items():
        (number,) = parse_phone_cell(cell).numbers
        slow = phonenumbers.parse(cell if cell[0] == "0" else "0" + cell, "GB")
        assert number.e164 == (f"+{slow.country_code}{slow.national_number}"
                               if phonenumbers.is_valid_number(slow) else None), cell
        if expected is not None:
            assert (number.e164, number.line_type, number.problem) == expected, cell
