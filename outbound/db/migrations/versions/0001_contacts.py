"""contacts, phone numbers, suppressions and imports

Revision ID: 0001
Revises:


"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""

    op.create_table(
        "import_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("imported_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_run")),
    )
    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_key", sa.String(length=300), nullable=False),
        sa.Column("organisation", sa.String(length=300), nullable=True),
        sa.Column("role", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("district", sa.String(length=100), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("external_ref", sa.String(length=100), nullable=True),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.Column("preferred_contact", sa.String(length=20), nullable=True),
        sa.Column("accessibility_needs", sa.String(length=300), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("primary_phone", sa.String(length=20), nullable=True),
        sa.Column("do_not_call", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["last_import_id"],
            ["import_run.id"],
            name=op.f("fk_contact_last_import_id_import_run"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
        sa.UniqueConstraint("source", "external_ref", name=op.f("uq_contact_source_external_ref")),
    )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_district"), ["district"], unique=False)
        batch_op.create_index(batch_op.f("ix_contact_expiry_date"), ["expiry_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_contact_name_key"), ["name_key"], unique=False)
        batch_op.create_index("ix_contact_phone_name", ["primary_phone", "name_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_contact_postcode"), ["postcode"], unique=False)

    op.create_table(
        "import_issue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("column", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["import_run.id"],
            name=op.f("fk_import_issue_import_id_import_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_issue")),
    )
    with op.batch_alter_table("import_issue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_issue_import_id"), ["import_id"], unique=False)

    op.create_table(
        "contact_phone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("e164", sa.String(length=20), nullable=True),
        sa.Column("extension", sa.String(length=12), nullable=True),
        sa.Column("raw", sa.String(length=200), nullable=False),
        sa.Column("line_type", sa.String(length=16), nullable=True),
        sa.Column("usable", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_phone_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_phone")),
    )
    with op.batch_alter_table("contact_phone", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_phone_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_contact_phone_e164"), ["e164"], unique=False)

    op.create_table(
        "suppression",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.String(length=100), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_suppression_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppression")),
    )
    with op.batch_alter_table("suppression", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suppression_contact_id"), ["contact_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""

    with op.batch_alter_table("suppression", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suppression_contact_id"))

    op.drop_table("suppression")
    with op.batch_alter_table("contact_phone", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_phone_e164"))
        batch_op.drop_index(batch_op.f("ix_contact_phone_contact_id"))

    op.drop_table("contact_phone")
    with op.batch_alter_table("import_issue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_issue_import_id"))

    op.drop_table("import_issue")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_postcode"))
        batch_op.drop_index("ix_contact_phone_name")
        batch_op.drop_index(batch_op.f("ix_contact_name_key"))
        batch_op.drop_index(batch_op.f("ix_contact_expiry_date"))
        batch_op.drop_index(batch_op.f("ix_contact_district"))

    op.drop_table("contact")
    op.drop_table("import_run")
