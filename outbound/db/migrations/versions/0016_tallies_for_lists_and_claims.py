"""tallies of enrolments and of finished calls by minute; the call-back index in claim order

Revision ID: 0016
Revises: 0015

The campaigns list shows each campaign's people enrolled, and the dashboard's burn-down
over every round reads when each call was finished. Counting those read every
enrolment and every finished task, a million of each for a large campaign. Two tallies
keep them instead, as ``task_tally`` keeps a round's tasks by status (migration 0015):

- ``enrolment_tally``: active enrolments by campaign, kept by triggers on
  ``enrolment``;
- ``task_finish_tally``: finished tasks (done or closed, with a finishing time) by
  campaign, round and the minute they were finished (minutes since 1970, UTC), kept by
  the same trigger function as ``task_tally`` on PostgreSQL, so a change to tasks
  still runs one trigger per statement; on SQLite by row triggers.

As with ``task_tally``, on PostgreSQL each connection adds to its own ``shard`` of a
count, and the functions run with their owner's rights. The task function no longer
joins an update's old rows to its new ones: PL/pgSQL keeps the plan a connection's
first update made, and a join planned for a claim's one row took an update of many
(the previous round closed when a new one is made, calls assigned in bulk) one row
against each, minutes for tens of thousands.

``ix_task_callback`` gains ``id``, the claim's tie-break, so that a claim of a
call-back reads the first entry instead of sorting every call-back due.

A team's database (``team setup`` made its group roles) lets supervisors and
administrators read the new tallies, and lets agents change only the busy mark through
``contact_flags`` (the claim now sets it there), as ``outbound.team.security`` grants.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARDS = 16
TASK_KEY = "campaign_id, round_key, status, shard"
FINISH_KEY = "campaign_id, round_key, finished_minute, shard"
ENROLMENT_KEY = "campaign_id, shard"
CALLBACK = "status = 'open' AND callback_at IS NOT NULL"


def _finished(row: str) -> str:
    return f"{row}.status IN ('done', 'closed') AND {row}.completed_at IS NOT NULL"


PG_MINUTE = "floor(extract(epoch FROM {row}.completed_at) / 60)::bigint"
SQLITE_MINUTE = "CAST(strftime('%s', {row}.completed_at) AS INTEGER) / 60"


def _pg_finishes(rows: str, sign: str) -> str:
    """The finish tally's upsert for the finished rows of one transition table."""
    minute = PG_MINUTE.format(row="r")
    return f"""
    INSERT INTO public.task_finish_tally AS t ({FINISH_KEY}, tasks)
    SELECT r.campaign_id, r.round_key, {minute}, v_shard, {sign}count(*) FROM {rows} r
    WHERE {_finished("r")}
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT ({FINISH_KEY}) DO UPDATE SET tasks = t.tasks + excluded.tasks;"""


_PG_TASKS = f"""
CREATE OR REPLACE FUNCTION outbound_tally_tasks() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  v_shard integer := pg_backend_pid() % {SHARDS};
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO public.task_tally AS t ({TASK_KEY}, tasks)
    SELECT r.campaign_id, r.round_key, r.status, v_shard, count(*) FROM new_rows r
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT ({TASK_KEY}) DO UPDATE SET tasks = t.tasks + excluded.tasks;
    {_pg_finishes("new_rows", "")}
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO public.task_tally AS t ({TASK_KEY}, tasks)
    SELECT r.campaign_id, r.round_key, r.status, v_shard, -count(*) FROM old_rows r
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT ({TASK_KEY}) DO UPDATE SET tasks = t.tasks + excluded.tasks;
    {_pg_finishes("old_rows", "-")}
  ELSE
    -- Each row's count before, less; after, more: an update that leaves a task where
    -- it was (a claim) adds and takes away the same, and writes nothing. No join of
    -- the old and new rows: PL/pgSQL keeps the plan it made for the first update of
    -- the connection, and a join planned for one row would meet a million in the
    -- same way, one by one against each.
    INSERT INTO public.task_tally AS t ({TASK_KEY}, tasks)
    SELECT d.campaign_id, d.round_key, d.status, v_shard, sum(d.change) FROM (
      SELECT r.campaign_id, r.round_key, r.status, -1 AS change FROM old_rows r
      UNION ALL
      SELECT r.campaign_id, r.round_key, r.status, 1 FROM new_rows r
    ) AS d
    GROUP BY 1, 2, 3 HAVING sum(d.change) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT ({TASK_KEY}) DO UPDATE SET tasks = t.tasks + excluded.tasks;
    INSERT INTO public.task_finish_tally AS t ({FINISH_KEY}, tasks)
    SELECT d.campaign_id, d.round_key, d.minute, v_shard, sum(d.change) FROM (
      SELECT r.campaign_id, r.round_key, {PG_MINUTE.format(row="r")} AS minute, -1 AS change
      FROM old_rows r WHERE {_finished("r")}
      UNION ALL
      SELECT r.campaign_id, r.round_key, {PG_MINUTE.format(row="r")}, 1
      FROM new_rows r WHERE {_finished("r")}
    ) AS d
    GROUP BY 1, 2, 3 HAVING sum(d.change) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT ({FINISH_KEY}) DO UPDATE SET tasks = t.tasks + excluded.tasks;
  END IF;
  RETURN NULL;
END $$
"""

