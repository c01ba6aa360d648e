"""Small text normalisations shared by importing, duplicates and search."""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^0-9a-z]+")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")


def name_key(name: str) -> str:
    """A name reduced for matching: case, accents, punctuation and "&" don't count."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = folded.replace("&", " and ")
    return _NOT_WORD.sub(" ", folded).strip()


def normalise_postcode(text: str) -> str | None:
    """"ol162ay" -> "OL16 2AY"; None when it is not a UK postcode."""
    match = _POSTCODE.match(text.strip().upper())
    if match is None:
        return None
    return f"{match.group(1)} {match.group(2)}"


def postcode_area(postcode: str | None) -> str | None:
    """The letters a postcode starts with ("OL16 2AY" -> "OL"), for assigning by area."""
    if not postcode:
        return None
    letters = re.match(r"[A-Z]{1,2}", postcode)
    return letters.group(0) if letters else None


def count_of(number: int, thing: str, things: str | None = None) -> str:
    """"1 call", "2,400 calls": the number with the word in the right form."""
    return f"{number:,} {thing if number == 1 else things or thing + 's'}"
