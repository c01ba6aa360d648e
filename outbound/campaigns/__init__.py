"""Campaign templates as data: outcomes, script, form, calling window and schedule."""

from __future__ import annotations

from outbound.campaigns.parsing import (
    TemplateError,
    format_duration,
    parse_clock,
    parse_days,
    parse_duration,
)
from outbound.campaigns.template import (
    SUPPRESSIONS,
    CampaignTemplate,
    Kind,
    Outcome,
    Schedule,
    get_template,
    load_template,
    load_templates,
    parse_template,
    templates_folder,
)
from outbound.campaigns.window import CallingWindow, describe_days

__all__ = [
    "SUPPRESSIONS",
    "CallingWindow",
    "CampaignTemplate",
    "Kind",
    "Outcome",
    "Schedule",
    "TemplateError",
    "describe_days",
    "format_duration",
    "get_template",
    "load_template",
    "load_templates",
    "parse_clock",
    "parse_days",
    "parse_duration",
    "parse_template",
    "templates_folder",
]
