"""The small declarative language of show-when conditions and alert thresholds.

    show_when = "any_cases is yes"
    show_when = "service_type is 'Residential home' or service_type is 'Nursing home'"
    alert = "below 3"            (the field itself is the subject)
    alert = "is red"

A condition is parsed once, when the template loads, into a tree that is evaluated on
the answers: there is no ``eval``, and a condition that names an unknown field, a later
field, or a choice the field does not have is refused with the line to fix.

    condition  := clause (("or" | "and") clause)*      "and" binds tighter than "or"
    clause     := "not" clause | "(" condition ")" | comparison
    comparison := FIELD test        (FIELD omitted in an alert)
    test       := "is" ["not"] value | "is" ["not"] "answered"
                | ("above" | "below" | "at least" | "at most") number
                | ("includes" | "does not include") value
    value      := yes | no | number | 'quoted text' | bare_word
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(r"""\s*(?:(?P<quoted>'[^']*'|"[^"]*")|(?P<paren>[()])|(?P<word>[^\s()'"]+))""")
NUMERIC_TESTS = ("above", "below", "at least", "at most")


class ConditionError(ValueError):
    """A condition that cannot be understood; the message says what to write."""


@dataclass(frozen=True, slots=True)
class Comparison:
    field: str
    test: str                 # is | is not | answered | not answered | above | ... | includes
    value: Any = None

    def evaluate(self, answers: Mapping[str, Any]) -> bool:
        return _compare(self.test, answers.get(self.field), self.value)

    def describe(self) -> str:
        if self.test in ("answered", "not answered"):
            return f"{self.field} is {'not ' if self.test == 'not answered' else ''}answered"
        return f"{self.field} {self.test} {_show(self.value)}"

    def fields(self) -> set[str]:
        return {self.field}


@dataclass(frozen=True, slots=True)
class Not:
    inner: Condition

    def evaluate(self, answers: Mapping[str, Any]) -> bool:
        return not self.inner.evaluate(answers)

    def describe(self) -> str:
        return f"not ({self.inner.describe()})"

    def fields(self) -> set[str]:
        return self.inner.fields()


@dataclass(frozen=True, slots=True)
class Junction:
    operator: str             # "and" | "or"
    parts: tuple[Condition, ...]

    def evaluate(self, answers: Mapping[str, Any]) -> bool:
        results = (part.evaluate(answers) for part in self.parts)
        return all(results) if self.operator == "and" else any(results)

    def describe(self) -> str:
        return f" {self.operator} ".join(part.describe() for part in self.parts)

    def fields(self) -> set[str]:
        return set().union(*(part.fields() for part in self.parts))


Condition = Comparison | Not | Junction


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)


def _compare(test: str, answer: Any, value: Any) -> bool:
    answered = answer not in (None, "", [])
    if test == "answered":
        return answered
    if test == "not answered":
        return not answered
    if not answered:
        return False
    if test in ("is", "is not"):
        same = (answer.casefold() == value.casefold()
                if isinstance(answer, str) and isinstance(value, str) else answer == value)
        return same if test == "is" else not same
    if test in ("includes", "does not include"):
        chosen = answer if isinstance(answer, list) else [answer]
        inside = any(str(item).casefold() == str(value).casefold() for item in chosen)
        return inside if test == "includes" else not inside
    if isinstance(answer, bool) or not isinstance(answer, int | float):
        return False
    if test == "above":
        return bool(answer > value)
    if test == "below":
        return bool(answer < value)
    if test == "at least":
        return bool(answer >= value)
    return bool(answer <= value)           # at most


