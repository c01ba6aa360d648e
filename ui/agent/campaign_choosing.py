"""Choosing the campaign on the call screen: the list of active campaigns, following
the supervisors' changes, a held call given back on start, and never changing campaign
under a call without asking. A mixin for ``CallScreen``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from outbound.campaigns.template import CampaignTemplate
from outbound.queue.campaigns import list_campaigns, template_of
from ui.agent import call_data
from ui.agent.call_data import CallCard
from ui.operations import run_in_background


@dataclass(frozen=True, slots=True)
class CampaignChoice:
    id: int
    name: str
    template: CampaignTemplate


def _load_campaigns(db: Any) -> tuple[list[CampaignChoice], list[str]]:
    """The active campaigns, and the names of any whose template cannot be read."""
    choices, broken = [], []
    for campaign in list_campaigns(db):
        if campaign.status != "active":
            continue
        try:
            choices.append(CampaignChoice(campaign.id, campaign.name, template_of(campaign)))
        except ValueError:          # a damaged template file: the others still work
            broken.append(campaign.name)
    return choices, broken


class CampaignChoosing:
    """The campaign box and what follows from it, for ``CallScreen``."""

    def load_campaigns(self) -> None:
        db = self.db
        run_in_background(self, lambda _op: _load_campaigns(db), self._campaigns_loaded,
                          lambda message: self._show_waiting(
                              f"The campaigns could not be loaded: {message}"))

    def _campaigns_loaded(self, loaded: tuple[list[CampaignChoice], list[str]]) -> None:
        if self._started:
            self._campaigns_reloaded(loaded)
            return
        self._started = True
        campaigns, broken = loaded
        self.campaigns = campaigns
        if broken:
            self.notice.say(f"{', '.join(broken)} cannot be called: its campaign template "
                            "has a mistake. Tell a supervisor.", "warning", kind="template",
                            lasting=True)
        remembered = getattr(self.settings, "last_campaign", 0) if self.settings else 0
        self.campaign_box.blockSignals(True)
        self.campaign_box.clear()
        for choice in campaigns:
            self.campaign_box.addItem(choice.name, choice.id)
        index = next((i for i, c in enumerate(campaigns) if c.id == remembered), 0)
        self.campaign_box.setCurrentIndex(index if campaigns else -1)
        self.campaign_box.blockSignals(False)
        if not campaigns:
            self._show_waiting("There are no active campaigns. A supervisor starts one on "
                               "the Campaigns screen.")
            return
        self._use_campaign(campaigns[max(index, 0)], look=False)
        self._resume_held(campaigns[max(index, 0)])

    def _resume_held(self, first: CampaignChoice) -> None:
        """On start: a call this agent still holds (Outbound closed or died mid-call)
        comes back at once, with what was typed; otherwise the queue is shown."""
        self.state = "resuming"
        self._next_after_resume = False
        self.waiting.show_sentence("Looking at the queue…")
        ordered = [first, *(c for c in self.campaigns if c is not first)]
        db, agent, now, folder = self.db, self.agent, self.clock(), self.folder

        def resumed(card: CallCard | None) -> None:
            self.state = "idle"
            if card is None:
                self._show_waiting("Looking at the queue…")
                if self._next_after_resume:      # F5 pressed while looking
                    self.next_call()
                else:
                    self.refresh_queue()
                return
            self.show_card(card)
            typed = {"computer": ", with what you had typed (kept on this computer)",
                     "database": ", with the answers saved earlier"}.get(card.restored, "")
            self.notice.say(f"Your call with {card.name} was still open when Outbound "
                            f"closed: it is back{typed}.", "info", kind="restored",
                            lasting=True)

        def failed(message: str) -> None:
            self.state = "idle"
            self._show_waiting(f"The queue could not be looked at. {message}")

        run_in_background(
            self, lambda _op: call_data.resume_and_load(
                db, agent, [(c.id, c.template) for c in ordered], now, folder),
            resumed, failed)

    def reload_campaigns(self) -> None:
        """Follow the supervisors: campaigns started, paused or closed since the list was
        read appear or go (every half minute while waiting, and when shown)."""
        if not self._started:
            return
        db = self.db
        run_in_background(self, lambda _op: _load_campaigns(db), self._campaigns_reloaded,
                          lambda _message: None)

    def _campaigns_reloaded(self, loaded: tuple[list[CampaignChoice], list[str]]) -> None:
        campaigns, _broken = loaded
        if [(c.id, c.name) for c in campaigns] == [(c.id, c.name) for c in self.campaigns]:
            return
        current = self._campaign_id
        kept = next((c for c in self.campaigns if c.id == current), None)
        if kept is not None and self.state != "idle" and \
                all(c.id != current for c in campaigns):
            campaigns = [*campaigns, kept]       # the call on screen keeps its campaign
        self.campaigns = campaigns
        self.campaign_box.blockSignals(True)
        self.campaign_box.clear()
        for choice in campaigns:
            self.campaign_box.addItem(choice.name, choice.id)
        self.campaign_box.blockSignals(False)
        if not campaigns:
            self._campaign_id = None
            if self.state == "idle":
                self._show_waiting("There are no active campaigns. A supervisor starts one "
                                   "on the Campaigns screen.")
            return
        if any(c.id == current for c in campaigns):
            self._show_campaign(current)
        else:                                  # paused or closed while idle
            self.campaign_box.setCurrentIndex(0)

    @property
    def campaign(self) -> CampaignChoice | None:
        index = self.campaign_box.currentIndex()
        return self.campaigns[index] if 0 <= index < len(self.campaigns) else None

    def select_campaign(self, name_or_id: str | int) -> None:
        for index, choice in enumerate(self.campaigns):
            if name_or_id in (choice.id, choice.name):
                if self.state == "loading":      # a call of that campaign is on its way
                    self._show_campaign(choice.id)
                    self._use_campaign(choice, look=False)
                else:
                    self.campaign_box.setCurrentIndex(index)

    def _show_campaign(self, campaign_id: int | None) -> None:
        """Put the box back on ``campaign_id`` without acting on it."""
        index = next((i for i, c in enumerate(self.campaigns) if c.id == campaign_id), -1)
        self.campaign_box.blockSignals(True)
        self.campaign_box.setCurrentIndex(index)
        self.campaign_box.blockSignals(False)

    def _campaign_changed(self) -> None:
        """The agent chose another campaign: a call on screen is finished or put back
        first, so the outcome keys are always the call's own campaign's."""
        choice = self.campaign
        if choice is None or choice.id == self._campaign_id:
            return
        if self.state in ("loading", "recording", "resuming"):
            self._show_campaign(self._campaign_id)
            self.notice.say("Wait a moment: the call is still being saved or loaded. "
                            "Then choose the campaign again.", "info", kind="hint")
            return
        if self.state == "call" and self.card is not None:
            name = self.card.name or "this person"
            self._show_campaign(self._campaign_id)      # until the call is back
            if not self.ask("Change campaign",
                            f"You are on a call with {name}. Release it back to the queue "
                            f"and switch to {choice.name}?\n\nWhat you have typed is kept "
                            "with the call, for whoever calls them next.",
                            "Release and switch"):
                return
            self.put_back(then=lambda: self._switch_after_release(choice.id, name))
            return
        self._use_campaign(choice)

    def _switch_after_release(self, campaign_id: int, name: str) -> None:
        choice = next((c for c in self.campaigns if c.id == campaign_id), None)
        if choice is None:
            return
        self._show_campaign(campaign_id)
        self._use_campaign(choice)
        self.notice.say(f"{name} is back in the queue, with what you typed.", "info",
                        kind="switched")

    def _use_campaign(self, choice: CampaignChoice, *, look: bool = True) -> None:
        """Make ``choice`` the campaign in use: its outcome keys, and its queue."""
        changed = self._campaign_id is not None and self._campaign_id != choice.id
        self._campaign_id = choice.id
        if self.settings is not None and hasattr(self.settings, "last_campaign"):
            self.settings.last_campaign = choice.id
        self.template = choice.template
        self._set_outcomes(choice.template)
        if changed:
            self.forget_notices(None)
        if self.state == "idle" and look:
            self._show_waiting("Looking at the queue…")
            self.refresh_queue()
