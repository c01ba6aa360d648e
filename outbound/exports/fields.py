"""The columns of an export: the union of the form versions it spans, in form order.

A form changed in March leaves January's answers under version 1 and April's under
version 2. An export across both has every field either version asked (blank where a
version did not ask it), so nothing is dropped because the form changed. Fields keep
the newest version's order; a field only older versions had goes back beside the field
it followed there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

TYPE_NAMES = {
    "integer": "Whole number",
    "decimal": "Number",
    "text": "Text",
    "long_text": "Text (long)",
    "email": "Email address",
    "phone": "Phone number (international form, +44…)",
    "yes_no": "Yes / No",
    "choice": "One of the choices",
    "multi_choice": "Any of the choices, separated by “; ”",
    "date": "Date",
    "time": "Time of day (HH:MM)",
}

DICTIONARY_HEADER = ("Column", "Field", "Label", "Type", "Unit", "Choices", "Form versions",
                     "Required", "Shown when", "Alert when", "Help")


@dataclass(frozen=True, slots=True)
class FixedColumn:
    """A column every row has (reference, round, outcome...), described for the dictionary."""

    heading: str
    type: str
    help: str


@dataclass(frozen=True, slots=True)
class FieldColumn:
    """One form field as a column of the export."""

    name: str
    label: str
    type: str
    unit: str | None
    choices: tuple[str, ...]
    help: str | None
    required: bool
    show_when: str | None
    alert: str | None
    versions: tuple[int, ...]
    heading: str = ""
    note: str = ""


def merged_order(versions: Sequence[tuple[int, Sequence[Mapping[str, Any]]]]) -> list[str]:
    """Field names of all versions: the newest version's order, older-only fields placed
    after the field they followed in their own version."""
    order: list[str] = []
    for _number, fields in sorted(versions, key=lambda pair: pair[0], reverse=True):
        anchor = -1
        for field in fields:
            name = str(field["name"])
            if name in order:
                anchor = order.index(name)
                continue
            order.insert(anchor + 1, name)
            anchor += 1
    return order


def field_columns(versions: Sequence[tuple[int, Sequence[Mapping[str, Any]]]],
                  taken: Sequence[str] = ()) -> list[FieldColumn]:
    """The union of the versions' fields, each with a unique column heading.

    The heading is the label commissioners read on the form; where two fields share a
    label (or a label clashes with a fixed column in ``taken``) the field name is added.
    """
    newest_first = sorted(versions, key=lambda pair: pair[0], reverse=True)
    columns: list[FieldColumn] = []
    for name in merged_order(versions):
        having = [(number, next(f for f in fields if f["name"] == name))
                  for number, fields in newest_first if any(f["name"] == name for f in fields)]
        decl = having[0][1]
        labels = {str(f.get("label") or name) for _, f in having}
        types = {str(f.get("type", "text")) for _, f in having}
        notes = []
        if len(labels) > 1:
            notes.append("The label changed between versions: " + " / ".join(sorted(labels)))
        if len(types) > 1:
            notes.append("The type changed between versions: " + " / ".join(sorted(types)))
        columns.append(FieldColumn(
            name=name, label=str(decl.get("label") or name), type=str(decl.get("type", "text")),
            unit=decl.get("unit"), choices=tuple(str(c) for c in decl.get("choices") or ()),
            help=decl.get("help"), required=bool(decl.get("required", False)),
            show_when=decl.get("show_when"), alert=decl.get("alert"),
            versions=tuple(sorted(number for number, _ in having)), note="; ".join(notes)))
    return _with_headings(columns, taken)


def _with_headings(columns: list[FieldColumn], taken: Sequence[str]) -> list[FieldColumn]:
    counts: dict[str, int] = {}
    for column in columns:
        key = column.label.casefold()
        counts[key] = counts.get(key, 0) + 1
    used = {heading.casefold() for heading in taken}
    result = []
    for column in columns:
        heading = column.label
        if counts[heading.casefold()] > 1 or heading.casefold() in used:
            heading = f"{column.label} ({column.name})"
        suffix = 2
        base = heading
        while heading.casefold() in used:
            heading = f"{base} {suffix}"
            suffix += 1
        used.add(heading.casefold())
        result.append(replace(column, heading=heading))
    return result


def dictionary_rows(fixed: Sequence[FixedColumn],
                    fields: Sequence[FieldColumn]) -> list[list[Any]]:
    """The data dictionary: one row per column of the wide layout."""
    rows: list[list[Any]] = [
        [column.heading, None, None, column.type, None, None, "all", None, None, None,
         column.help] for column in fixed]
    for field in fields:
        help_text = field.help or ""
        if field.note:
            help_text = f"{help_text} ({field.note})" if help_text else field.note
        rows.append([
            field.heading, field.name, field.label, TYPE_NAMES.get(field.type, field.type),
            field.unit, "; ".join(field.choices) or None,
            ", ".join(str(v) for v in field.versions) or "-",
            "Yes" if field.required else "No", field.show_when or "always", field.alert,
            help_text or None,
        ])
    return rows
