"""legal holds, erased contacts and suppression-list matches to confirm

Revision ID: 0012
Revises: 0011

People's rights under UK GDPR. ``legal_hold`` keeps a person's data from erasure and
from the retention job while a complaint, claim or investigation needs it; lifting a
hold keeps its row. ``contact.erased_at`` says when a person's details were erased
(the row stays, anonymised, so that counts still add up). ``suppression_candidate``
holds the near matches of an imported Tell Us Once or objections list, for a person to
confirm or dismiss; it names the list's row only by a digest.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE on both databases (SQLite 3.35 and later): a batch copy of the
    # contact table would drop it, and its numbers and suppressions would go with it.
    op.add_column("contact", sa.Column("erased_at", sa.DateTime(timezone=True),
                                       nullable=True))
    op.create_table(
        "legal_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(length=100), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_by", sa.String(length=100), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], ondelete="CASCADE",
                                name=op.f("fk_legal_hold_contact_id_contact")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_hold")),
    )
    op.create_index("ix_legal_hold_contact", "legal_hold", ["contact_id", "lifted_at"])
    op.create_table(
        "suppression_candidate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("row_key", sa.String(length=64), nullable=False),
        sa.Column("why", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], ondelete="CASCADE",
                                name=op.f("fk_suppression_candidate_contact_id_contact")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppression_candidate")),
        sa.UniqueConstraint("contact_id", "reason", "row_key",
                            name=op.f("uq_suppression_candidate_contact_id")),
    )
    op.create_index(op.f("ix_suppression_candidate_contact_id"), "suppression_candidate",
                    ["contact_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_suppression_candidate_contact_id"),
                  table_name="suppression_candidate")
    op.drop_table("suppression_candidate")
    op.drop_index("ix_legal_hold_contact", table_name="legal_hold")
    op.drop_table("legal_hold")
    op.drop_column("contact", "erased_at")
