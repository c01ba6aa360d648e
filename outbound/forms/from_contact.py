"""Answers a form can take from the contact's record when it opens.

A field declares ``from_contact = "accessibility_needs: interpreter"``: a contact field,
and for the free-text accessibility needs the part of them it takes. The needs are
written by people ("Interpreter: Punjabi; wheelchair user", "BSL"), so only the plain
forms are read: "Interpreter: <language>" (or "<language> interpreter") and "BSL" or
"British Sign Language". What the needs do not mention is left for the agent to ask.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# A contact field a form may read, and the parts of it (None: the whole text).
SOURCES: dict[str, dict[str | None, tuple[str, ...]]] = {
    "accessibility_needs": {
        None: ("text", "long_text"),
        "interpreter": ("yes_no",),
        "interpreter language": ("text",),
        "bsl": ("yes_no",),
    },
    "preferred_contact": {None: ("text", "long_text")},
    "email": {None: ("email", "text")},
}

_SIGN = re.compile(r"\b(bsl|british sign language|sign language)\b", re.IGNORECASE)
_INTERPRETER = re.compile(r"\binterpreter\s*(?:needed|required)?\s*(?:[:\-–—=]|for|in)\s*"
                          r"([A-Za-z][A-Za-z' ()-]*)", re.IGNORECASE)
_BEFORE = re.compile(r"\b([A-Za-z][A-Za-z'-]*)\s+interpreter\b", re.IGNORECASE)
_NOT_LANGUAGES = {"an", "a", "the", "needs", "need", "needed", "requires", "required",
                  "bsl", "sign", "language", "no", "not"}


@dataclass(frozen=True, slots=True)
class Needs:
    """What a contact's accessibility needs say about interpreters."""

    language: str | None = None      # a spoken-language interpreter, "Punjabi"
    bsl: bool = False


def read_needs(text: str | None) -> Needs:
    """"Interpreter: Punjabi; uses a wheelchair" -> Needs("Punjabi", False)."""
    if not text or not text.strip():
        return Needs()
    language = None
    bsl = False
    for part in re.split(r"[;,\n/]+", text):
        if _SIGN.search(part):
            bsl = True
            continue
        found = _INTERPRETER.search(part)
        if found:
            words = found.group(1).split("(")[0].strip(" -'")
            if words and words.casefold() not in _NOT_LANGUAGES:
                language = language or _tidy(words)
            continue
        before = _BEFORE.search(part)
        if before and before.group(1).casefold() not in _NOT_LANGUAGES:
            language = language or _tidy(before.group(1))
    return Needs(language, bsl)


def _tidy(language: str) -> str:
    return " ".join(word[:1].upper() + word[1:] for word in language.split())


def parse_source(declared: str) -> tuple[str, str | None]:
    """"accessibility_needs: interpreter" -> ("accessibility_needs", "interpreter")."""
    field, _, part = declared.partition(":")
    return field.strip(), (part.strip().casefold() or None)


def check_source(declared: Any, kind: str) -> str | None:
    """Why a ``from_contact`` cannot be used for a field of this type (None when it can)."""
    if not isinstance(declared, str) or not declared.strip():
        return "from_contact should name a contact field, like \"accessibility_needs\"."
    field, part = parse_source(declared)
    parts = SOURCES.get(field)
    if parts is None:
        return (f"from_contact “{declared}”: a form can take "
                + ", ".join(SOURCES) + " from the contact.")
    if part not in parts:
        named = [p for p in parts if p]
        return (f"from_contact “{declared}”: the parts of {field} are "
                + (", ".join(named) if named else "none") + ".")
    if kind not in parts[part]:
        return (f"from_contact “{declared}” fills a {' or '.join(parts[part])} field, "
                f"not a {kind} one.")
    return None


def answer_from_contact(declared: str, contact: Mapping[str, Any]) -> Any:
    """The answer the contact's record gives (None when it says nothing)."""
    field, part = parse_source(declared)
    text = contact.get(field)
    if text is None or not str(text).strip():
        return None
    if part is None:
        return str(text).strip()
    needs = read_needs(str(text))
    if part == "interpreter":
        return True if needs.language else None
    if part == "interpreter language":
        return needs.language
    if part == "bsl":
        return True if needs.bsl else None
    return None
