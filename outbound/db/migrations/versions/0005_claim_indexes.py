"""claim indexes in the order claims read them

Revision ID: 0005
Revises: 0004

Fresh tasks are taken highest priority first, then oldest; retries soonest due, then
oldest. With the indexes in exactly that order a claim reads one index entry however
long the queue is, with no sort and no search priority by priority.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FRESH = "status = 'open' AND attempts = 0 AND callback_at IS NULL"
RETRY = "status = 'open' AND attempts > 0 AND callback_at IS NULL"


def _replace(name: str, columns: list, where: str) -> None:
    op.drop_index(name, table_name="task")
    op.create_index(name, "task", columns, unique=False,
                    sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def upgrade() -> None:
    _replace("ix_task_fresh", ["campaign_id", "assigned_to", sa.text("priority DESC"), "id"],
             FRESH)
    _replace("ix_task_retry", ["campaign_id", "assigned_to", "due_at", "id"], RETRY)


def downgrade() -> None:
    _replace("ix_task_fresh", ["campaign_id", "assigned_to", "priority", "id"], FRESH)
    _replace("ix_task_retry", ["campaign_id", "assigned_to", "due_at"], RETRY)
