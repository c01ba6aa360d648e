"""Form fields as declared in a template, checked when the template loads.

A field declaration is a ``[[form.fields]]`` table:

    name = "staff_absent_covid"      label = "Staff absent because of Covid"
    type = "integer"                 required = true
    min = 0   max = 2000   unit = "staff"   help = "..."
    show_when = "any_cases is yes"   alert = "above 10"
    soft_max_field = "staff_total"   soft_message = "{value} absent of {limit} — is that right?"

Everything a supervisor could get wrong is caught here, with the field and line, so a
form never fails in the middle of a call.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from outbound.forms.conditions import Condition, ConditionError, parse_alert, parse_condition
from outbound.forms.from_contact import check_source

FIELD_TYPES = ("integer", "decimal", "text", "long_text", "yes_no", "choice", "multi_choice",
               "date", "time", "email", "phone")
NUMERIC = ("integer", "decimal")
FIELD_KEYS = ("name", "label", "type", "help", "required", "min", "max", "unit", "choices",
              "show_when", "alert", "alert_message", "soft_min", "soft_max", "soft_max_field",
              "soft_message", "soft_sum", "carry_forward", "placeholder", "dates",
              "from_contact")
TEXT_LIMITS = {"text": 500, "long_text": 4000, "email": 320, "phone": 40}
SUM_KEYS = ("fields", "at_most", "equals", "message")
DATE_RULES = ("not in the future", "not in the past")


@dataclass(frozen=True, slots=True)
class SumCheck:
    """A soft check across fields: ``fields`` added together are at most, or equal to,
    the answer to ``limit`` (``test`` is "at most" or "equals")."""

    fields: tuple[str, ...]
    test: str
    limit: str
    message: str


class FormError(ValueError):
    """A form declaration that cannot be used; the message names the field."""


@dataclass(frozen=True, slots=True)
class Field:
    """One question on a form."""

    name: str
    label: str
    type: str
    help: str = ""
    required: bool = False
    minimum: float | None = None     # numbers: the value; text: the length
    maximum: float | None = None
    unit: str = ""
    choices: tuple[str, ...] = ()
    show_when: Condition | None = None
    alert: Condition | None = None
    alert_message: str = ""
    soft_min: float | None = None
    soft_max: float | None = None
    soft_max_field: str | None = None
    soft_message: str = ""
    soft_sum: SumCheck | None = None
    dates: str | None = None          # "not in the future" or "not in the past"
    carry_forward: bool = True
    placeholder: str = ""
    from_contact: str | None = None   # "accessibility_needs: interpreter language"
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def numeric(self) -> bool:
        return self.type in NUMERIC

    def is_visible(self, answers: Mapping[str, Any]) -> bool:
        return self.show_when is None or self.show_when.evaluate(answers)


@dataclass(frozen=True, slots=True)
class FormDefinition:
    """A form: its fields in order, and a fingerprint that names this version of it."""

    fields: tuple[Field, ...]
    fingerprint: str

    def field(self, name: str) -> Field:
        for item in self.fields:
            if item.name == name:
                return item
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.fields)

    def visible(self, answers: Mapping[str, Any]) -> list[Field]:
        """The fields shown for these answers; a hidden field hides those that depend on it."""
        shown: list[Field] = []
        seen: dict[str, Any] = {}
        for item in self.fields:
            if item.is_visible(seen):
                shown.append(item)
                if item.name in answers:
                    seen[item.name] = answers[item.name]
        return shown

    def declarations(self) -> list[dict[str, Any]]:
        """The fields as stored with a form version (plain JSON)."""
        return [dict(item.raw) for item in self.fields]


ErrorMaker = Callable[[str, int, str | None], Exception]


def _default_error(problem: str, index: int, key: str | None) -> Exception:
    return FormError(f"Form field {index + 1}: {problem}")


def _number(entry: Mapping[str, Any], key: str, error: Callable[[str, str], Exception]
            ) -> float | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise error(f"{key} should be a number, like 0 or 40.", key)
    return value


def build_field(entry: Mapping[str, Any], index: int, earlier: Mapping[str, Field],
                make_error: ErrorMaker = _default_error) -> Field:
    """One checked field; ``earlier`` holds the fields before it, by name."""

    def error(problem: str, key: str | None = None) -> Exception:
        return make_error(problem, index, key)

    unknown = [key for key in entry if key not in FIELD_KEYS]
    if unknown:
        raise error(f"“{unknown[0]}” is not a field setting; the settings are: "
                    + ", ".join(FIELD_KEYS) + ".", unknown[0])
    name = str(entry.get("name", ""))
    kind = entry.get("type")
    if kind not in FIELD_TYPES:
        raise error(f"the field “{name}” has type “{kind}”; the types are: "
                    + ", ".join(FIELD_TYPES) + ".", "type")
    label = entry.get("label")
    if not isinstance(label, str) or not label.strip():
        raise error(f"the field “{name}” needs a label, the question as the agent sees it.",
                    "label" if "label" in entry else "name")
    choices = entry.get("choices", [])
    if kind in ("choice", "multi_choice"):
        if (not isinstance(choices, list) or len(choices) < 2
                or not all(isinstance(c, str) and c.strip() for c in choices)):
            raise error(f"the field “{name}” needs choices: a list of at least two texts.",
                        "choices" if "choices" in entry else "type")
        if len({c.casefold() for c in choices}) != len(choices):
            raise error(f"the field “{name}” lists the same choice twice.", "choices")
    elif "choices" in entry:
        raise error(f"choices are only for choice and multi_choice fields, not {kind}.",
                    "choices")
    minimum, maximum = _number(entry, "min", error), _number(entry, "max", error)
    if minimum is not None and maximum is not None and minimum > maximum:
        raise error(f"the field “{name}” has min {minimum} above max {maximum}.", "min")
    if (minimum is not None or maximum is not None) and kind not in (*NUMERIC, *TEXT_LIMITS):
        raise error(f"min and max are for numbers and text lengths, not {kind} fields.",
                    "min" if minimum is not None else "max")
    soft_min, soft_max = _number(entry, "soft_min", error), _number(entry, "soft_max", error)
    soft_field = entry.get("soft_max_field")
    if (soft_min is not None or soft_max is not None or soft_field) and kind not in NUMERIC:
        raise error("soft checks (soft_min, soft_max, soft_max_field) are for number fields.",
                    "soft_max_field" if soft_field else "soft_max")
    if soft_field is not None:
        other = earlier.get(str(soft_field))
        if other is None or not other.numeric:
            raise error(f"soft_max_field “{soft_field}” should name an earlier number field.",
                        "soft_max_field")
    show_when = _condition(entry, "show_when", name, earlier, error)
    soft_sum = _sum_check(entry, name, str(kind), earlier, error)
    dates = entry.get("dates")
    if dates is not None and (kind != "date" or dates not in DATE_RULES):
        raise error(f"dates is for date fields, and says “{DATE_RULES[0]}” or "
                    f"“{DATE_RULES[1]}”.", "dates")
    alert = None
    if "alert" in entry:
        try:
            alert = parse_alert(str(entry["alert"]), name)
        except ConditionError as exc:
            raise error(f"the alert of “{name}”: {exc}", "alert") from None
        _check_values(alert, {**earlier, name: _stub(entry)}, error, "alert")
    from_contact = entry.get("from_contact")
    if from_contact is not None:
        problem = check_source(from_contact, str(kind))
        if problem:
            raise error(f"the field “{name}”: {problem}", "from_contact")
    text_limit = TEXT_LIMITS.get(str(kind))
    return Field(
        name=name, label=label.strip(), type=str(kind), help=str(entry.get("help", "")).strip(),
        required=bool(entry.get("required", False)), minimum=minimum,
        maximum=maximum if maximum is not None or text_limit is None else text_limit,
        unit=str(entry.get("unit", "")), choices=tuple(choices), show_when=show_when,
        alert=alert, alert_message=str(entry.get("alert_message", "")), soft_min=soft_min,
        soft_max=soft_max, soft_max_field=str(soft_field) if soft_field else None,
        soft_message=str(entry.get("soft_message", "")), soft_sum=soft_sum,
        dates=str(dates) if dates is not None else None,
        carry_forward=bool(entry.get("carry_forward", kind != "long_text")),
        placeholder=str(entry.get("placeholder", "")),
        from_contact=str(from_contact) if from_contact is not None else None, raw=dict(entry),
    )


def _sum_check(entry: Mapping[str, Any], name: str, kind: str, earlier: Mapping[str, Field],
               error: Callable[[str, str], Exception]) -> SumCheck | None:
    """``soft_sum = { fields = [...], at_most = "beds_max", message = "..." }``."""
    declared = entry.get("soft_sum")
    if declared is None:
        return None
    example = ('soft_sum = { fields = ["beds_occupied", "beds_vacant"], at_most = "beds_max", '
               'message = "{sum} beds, but the home has {limit} — is that right?" }')
    if not isinstance(declared, Mapping) or kind not in NUMERIC:
        raise error(f"soft_sum is for number fields, as a table: {example}", "soft_sum")
    unknown = [key for key in declared if key not in SUM_KEYS]
    if unknown:
        raise error(f"“{unknown[0]}” is not a soft_sum setting; they are: "
                    + ", ".join(SUM_KEYS) + ".", "soft_sum")
    tests = [key for key in ("at_most", "equals") if key in declared]
    fields = declared.get("fields")
    if (len(tests) != 1 or not isinstance(fields, list) or len(fields) < 2
            or not all(isinstance(f, str) for f in fields)):
        raise error(f"soft_sum needs at least two fields and one of at_most or equals, "
                    f"like: {example}", "soft_sum")
    limit = declared[tests[0]]
    for other in [*fields, limit]:
        found = earlier.get(str(other))
        if other != name and (found is None or not found.numeric):
            raise error(f"soft_sum of “{name}” uses “{other}”, which should be this field or "
                        "an earlier number field.", "soft_sum")
    message = declared.get("message", "")
    if not isinstance(message, str):
        raise error("the message of soft_sum should be text.", "soft_sum")
    return SumCheck(tuple(fields), tests[0].replace("_", " "), str(limit), message)


def _stub(entry: Mapping[str, Any]) -> Field:
    return Field(name=str(entry.get("name")), label="", type=str(entry.get("type")),
                 choices=tuple(entry.get("choices", ())))


def _condition(entry: Mapping[str, Any], key: str, name: str, earlier: Mapping[str, Field],
               error: Callable[[str, str], Exception]) -> Condition | None:
    if key not in entry:
        return None
    try:
        condition = parse_condition(str(entry[key]))
    except ConditionError as exc:
        raise error(f"the show_when of “{name}”: {exc}", key) from None
    for other in sorted(condition.fields()):
        if other == name:
            raise error(f"“{name}” cannot be shown depending on its own answer.", key)
        if other not in earlier:
            raise error(f"the show_when of “{name}” uses “{other}”, which is not a field "
                        "before it; a condition can only look at earlier answers.", key)
    _check_values(condition, earlier, error, key)
    return condition


def _check_values(condition: Condition, fields: Mapping[str, Field],
                  error: Callable[[str, str], Exception], key: str) -> None:
    """Each comparison must fit its field: a declared choice, a number for a number."""
    from outbound.forms.conditions import Comparison, Junction, Not

    if isinstance(condition, Junction):
        for part in condition.parts:
            _check_values(part, fields, error, key)
        return
    if isinstance(condition, Not):
        _check_values(condition.inner, fields, error, key)
        return
    assert isinstance(condition, Comparison)
    target = fields[condition.field]
    test, value = condition.test, condition.value
    if test in ("answered", "not answered"):
        return
    if test in ("above", "below", "at least", "at most") and target.type not in NUMERIC:
        raise error(f"“{condition.describe()}”: {test} is for number fields, and "
                    f"{target.name} is {target.type}.", key)
    if target.type == "yes_no" and not isinstance(value, bool):
        raise error(f"“{condition.describe()}”: {target.name} is yes or no.", key)
    if target.type in ("choice", "multi_choice"):
        if test in ("includes", "does not include") and target.type != "multi_choice":
            raise error(f"“{condition.describe()}”: includes is for multiple-choice fields.",
                        key)
        if str(value).casefold() not in {c.casefold() for c in target.choices}:
            raise error(f"“{condition.describe()}”: “{value}” is not one of the choices of "
                        f"{target.name} ({', '.join(target.choices)}).", key)
    if target.numeric and test in ("is", "is not") and not isinstance(value, int | float):
        raise error(f"“{condition.describe()}”: {target.name} is a number.", key)


def build_form(entries: Sequence[Mapping[str, Any]],
               make_error: ErrorMaker = _default_error) -> FormDefinition:
    """The checked form for a list of field declarations."""
    fields: dict[str, Field] = {}
    for index, entry in enumerate(entries):
        item = build_field(entry, index, fields, make_error)
        if item.name in fields:
            raise make_error(f"the form field “{item.name}” appears twice.", index, "name")
        fields[item.name] = item
    return FormDefinition(tuple(fields.values()), fingerprint(entries))


def fingerprint(entries: Sequence[Mapping[str, Any]]) -> str:
    """A stable name for a form's content: the same declarations, the same version."""
    canonical = json.dumps(list(entries), sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@lru_cache(maxsize=128)
def _cached(canonical: str) -> FormDefinition:
    return build_form(json.loads(canonical))


def form_from_declarations(entries: Sequence[Mapping[str, Any]]) -> FormDefinition:
    """The form for stored declarations (a form version), cached."""
    return _cached(json.dumps(list(entries), sort_keys=True, default=str))
