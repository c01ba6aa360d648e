"""Reading template values with messages that name the file, the line and the problem.

Templates are written by supervisors in a text editor, so every mistake must point at
the line to fix, and a typo in a setting's name must stop the load rather than be
silently ignored.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from datetime import time, timedelta
from pathlib import Path
from typing import Any


class TemplateError(ValueError):
    """A campaign template that cannot be used, with the file and line to look at."""

    def __init__(self, problem: str, file: str | None = None, line: int | None = None):
        self.problem = problem
        self.file = file
        self.line = line
        where = file or ""
        if line is not None:
            where = f"{where}, line {line}" if where else f"line {line}"
        super().__init__(f"{where}: {problem}" if where else problem)


def display_name(source: Path | None) -> str:
    """How a file is named in messages: its folder and name, as staff see it."""
    if source is None:
        return "campaign template"
    return f"{source.parent.name}/{source.name}" if source.parent.name else source.name


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\- \"]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+|\"[^\"]*\")\s*=")


class SourceMap:
    """Where each table and key sits in the TOML text, to put line numbers on errors.

    Paths are ``("campaign", "kind")`` for a key in a table and
    ``("outcomes", 2, "retry_after")`` for a key in the third ``[[outcomes]]``.
    Best effort: inline tables and dotted keys are not followed.
    """

    def __init__(self, text: str | None):
        self.text = text or ""
        self._lines: dict[tuple[Any, ...], int] = {}
        counts: dict[str, int] = {}
        current: tuple[Any, ...] = ()
        in_multiline = False
        for number, line in enumerate(self.text.splitlines(), start=1):
            quotes = line.count('"""') + line.count("'''")
            if in_multiline:
                if quotes % 2 == 1:
                    in_multiline = False
                continue
            header = _HEADER.match(line)
            if header:
                name = header.group(2).replace('"', "").replace(" ", "")
                if header.group(1) == "[[":
                    index = counts.get(name, 0)
                    counts[name] = index + 1
                    current = (name, index)
                else:
                    current = (name,)
                self._lines.setdefault(current, number)
            else:
                key = _KEY.match(line)
                if key:
                    self._lines.setdefault((*current, key.group(1).strip('"')), number)
            if quotes % 2 == 1:
                in_multiline = True

    def line_of(self, *path: Any) -> int | None:
        """The line of the key at ``path``, else of the nearest table that holds it."""
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path[:-1]
        return None

    def line_containing(self, needle: str) -> int | None:
        """The first line holding ``needle``, for things found inside a value."""
        for number, line in enumerate(self.text.splitlines(), start=1):
            if needle in line:
                return number
        return None


