"""Each person's texts, emails and letters in the commissioners' export.

For a campaign whose template declares ``[messages]``, the answers export carries a
table with one row per person the campaign enrolled or messaged: which message, its
channel, what became of it and when, why it failed, whether a call was made and
reached them, and the outcome of it all (sent, delivered, failed, called, reached).
In an XLSX file it is the "Messages" sheet; beside a CSV, ``<stem>-messages.csv``. The
rows come from ``outbound.notify.outcomes``, as ``notify outcomes`` writes them.

The table is as things stand when the file is written, for everyone (or the chosen
district): a message sent before the period can still be delivered, or turned into a
call, within it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from outbound.exports.fields import FixedColumn
from outbound.exports.source import CampaignInfo, london_wall_clock
from outbound.notify.outcomes import OUTCOME_WORDS, STATUS_WORDS, outcome_rows

TITLE = "Messages"
SUFFIX = "messages"
WHEN = "Date and time (UK time)"
COLUMNS = (
    FixedColumn("Reference", "Text", "The person's reference in the call list it came "
                "from."),
    FixedColumn("District", "Text", "The person's district."),
    FixedColumn("Name", "Text", "The person's name."),
    FixedColumn("Message", "Text", "Which of the campaign's messages this is (its code in "
                "the campaign template); the latest one when the person was sent several."),
    FixedColumn("Channel", "Text", "How the message went: text, email or letter; blank "
                "when it could not go."),
    FixedColumn("Status", "Text", f"What became of the message: {STATUS_WORDS}."),
    FixedColumn("Sent at", WHEN, "When GOV.UK Notify took the message."),
    FixedColumn("Delivered or failed at", WHEN, "When GOV.UK Notify said it was delivered, "
                "or that it failed (or it was given up on after the campaign's wait)."),
    FixedColumn("Failure reason", "Text", "Why the message failed or was not sent, as the "
                "agent saw it on the call made instead."),
    FixedColumn("Called", "Yes / No", "Yes when a call was made to the person in this "
                "campaign."),
    FixedColumn("Reached", "Yes / No", "Yes when a call reached them."),
    FixedColumn("Last call outcome", "Text", "How the latest call ended."),
    FixedColumn("Outcome", "Text", OUTCOME_WORDS),
)
HEADER = [column.heading for column in COLUMNS]


def has_messages(info: CampaignInfo) -> bool:
    return info.template.messages is not None


def messages_csv_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}-{SUFFIX}.csv")


def message_rows(session: Session, info: CampaignInfo,
                 district: str | None = None) -> Iterator[list[Any]]:
    """The table's rows as typed values (text, London wall-clock times, yes/no)."""
    labels = info.outcome_labels
    for person in outcome_rows(session, info.id, district=district):
        last = person.last_call_outcome
        yield [person.reference, person.district, person.name, person.code, person.channel,
               person.message, london_wall_clock(person.sent_at),
               london_wall_clock(person.done_at), person.message_reason, person.called,
               person.reached, labels.get(last, last) if last else None, person.outcome]


def dictionary_rows(fmt: str, out: Path) -> list[list[Any]]:
    """The table's columns for the data dictionary (its header is DICTIONARY_HEADER),
    each saying where the column is."""
    where = (f"In {messages_csv_path(out).name}" if fmt == "csv"
             else f"On the {TITLE} sheet")
    return [[column.heading, None, None, column.type, None, None, None, None, None, None,
             f"{where}, a row per person: {column.help}"] for column in COLUMNS]


class Counted:
    """Rows passed through, counted."""

    def __init__(self, rows: Iterator[list[Any]]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[list[Any]]:
        for row in self.rows:
            self.count += 1
            yield row
