"""Checking answers against their fields, with messages a person understands.

A *hard* problem means the value cannot be saved ("Enter a whole number, like 12").
A *soft* problem is an unusual answer that may be true ("47 staff absent of 40 on the
roll — is that right?"): the agent confirms it, and the confirmation is recorded with
the answers. Answers to fields that the show-when conditions hide are dropped, so a
changed answer never leaves a stale one behind.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from outbound.forms.fields import Field, FormDefinition

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


@dataclass(frozen=True, slots=True)
class Flag:
    """An answer that crossed an alert threshold."""

    field: str
    value: Any
    rule: str
    message: str


@dataclass(slots=True)
class Validation:
    """What the engine makes of a set of answers."""

    cleaned: dict[str, Any] = field(default_factory=dict)   # visible, typed answers
    errors: dict[str, str] = field(default_factory=dict)    # hard: cannot be saved
    soft: dict[str, str] = field(default_factory=dict)      # needs "is that right?"
    confirmed: dict[str, str] = field(default_factory=dict)  # soft checks confirmed
    flags: list[Flag] = field(default_factory=list)
    visible: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing stops these answers being saved as final."""
        return not self.errors and not self.soft

    def summary(self) -> str:
        problems = list(self.errors.values()) + list(self.soft.values())
        if not problems:
            return "The answers are complete."
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return problems[0] + more


class AnswerError(ValueError):
    """An answer that cannot be stored as given."""


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _plain(number: float) -> str:
    return f"{number:g}" if isinstance(number, float) else str(number)


def coerce(item: Field, value: Any) -> Any:
    """The stored form of an answer (see the storage contract), or AnswerError."""
    kind = item.type
    if kind == "integer":
        if isinstance(value, bool):
            raise AnswerError("Enter a whole number, like 12.")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        text = str(value).strip().replace(",", "")
        if re.fullmatch(r"[+-]?\d+", text):
            return int(text)
        raise AnswerError("Enter a whole number, like 12.")
    if kind == "decimal":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            raise AnswerError("Enter a number, like 2.5.") from None
        if not number.is_finite():
            raise AnswerError("Enter a number, like 2.5.")
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == "yes_no":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _YES:
            return True
        if text in _NO:
            return False
        raise AnswerError("Answer yes or no.")
    if kind == "choice":
        return _choice(item, value)
    if kind == "multi_choice":
        values = value if isinstance(value, list | tuple | set) else str(value).split(";")
        chosen = [_choice(item, v) for v in values if not _blank(v)]
        return [c for c in item.choices if c in chosen]         # in the form's order
    if kind == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        text = str(value).strip()
        for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y"):
            try:
                return datetime.strptime(text, pattern).date().isoformat()
            except ValueError:
                continue
        raise AnswerError("Enter a date, like 21/11/2026.")
    if kind == "time":
        if isinstance(value, time):
            return value.strftime("%H:%M")
        read = read_time(str(value))
        if read is None:
            raise AnswerError("Enter a time, like 14:30.")
        return read.strftime("%H:%M")
    if kind == "email":
        text = str(value).strip()
        if not _EMAIL.match(text):
            raise AnswerError("Enter an email address, like name@example.org.")
        return text
    if kind == "phone":
        from outbound.phones import parse_phone

        parsed = parse_phone(str(value))
        if not parsed.usable or parsed.e164 is None:
            raise AnswerError(parsed.problem or "Enter a UK phone number, like 0113 496 0000.")
        return parsed.e164
    return str(value).strip()                       # text, long_text


def read_time(text: str) -> time | None:
    """A time as people type it: "14:30", "1430", "14.30", "2.30pm", "2:30 pm", "2pm"
    or "14"; None when it is not one."""
    cleaned = text.strip().upper().replace(".", ":")
    if re.fullmatch(r"\d{1,2}", cleaned):
        cleaned += ":00"
    for pattern in ("%H:%M", "%H%M", "%I:%M%p", "%I%p", "%I:%M %p", "%I %p"):
        try:
            return datetime.strptime(cleaned, pattern).time()
        except ValueError:
            continue
    return None


def _choice(item: Field, value: Any) -> str:
    text = str(value).strip()
    for choice in item.choices:
        if choice.casefold() == text.casefold():
            return choice
    raise AnswerError(f"Choose one of: {', '.join(item.choices)}.")


def _range_problem(item: Field, value: Any) -> str | None:
    if item.numeric:
        unit = f" {item.unit}" if item.unit else ""
        if item.minimum is not None and value < item.minimum:
            return f"{item.label} cannot be less than {_plain(item.minimum)}{unit}."
        if item.maximum is not None and value > item.maximum:
            return f"{item.label} cannot be more than {_plain(item.maximum)}{unit}."
    elif isinstance(value, str):
        if item.minimum is not None and len(value) < item.minimum:
            return f"{item.label} needs at least {_plain(item.minimum)} characters."
        if item.maximum is not None and len(value) > item.maximum:
            return (f"{item.label} is too long: at most {_plain(item.maximum)} characters "
                    f"({len(value)} typed).")
    return None


