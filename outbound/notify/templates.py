"""Messages declared in a campaign template, and which channel a person gets.

A template's ``[messages]`` section says the order of channels to try, the
accessibility needs that call for a phone call instead, how long to wait for delivery,
and whether a failed message becomes a call; each ``[[messages.send]]`` says when a
message goes, its GOV.UK Notify template for each channel and the personalisation::

    [messages]
    channels = ["text", "email", "letter"]
    call_when_failed = true
    wait = "2d"

    [[messages.send]]
    code = "result"
    when = "enrolment"            # or "expiry" (with days_before), "booking",
                                  # "day_before_appointment"
    text = "f33517ff-2a88-4f6e-b855-c550268ce08a"
    personalisation = { name = "contact.first_name", reference = "contact.external_ref" }

The person's own preference is tried first; a channel is possible only when we hold
what it needs (a mobile number for a text, an email address, a postal address with a
postcode for a letter) and the message has a Notify template for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from outbound.campaigns.parsing import SourceMap, Table, TemplateError

CHANNELS = ("text", "email", "letter")
WHEN = ("enrolment", "expiry", "booking", "day_before_appointment")
CHANNEL_WORDS = {"text": "text", "email": "email", "letter": "letter"}
DEFAULT_CALL_FOR = ("BSL", "British Sign Language", "interpreter", "large print",
                    "braille", "easy read", "deaf", "blind")
# Needs a letter would meet if GOV.UK Notify printed one for them; it does not.
PRINTED_NEEDS = ("large print", "braille", "easy read")
MESSAGES_KEYS = ("channels", "call_when_failed", "wait", "call_for_needs", "values", "send")
SEND_KEYS = ("code", "when", "days_before", "personalisation", *CHANNELS)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{12}$")
_SOURCE = re.compile(r"^(contact|campaign|booking)\.([a-z_][a-z0-9_ ]*)$")
# booking.ics: the appointment as a calendar file, attached to an email (Notify's
# file upload); left out of texts and letters, which cannot carry one.
BOOKING_FIELDS = ("reference", "date", "time", "place", "address", "service", "when", "ics")


@dataclass(frozen=True, slots=True)
class MessageSpec:
    """One message of a campaign: when it goes, and its Notify template per channel."""

    code: str
    when: str
    days_before: int
    templates: Mapping[str, str]            # channel -> Notify template id
    personalisation: Mapping[str, str]      # Notify field -> "contact.name", ...


@dataclass(frozen=True, slots=True)
class MessagePlan:
    """A campaign's messages and the rules for choosing a channel."""

    channels: tuple[str, ...] = CHANNELS
    call_when_failed: bool = True
    wait: timedelta = timedelta(days=2)
    call_for_needs: tuple[str, ...] = DEFAULT_CALL_FOR
    values: Mapping[str, str] = field(default_factory=dict)   # campaign.<key> values
    messages: tuple[MessageSpec, ...] = ()

    def message(self, code: str) -> MessageSpec:
        for spec in self.messages:
            if spec.code == code:
                return spec
        raise KeyError(code)

    def sent(self, when: str) -> tuple[MessageSpec, ...]:
        return tuple(spec for spec in self.messages if spec.when == when)


@dataclass(frozen=True, slots=True)
class Reach:
    """What we hold to reach a person by each channel."""

    mobile: str | None
    email: str | None
    address_lines: tuple[str, ...]          # with the postcode last; empty if not postal
    preferred: str | None                   # "phone" | "text" | "email" | "letter"
    needs: str | None                       # accessibility needs, as recorded


@dataclass(frozen=True, slots=True)
class Choice:
    """The channel a message goes by, or None with the reason it becomes a call."""

    channel: str | None
    destination: str | None
    reason: str | None = None


