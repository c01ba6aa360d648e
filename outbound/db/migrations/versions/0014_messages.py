"""messages through GOV.UK Notify: the outbox and the sender's state

Revision ID: 0014
Revises: 0013

``message`` is the outbox: one row per text, email or letter, written with its reference
before it is sent, so that a sender that died between sending and recording asks Notify
by reference instead of sending again. ``message_sender`` keeps each sender's latest
problem (a clock out by more than 30 seconds, a key Notify does not know) for
supervisors to read.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    op.create_table(
        "message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("occasion", sa.String(length=60), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=True),
        sa.Column("template_id", sa.String(length=36), nullable=True),
        sa.Column("destination", sa.String(length=500), nullable=True),
        sa.Column("personalisation", sa.JSON(), nullable=False),
        sa.Column("body_key", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("notify_id", sa.String(length=36), nullable=True),
        sa.Column("notify_status", sa.String(length=32), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("check_first", sa.Boolean(), nullable=False),
        _when("next_try_at"),
        sa.Column("lease_holder", sa.String(length=100), nullable=True),
        _when("lease_expires_at"),
        _when("claimed_at"),
        _when("sent_at"),
        _when("next_check_at"),
        _when("done_at"),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], ondelete="CASCADE",
                                name=op.f("fk_message_campaign_id_campaign")),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], ondelete="CASCADE",
                                name=op.f("fk_message_contact_id_contact")),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], ondelete="SET NULL",
                                name=op.f("fk_message_task_id_task")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message")),
        sa.UniqueConstraint("campaign_id", "contact_id", "code", "occasion",
                            name=op.f("uq_message_campaign_id_contact_id_code_occasion")),
        sa.UniqueConstraint("reference", name=op.f("uq_message_reference")),
    )
    op.create_index("ix_message_due", "message", ["status", "next_try_at"])
    op.create_index("ix_message_check", "message", ["status", "next_check_at"])
    op.create_index("ix_message_same", "message", ["contact_id", "body_key"])
    op.create_index("ix_message_claimed", "message", ["claimed_at"])
    op.create_index("ix_message_campaign_id", "message", ["campaign_id"])
    op.create_index("ix_message_contact_id", "message", ["contact_id"])
    op.create_table(
        "message_sender",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        _when("problem_at"),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_message_sender")),
    )


def downgrade() -> None:
    op.drop_table("message_sender")
    for index in ("ix_message_contact_id", "ix_message_campaign_id", "ix_message_claimed",
                  "ix_message_same", "ix_message_check", "ix_message_due"):
        op.drop_index(index, table_name="message")
    op.drop_table("message")
