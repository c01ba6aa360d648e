"""Reading and checking template files, and a campaign's own overrides of them.

Everything a supervisor can get wrong is caught here, at load time, with the line to
fix: a campaign that fails halfway through a morning's calls is far worse.
"""

from __future__ import annotations

import copy
import difflib
import re
import tomllib
from collections.abc import Mapping
from datetime import time, timedelta
from pathlib import Path
from typing import Any, cast

from outbound.campaigns import script as _script
from outbound.campaigns.parsing import SourceMap, Table, TemplateError, display_name
from outbound.campaigns.template import (
    SUPPRESSIONS,
    CampaignTemplate,
    Kind,
    Outcome,
    Retention,
    Schedule,
)
from outbound.campaigns.window import CallingWindow
from outbound.forms.fields import FormDefinition, build_form

SECTIONS = ("campaign", "calling_window", "schedule", "script", "outcomes", "form", "booking",
            "retention", "messages")
CAMPAIGN_KEYS = ("code", "name", "description", "kind", "period", "lead_days",
                 "max_attempts", "priority", "callback_grace", "repeat_call_gap", "lease")
WINDOW_KEYS = ("days", "start", "end", "skip_bank_holidays")
SCHEDULE_KEYS = ("generate_at", "enrol_at", "export_at", "export_keep_days", "export_format")
OUTCOME_KEYS = ("code", "label", "key", "completes", "contact_made", "retry_after",
                "callback", "suppresses", "escalates", "needs_form", "description",
                "needs_booking", "needs_waiting_list", "needs_reason", "wrong_number")
OVERRIDABLE = ("name", "description", "period", "lead_days", "max_attempts", "priority",
               "callback_grace", "repeat_call_gap", "lease", "calling_window", "schedule",
               "booking")
PERIODS = {"daily": 1, "weekly": 7}
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_KEY = re.compile(r"^[0-9a-z]$")
_TOML_AT = re.compile(r"\s*\(at line (\d+), column \d+\)\s*$")
# On the nights the clocks change, 01:00-02:00 happens twice or not at all.
_HAZARD = (time(1, 0), time(3, 0))


