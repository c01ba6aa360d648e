"""people on a waiting list who must be rung to rebook

Revision ID: 0008
Revises: 0007

Someone whose booking the council cancelled (a session closed) is put on the waiting
list with a call to rebook. An offer of a freed place reuses that call; when the offer
lapses, the call must stay open for them, unlike for someone only waiting for a place.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("waiting_list", schema=None) as batch_op:
        batch_op.add_column(sa.Column("must_call", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("waiting_list", schema=None) as batch_op:
        batch_op.drop_column("must_call")
