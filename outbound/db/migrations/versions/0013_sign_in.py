"""sign-in by login, lock-screen rule and the callable flags of a contact

Revision ID: 0013
Revises: 0012

``app_user.login`` is the person's own PostgreSQL login in team mode (NULL on an SQLite
file, where the computer's account is the one user). ``must_change_password`` is set
while they hold a temporary password; ``disabled_at`` says when a leaver was switched
off. ``app_setting`` holds the council's rules for every client (how long a client may
sit idle before it locks).

``contact_flags`` is the part of a contact the claim needs to pick whom to call next:
no name, no number, no address. On PostgreSQL an agent may read every row of it while
row-level security keeps the contact table itself to the people on their calls.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLAGS_VIEW = """
CREATE VIEW contact_flags AS
SELECT id, do_not_call, busy_until, last_spoken_at,
       primary_phone IS NOT NULL AS has_phone
FROM contact
"""


def upgrade() -> None:
    op.add_column("app_user", sa.Column("login", sa.String(length=63), nullable=True))
    op.add_column("app_user", sa.Column("must_change_password", sa.Boolean(),
                                        nullable=False, server_default=sa.false()))
    op.add_column("app_user", sa.Column("disabled_at", sa.DateTime(timezone=True),
                                        nullable=True))
    op.create_index("ix_app_user_login", "app_user", ["login"], unique=True)
    op.create_table(
        "app_setting",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_app_setting")),
    )
    op.execute(FLAGS_VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW contact_flags")
    op.drop_table("app_setting")
    op.drop_index("ix_app_user_login", table_name="app_user")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("disabled_at")
        batch.drop_column("must_change_password")
        batch.drop_column("login")
