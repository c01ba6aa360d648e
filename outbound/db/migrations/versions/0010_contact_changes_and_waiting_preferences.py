"""details corrected on a call, and what people on the waiting list prefer

Revision ID: 0010
Revises: 0009

``contact_change`` keeps each correction an agent makes to a contact on a call (a new
or corrected number, an email, the manager's name or role): who, when, which field,
what it was and what it is now. ``waiting_list.preferred_days`` ("mon,wed,sat") and
``preferred_times`` ("morning" or "afternoon") say when someone on the waiting list
can come; a freed place is offered only to those it suits.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("changed_by", sa.String(length=100), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], ondelete="CASCADE",
                                name=op.f("fk_contact_change_contact_id_contact")),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], ondelete="SET NULL",
                                name=op.f("fk_contact_change_task_id_task")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_change")),
    )
    op.create_index(op.f("ix_contact_change_contact_id"), "contact_change", ["contact_id"])
    with op.batch_alter_table("waiting_list", schema=None) as batch_op:
        batch_op.add_column(sa.Column("preferred_days", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("preferred_times", sa.String(length=12),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("waiting_list", schema=None) as batch_op:
        batch_op.drop_column("preferred_times")
        batch_op.drop_column("preferred_days")
    op.drop_index(op.f("ix_contact_change_contact_id"), table_name="contact_change")
    op.drop_table("contact_change")
