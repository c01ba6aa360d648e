"""Campaign templates: what a kind of campaign asks, records and when it may call.

A template is data (a TOML file in ``templates/`` beside this module, shipped inside the
package, or in the council's own folder) so that the customer access team
can set up a new kind of campaign, or correct a script, without a new release. This
module holds the shapes; ``loader`` reads and checks the files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from outbound.campaigns import script as _script
from outbound.campaigns.parsing import SourceMap, TemplateError, display_name
from outbound.campaigns.window import CallingWindow

if TYPE_CHECKING:
    from outbound.forms.fields import FormDefinition
    from outbound.notify.templates import MessagePlan

Kind = Literal["round", "list", "reminder", "notification"]
SUPPRESSIONS = ("deceased", "asked_not_to_be_called")

__all__ = [
    "CallingWindow", "CampaignTemplate", "Kind", "Outcome", "Retention", "Schedule",
    "TemplateError",
    "council_templates_folder", "get_template", "load_template", "load_templates",
    "parse_template", "shipped_templates", "template_folders", "templates_folder",
]


@dataclass(frozen=True, slots=True)
class Outcome:
    """One way a call can end, and what follows from it."""

    code: str
    label: str
    key: str                        # keyboard key: "1".."9", "0" or a letter
    completes: bool                 # the task is done
    contact_made: bool              # counts towards the contact rate
    retry_after: timedelta | None   # try again after this long (None: no retry)
    callback: bool                  # asks for a call-back time
    suppresses: str | None          # None | "deceased" | "asked_not_to_be_called"
    escalates: bool                 # "needs supervisor"
    needs_form: bool                # the form's required fields must be answered
    description: str = ""
    needs_booking: bool = False     # says something is booked: refused when nothing is
    needs_waiting_list: bool = False  # says they wait for a place: refused unless they do
    needs_reason: bool = False      # asks the agent for a one-line reason
    # The number rung is not theirs: that number is marked unusable and the next one is
    # tried; with no usable number left the person cannot be called.
    wrong_number: bool = False


@dataclass(frozen=True, slots=True)
class Schedule:
    """When the unattended jobs of a campaign run, on the London clock."""

    generate_at: time | None        # rounds: when each round's tasks are made
    enrol_at: time | None           # reminders: when contacts near expiry are enrolled
    export_at: time | None          # when the commissioners' export is written
    export_keep_days: int           # older exports are removed after this many days
    export_format: str              # "xlsx" | "csv"


@dataclass(frozen=True, slots=True)
class Retention:
    """How long a campaign keeps its records, in months; None keeps them until the
    person is erased. Past it the daily retention job deletes the calls, answers and
    messages, and clears the notes and the bookings' notes and answers
    (``outbound.rights``). Messages left out are kept as long as the calls."""

    calls: int | None = None        # call attempts: who, when, outcome
    answers: int | None = None      # the answers given on calls
    notes: int | None = None        # what agents typed: notes, reasons, drafts
    bookings: int | None = None     # booking and waiting-list notes and answers
    messages: int | None = None     # texts, emails and letters: where, what, what became

    KINDS = ("calls", "answers", "notes", "bookings", "messages")

    def months(self, kind: str) -> int | None:
        if kind == "messages" and self.messages is None:
            return self.calls
        return getattr(self, kind)


@dataclass(frozen=True, slots=True)
class CampaignTemplate:
    """A kind of campaign, as read from its template file."""

    code: str
    name: str
    description: str
    kind: Kind
    period_days: int                # rounds: 1 = daily, 7 = weekly (else 0)
    lead_days: int                  # reminders: enrol this many days before expiry
    max_attempts: int               # per task
    priority: int                   # default task priority (higher first)
    callback_grace: timedelta       # a due call-back stays with its owner this long
    repeat_call_gap: timedelta      # nobody is called twice, in any campaign, within this
    lease: timedelta                # how long a claim on a task lasts without renewal
    window: CallingWindow
    outcomes: tuple[Outcome, ...]
    script: str                     # with {placeholders}
    form: tuple[Mapping[str, Any], ...]   # raw [[form.fields]]; checked by the form module
    schedule: Schedule
    source: Path | None = None
    booking: Mapping[str, Any] = field(default_factory=dict)   # raw [booking]
    retention: Retention = field(default_factory=Retention)
    # [messages]: texts, emails and letters through GOV.UK Notify (outbound.notify).
    messages: MessagePlan | None = field(default=None, repr=False, compare=False)
    warnings: tuple[str, ...] = ()
    source_text: str = field(default="", repr=False, compare=False)
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # The checked form, built once when the file is read (see outbound.forms).
    form_definition: FormDefinition | None = field(default=None, repr=False, compare=False)

    def outcome(self, code: str) -> Outcome:
        """The outcome with this code; an error listing the real ones otherwise."""
        for outcome in self.outcomes:
            if outcome.code == code:
                return outcome
        known = ", ".join(outcome.code for outcome in self.outcomes)
        raise TemplateError(f"“{code}” is not an outcome of {self.name}; "
                            f"its outcomes are: {known}.")

    def outcome_for_key(self, key: str) -> Outcome | None:
        """The outcome an agent's key press stands for, if any."""
        for outcome in self.outcomes:
            if outcome.key == key.lower():
                return outcome
        return None

    def render_script(self, contact: Mapping[str, Any], agent: str | None = None) -> str:
        """The script for this contact: placeholders filled, missing values left empty."""
        return _script.render(self.script, contact, agent, self.name)

    def with_overrides(self, overrides: Mapping[str, Any]) -> CampaignTemplate:
        """This template with one campaign's own settings, checked as the file is."""
        from outbound.campaigns.loader import apply_overrides

        return apply_overrides(self, overrides)

    def error(self, problem: str, *path: Any) -> TemplateError:
        """An error about part of this template, with its file and line when known.

        For checks made after loading, e.g. of the form:
        ``template.error("…", "form.fields", 3, "show_when")``.
        """
        line = SourceMap(self.source_text).line_of(*path) if path else None
        return TemplateError(problem, display_name(self.source) if self.source else None,
                             line)