def _soft_problem(item: Field, value: Any, answers: Mapping[str, Any]) -> str | None:
    if not item.numeric:
        return None
    limit: float | None = None
    if item.soft_max_field is not None:
        other = answers.get(item.soft_max_field)
        if isinstance(other, int | float) and not isinstance(other, bool) and value > other:
            limit = other
    if limit is None and item.soft_max is not None and value > item.soft_max:
        limit = item.soft_max
    low = item.soft_min is not None and value < item.soft_min
    if limit is None and not low:
        return None
    bound = limit if limit is not None else item.soft_min
    template = item.soft_message or (
        "{value} is more than {limit} — is that right?" if limit is not None
        else "{value} is less than {limit} — is that right?")
    return template.format(value=_plain(value), limit=_plain(bound or 0), label=item.label,
                           unit=item.unit)


def _sum_problem(item: Field, answers: Mapping[str, Any]) -> str | None:
    """A soft check across fields, once every field in it is answered."""
    check = item.soft_sum
    if check is None:
        return None
    numbers = [answers.get(name) for name in (*check.fields, check.limit)]
    if not all(isinstance(n, int | float) and not isinstance(n, bool) for n in numbers):
        return None
    *parts, limit = numbers
    total = sum(parts)
    if (total <= limit) if check.test == "at most" else (total == limit):
        return None
    template = check.message or (
        "{sum} added together, but {limit} — is that right?" if check.test == "at most"
        else "{sum} added together, not {limit} — is that right?")
    return template.format(sum=_plain(total), limit=_plain(limit), label=item.label,
                           unit=item.unit)


def _date_problem(item: Field, value: Any, today: date) -> str | None:
    if item.dates is None or not isinstance(value, str):
        return None
    day = date.fromisoformat(value)
    shown = day.strftime("%d/%m/%Y")
    if item.dates == "not in the future" and day > today:
        return f"{item.label} cannot be in the future ({shown} is after today)."
    if item.dates == "not in the past" and day < today:
        return f"{item.label} cannot be in the past ({shown} is before today)."
    return None


def _flag(item: Field, value: Any) -> Flag | None:
    if item.alert is None or not item.alert.evaluate({item.name: value}):
        return None
    rule = item.alert.describe().removeprefix(f"{item.name} ")
    shown = ", ".join(value) if isinstance(value, list) else (
        ("Yes" if value else "No") if isinstance(value, bool) else str(value))
    if item.numeric:
        unit = f" {item.unit}" if item.unit else ""
        message = f"{item.label}: {shown}{unit} (alert when {rule.replace(' and ', ', ')})"
    else:
        message = f"{item.label}: {shown}"
    message = item.alert_message.format(value=shown, label=item.label) or message
    return Flag(item.name, value, rule, message)


def validate(form: FormDefinition, answers: Mapping[str, Any],
             confirmations: Mapping[str, Any] | None = None, *,
             final: bool = False, today: date | None = None) -> Validation:
    """Check answers; ``final`` also requires every required field that is shown.

    ``confirmations`` maps a field to the soft message the agent confirmed; a
    confirmation for a different message (the value changed since) does not count.
    ``today`` (the London date; today's when not given) is what "not in the future"
    and "not in the past" dates are checked against.
    """
    confirmations = confirmations or {}
    if today is None:
        from outbound.clock import london_now

        today = london_now().date()
    result = Validation()
    for item in form.fields:
        if not item.is_visible(result.cleaned):
            continue
        result.visible.append(item.name)
        raw = answers.get(item.name)
        if _blank(raw):
            if final and item.required:
                result.errors[item.name] = f"{item.label} needs an answer."
            continue
        try:
            value = coerce(item, raw)
        except AnswerError as exc:
            result.errors[item.name] = f"{item.label}: {exc}"
            continue
        if _blank(value):
            if final and item.required:
                result.errors[item.name] = f"{item.label} needs an answer."
            continue
        problem = _range_problem(item, value) or _date_problem(item, value, today)
        if problem:
            result.errors[item.name] = problem
            continue
        result.cleaned[item.name] = value
        soft = _soft_problem(item, value, result.cleaned) or _sum_problem(item, result.cleaned)
        if soft:
            if confirmations.get(item.name) == soft:
                result.confirmed[item.name] = soft
            else:
                result.soft[item.name] = soft
        flag = _flag(item, value)
        if flag:
            result.flags.append(flag)
    return result
