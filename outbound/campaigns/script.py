"""Call scripts with placeholders such as {contact.first_name} and {agent.name}.

Placeholders are found with a regular expression and filled in one pass, never with
``str.format``: the script and the contact's data come from spreadsheets and people,
so attribute access must be impossible and braces in a contact's data must come out
as written.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

from outbound.clock import to_london

# "{{" and "}}" are literal braces; anything else in braces is a placeholder.
_BRACES = re.compile(r"\{\{|\}\}|\{([^{}\n]*)\}")
_CONTACT = re.compile(r"^contact\.(?:attributes\.)?([^{}.]+)$")
_FIXED = ("agent.name", "campaign.name")
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "sir", "dame", "lady", "lord"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def placeholders(text: str) -> Iterator[str]:
    """Every placeholder in a script, as written between the braces (trimmed)."""
    for match in _BRACES.finditer(text):
        if match.group(1) is not None:
            yield match.group(1).strip()


def is_known_placeholder(name: str) -> bool:
    """Only {contact.*}, {agent.name} and {campaign.name} may appear in a script."""
    return name in _FIXED or _CONTACT.match(name) is not None


def render(text: str, contact: Mapping[str, Any], agent: str | None,
           campaign: str) -> str:
    """The script with each placeholder filled; a missing value becomes empty text."""

    def fill(match: re.Match[str]) -> str:
        whole = match.group(0)
        if whole == "{{":
            return "{"
        if whole == "}}":
            return "}"
        name = (match.group(1) or "").strip()
        if name == "agent.name":
            return agent or ""
        if name == "campaign.name":
            return campaign
        found = _CONTACT.match(name)
        if found is None:
            return ""
        return _as_text(_contact_value(contact, found.group(1).strip()))

    return _BRACES.sub(fill, text)


def _contact_value(contact: Mapping[str, Any], key: str) -> Any:
    """contact[key], else contact["attributes"][key]; first_name from the name."""
    value = contact.get(key)
    if value is None:
        attributes = contact.get("attributes")
        if isinstance(attributes, Mapping):
            value = attributes.get(key)
    if value is None and key == "first_name":
        value = _first_name(contact.get("name"))
    if isinstance(value, str) and key.endswith("date") and _ISO_DATE.match(value):
        with contextlib.suppress(ValueError):
            value = date.fromisoformat(value)
    return value


def _first_name(name: Any) -> str | None:
    """The first word of the name, past a title: "Mrs Ann Smith" -> "Ann".

    "Mrs Smith" stays whole, as that is how the agent should address her.
    """
    words = str(name).split() if name else []
    if words and words[0].rstrip(".").casefold() in _TITLES:
        return words[1] if len(words) > 2 else " ".join(words)
    return words[0] if words else None


def _as_text(value: Any) -> str:
    """Values as people say them: dates as "31 March 2027", yes/no for true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = to_london(value)
        return f"{value.day} {value:%B %Y} at {value:%H:%M}"
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    return str(value)
