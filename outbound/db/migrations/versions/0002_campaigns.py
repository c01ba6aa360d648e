"""campaigns tasks attempts

Revision ID: 0002
Revises: 0001


"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""

    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("name", name=op.f("uq_app_user_name")),
    )
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("template_code", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("overrides", sa.JSON(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
        sa.UniqueConstraint("name", name=op.f("uq_campaign_name")),
    )
    op.create_table(
        "enrolment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enrolled_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_enrolment_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_enrolment_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment")),
        sa.UniqueConstraint(
            "campaign_id", "contact_id", name=op.f("uq_enrolment_campaign_id_contact_id")
        ),
    )
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrolment_contact_id"), ["contact_id"], unique=False)

    op.create_table(
        "task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("round_key", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("close_reason", sa.String(length=40), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("assigned_to", sa.Integer(), nullable=True),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("callback_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("callback_owner_id", sa.Integer(), nullable=True),
        sa.Column("callback_requested", sa.Boolean(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("escalation_note", sa.Text(), nullable=True),
        sa.Column("last_outcome", sa.String(length=40), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["assigned_to"], ["app_user.id"], name=op.f("fk_task_assigned_to_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["callback_owner_id"], ["app_user.id"], name=op.f("fk_task_callback_owner_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_task_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_task_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"], ["app_user.id"], name=op.f("fk_task_holder_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task")),
        sa.UniqueConstraint(
            "campaign_id",
            "contact_id",
            "round_key",
            name=op.f("uq_task_campaign_id_contact_id_round_key"),
        ),
    )
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index(
            "ix_task_callback",
            ["campaign_id", "callback_at"],
            unique=False,
            sqlite_where=sa.text("status = 'open' AND callback_at IS NOT NULL"),
            postgresql_where=sa.text("status = 'open' AND callback_at IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_task_campaign_round", ["campaign_id", "round_key", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_task_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(
            "ix_task_fresh",
            ["campaign_id", "assigned_to", "priority", "id"],
            unique=False,
            sqlite_where=sa.text("status = 'open' AND attempts = 0 AND callback_at IS NULL"),
            postgresql_where=sa.text("status = 'open' AND attempts = 0 AND callback_at IS NULL"),
        )
        batch_op.create_index(
            "ix_task_holder",
            ["holder_id"],
            unique=False,
            sqlite_where=sa.text("holder_id IS NOT NULL"),
            postgresql_where=sa.text("holder_id IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_task_retry",
            ["campaign_id", "assigned_to", "due_at"],
            unique=False,
            sqlite_where=sa.text("status = 'open' AND attempts > 0 AND callback_at IS NULL"),
            postgresql_where=sa.text("status = 'open' AND attempts > 0 AND callback_at IS NULL"),
        )

    op.create_table(
        "attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("contact_made", sa.Boolean(), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("callback_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("correction_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["app_user.id"], name=op.f("fk_attempt_agent_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_attempt_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_attempt_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["attempt.id"], name=op.f("fk_attempt_supersedes_id_attempt")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["task.id"], name=op.f("fk_attempt_task_id_task"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt")),
    )
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attempt_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attempt_recorded_at"), ["recorded_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_attempt_task_id"), ["task_id"], unique=False)

    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("busy_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_spoken_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""

    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("last_spoken_at")
        batch_op.drop_column("busy_until")

    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attempt_task_id"))
        batch_op.drop_index(batch_op.f("ix_attempt_recorded_at"))
        batch_op.drop_index(batch_op.f("ix_attempt_contact_id"))

    op.drop_table("attempt")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_task_retry",
            sqlite_where=sa.text("status = 'open' AND attempts > 0 AND callback_at IS NULL"),
            postgresql_where=sa.text("status = 'open' AND attempts > 0 AND callback_at IS NULL"),
        )
        batch_op.drop_index(
            "ix_task_holder",
            sqlite_where=sa.text("holder_id IS NOT NULL"),
            postgresql_where=sa.text("holder_id IS NOT NULL"),
        )
        batch_op.drop_index(
            "ix_task_fresh",
            sqlite_where=sa.text("status = 'open' AND attempts = 0 AND callback_at IS NULL"),
            postgresql_where=sa.text("status = 'open' AND attempts = 0 AND callback_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_task_contact_id"))
        batch_op.drop_index("ix_task_campaign_round")
        batch_op.drop_index(
            "ix_task_callback",
            sqlite_where=sa.text("status = 'open' AND callback_at IS NOT NULL"),
            postgresql_where=sa.text("status = 'open' AND callback_at IS NOT NULL"),
        )

    op.drop_table("task")
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolment_contact_id"))

    op.drop_table("enrolment")
    op.drop_table("campaign")
    op.drop_table("app_user")