SHIPPED_PACKAGE = "outbound.campaigns"
SHIPPED_FOLDER = "templates"


def shipped_templates() -> Traversable:
    """The templates that come with Outbound, inside the installed package (read-only:
    a council adds its own in another folder rather than editing these)."""
    return resources.files(SHIPPED_PACKAGE).joinpath(SHIPPED_FOLDER)


def council_templates_folder() -> Path | None:
    """The council's own templates: $OUTBOUND_TEMPLATES, else ``templates`` in the
    settings file IT deploys (outbound/site_settings.py); None when neither is set."""
    configured = os.environ.get("OUTBOUND_TEMPLATES")
    if configured:
        return Path(configured).expanduser()
    from outbound.site_settings import SiteSettingsError, site_settings

    try:
        return site_settings().templates
    except SiteSettingsError as exc:
        raise TemplateError(str(exc)) from None


def templates_folder() -> Path:
    """The folder of the shipped templates, as a path (the package is installed as files,
    or unpacked by the desktop bundle)."""
    return Path(str(shipped_templates()))


def template_folders() -> list[Path | Traversable]:
    """Where templates are read from: the shipped ones, then the council's own."""
    folders: list[Path | Traversable] = [shipped_templates()]
    council = council_templates_folder()
    if council is not None:
        folders.append(council)
    return folders


def parse_template(text: str, source: Path | None = None) -> CampaignTemplate:
    """A template from TOML text; ``source`` names the file in messages."""
    from outbound.campaigns.loader import build_from_text

    return build_from_text(text, source)


def load_template(path: Path) -> CampaignTemplate:
    """A template from its file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(f"the file cannot be read ({exc.strerror or exc}).",
                            display_name(path)) from exc
    except UnicodeDecodeError as exc:
        raise TemplateError("the file is not saved as UTF-8 text; save it as UTF-8.",
                            display_name(path)) from exc
    return parse_template(text, path)


def _template_files(folder: Path | Traversable) -> list[Path | Traversable]:
    if not folder.is_dir():
        return []
    return sorted((entry for entry in folder.iterdir()
                   if entry.name.endswith(".toml") and not entry.name.startswith(".")),
                  key=lambda entry: entry.name)


def _load_entry(entry: Path | Traversable) -> CampaignTemplate:
    if isinstance(entry, Path):
        return load_template(entry)
    return parse_template(entry.read_text(encoding="utf-8"), Path(str(entry)))


def load_templates(folder: Path | Traversable | None = None) -> dict[str, CampaignTemplate]:
    """Every ``*.toml`` template, by code: in ``folder``, or else the shipped templates
    and the council's own folder. A bad file, or one code used twice, stops the load."""
    folders = [folder] if folder is not None else template_folders()
    templates: dict[str, CampaignTemplate] = {}
    for where in folders:
        if not isinstance(where, Path) and isinstance(where, str | os.PathLike):
            where = Path(where)
        if isinstance(where, Path) and folder is None and not where.is_dir():
            raise TemplateError(f"The folder of the council's own templates, {where}, "
                                "does not exist; make it, or correct the setting.")
        for entry in _template_files(where):
            template = _load_entry(entry)
            if template.code in templates:
                first = templates[template.code].source
                raise TemplateError(f"the code “{template.code}” is already used by "
                                    f"{first.name if first else 'another template'}; "
                                    "each template needs its own code.",
                                    display_name(Path(str(entry))))
            templates[template.code] = template
    return templates


def get_template(code: str, folder: Path | None = None) -> CampaignTemplate:
    """The template with this code, or an error listing the ones there are."""
    templates = load_templates(folder)
    if code not in templates:
        known = ", ".join(sorted(templates)) or "none"
        raise TemplateError(f"There is no campaign template “{code}”; "
                            f"the templates are: {known}.")
    return templates[code]