def parse_messages(data: Mapping[str, Any], kind: str, file: str,
                   lines: SourceMap) -> MessagePlan | None:
    """The checked ``[messages]`` section, or None when the template has none."""
    from outbound.campaigns.parsing import parse_duration

    raw = data.get("messages")
    if raw is None:
        if kind == "notification":
            raise TemplateError("a notification campaign needs a [messages] section with "
                                "at least one [[messages.send]].", file)
        return None
    table = Table(raw if isinstance(raw, Mapping) else {}, "the messages section",
                  ("messages",), file, lines)
    if not isinstance(raw, Mapping):
        raise table.error("[messages] should be a table of settings.")
    table.check_keys(MESSAGES_KEYS)
    channels = raw.get("channels", list(CHANNELS))
    if (not isinstance(channels, list) or not channels
            or any(channel not in CHANNELS for channel in channels)
            or len(set(channels)) != len(channels)):
        raise table.error("[messages] has channels " + repr(channels) + "; list them in the "
                          "order to try, each once, from “text”, “email” and “letter”.",
                          "channels")
    needs = raw.get("call_for_needs", list(DEFAULT_CALL_FOR))
    if not isinstance(needs, list) or not all(isinstance(n, str) and n.strip()
                                              for n in needs):
        raise table.error("call_for_needs should be a list of words, like "
                          "[\"BSL\", \"large print\"].", "call_for_needs")
    values = table.table("values")
    if not all(isinstance(v, str) for v in values.values()):
        raise table.error("[messages.values] should hold text, like helpline = "
                          "\"0161 496 0000\".", "values")
    wait_text = raw.get("wait", "2d")
    wait = parse_duration(wait_text) if isinstance(wait_text, str) else None
    if wait is None or wait <= timedelta(0):
        raise table.error(f"[messages] has wait {wait_text!r}; write how long to wait for "
                          "delivery like “2d” or “6h”.", "wait")
    sends = raw.get("send", [])
    if not isinstance(sends, list) or not sends or not all(isinstance(s, Mapping)
                                                           for s in sends):
        raise table.error("[messages] needs at least one [[messages.send]] saying what is "
                          "sent and when.")
    specs: list[MessageSpec] = []
    for index, entry in enumerate(sends):
        specs.append(_send(entry, index, kind, file, lines, dict(values)))
    codes = [spec.code for spec in specs]
    for code in codes:
        if codes.count(code) > 1:
            raise table.error(f"the message code “{code}” is used twice; each message "
                              "needs its own code.", "send")
    if kind == "notification" and not any(spec.when == "enrolment" for spec in specs):
        raise table.error("a notification campaign sends its message on enrolment; add "
                          "when = \"enrolment\" to a [[messages.send]].", "send")
    return MessagePlan(channels=tuple(channels),
                       call_when_failed=table.boolean("call_when_failed", True),
                       wait=wait, call_for_needs=tuple(n.strip() for n in needs),
                       values=dict(values), messages=tuple(specs))


