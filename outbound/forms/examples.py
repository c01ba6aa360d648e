"""Plausible answers for a form: for the demo county, benchmarks and tests.

Numbers stay inside their limits and under the field their soft check compares with
(occupied beds never above the maximum, staff by role adding up to the total), and
choices lean to the first, calmer ones, so demo data looks like a normal week with the
odd flag.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from outbound.forms.fields import Field, FormDefinition, SumCheck


def _number(item: Field, answers: dict[str, Any], rng: random.Random,
            checks: list[SumCheck]) -> int | float:
    low = int(item.minimum) if item.minimum is not None else 0
    high = int(item.maximum) if item.maximum is not None else 100
    high = min(high, low + 60)
    if item.soft_max_field is not None:
        limit = answers.get(item.soft_max_field)
        if isinstance(limit, int | float):
            high = min(high, int(limit))
    if item.soft_max is not None:
        high = min(high, int(item.soft_max))
    for check in checks:
        if item.name not in (*check.fields, check.limit):
            continue
        parts = [answers.get(name, 0) for name in check.fields if name != item.name]
        limit = answers.get(check.limit)
        if check.test == "equals" and check.limit == item.name:
            return sum(parts)                  # the total of the parts before it
        if check.test == "at most" and isinstance(limit, int | float):
            high = min(high, int(limit - sum(parts)))
    high = max(high, low)
    value = rng.randint(low, high) if rng.random() < 0.7 else rng.randint(low, max(low, high // 4))
    return value if item.type == "integer" else float(value) + 0.5 * rng.randint(0, 1)


def _value(item: Field, answers: dict[str, Any], rng: random.Random, today: date,
           checks: list[SumCheck]) -> Any:
    if item.numeric:
        return _number(item, answers, rng, checks)
    if item.type == "yes_no":
        return rng.random() < 0.15
    if item.type == "choice":
        weights = [2.0 ** -index for index in range(len(item.choices))]
        return rng.choices(item.choices, weights)[0]
    if item.type == "multi_choice":
        return rng.sample(list(item.choices), k=rng.randint(1, min(2, len(item.choices))))
    if item.type == "date":
        return today.isoformat()
    if item.type == "time":
        return f"{rng.randint(9, 16):02d}:{rng.choice((0, 15, 30, 45)):02d}"
    if item.type == "email":
        return "contact@example.org"
    if item.type == "phone":
        return f"+44113496{rng.randint(0, 999):04d}"
    return "Noted on the call" if item.required else ""


def example_answers(form: FormDefinition, rng: random.Random | None = None, *,
                    today: date | None = None) -> dict[str, Any]:
    """A complete, valid set of answers (required fields filled, hidden ones left out)."""
    rng = rng or random.Random(1)
    today = today or date(2026, 11, 22)
    answers: dict[str, Any] = {}
    checks = [item.soft_sum for item in form.fields if item.soft_sum is not None]
    for item in form.fields:
        if not item.is_visible(answers):
            continue
        value = _value(item, answers, rng, today, checks)
        if value not in ("", None, []):
            answers[item.name] = value
    return answers
