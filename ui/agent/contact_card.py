"""Who is being called: name, organisation and role, why now, and how to speak to them.

Accessibility needs and a preferred way of being contacted are shown in a coloured box
above everything else when they are set: the agent must see "BSL interpreter" before
dialling, not after.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from outbound.clock import to_london
from outbound.queue.claim import ClaimedTask

PREFERRED = {"phone": "by phone", "telephone": "by phone", "email": "by email",
             "letter": "by letter", "post": "by letter", "text": "by text message",
             "sms": "by text message"}


def _label(name: str, object_name: str = "", *, wrap: bool = True) -> QLabel:
    label = QLabel()
    label.setAccessibleName(name)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if object_name:
        label.setObjectName(object_name)
    return label


def why_now(task: ClaimedTask) -> str:
    """Why this person is being called now, in a few words."""
    if task.reason == "callback" and task.callback_at is not None:
        return f"Call-back booked for {to_london(task.callback_at):%H:%M on %a %d %b}"
    if task.reason == "retry":
        tries = "1 earlier try" if task.attempts == 1 else f"{task.attempts} earlier tries"
        return f"Trying again ({tries})"
    if task.round_key.startswith("expiry:"):
        return "Renewal reminder"
    if task.round_key == "list":
        return "First call"
    try:
        day = date.fromisoformat(task.round_key)
    except ValueError:
        return "First call"
    return f"First call for {day:%a %d %b}"


class ContactCard(QFrame):
    """The person or organisation on this call."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contactCard")
        self.setAccessibleName("Contact")
        self.name = _label("Name", "contactName")
        self.organisation = _label("Organisation and role", "contactOrganisation")
        self.place = _label("Address", "contactPlace")
        self.reason = _label("Why this call", "callReason")
        self.needs = _label("Accessibility needs", "accessibilityNeeds")
        self.preferred = _label("Preferred contact", "preferredContact")
        self.expiry = _label("Expiry date", "contactPlace")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(2)
        for widget in (self.needs, self.name, self.organisation, self.place, self.expiry,
                       self.preferred, self.reason):
            layout.addWidget(widget)
        self.needs.hide()

    def show_contact(self, contact: dict[str, Any], task: ClaimedTask) -> None:
        self.name.setText(str(contact.get("name") or "(no name)"))
        org = " · ".join(str(contact[k]) for k in ("organisation", "role")
                         if contact.get(k) and contact.get(k) != contact.get("name"))
        self.organisation.setText(org)
        self.organisation.setVisible(bool(org))
        place = ", ".join(str(contact[k]) for k in ("address", "postcode", "district")
                          if contact.get(k))
        self.place.setText(place)
        self.place.setVisible(bool(place))
        expiry = contact.get("expiry_date")
        if expiry:
            try:
                shown = f"{date.fromisoformat(str(expiry)):%d %B %Y}".lstrip("0")
            except ValueError:
                shown = str(expiry)
            self.expiry.setText(f"Expires {shown}")
        self.expiry.setVisible(bool(expiry))
        needs = str(contact.get("accessibility_needs") or "").strip()
        self.needs.setText(f"Needs: {needs}" if needs else "")
        self.needs.setVisible(bool(needs))
        preferred = str(contact.get("preferred_contact") or "").strip()
        if preferred:
            words = PREFERRED.get(preferred.casefold(), preferred)
            self.preferred.setText(f"Prefers to be contacted {words}")
        self.preferred.setVisible(bool(preferred))
        self.preferred.setProperty("prominent", bool(preferred) and
                                   preferred.casefold() not in ("phone", "telephone"))
        self.preferred.style().unpolish(self.preferred)
        self.preferred.style().polish(self.preferred)
        self.reason.setText(why_now(task))
        self.setAccessibleDescription(". ".join(
            w.text() for w in (self.needs, self.name, self.organisation, self.preferred,
                               self.reason) if w.text()))