def build_from_text(text: str, source: Path | None) -> CampaignTemplate:
    """Parse TOML text into a checked template."""
    file = display_name(source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at = _TOML_AT.search(message)
        problem = _TOML_AT.sub("", message)
        raise TemplateError(f"this is not valid TOML ({problem[:1].lower()}{problem[1:]}); "
                            "check quotes, brackets and that each setting appears once.",
                            file, int(at.group(1)) if at else None) from exc
    return build(data, file, SourceMap(text), source, text)


def apply_overrides(template: CampaignTemplate,
                    overrides: Mapping[str, Any]) -> CampaignTemplate:
    """The template with a campaign's settings laid over it and checked again."""
    file = f"Overrides for {template.name}"
    data: dict[str, Any] = copy.deepcopy(dict(template.raw))
    campaign = data.setdefault("campaign", {})
    for key, value in overrides.items():
        if key == "campaign" and isinstance(value, Mapping):
            for inner, inner_value in value.items():
                _override(data, campaign, inner, inner_value, file)
        else:
            _override(data, campaign, key, value, file)
    return build(data, file, SourceMap(None), template.source, template.source_text)


def _override(data: dict[str, Any], campaign: dict[str, Any], key: str, value: Any,
              file: str) -> None:
    if key not in OVERRIDABLE:
        raise TemplateError(f"“{key}” cannot be changed for one campaign; these can: "
                            + ", ".join(OVERRIDABLE) + ".", file)
    if key in ("calling_window", "schedule", "booking"):
        if not isinstance(value, Mapping):
            raise TemplateError(f"{key} should be a table of settings.", file)
        data.setdefault(key, {}).update(value)
    else:
        campaign[key] = value


def build(data: Mapping[str, Any], file: str, lines: SourceMap, source: Path | None,
          text: str) -> CampaignTemplate:
    """A checked template from parsed TOML."""
    for section in data:
        if section not in SECTIONS:
            near = difflib.get_close_matches(section, SECTIONS, n=1)
            hint = (f"did you mean [{near[0]}]?" if near else
                    "the sections are: " + ", ".join(f"[{name}]" for name in SECTIONS) + ".")
            raise TemplateError(f"there is no section [{section}]; {hint}", file,
                                lines.line_of(section))
    root = Table(data, "the template", (), file, lines)
    if "campaign" not in data:
        raise TemplateError("the template needs a [campaign] section.", file)
    campaign = Table(root.table("campaign"), "the campaign", ("campaign",), file, lines)
    campaign.check_keys(CAMPAIGN_KEYS)
    code = cast(str, campaign.text("code", required=True))
    if not _CODE.match(code):
        raise campaign.error(f"the campaign code “{code}” should be in lower case with "
                             "underscores, like “bus_pass_renewal”.", "code")
    name = cast(str, campaign.text("name", required=True)).strip()
    kind = cast(Kind, campaign.choice("kind", ("round", "list", "reminder", "notification"),
                                          required=True))
    period = campaign.choice("period", tuple(PERIODS))
    if kind == "round" and period is None:
        raise campaign.error("a round needs period = “daily” or “weekly”.", "kind")
    if kind != "round" and period is not None:
        raise campaign.error("period is only for rounds (kind = “round”).", "period")
    lead_days = campaign.integer("lead_days", 0, minimum=0, maximum=366)
    if kind == "reminder" and lead_days == 0:
        raise campaign.error("a reminder campaign needs lead_days: how many days before "
                             "the expiry date to call, like 42.", "lead_days")
    if kind != "reminder" and lead_days:
        raise campaign.error("lead_days is only for reminder campaigns.", "lead_days")
    warnings: list[str] = []
    schedule = _schedule(root, kind, file, lines, warnings)
    script = _script_text(root, file, lines)
    form, form_definition = _form(root, file, lines)
    _booking_services(root, file, lines)
    from outbound.notify.templates import parse_messages

    messages = parse_messages(data, kind, file, lines)
    return CampaignTemplate(
        code=code, name=name,
        description=cast(str, campaign.text("description", "")).strip(),
        kind=kind, period_days=PERIODS[period] if period else 0, lead_days=lead_days,
        max_attempts=campaign.integer("max_attempts", 6, minimum=1, maximum=50),
        priority=campaign.integer("priority", 50, minimum=0, maximum=1000),
        callback_grace=cast(timedelta, campaign.duration(
            "callback_grace", timedelta(minutes=15), allow_zero=True)),
        repeat_call_gap=cast(timedelta, campaign.duration(
            "repeat_call_gap", timedelta(hours=1), allow_zero=True)),
        lease=cast(timedelta, campaign.duration("lease", timedelta(minutes=5))),
        window=_window(root, file, lines),
        outcomes=_outcomes(data, file, lines),
        script=script, form=form, form_definition=form_definition, schedule=schedule,
        source=source,
        booking=copy.deepcopy(dict(root.table("booking"))), warnings=tuple(warnings),
        retention=_retention(root, file, lines), messages=messages,
        source_text=text, raw=copy.deepcopy(dict(data)),
    )


_PERIOD = re.compile(r"^\s*(\d+)\s*(months?|years?)\s*$", re.IGNORECASE)


def _retention(root: Table, file: str, lines: SourceMap) -> Retention:
    """[retention]: how long calls, answers, notes, bookings and messages are kept, such
    as answers = "24 months" or notes = "1 year"; a kind left out is kept until erased
    (messages left out, as long as the calls)."""
    table = Table(root.table("retention"), "the retention section", ("retention",), file,
                  lines)
    table.check_keys(Retention.KINDS)
    months: dict[str, int] = {}
    for kind in Retention.KINDS:
        value = table.text(kind)
        if value is None:
            continue
        match = _PERIOD.match(value)
        count = int(match.group(1)) * (12 if match.group(2).lower().startswith("y") else 1) \
            if match else 0
        if not match or not 1 <= count <= 1200:
            raise table.error(f"[retention] has {kind} “{value}”; write how long to keep "
                              "them in months or years, like “24 months” or “1 year”.", kind)
        months[kind] = count
    return Retention(**months)


def _booking_services(root: Table, file: str, lines: SourceMap) -> None:
    """[booking.services]: where each service is held and the notice it needs."""
    from outbound.booking.services import parse_services
    from outbound.booking.sessions import LOCATION_KINDS

    booking = root.data.get("booking")
    if not isinstance(booking, Mapping) or "services" not in booking:
        return
    try:
        parse_services(booking, LOCATION_KINDS)
    except ValueError as exc:
        raise TemplateError(str(exc), file, lines.line_of("booking", "services")) from None


def _window(root: Table, file: str, lines: SourceMap) -> CallingWindow:
    if "calling_window" not in root.data:
        raise TemplateError("the template needs a [calling_window] section saying when "
                            "calls may be made.", file)
    window = Table(root.table("calling_window"), "the calling window", ("calling_window",),
                   file, lines)
    window.check_keys(WINDOW_KEYS)
    if "days" not in window.data:
        raise window.error("the calling window needs days, like “weekdays” or “every day”.")
    days = window.days("days", frozenset())
    start = cast(time, window.clock("start", required=True))
    end = cast(time, window.clock("end", required=True))
    if not start < end:
        raise window.error(f"the calling window ends at {end:%H:%M}, which is not after it "
                           f"starts at {start:%H:%M}; a window cannot run past midnight.",
                           "end")
    return CallingWindow(days=days, start=start, end=end,
                         skip_bank_holidays=window.boolean("skip_bank_holidays", True))


def _schedule(root: Table, kind: str, file: str, lines: SourceMap,
              warnings: list[str]) -> Schedule:
    table = Table(root.table("schedule"), "the schedule", ("schedule",), file, lines)
    table.check_keys(SCHEDULE_KEYS)
    times = {key: table.clock(key) for key in ("generate_at", "enrol_at", "export_at")}
    if kind == "round" and times["generate_at"] is None:
        raise table.error("a round needs generate_at in [schedule]: the time each round "
                          "is made, like “07:30”.")
    if kind != "round" and times["generate_at"] is not None:
        raise table.error("generate_at is only for rounds.", "generate_at")
    if kind != "reminder" and times["enrol_at"] is not None:
        raise table.error("enrol_at is only for reminder campaigns.", "enrol_at")
    for key, at in times.items():
        if at is not None and _HAZARD[0] <= at < _HAZARD[1]:
            line = lines.line_of("schedule", key)
            where = f"{file}, line {line}" if line else file
            warnings.append(f"{where}: {key} is {at:%H:%M}, a time that happens twice or "
                            "not at all on the nights the clocks change; a time outside "
                            "01:00 to 03:00 is safer.")
    return Schedule(
        generate_at=times["generate_at"], enrol_at=times["enrol_at"],
        export_at=times["export_at"],
        export_keep_days=table.integer("export_keep_days", 30, minimum=1, maximum=3650),
        export_format=cast(str, table.choice("export_format", ("xlsx", "csv"), "xlsx")),
    )


def _script_text(root: Table, file: str, lines: SourceMap) -> str:
    if "script" not in root.data:
        raise TemplateError("the template needs a [script] section with the words the "
                            "agent says.", file)
    table = Table(root.table("script"), "the script", ("script",), file, lines)
    table.check_keys(("text",))
    text = cast(str, table.text("text", required=True))
    start = lines.line_of("script", "text") or 0
    for name in _script.placeholders(text):
        if not _script.is_known_placeholder(name):
            line = next((number for number in _lines_with(lines.text, "{" + name)
                         if number >= start), lines.line_of("script", "text"))
            raise TemplateError(f"the script has an unknown placeholder “{{{name}}}”; use "
                                "{contact.name}, {contact.first_name}, {contact.<column>}, "
                                "{agent.name} or {campaign.name}, and {{ }} for braces.",
                                file, line)
    return text


def _lines_with(text: str, needle: str) -> list[int]:
    squeezed = needle.replace(" ", "")
    return [number for number, line in enumerate(text.splitlines(), start=1)
            if squeezed in line.replace(" ", "")]


def _outcomes(data: Mapping[str, Any], file: str, lines: SourceMap) -> tuple[Outcome, ...]:
    raw = data.get("outcomes")
    if not isinstance(raw, list) or not raw or not all(isinstance(o, Mapping) for o in raw):
        raise TemplateError("the template needs outcomes: an [[outcomes]] table for each "
                            "way a call can end.", file, lines.line_of("outcomes"))
    outcomes: list[Outcome] = []
    seen_codes: dict[str, int] = {}
    seen_keys: dict[str, str] = {}
    seen_labels: dict[str, str] = {}
    for index, entry in enumerate(raw):
        named = entry.get("code")
        where = f"outcome “{named}”" if isinstance(named, str) else f"outcome {index + 1}"
        table = Table(entry, where, ("outcomes", index), file, lines)
        table.check_keys(OUTCOME_KEYS)
        code = cast(str, table.text("code", required=True))
        if not _CODE.match(code):
            raise table.error(f"{table.where} should have a code in lower case with "
                              "underscores, like “no_answer”.", "code")
        if code in seen_codes:
            raise table.error(f"the outcome code “{code}” is used twice; each outcome "
                              "needs its own code.", "code")
        label = cast(str, table.text("label", required=True)).strip()
        key = cast(str, table.text("key", required=True)).lower()
        if not _KEY.match(key):
            raise table.error(f"{table.where} has key “{key}”; a key is one digit or "
                              "letter, like “1” or “d”.", "key")
        for seen, value, what in ((seen_keys, key, "key"), (seen_labels, label.casefold(),
                                                              "label")):
            if value in seen:
                raise table.error(f"{table.where} has the same {what} as outcome "
                                  f"“{seen[value]}”; each outcome needs its own {what}.", what)
            seen[value] = code
        seen_codes[code] = index
        # Older templates said suppresses = "wrong_number": now a mark on the number.
        legacy_wrong = entry.get("suppresses") == "wrong_number"
        if legacy_wrong:
            table = Table({k: v for k, v in entry.items() if k != "suppresses"}, where,
                          ("outcomes", index), file, lines)
        wrong_number = legacy_wrong or table.boolean("wrong_number", False)
        outcome = Outcome(
            code=code, label=label, key=key,
            completes=table.boolean("completes", False) and not wrong_number,
            contact_made=table.boolean("contact_made", False),
            retry_after=table.duration("retry_after", None),
            callback=table.boolean("callback", False),
            suppresses=table.choice("suppresses", SUPPRESSIONS),
            escalates=table.boolean("escalates", False),
            needs_form=table.boolean("needs_form", False),
            description=cast(str, table.text("description", "")).strip(),
            needs_booking=table.boolean("needs_booking", False),
            needs_waiting_list=table.boolean("needs_waiting_list", False),
            needs_reason=table.boolean("needs_reason", False),
            wrong_number=wrong_number,
        )
        _check_outcome(outcome, table, isinstance(data.get("booking"), Mapping)
                       and bool(data.get("booking")))
        outcomes.append(outcome)
    if not any(outcome.completes for outcome in outcomes):
        raise TemplateError("none of the outcomes completes the task; at least one needs "
                            "completes = true.", file, lines.line_of("outcomes", 0))
    return tuple(outcomes)


def _check_outcome(outcome: Outcome, table: Table, booking: bool) -> None:
    """Combinations that make no sense are stopped before anyone is called."""
    where = table.where
    for flag, what in (("needs_booking", "a booking"),
                       ("needs_waiting_list", "a place on the waiting list")):
        if getattr(outcome, flag) and not booking:
            raise table.error(f"{where} needs {what}, but the template has no [booking] "
                              f"section; remove {flag} or add the booking settings.", flag)
        if getattr(outcome, flag) and not outcome.completes:
            raise table.error(f"{where} says how a booking call ended, so it must also "
                              "complete the task (completes = true).", flag)
    if outcome.needs_booking and outcome.needs_waiting_list:
        raise table.error(f"{where} cannot need both a booking and the waiting list; "
                          "make them two outcomes.", "needs_waiting_list")
    if outcome.wrong_number:
        for flag in ("callback", "retry_after", "suppresses", "escalates", "needs_form",
                     "needs_booking", "needs_waiting_list"):
            if table.data.get(flag) not in (None, False):
                raise table.error(f"{where} marks the number wrong and tries the next one "
                                  f"by itself; remove {flag}.", flag)
    if outcome.suppresses and not outcome.completes:
        raise table.error(f"{where} stops all calls to the person, so it must also "
                          "complete the task (completes = true).", "suppresses")
    if outcome.callback and outcome.completes:
        raise table.error(f"{where} asks for a call-back, so it cannot complete the task; "
                          "remove completes = true.", "callback")
    if outcome.completes and outcome.retry_after is not None:
        raise table.error(f"{where} completes the task, so there is nothing to try again; "
                          "remove retry_after.", "retry_after")
    if outcome.callback and outcome.retry_after is not None:
        raise table.error(f"{where} asks for a call-back time, so it needs no retry_after.",
                          "retry_after")
    if outcome.needs_form and not outcome.completes:
        raise table.error(f"{where} needs the form but does not complete the task; "
                          "needs_form is only for outcomes that complete.", "needs_form")


def _form(root: Table, file: str, lines: SourceMap
          ) -> tuple[tuple[Mapping[str, Any], ...], FormDefinition]:
    """The raw field declarations (stored with each form version) and the checked form
    built from them once, here, for every later use."""
    form = Table(root.table("form"), "the form", ("form",), file, lines)
    form.check_keys(("fields",))
    fields = form.data.get("fields", [])
    if not isinstance(fields, list) or not all(isinstance(f, Mapping) for f in fields):
        raise form.error("the form's fields should be [[form.fields]] tables.", "fields")
    names: set[str] = set()
    for index, entry in enumerate(fields):
        table = Table(entry, f"form field {index + 1}", ("form.fields", index), file, lines)
        name = cast(str, table.text("name", required=True))
        if not _CODE.match(name):
            raise table.error(f"the form field name “{name}” should be in lower case with "
                              "underscores, like “beds_vacant”.", "name")
        if name in names:
            raise table.error(f"the form field “{name}” appears twice.", "name")
        names.add(name)
    def error(problem: str, index: int, key: str | None) -> TemplateError:
        return Table(fields[index], f"form field {index + 1}", ("form.fields", index), file,
                     lines).error(problem, key)

    definition = build_form(fields, error)   # types, limits, show-when and alerts checked
    return tuple(copy.deepcopy(dict(entry)) for entry in fields), definition