_PG_ENROLMENTS = f"""
CREATE OR REPLACE FUNCTION outbound_tally_enrolments() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  v_shard integer := pg_backend_pid() % {SHARDS};
BEGIN
  INSERT INTO public.enrolment_tally AS t ({ENROLMENT_KEY}, enrolled)
  SELECT d.campaign_id, v_shard, sum(d.change) FROM (
    SELECT r.campaign_id, -1 AS change FROM old_rows r WHERE r.active
    UNION ALL
    SELECT r.campaign_id, 1 FROM new_rows r WHERE r.active
  ) AS d
  GROUP BY 1 HAVING sum(d.change) <> 0 ORDER BY 1
  ON CONFLICT ({ENROLMENT_KEY}) DO UPDATE SET enrolled = t.enrolled + excluded.enrolled;
  RETURN NULL;
END $$
"""

# The UPDATE trigger's function reads both transition tables; INSERT and DELETE
# triggers have only one, and functions of their own (_pg_enrolment_edges).
_PG_UP = [
    _PG_TASKS,
    _PG_ENROLMENTS,
    "REVOKE ALL ON FUNCTION outbound_tally_enrolments() FROM PUBLIC",
    "CREATE TRIGGER enrolment_tally_insert AFTER INSERT ON enrolment REFERENCING NEW TABLE "
    "AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outbound_tally_enrolments_insert()",
    "CREATE TRIGGER enrolment_tally_update AFTER UPDATE ON enrolment REFERENCING OLD TABLE "
    "AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "
    "outbound_tally_enrolments()",
    "CREATE TRIGGER enrolment_tally_delete AFTER DELETE ON enrolment REFERENCING OLD TABLE "
    "AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION outbound_tally_enrolments_delete()",
]
_PG_DOWN = [
    "DROP TRIGGER enrolment_tally_insert ON enrolment",
    "DROP TRIGGER enrolment_tally_update ON enrolment",
    "DROP TRIGGER enrolment_tally_delete ON enrolment",
    "DROP FUNCTION outbound_tally_enrolments()",
    "DROP FUNCTION outbound_tally_enrolments_insert()",
    "DROP FUNCTION outbound_tally_enrolments_delete()",
]


def _pg_enrolment_edges() -> list[str]:
    """INSERT and DELETE triggers cannot name a transition table they do not have, so
    they have functions of their own, each counting its one table."""
    made = []
    for name, rows, sign in (("insert", "new_rows", ""), ("delete", "old_rows", "-")):
        made.append(f"""
CREATE OR REPLACE FUNCTION outbound_tally_enrolments_{name}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  INSERT INTO public.enrolment_tally AS t ({ENROLMENT_KEY}, enrolled)
  SELECT r.campaign_id, pg_backend_pid() % {SHARDS}, {sign}count(*) FROM {rows} r
  WHERE r.active GROUP BY 1 ORDER BY 1
  ON CONFLICT ({ENROLMENT_KEY}) DO UPDATE SET enrolled = t.enrolled + excluded.enrolled;
  RETURN NULL;
END $$""")
        made.append(f"REVOKE ALL ON FUNCTION outbound_tally_enrolments_{name}() FROM PUBLIC")
    return made


def _sqlite_finish(row: str, change: int) -> str:
    return (f"INSERT INTO task_finish_tally ({FINISH_KEY}, tasks) "
            f"SELECT {row}.campaign_id, {row}.round_key, {SQLITE_MINUTE.format(row=row)}, 0, "
            f"{change} WHERE {_finished(row)} "
            f"ON CONFLICT ({FINISH_KEY}) DO UPDATE SET tasks = tasks + excluded.tasks;")


def _sqlite_enrolled(row: str, change: int) -> str:
    return (f"INSERT INTO enrolment_tally ({ENROLMENT_KEY}, enrolled) "
            f"SELECT {row}.campaign_id, 0, {change} WHERE {row}.active "
            f"ON CONFLICT ({ENROLMENT_KEY}) DO UPDATE SET enrolled = enrolled + "
            "excluded.enrolled;")


_FINISH_CHANGED = ("old.campaign_id IS NOT new.campaign_id OR old.round_key IS NOT "
                   "new.round_key OR old.status IS NOT new.status OR old.completed_at IS NOT "
                   "new.completed_at")
