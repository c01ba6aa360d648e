"""Talking to GOV.UK Notify through ``notifications-python-client``, and saying what its
answers mean: sent, refused for good (with the reason), slow down, fix the clock or the
key, or "not sure it went" (ask again by reference before sending again).

The API key is only ever held here, in memory, from the service's own configuration:
never in the database, a log line or a campaign file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

LIVE_URL = "https://api.notifications.service.gov.uk"
_KEY = re.compile(r"^(?P<name>.+)-(?P<service>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                  r"[0-9a-f]{12})-(?P<secret>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-"
                  r"[0-9a-f]{4}-[0-9a-f]{12})$")
CLOCK_WORDS = ("GOV.UK Notify refused the messages because this computer's clock is more "
               "than 30 seconds out. Set the clock right (turn on automatic time setting) "
               "on the machine running “outbound serve”; sending carries on by itself once "
               "it is right.")
DAILY_WORDS = ("GOV.UK Notify will take no more messages today: the service has reached "
               "its daily limit (“{detail}”). The rest wait and go from midnight; ask "
               "GOV.UK Notify to raise the limit if this list must go today.")
KEY_WORDS = ("GOV.UK Notify does not accept the API key the sending service has "
             "(“{detail}”). Check the key in the service's configuration; nothing is sent "
             "until it is right.")


class NotifyProblem(Exception):
    """Notify did not take the message. ``kind``: ``rejected`` (this message will never
    go: the reason is for the person's record), ``throttled`` (slow down and try
    again), ``refused`` (the clock or the key: every message is stopped until a person
    fixes it), ``uncertain`` (it may have gone: ask by reference before trying again)."""

    def __init__(self, kind: str, words: str, status_code: int | None = None):
        super().__init__(words)
        self.kind = kind
        self.words = words
        self.status_code = status_code


@dataclass(frozen=True, slots=True)
class Found:
    notify_id: str
    status: str


def check_api_key(key: str) -> str:
    """The key as given, or a ValueError in words (never quoting the key)."""
    key = key.strip()
    if not _KEY.match(key):
        raise ValueError("That is not a GOV.UK Notify API key: a key is its name, the "
                         "service ID and the secret, joined by hyphens (copy it whole from "
                         "the API integration page in Notify).")
    return key


def service_id_of(key: str) -> str:
    return check_api_key(key)[-73:-37]


def _messages(error: HTTPError) -> list[tuple[str, str]]:
    """Notify's errors as (error, message) pairs from its JSON error shape."""
    try:
        body = error.response.json() if error.response is not None else {}
    except ValueError:
        body = {}
    found = body.get("errors") if isinstance(body, dict) else None
    if isinstance(found, list):
        return [(str(e.get("error", "")), str(e.get("message", ""))) for e in found
                if isinstance(e, dict)]
    return []


def _explain_rejection(channel: str, message: str) -> str:
    lowered = message.lower()
    what = {"text": "text", "email": "email", "letter": "letter"}.get(channel, "message")
    if "not a uk mobile" in lowered or "phone_number" in lowered:
        return f"{what} not sent: the number cannot take texts ({message})"
    if "email_address" in lowered:
        return f"{what} not sent: the email address is not valid ({message})"
    if "missing personalisation" in lowered:
        field = message.split(":", 1)[-1].strip()
        return (f"{what} not sent: the Notify template needs {field}, which the campaign "
                "does not give")
    if "template not found" in lowered:
        return f"{what} not sent: GOV.UK Notify has no such template"
    if "address" in lowered and what == "letter":
        return f"letter not sent: the postal address is not valid ({message})"
    return f"{what} not sent: GOV.UK Notify refused it ({message})"


def classify(error: HTTPError, channel: str) -> NotifyProblem:
    """What a failed request means for the message and for the sender."""
    code = error.status_code
    pairs = _messages(error)
    message = "; ".join(text for _, text in pairs) or str(error.message)
    if code == 400:
        return NotifyProblem("rejected", _explain_rejection(channel, message), code)
    if code == 429 and "send limits" in message.lower():
        return NotifyProblem("throttled", DAILY_WORDS.format(detail=message), code)
    if code == 429:
        return NotifyProblem("throttled", f"GOV.UK Notify asked us to slow down "
                                          f"({message})", code)
    if code == 403:
        if "clock" in message.lower():
            return NotifyProblem("refused", CLOCK_WORDS, code)
        return NotifyProblem("refused", KEY_WORDS.format(detail=message), code)
    return NotifyProblem("uncertain", f"GOV.UK Notify could not be reached or failed "
                                      f"({code}: {message})", code)


class NotifyGateway:
    """One connection to Notify (not thread-safe: one per sending thread)."""

    def __init__(self, api_key: str, base_url: str = LIVE_URL, timeout: float = 10.0):
        self._client = NotificationsAPIClient(check_api_key(api_key), base_url=base_url,
                                              timeout=timeout)

    def __repr__(self) -> str:
        return f"NotifyGateway({self._client.base_url!r})"

    def send(self, channel: str, destination: str, template_id: str,
             personalisation: dict[str, Any], reference: str) -> Found:
        try:
            if channel == "text":
                answer = self._client.send_sms_notification(
                    destination, template_id, personalisation=personalisation or None,
                    reference=reference)
            elif channel == "email":
                answer = self._client.send_email_notification(
                    destination, template_id, personalisation=personalisation or None,
                    reference=reference)
            else:
                answer = self._client.send_letter_notification(
                    template_id, personalisation, reference=reference)
        except HTTPError as error:
            raise classify(error, channel) from None
        return Found(str(answer["id"]), "created")

    def find(self, reference: str) -> Found | None:
        """The notification Notify holds with this reference, if any."""
        try:
            answer = self._client.get_all_notifications(reference=reference)
        except HTTPError as error:
            raise classify(error, "message") from None
        found = answer.get("notifications") or []
        if not found:
            return None
        return Found(str(found[0]["id"]), str(found[0].get("status", "created")))

    def statuses_since(self, since: datetime, wanted: set[str]) -> dict[str, str]:
        """The status of each of ``wanted`` among the notifications made since ``since``,
        read 250 to a request, newest first: far fewer requests than one for each, and
        Notify's rate limit counts every request."""
        found: dict[str, str] = {}
        older_than = None
        while True:
            try:
                page = self._client.get_all_notifications(older_than=older_than)
            except HTTPError as error:
                raise classify(error, "message") from None
            notifications = page.get("notifications") or []
            for notification in notifications:
                if str(notification.get("id")) in wanted:
                    found[str(notification["id"])] = str(notification.get("status", ""))
            if not notifications or len(found) == len(wanted):
                return found
            oldest = _instant(notifications[-1].get("created_at"))
            if oldest is None or oldest < since:
                return found
            older_than = str(notifications[-1]["id"])

    def status(self, notify_id: str) -> str:
        try:
            answer = self._client.get_notification_by_id(notify_id)
        except HTTPError as error:
            raise classify(error, "message") from None
        return str(answer.get("status", ""))


def _instant(text: Any) -> datetime | None:
    """Notify's ``created_at`` (“2026-11-25T12:00:00.123456Z”) as an aware time."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
