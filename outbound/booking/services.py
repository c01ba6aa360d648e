"""What each bookable service needs: the kind of place that provides it and how much
notice a booking must give.

Declared with the service in its campaign template's ``[booking.services]``:

    [booking.services."Telephone appointment"]
    location_kinds = ["register_office"]    # only register offices hold it
    min_notice = "2h"                       # never booked for less than two hours ahead

    [booking.services."Signing the register"]
    location_kinds = ["register_office"]
    min_notice = "1d"

The engine asks ``service_rules`` whenever it lists, holds or books a place, and when
sessions are added, so a registrar's service is never offered at a clinic and nothing is
booked too soon to be kept. A service no template declares may be held anywhere with no
notice (a session added by hand for a one-off service).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from outbound.booking.errors import BookingError
from outbound.booking.wording import uk_when
from outbound.campaigns.parsing import parse_duration

KIND_WORDS = {"clinic": ("a clinic", "clinics"),
              "register_office": ("a register office", "register offices"),
              "office": ("an office", "offices"), "library": ("a library", "libraries"),
              "hub": ("a community hub", "community hubs")}


@dataclass(frozen=True, slots=True)
class ServiceRules:
    """Where a service is held and how far ahead it must be booked."""

    name: str
    location_kinds: tuple[str, ...] = ()      # empty: any kind of place
    min_notice: timedelta = timedelta(0)

    def earliest_start(self, now: datetime) -> datetime:
        return now + self.min_notice

    def held_at(self, kind: str) -> bool:
        return not self.location_kinds or kind in self.location_kinds

    def kinds_in_words(self) -> str:
        words = [KIND_WORDS.get(k, (k, k + "s"))[1] for k in self.location_kinds]
        return " or ".join(words)

    def wrong_place(self, place: str, kind: str) -> str:
        what = KIND_WORDS.get(kind, (f"a {kind}",))[0]
        return (f"{place} is {what}: {self.name} is only held at "
                f"{self.kinds_in_words()}.")

    def too_soon(self, starts_at: datetime) -> str:
        return (f"{uk_when(starts_at)} is too soon: {self.name} must be booked at least "
                f"{notice_words(self.min_notice)} ahead.")

    def check_start(self, starts_at: datetime, now: datetime) -> None:
        if starts_at < self.earliest_start(now):
            raise BookingError(self.too_soon(starts_at))


def notice_words(span: timedelta) -> str:
    """2 hours -> "2 hours", 1 day -> "1 day", 90 minutes -> "1 hour 30 minutes"."""
    seconds = int(span.total_seconds())
    parts = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    return " ".join(parts) or "no time"


def parse_services(booking: Mapping[str, Any], kinds: tuple[str, ...]
                   ) -> dict[str, ServiceRules]:
    """The ``[booking.services]`` of one template, checked; ValueError names a mistake."""
    table = booking.get("services", {})
    if not isinstance(table, Mapping):
        raise ValueError("[booking.services] should be a table with one table per service.")
    found: dict[str, ServiceRules] = {}
    for name, settings in table.items():
        if not isinstance(settings, Mapping):
            raise ValueError(f"[booking.services.\"{name}\"] should be a table of settings.")
        unknown = set(settings) - {"location_kinds", "min_notice"}
        if unknown:
            raise ValueError(f"“{sorted(unknown)[0]}” is not a setting of a service; use "
                             f"location_kinds and min_notice.")
        place_kinds = settings.get("location_kinds", [])
        if isinstance(place_kinds, str):
            place_kinds = [place_kinds]
        for kind in place_kinds:
            if kind not in kinds:
                raise ValueError(f"“{kind}” is not a kind of location; use "
                                 f"{', '.join(kinds)}.")
        notice_text = settings.get("min_notice", "0m")
        notice = parse_duration(str(notice_text))
        if notice is None:
            raise ValueError(f"min_notice “{notice_text}” is not a length of time like "
                             f"2h or 1d.")
        found[str(name)] = ServiceRules(str(name), tuple(place_kinds), notice)
    return found


_CACHE: dict[tuple[Path, ...],
             tuple[tuple[tuple[str, float], ...], dict[str, ServiceRules]]] = {}


def service_catalogue(folder: Path | None = None) -> dict[str, ServiceRules]:
    """Every service the templates declare, read again only when a template changes."""
    from outbound.booking.sessions import LOCATION_KINDS
    from outbound.campaigns.template import load_templates, template_folders

    wheres = [Path(folder)] if folder is not None else \
        [Path(str(where)) for where in template_folders()]
    key = tuple(wheres)
    stamp = tuple(sorted((str(p), p.stat().st_mtime)
                         for where in wheres for p in where.glob("*.toml")))
    cached = _CACHE.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    catalogue: dict[str, ServiceRules] = {}
    for template in load_templates(folder).values():
        for name, rules in parse_services(template.booking, LOCATION_KINDS).items():
            known = catalogue.get(name)
            if known is None:
                catalogue[name] = rules
            else:   # two templates book it: the stricter of each
                catalogue[name] = ServiceRules(
                    name, tuple(k for k in known.location_kinds
                                if not rules.location_kinds or k in rules.location_kinds)
                    or known.location_kinds or rules.location_kinds,
                    max(known.min_notice, rules.min_notice))
    _CACHE[key] = (stamp, catalogue)
    return catalogue


def service_rules(service: str) -> ServiceRules:
    """The rules of a service, or none (any place, no notice) when no template names it."""
    return service_catalogue().get(service.strip(), ServiceRules(service.strip()))


__all__ = ["ServiceRules", "notice_words", "parse_services",
           "service_catalogue", "service_rules"]