_SQLITE_UP = [
    "CREATE TRIGGER task_finish_tally_insert AFTER INSERT ON task "
    f"BEGIN {_sqlite_finish('new', 1)} END",
    "CREATE TRIGGER task_finish_tally_update AFTER UPDATE OF campaign_id, round_key, status, "
    f"completed_at ON task WHEN {_FINISH_CHANGED} "
    f"BEGIN {_sqlite_finish('old', -1)} {_sqlite_finish('new', 1)} END",
    "CREATE TRIGGER task_finish_tally_delete AFTER DELETE ON task "
    f"BEGIN {_sqlite_finish('old', -1)} END",
    "CREATE TRIGGER enrolment_tally_insert AFTER INSERT ON enrolment "
    f"BEGIN {_sqlite_enrolled('new', 1)} END",
    "CREATE TRIGGER enrolment_tally_update AFTER UPDATE OF campaign_id, active ON enrolment "
    "WHEN old.campaign_id IS NOT new.campaign_id OR old.active IS NOT new.active "
    f"BEGIN {_sqlite_enrolled('old', -1)} {_sqlite_enrolled('new', 1)} END",
    "CREATE TRIGGER enrolment_tally_delete AFTER DELETE ON enrolment "
    f"BEGIN {_sqlite_enrolled('old', -1)} END",
]
_SQLITE_DOWN = [
    "DROP TRIGGER task_finish_tally_insert",
    "DROP TRIGGER task_finish_tally_update",
    "DROP TRIGGER task_finish_tally_delete",
    "DROP TRIGGER enrolment_tally_insert",
    "DROP TRIGGER enrolment_tally_update",
    "DROP TRIGGER enrolment_tally_delete",
]
NEW_TALLIES = ("enrolment_tally", "task_finish_tally")


def _grant_to_the_team() -> None:
    """On a team's database, as ``outbound.team.security`` now grants: supervisors and
    administrators read the new tallies (nobody writes them but the triggers), and an
    agent may change only the busy mark through ``contact_flags``, which the claim
    sets there. A database without the team's roles needs nothing."""
    from outbound.team.security import group_roles, ident

    bind = op.get_bind()
    groups = group_roles(bind.scalar(sa.text("SELECT current_database()")))

    def exists(role: str) -> bool:
        return bind.scalar(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                           {"r": groups[role]}) is not None

    for role in ("supervisor", "administrator"):
        if exists(role):
            for table in NEW_TALLIES:
                op.execute(f"GRANT SELECT ON {ident(table)} TO {ident(groups[role])}")
    if exists("agent"):
        agent = ident(groups["agent"])
        op.execute(f"REVOKE UPDATE ON contact_flags FROM {agent}")
        op.execute(f"GRANT UPDATE (busy_until) ON contact_flags TO {agent}")


def upgrade() -> None:
    op.create_table(
        "enrolment_tally",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("enrolled", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "shard", name=op.f("pk_enrolment_tally")),
    )
    op.create_table(
        "task_finish_tally",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("round_key", sa.String(length=40), nullable=False),
        sa.Column("finished_minute", sa.BigInteger(), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "round_key", "finished_minute", "shard",
                                name=op.f("pk_task_finish_tally")),
    )
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:   # nothing changes between the counts and the triggers
        op.execute("LOCK TABLE task, enrolment IN SHARE ROW EXCLUSIVE MODE")
    minute = (PG_MINUTE if postgres else SQLITE_MINUTE).format(row="task")
    op.execute(f"INSERT INTO task_finish_tally ({FINISH_KEY}, tasks) "
               f"SELECT campaign_id, round_key, {minute}, 0, count(*) FROM task "
               f"WHERE {_finished('task')} GROUP BY 1, 2, 3")
    op.execute(f"INSERT INTO enrolment_tally ({ENROLMENT_KEY}, enrolled) "
               "SELECT campaign_id, 0, count(*) FROM enrolment WHERE active "
               "GROUP BY campaign_id")
    if postgres:
        for statement in [*_pg_enrolment_edges(), *_PG_UP]:
            op.execute(statement)
        _grant_to_the_team()
    else:
        for statement in _SQLITE_UP:
            op.execute(statement)
    op.drop_index("ix_task_callback", table_name="task")
    op.create_index("ix_task_callback", "task", ["campaign_id", "callback_at", "id"],
                    sqlite_where=sa.text(CALLBACK), postgresql_where=sa.text(CALLBACK))


def downgrade() -> None:
    op.drop_index("ix_task_callback", table_name="task")
    op.create_index("ix_task_callback", "task", ["campaign_id", "callback_at"],
                    sqlite_where=sa.text(CALLBACK), postgresql_where=sa.text(CALLBACK))
    if op.get_bind().dialect.name == "postgresql":
        for statement in _PG_DOWN:
            op.execute(statement)
        op.execute(_previous_task_function())
    else:
        for statement in _SQLITE_DOWN:
            op.execute(statement)
    op.drop_table("task_finish_tally")
    op.drop_table("enrolment_tally")


def _previous_task_function() -> str:
    """Migration 0015's trigger function, which keeps ``task_tally`` alone."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "outbound_migration_0015", Path(__file__).with_name("0015_dashboard_at_scale.py"))
    assert spec is not None and spec.loader is not None
    previous = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(previous)
    return str(previous._PG_FUNCTION)
