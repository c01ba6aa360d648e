"""the first number kept on the contact's row; no postcode index

Revision ID: 0006
Revises: 0005

Most contacts have one number. It was stored twice, as primary_phone on the contact and
as a contact_phone row, so every imported contact cost a second row, three more index
entries and, on PostgreSQL, a foreign key check. The first number's details now sit on
the contact beside primary_phone, and contact_phone holds only second and later numbers.

The postcode index went unused: postcodes are searched with LIKE or inside an OR with a
name search, which neither database answers from it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (("phone_extension", 12), ("phone_raw", 200), ("phone_line_type", 16),
           ("phone_note", 500))


def upgrade() -> None:
    # Plain ALTER TABLE on both databases: rebuilding the contact table on SQLite
    # would drop it, and dropping it would cascade to everything that refers to it.
    for name, length in COLUMNS:
        op.add_column("contact", sa.Column(name, sa.String(length=length), nullable=True))
    op.execute(
        "UPDATE contact SET phone_extension = p.extension, phone_raw = p.raw, "
        "phone_line_type = p.line_type, phone_note = p.note "
        "FROM contact_phone AS p WHERE p.contact_id = contact.id AND p.position = 0")
    op.execute("DELETE FROM contact_phone WHERE position = 0")
    op.drop_index("ix_contact_postcode", table_name="contact")


def downgrade() -> None:
    op.create_index("ix_contact_postcode", "contact", ["postcode"], unique=False)
    op.execute(
        "INSERT INTO contact_phone (contact_id, position, e164, extension, raw, line_type, "
        "usable, note) SELECT id, 0, primary_phone, phone_extension, "
        "COALESCE(phone_raw, ''), phone_line_type, primary_phone IS NOT NULL, phone_note "
        "FROM contact WHERE primary_phone IS NOT NULL OR phone_raw IS NOT NULL")
    for name, _ in reversed(COLUMNS):
        op.drop_column("contact", name)
