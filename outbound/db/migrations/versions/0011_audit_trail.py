"""an audit trail nobody can edit

Revision ID: 0011
Revises: 0010

Who did what to whose data, with the server's time. Triggers refuse UPDATE and DELETE
on both databases; on PostgreSQL they refuse TRUNCATE too, and an insert trigger sets
the time and the database login, so neither can be supplied by a client. Only a
superuser who switches triggers off (session_replication_role) can get round them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "The audit trail cannot be changed or removed."

_PG_UP = [
    f"""CREATE FUNCTION audit_event_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege';
    END $$""",
    """CREATE FUNCTION audit_event_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.at := statement_timestamp();
        NEW.db_user := session_user;
        RETURN NEW;
    END $$""",
    "CREATE TRIGGER audit_event_stamp BEFORE INSERT ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_stamp()",
    "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_refuse()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse()",
]
_PG_DOWN = [
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
    "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event",
    "DROP TRIGGER IF EXISTS audit_event_stamp ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_refuse()",
    "DROP FUNCTION IF EXISTS audit_event_stamp()",
]
_SQLITE_UP = [
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
    f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
]
_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
]


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True),
                  server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("db_user", sa.String(length=200), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index("ix_audit_event_contact", "audit_event", ["contact_id", "id"])
    op.create_index("ix_audit_event_at", "audit_event", ["at"])
    op.create_index(op.f("ix_audit_event_action"), "audit_event", ["action"])
    bind = op.get_bind()
    for statement in _PG_UP if bind.dialect.name == "postgresql" else _SQLITE_UP:
        bind.execute(sa.text(statement))


def downgrade() -> None:
    bind = op.get_bind()
    for statement in _PG_DOWN if bind.dialect.name == "postgresql" else _SQLITE_DOWN:
        bind.execute(sa.text(statement))
    op.drop_index(op.f("ix_audit_event_action"), table_name="audit_event")
    op.drop_index("ix_audit_event_at", table_name="audit_event")
    op.drop_index("ix_audit_event_contact", table_name="audit_event")
    op.drop_table("audit_event")