class _Parser:
    def __init__(self, text: str, subject: str | None) -> None:
        self.text = text
        self.subject = subject
        self.tokens = self._tokenise(text)
        self.position = 0

    @staticmethod
    def _tokenise(text: str) -> list[tuple[str, str]]:
        tokens: list[tuple[str, str]] = []
        position = 0
        stripped = text.rstrip()
        while position < len(stripped):
            match = _TOKEN.match(stripped, position)
            if match is None or match.end() == position:
                raise ConditionError(f"“{text}” has an unmatched quote.")
            kind = match.lastgroup or "word"
            value = match.group(kind)
            tokens.append((kind, value[1:-1] if kind == "quoted" else value))
            position = match.end()
        return tokens

    def peek(self, offset: int = 0) -> str | None:
        index = self.position + offset
        if index >= len(self.tokens) or self.tokens[index][0] == "quoted":
            return None
        return self.tokens[index][1].lower()

    def take(self) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise ConditionError(f"“{self.text}” stops too early; finish the comparison.")
        token = self.tokens[self.position]
        self.position += 1
        return token

    def parse(self) -> Condition:
        if not self.tokens:
            raise ConditionError("the condition is empty.")
        condition = self.disjunction()
        if self.position < len(self.tokens):
            raise ConditionError(f"“{self.text}”: did not expect “{self.tokens[self.position][1]}”"
                                 " there; join comparisons with “and” or “or”.")
        return condition

    def disjunction(self) -> Condition:
        parts = [self.conjunction()]
        while self.peek() == "or":
            self.position += 1
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Junction("or", tuple(parts))

    def conjunction(self) -> Condition:
        parts = [self.clause()]
        while self.peek() == "and":
            self.position += 1
            parts.append(self.clause())
        return parts[0] if len(parts) == 1 else Junction("and", tuple(parts))

    def clause(self) -> Condition:
        if self.peek() == "not" and self.subject is None:
            self.position += 1
            return Not(self.clause())
        if self.peek() == "(":
            self.position += 1
            inner = self.disjunction()
            _kind, value = self.take()
            if value != ")":
                raise ConditionError(f"“{self.text}” has a bracket that is never closed.")
            return inner
        return self.comparison()

    def comparison(self) -> Comparison:
        field = self.subject
        if field is None:
            kind, field = self.take()
            if kind != "word":
                raise ConditionError(f"“{self.text}”: a comparison starts with a field name, "
                                     f"not “{field}”.")
        word = self.peek()
        if word == "is":
            self.position += 1
            negated = self.peek() == "not"
            if negated:
                self.position += 1
            if self.peek() == "answered":
                self.position += 1
                return Comparison(field, "not answered" if negated else "answered")
            return Comparison(field, "is not" if negated else "is", self.value())
        if word in ("above", "below"):
            self.position += 1
            return Comparison(field, word, self.number(word))
        if word == "at" and self.peek(1) in ("least", "most"):
            test = f"at {self.peek(1)}"
            self.position += 2
            return Comparison(field, test, self.number(test))
        if word == "includes":
            self.position += 1
            return Comparison(field, "includes", self.value())
        if word == "does" and self.peek(1) == "not" and self.peek(2) == "include":
            self.position += 3
            return Comparison(field, "does not include", self.value())
        found = "the end" if word is None else f"“{self.tokens[self.position][1]}”"
        raise ConditionError(
            f"“{self.text}”: expected is, is not, above, below, at least, at most or "
            f"includes after {field}, but found {found}.")

    def value(self) -> Any:
        kind, value = self.take()
        if kind == "quoted":
            return value
        if kind == "paren":
            raise ConditionError(f"“{self.text}”: a value is missing before “{value}”.")
        lowered = value.lower()
        if lowered in ("yes", "no"):
            return lowered == "yes"
        number = _number(value)
        return value if number is None else number

    def number(self, test: str) -> int | float:
        kind, value = self.take()
        number = None if kind == "quoted" else _number(value)
        if number is None:
            raise ConditionError(f"“{self.text}”: “{test}” needs a number, not “{value}”.")
        return number


def _number(text: str) -> int | float | None:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return None


def parse_condition(text: str) -> Condition:
    """A show-when condition over earlier answers."""
    return _Parser(str(text), None).parse()


def parse_alert(text: str, field: str) -> Condition:
    """An alert threshold on one field: "below 3", "is red", "above 0 and below 10"."""
    return _Parser(str(text), field).parse()