def show(value: Any) -> str:
    """A value as it was written in the file, for quoting it back in a message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"“{value}”"
    if isinstance(value, time):
        return f"“{value:%H:%M}”"
    if isinstance(value, timedelta):
        return f"“{format_duration(value)}”"
    return str(value)


_DURATION = re.compile(r"^(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?$")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY_WORDS = {name[:3].lower(): index for index, name in enumerate(DAY_NAMES)} | {
    name.lower(): index for index, name in enumerate(DAY_NAMES)}
_DAY_GROUPS = {"every day": frozenset(range(7)), "weekdays": frozenset(range(5)),
               "weekends": frozenset({5, 6})}


def parse_duration(text: str) -> timedelta | None:
    """"1h30m" -> 1 hour 30 minutes; None when it is not written that way."""
    match = _DURATION.match(text.strip().lower())
    if not match or not any(match.groups()):
        return None
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def format_duration(span: timedelta) -> str:
    """The way templates write a duration: 90 minutes -> "1h30m"."""
    seconds = int(span.total_seconds())
    if seconds == 0:
        return "0m"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def parse_clock(value: Any) -> time | None:
    """"07:30" (or a TOML time) -> 07:30; None when it is not a time of day."""
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, str):
        match = _CLOCK.match(value.strip())
        if match:
            return time(int(match.group(1)), int(match.group(2)))
    return None


def parse_days(value: Any) -> frozenset[int] | None:
    """["mon", "tue"], "weekdays" or "every day" -> weekday numbers (0 is Monday)."""
    if isinstance(value, str):
        return _DAY_GROUPS.get(value.strip().lower())
    if isinstance(value, list) and value and all(isinstance(day, str) for day in value):
        numbers = [_DAY_WORDS.get(day.strip().lower()) for day in value]
        if None in numbers or len(set(numbers)) != len(numbers):
            return None
        return frozenset(n for n in numbers if n is not None)
    return None


class Table:
    """One table of a template, read with checks that quote the file and the line."""

    def __init__(self, data: Mapping[str, Any], where: str, path: tuple[Any, ...],
                 file: str, lines: SourceMap):
        self.data = data
        self.where = where          # "the campaign", "outcome “no_answer”"
        self.path = path
        self.file = file
        self.lines = lines

    def error(self, problem: str, key: str | None = None) -> TemplateError:
        path = (*self.path, key) if key else self.path
        return TemplateError(problem, self.file, self.lines.line_of(*path))

    def check_keys(self, allowed: Sequence[str]) -> None:
        """Unknown keys are errors: a misspelt setting must not be ignored."""
        for key in self.data:
            if key not in allowed:
                near = difflib.get_close_matches(key, allowed, n=1)
                hint = (f"did you mean “{near[0]}”?" if near
                        else "the settings are: " + ", ".join(allowed) + ".")
                raise self.error(f"{self.where} has no setting “{key}”; {hint}", key)

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.data:
            if required:
                raise self.error(f"{self.where} needs {key}.")
            return None
        return self.data[key]

    def text(self, key: str, default: str | None = None, *,
             required: bool = False) -> str | None:
        value = self._get(key, required)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.error(f"{self.where} has {key} {show(value)}; "
                             "it should be text in quotes.", key)
        if required and not value.strip():
            raise self.error(f"{self.where} has an empty {key}.", key)
        return value

    def choice(self, key: str, options: Sequence[str], default: str | None = None, *,
               required: bool = False) -> str | None:
        value = self.text(key, default, required=required)
        if value is not None and value not in options:
            raise self.error(f"{self.where} has {key} {show(value)}; it should be one of "
                             + ", ".join(f"“{option}”" for option in options) + ".", key)
        return value

    def integer(self, key: str, default: int, *, minimum: int | None = None,
                maximum: int | None = None) -> int:
        value = self._get(key, False)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"{self.where} has {key} {show(value)}; "
                             f"it should be a whole number, like {default}.", key)
        if minimum is not None and value < minimum:
            raise self.error(f"{self.where} has {key} {value}; "
                             f"it should be at least {minimum}.", key)
        if maximum is not None and value > maximum:
            raise self.error(f"{self.where} has {key} {value}; "
                             f"it should be at most {maximum}.", key)
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(f"{self.where} has {key} {show(value)}; "
                             "it should be true or false.", key)
        return value

    def duration(self, key: str, default: timedelta | None, *,
                 allow_zero: bool = False) -> timedelta | None:
        value = self._get(key, False)
        if value is None:
            return default
        span = value if isinstance(value, timedelta) else (
            parse_duration(value) if isinstance(value, str) else None)
        if span is None:
            raise self.error(f"{self.where} has {key} {show(value)}; "
                             "write it like “2h” or “20m”.", key)
        if span <= timedelta(0) and not (allow_zero and span == timedelta(0)):
            raise self.error(f"{self.where} has {key} {show(value)}; "
                             "it should be longer than that.", key)
        return span

    def clock(self, key: str, *, required: bool = False) -> time | None:
        value = self._get(key, required)
        if value is None:
            return None
        at = parse_clock(value)
        if at is None:
            raise self.error(f"{self.where} has {key} {show(value)}; "
                             "write times on the 24-hour clock, like “07:30”.", key)
        return at

    def days(self, key: str, default: frozenset[int]) -> frozenset[int]:
        value = self._get(key, False)
        if value is None:
            return default
        days = parse_days(value)
        if days is None:
            raise self.error(f"{self.where} has {key} {show(value)}; write “every day”, "
                             "“weekdays”, “weekends” or a list like [\"mon\", \"tue\"] "
                             "with each day once.", key)
        return days

    def table(self, key: str) -> Mapping[str, Any]:
        value = self._get(key, False)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.error(f"{self.where} has {key} {show(value)}; "
                             f"it should be a table, [{key}].", key)
        return value
