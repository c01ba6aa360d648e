"""Guess which column of a call list is which field, and apply a supervisor's corrections."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

FIELDS: dict[str, str] = {
    "name": "Name",
    "first_name": "First name",
    "last_name": "Last name",
    "organisation": "Organisation",
    "role": "Role",
    "phone": "Phone",
    "phone_alt": "Other phone",
    "email": "Email",
    "address": "Address",
    "postcode": "Postcode",
    "district": "District",
    "external_ref": "Reference",
    "expiry_date": "Expiry date",
    "preferred_contact": "Preferred contact",
    "accessibility_needs": "Accessibility needs",
    "kind": "Contact type",
    "notes": "Notes",
}
IGNORE = "-"
MULTI_FIELDS = frozenset({"phone_alt"})  # fields that may take several columns


def _words(text: str) -> tuple[str, ...]:
    """Split a "|"-separated list of heading synonyms (kept compact to read and extend)."""
    return tuple(w.strip() for w in text.split("|"))


_NUMBERED = ("", " no", " number", " num", " nos")  # "Tel", "Tel no", "Tel number", ...
_PHONE_WORDS = _words(
    "tel|telephone|phone|landline|main phone|main telephone|contact telephone|contact phone"
)
_ALT_WORDS = _words(
    "mobile|mob|mobile phone|alt phone|alternative phone|other phone|tel 2|phone 2|telephone 2|"
    "secondary phone|second phone"
)

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": _words(
        "name|full name|contact name|provider name|location name|care home|care home name|"
        "home name|service name|resident|resident name|customer name|client name|"
        "establishment name|person"
    ),
    "first_name": _words(
        "first name|firstname|forename|forenames|given name|first names|christian name"
    ),
    "last_name": _words("surname|last name|lastname|family name"),
    "organisation": _words(
        "organisation|organization|organisation name|organization name|provider|company|"
        "company name|brand|brand name|employer"
    ),
    "role": _words("role|job title|position|job role|contact role"),
    "phone": (
        *(w + s for w in _PHONE_WORDS for s in _NUMBERED),
        *_words("contact number|contact no|number"),
    ),
    "phone_alt": (
        *(w + s for w in _ALT_WORDS for s in _NUMBERED),
        *_words("alternative number|alternative no|alt number|alt no|other number"),
        *_words("tel2|phone2"),
    ),
    "email": _words("email|e mail|email address|e mail address|contact email"),
    "address": _words(
        "address|address 1|address line 1|address1|street|street address|location address|"
        "full address|postal address|home address"
    ),
    "postcode": _words(
        "postcode|post code|postal code|location postal code|location postcode|zip|zip code"
    ),
    "district": _words(
        "district|area|area name|borough|local authority|local authority name|la|la name|"
        "locality|ward|ward name|district name|council"
    ),
    "external_ref": _words(
        "reference|ref|ref no|reference number|external ref|external reference|cqc id|"
        "cqc location id|location id|badge number|badge no|bus pass number|bus pass no|"
        "nowcard number|nowcard no|pass number|pass no|customer ref|customer reference|"
        "customer id|client id|client ref|record id|unique id|id"
    ),
    "expiry_date": _words(
        "expiry|expiry date|expires|expires on|valid to|valid until|renewal date|end date"
    ),
    "preferred_contact": _words(
        "preferred contact|contact preference|preferred contact method|preferred method|"
        "preferred method of contact|contact method"
    ),
    "accessibility_needs": _words(
        "accessibility|accessibility needs|access needs|communication needs|interpreter|"
        "interpreter required|interpreter needed|language needs|additional needs"
    ),
    "kind": _words("contact type|contact kind|kind|record type|contact category"),
    "notes": _words("notes|note|comments|comment|remarks|additional information"),
}


class MappingError(ValueError):
    """A column mapping a supervisor asked for that cannot be applied; str(exc) says why."""


def normalise_header(h: str) -> str:
    """Lowercase, turn punctuation into spaces and collapse them: "Tel. no." matches "tel_no"."""
    return " ".join("".join(c if c.isalnum() else " " for c in h.casefold()).split())


def _build_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for field, names in _SYNONYMS.items():
        for name in names:
            lookup.setdefault(normalise_header(name), field)
    return lookup


_LOOKUP = _build_lookup()
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def _field_for(header: str) -> str | None:
    """Match the whole heading, then without asides in brackets ("Expiry (dd/mm/yyyy)")."""
    field = _LOOKUP.get(normalise_header(header))
    if field is None:
        field = _LOOKUP.get(normalise_header(_PARENS.sub(" ", header)))
    return field


def guess_mapping(headers: Sequence[str]) -> dict[str, str]:
    """Map recognised headings to fields; each field takes one column (the first) except phone_alt.

    A second phone-like column becomes phone_alt; with no phone column the first
    alternative (usually "Mobile") becomes the phone. Unrecognised headings are left out.
    """
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        field = _field_for(header)
        if field == "phone" and "phone" in taken:
            field = "phone_alt"
        if field is None or (field in taken and field not in MULTI_FIELDS):
            continue
        mapping[header] = field
        taken.add(field)
    if "phone" not in taken:
        alts = [h for h, f in mapping.items() if f == "phone_alt"]
        mobiles = [h for h in alts if "mob" in normalise_header(h)]
        if alts:
            mapping[(mobiles or alts)[0]] = "phone"
    return mapping


def _field_name(text: str) -> str | None:
    """Accept a field by name or label, any case, with spaces or hyphens for underscores."""
    key = normalise_header(text).replace(" ", "_")
    if key in FIELDS:
        return key
    for field, label in FIELDS.items():
        if normalise_header(label).replace(" ", "_") == key:
            return field
    return None


def parse_mapping_overrides(specs: Sequence[str]) -> dict[str, str]:
    """Parse ["Tel No=phone", "Website=-"] into {heading: field}; "-" or "ignore" skips a column."""
    known = ", ".join(FIELDS)
    result: dict[str, str] = {}
    for spec in specs:
        header, sep, target = spec.rpartition("=")
        header, target = header.strip(), target.strip()
        if not sep or not header or not target:
            raise MappingError(
                f"“{spec}” is not a column mapping: write it as “Column heading=field”, "
                "for example “Tel No=phone”."
            )
        if target.casefold() in (IGNORE, "ignore"):
            result[header] = IGNORE
            continue
        field = _field_name(target)
        if field is None:
            raise MappingError(
                f"“{target}” in “{spec}” is not a field Outbound knows: "
                f"use one of {known}, or “-” to ignore the column."
            )
        result[header] = field
    return result


def _resolve_header(headers: Sequence[str], wanted: str) -> str:
    """Find the heading a supervisor meant, forgiving case and punctuation if unambiguous."""
    if wanted in headers:
        return wanted
    for key in (lambda h: h.strip().casefold(), normalise_header):
        hits = [h for h in headers if key(h) == key(wanted)]
        if len(hits) == 1:
            return hits[0]
    available = ", ".join(f"“{h}”" for h in headers)
    raise MappingError(
        f"There is no column headed “{wanted}” in this file: the columns are {available}."
    )


def apply_overrides(
    headers: Sequence[str], guessed: Mapping[str, str], overrides: Mapping[str, str]
) -> dict[str, str]:
    """Combine guesses with a supervisor's overrides, which win over guesses.

    Returns heading -> field in file order, "-" for ignored columns; unlisted headings are
    extras. Giving a single-valued field to a column un-maps the column guessed for it.
    """
    final = dict(guessed)
    assigned: dict[str, str] = {}  # field -> heading, among the overrides
    for wanted, field in overrides.items():
        header = _resolve_header(headers, wanted)
        if field != IGNORE and field not in FIELDS:
            raise MappingError(
                f"“{field}” is not a field Outbound knows: "
                f"use one of {', '.join(FIELDS)}, or “-” to ignore the column."
            )
        if field != IGNORE and field not in MULTI_FIELDS:
            if field in assigned and assigned[field] != header:
                raise MappingError(
                    f"Both “{assigned[field]}” and “{header}” are mapped to {field}: a field can "
                    "take only one column, so map one of them to something else or to “-”."
                )
            assigned[field] = header
            for other in [h for h, f in final.items() if f == field and h != header]:
                del final[other]  # the guess loses to the supervisor's choice
        final[header] = field
    return {h: final[h] for h in headers if h in final}
