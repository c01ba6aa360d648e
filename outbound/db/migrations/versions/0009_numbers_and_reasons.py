"""numbers marked wrong or allowed, premium-rate numbers held back, outcome reasons

Revision ID: 0009
Revises: 0008

"Wrong number" marks the one number unusable instead of stopping every call to the
person; ``number_event`` keeps which number, who and when (and a supervisor allowing
a premium-rate number, or an undone mark). Premium-rate numbers are no longer called
unless a supervisor allows it: numbers already stored are held back here, the next
usable number taking the first place. ``attempt.reason`` holds the one line an
outcome such as "Needs supervisor" asks for.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PREMIUM_NOTE = "premium-rate number: not called unless a supervisor allows it"
_PHONE = ("e164", "extension", "raw", "line_type", "usable", "note")


def upgrade() -> None:
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=True))
    op.create_table(
        "number_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=True),
        sa.Column("raw", sa.String(length=200), nullable=False),
        sa.Column("event", sa.String(length=30), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], ondelete="CASCADE",
                                name=op.f("fk_number_event_contact_id_contact")),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempt.id"], ondelete="SET NULL",
                                name=op.f("fk_number_event_attempt_id_attempt")),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], ondelete="SET NULL",
                                name=op.f("fk_number_event_campaign_id_campaign")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_number_event")),
    )
    op.create_index(op.f("ix_number_event_contact_id"), "number_event", ["contact_id"])
    _hold_back_premium_numbers()


def _hold_back_premium_numbers() -> None:
    """Premium-rate numbers stop being callable; a usable later number moves first."""
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE contact_phone SET usable = :no, note = :note "
                         "WHERE line_type = 'premium' AND usable = :yes"),
                 {"no": False, "yes": True, "note": PREMIUM_NOTE})
    firsts = bind.execute(sa.text(
        "SELECT id, primary_phone, phone_extension, phone_raw, phone_line_type FROM contact "
        "WHERE phone_line_type = 'premium' AND primary_phone IS NOT NULL")).all()
    for contact_id, e164, extension, raw, line_type in firsts:
        other = bind.execute(sa.text(
            "SELECT id, e164, extension, raw, line_type, note FROM contact_phone "
            "WHERE contact_id = :c AND usable = :yes AND e164 IS NOT NULL "
            "ORDER BY position LIMIT 1"), {"c": contact_id, "yes": True}).first()
        if other is None:
            bind.execute(sa.text("UPDATE contact SET primary_phone = NULL, phone_note = :n "
                                 "WHERE id = :c"), {"n": PREMIUM_NOTE, "c": contact_id})
            continue
        bind.execute(sa.text(
            "UPDATE contact SET primary_phone = :e, phone_extension = :x, phone_raw = :r, "
            "phone_line_type = :t, phone_note = :n WHERE id = :c"),
            {"e": other.e164, "x": other.extension, "r": other.raw, "t": other.line_type,
             "n": other.note, "c": contact_id})
        bind.execute(sa.text(
            "UPDATE contact_phone SET e164 = :e, extension = :x, raw = :r, line_type = :t, "
            "usable = :no, note = :n WHERE id = :p"),
            {"e": e164, "x": extension, "r": raw or "", "t": line_type, "no": False,
             "n": PREMIUM_NOTE, "p": other.id})


def downgrade() -> None:
    # Premium-rate numbers held back stay held back: an older client calls them only
    # when someone marks them usable again.
    op.drop_index(op.f("ix_number_event_contact_id"), table_name="number_event")
    op.drop_table("number_event")
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.drop_column("reason")
