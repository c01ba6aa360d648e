"""a tally of each round's tasks by status, and indexes for the dashboard

Revision ID: 0015
Revises: 0014

The dashboard shows how many calls of a round are done, closed and left. Counting them
read every task of the round, a million for a large one, every half minute on every
supervisor's screen. ``task_tally`` keeps those counts instead: triggers on ``task``
add and take away as tasks are made, change status (or round, or campaign) and are
deleted, whatever the statement, so no code path can forget. On PostgreSQL the
triggers run once per statement with its changed rows (a round of a million tasks is
one grouped upsert, not a million), and an update that changes no status, such as a
claim, writes nothing. Each PostgreSQL connection adds to its own ``shard`` of a count,
so agents recording outcomes at the same moment do not queue for one row; a count is
the sum of its shards, and rows summing to nought are harmless. The trigger function
runs with its owner's rights, so an agent's outcome keeps the tally although agents
may not read or write it.

The indexes let the dashboard read only what a day of calling touched: finished tasks
by finishing time (the burn-down and the rate), calls waiting for a supervisor, a
campaign's and an agent's attempts by time, a campaign's unseen flagged answers newest
first, and the first task of a round (the round's index gains ``created_at``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARDS = 16
KEY = "campaign_id, round_key, status, shard"

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION outbound_tally_tasks() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  v_shard integer := pg_backend_pid() % {SHARDS};
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO public.task_tally AS t ({KEY}, tasks)
    SELECT r.campaign_id, r.round_key, r.status, v_shard, count(*) FROM new_rows r
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT ({KEY}) DO UPDATE SET tasks = t.tasks + excluded.tasks;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO public.task_tally AS t ({KEY}, tasks)
    SELECT r.campaign_id, r.round_key, r.status, v_shard, -count(*) FROM old_rows r
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT ({KEY}) DO UPDATE SET tasks = t.tasks + excluded.tasks;
  ELSE
    INSERT INTO public.task_tally AS t ({KEY}, tasks)
    SELECT d.campaign_id, d.round_key, d.status, v_shard, sum(d.change) FROM (
      SELECT o.campaign_id, o.round_key, o.status, -1 AS change,
             n.campaign_id AS new_campaign, n.round_key AS new_round, n.status AS new_status
      FROM old_rows o JOIN new_rows n ON n.id = o.id
      WHERE (o.campaign_id, o.round_key, o.status)
            IS DISTINCT FROM (n.campaign_id, n.round_key, n.status)
    ) AS c
    CROSS JOIN LATERAL (VALUES (c.campaign_id, c.round_key, c.status, c.change),
                               (c.new_campaign, c.new_round, c.new_status, 1))
         AS d (campaign_id, round_key, status, change)
    GROUP BY 1, 2, 3 HAVING sum(d.change) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT ({KEY}) DO UPDATE SET tasks = t.tasks + excluded.tasks;
  END IF;
  RETURN NULL;
END $$
"""

_PG_UP = [
    _PG_FUNCTION,
    "REVOKE ALL ON FUNCTION outbound_tally_tasks() FROM PUBLIC",
    "CREATE TRIGGER task_tally_insert AFTER INSERT ON task REFERENCING NEW TABLE AS "
    "new_rows FOR EACH STATEMENT EXECUTE FUNCTION outbound_tally_tasks()",
    "CREATE TRIGGER task_tally_update AFTER UPDATE ON task REFERENCING OLD TABLE AS "
    "old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "
    "outbound_tally_tasks()",
    "CREATE TRIGGER task_tally_delete AFTER DELETE ON task REFERENCING OLD TABLE AS "
    "old_rows FOR EACH STATEMENT EXECUTE FUNCTION outbound_tally_tasks()",
]
_PG_DOWN = [
    "DROP TRIGGER task_tally_insert ON task",
    "DROP TRIGGER task_tally_update ON task",
    "DROP TRIGGER task_tally_delete ON task",
    "DROP FUNCTION outbound_tally_tasks()",
]


def _sqlite_add(row: str, change: int) -> str:
    return (f"INSERT INTO task_tally ({KEY}, tasks) "
            f"VALUES ({row}.campaign_id, {row}.round_key, {row}.status, 0, {change}) "
            f"ON CONFLICT ({KEY}) DO UPDATE SET tasks = tasks + excluded.tasks;")


_SQLITE_UP = [
    f"CREATE TRIGGER task_tally_insert AFTER INSERT ON task BEGIN {_sqlite_add('new', 1)} END",
    "CREATE TRIGGER task_tally_update AFTER UPDATE OF campaign_id, round_key, status ON task "
    "WHEN old.campaign_id IS NOT new.campaign_id OR old.round_key IS NOT new.round_key "
    "OR old.status IS NOT new.status "
    f"BEGIN {_sqlite_add('old', -1)} {_sqlite_add('new', 1)} END",
    f"CREATE TRIGGER task_tally_delete AFTER DELETE ON task BEGIN {_sqlite_add('old', -1)} END",
]
_SQLITE_DOWN = [
    "DROP TRIGGER task_tally_insert",
    "DROP TRIGGER task_tally_update",
    "DROP TRIGGER task_tally_delete",
]

FINISHED = "completed_at IS NOT NULL"
ESCALATED = "escalated AND status = 'open'"
UNREVIEWED = "reviewed_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "task_tally",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("round_key", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "round_key", "status", "shard",
                                name=op.f("pk_task_tally")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":  # no task changes between the count and the triggers
        op.execute("LOCK TABLE task IN SHARE ROW EXCLUSIVE MODE")
    op.execute(f"INSERT INTO task_tally ({KEY}, tasks) "
               "SELECT campaign_id, round_key, status, 0, count(*) FROM task "
               "GROUP BY campaign_id, round_key, status")
    for statement in _PG_UP if bind.dialect.name == "postgresql" else _SQLITE_UP:
        op.execute(statement)

    op.drop_index("ix_task_campaign_round", table_name="task")
    op.create_index("ix_task_campaign_round", "task",
                    ["campaign_id", "round_key", "status", "created_at"])
    op.create_index("ix_task_finished", "task",
                    ["campaign_id", "round_key", "completed_at", "status", "close_reason"],
                    sqlite_where=sa.text(FINISHED), postgresql_where=sa.text(FINISHED))
    op.create_index("ix_task_escalated", "task", ["campaign_id", "last_attempt_at"],
                    sqlite_where=sa.text(ESCALATED), postgresql_where=sa.text(ESCALATED))
    op.create_index("ix_attempt_campaign_recorded", "attempt", ["campaign_id", "recorded_at"])
    op.create_index("ix_attempt_agent_recorded", "attempt", ["agent_id", "recorded_at"])
    op.create_index("ix_answer_flag_unreviewed", "answer_flag", ["campaign_id", "raised_at", "id"],
                    sqlite_where=sa.text(UNREVIEWED), postgresql_where=sa.text(UNREVIEWED))


def downgrade() -> None:
    op.drop_index("ix_answer_flag_unreviewed", table_name="answer_flag")
    op.drop_index("ix_attempt_agent_recorded", table_name="attempt")
    op.drop_index("ix_attempt_campaign_recorded", table_name="attempt")
    op.drop_index("ix_task_escalated", table_name="task")
    op.drop_index("ix_task_finished", table_name="task")
    op.drop_index("ix_task_campaign_round", table_name="task")
    op.create_index("ix_task_campaign_round", "task", ["campaign_id", "round_key", "status"])
    bind = op.get_bind()
    for statement in _PG_DOWN if bind.dialect.name == "postgresql" else _SQLITE_DOWN:
        op.execute(statement)
    op.drop_table("task_tally")