def _send(entry: Mapping[str, Any], index: int, kind: str, file: str, lines: SourceMap,
          values: Mapping[str, str]) -> MessageSpec:
    named = entry.get("code")
    where = f"message “{named}”" if isinstance(named, str) else f"message {index + 1}"
    table = Table(entry, where, ("messages.send", index), file, lines)
    table.check_keys(SEND_KEYS)
    code = cast(str, table.text("code", required=True))
    if not re.match(r"^[a-z][a-z0-9_]*$", code):
        raise table.error(f"the message code “{code}” should be in lower case with "
                          "underscores, like “test_result”.", "code")
    when = cast(str, table.choice("when", WHEN, required=True))
    days = table.integer("days_before", 0, minimum=0, maximum=366)
    if when == "expiry" and days == 0:
        raise table.error(f"{where} goes before the expiry date; say how many days before "
                          "with days_before, like 56.", "days_before")
    if when != "expiry" and "days_before" in entry:
        raise table.error("days_before is only for messages sent before an expiry date "
                          "(when = “expiry”).", "days_before")
    if when == "expiry" and kind not in ("reminder", "notification", "list"):
        raise table.error(f"{where} goes before an expiry date; only reminder and list "
                          "campaigns know whose expiry is near.", "when")
    templates: dict[str, str] = {}
    for channel in CHANNELS:
        template_id = table.text(channel)
        if template_id is None:
            continue
        if not _UUID.match(template_id.strip()):
            raise table.error(f"{where} has {channel} “{template_id}”; it should be the "
                              "GOV.UK Notify template ID, like "
                              "“f33517ff-2a88-4f6e-b855-c550268ce08a”.", channel)
        templates[channel] = template_id.strip().lower()
    if not templates:
        raise table.error(f"{where} needs a GOV.UK Notify template ID for at least one "
                          "channel: text, email or letter.")
    fields = table.table("personalisation")
    for name, source in fields.items():
        found = _SOURCE.match(source) if isinstance(source, str) else None
        if found is None:
            raise table.error(f"{where} takes {name} from {source!r}; write where it comes "
                              "from, like “contact.first_name”, “contact.expiry_date”, "
                              "“campaign.name” or “booking.time”.", "personalisation")
        if found.group(1) == "booking" and when not in ("booking", "day_before_appointment"):
            raise table.error(f"{where} uses {source} but is not about a booking; booking "
                              "values are for when = “booking” or "
                              "“day_before_appointment”.", "personalisation")
        if found.group(1) == "booking" and found.group(2) not in BOOKING_FIELDS:
            raise table.error(f"{where} uses {source}; a booking has "
                              + ", ".join(f"booking.{f}" for f in BOOKING_FIELDS) + ".",
                              "personalisation")
        if (found.group(1) == "campaign" and found.group(2) != "name"
                and found.group(2) not in values):
            raise table.error(f"{where} uses {source}, which [messages.values] does not "
                              "set; campaign.name, or a value set there.", "personalisation")
    return MessageSpec(code=code, when=when, days_before=days, templates=templates,
                       personalisation={str(k): str(v) for k, v in fields.items()})


def choose_channel(plan: MessagePlan, spec: MessageSpec, reach: Reach) -> Choice:
    """The channel for this person: their preference first, then the campaign's order,
    among the channels the message has a template for and we can reach them by."""
    if reach.needs:
        needs = reach.needs.casefold()
        for word in plan.call_for_needs:
            if word.casefold() in needs:
                return Choice(None, None, needs_reason(word))
    if reach.preferred == "phone":
        return Choice(None, None, "they asked to be contacted by phone")
    order: list[str] = []
    if reach.preferred in CHANNELS:
        order.append(cast(str, reach.preferred))
    order += [channel for channel in plan.channels if channel not in order]
    missing: list[str] = []
    for channel in order:
        if channel not in spec.templates:
            continue
        destination = _destination(channel, reach)
        if destination is not None:
            return Choice(channel, destination)
        missing.append({"text": "no mobile number", "email": "no email address",
                        "letter": "no postal address"}[channel])
    if not missing:
        return Choice(None, None, "this message has no template for their channel")
    return Choice(None, None, ", ".join(missing))


def needs_reason(need: str) -> str:
    """Why a person with this need is called: “needs large print: call instead of a
    letter”. GOV.UK Notify prints letters in one standard size, with no large print,
    braille or easy read, so for those a call is the honest way to reach them."""
    instead = "a letter" if need.casefold() in PRINTED_NEEDS else "a message"
    return f"needs {need}: call instead of {instead}"


def _destination(channel: str, reach: Reach) -> str | None:
    if channel == "text":
        return reach.mobile
    if channel == "email":
        return reach.email
    return "\n".join(reach.address_lines) if reach.address_lines else None


def address_lines(address: str | None, postcode: str | None) -> tuple[str, ...]:
    """A postal address as Notify's letter lines: up to six lines, then the postcode;
    nothing when there is no address or no postcode (a letter needs both)."""
    if not address or not postcode:
        return ()
    parts = [part.strip() for part in re.split(r"[,\n]", address) if part.strip()]
    parts = [part for part in parts if part.replace(" ", "").upper()
             != postcode.replace(" ", "").upper()]
    if not parts:
        return ()
    if len(parts) > 6:
        parts = [*parts[:5], ", ".join(parts[5:])]
    return (*parts, postcode)


def describe_channel(channel: str | None) -> str:
    return CHANNEL_WORDS.get(channel or "", "call")
