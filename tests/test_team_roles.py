"""Who may do what, enforced by PostgreSQL itself, tested by signing in as real logins
with real passwords on a private cluster that checks them (``scram_cluster``).

The agent's client is a stand-in for any program: whatever it sends, the database
refuses what an agent may not do.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from outbound.contacts import ContactError, get_contact
from outbound.dashboard import burndown, campaign_summaries
from outbound.db.capture_models import AnswerSet
from outbound.db.models import Attempt, Contact, Task
from outbound.queue.claim import claim_next_task
from outbound.queue.outcomes import record_outcome
from outbound.team.accounts import SignInError, change_password, sign_in
from outbound.team.security import group_roles
from outbound.team.users import TeamError, add_user, disable_user, reset_password, set_role
from tests.migrating import migrate
from tests.team import TEMPORARY, make_team, password_of
from tests.ui.test_call_screen import MONDAY, answer_monday, at, make_tracker

TEN = at(MONDAY, 10)
pytestmark = pytest.mark.clock(TEN)


def _tracker_answered(db):  # type: ignore[no-untyped-def]
    campaign = make_tracker(db)
    answer_monday(db, campaign)


@pytest.fixture
def team(scram_cluster):  # type: ignore[no-untyped-def]
    made = make_team(scram_cluster, _tracker_answered)
    yield made
    made.close()


def _count(db, sql: str) -> int:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return session.scalar(text(sql))


def _refused(db, sql: str, **params) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(DBAPIError) as caught, db.write() as session:
        session.execute(text(sql), params)
    return str(caught.value.orig)


def test_a_wrong_password_is_refused_with_a_sentence(team):
    with pytest.raises(SignInError, match=r"^That user name and password do not match"):
        sign_in(team.url(), team.logins["Sam"], "not-my-password")
    with pytest.raises(SignInError, match=r"^That user name and password do not match"):
        sign_in(team.url(), "nobody_here", "whatever-it-is")
    _db, account = team.sign_in("Sam")
    assert (account.name, account.role, account.must_change_password) == ("Sam", "agent", False)


def test_an_agent_reads_only_the_people_on_their_calls(team):
    sam, _ = team.sign_in("Sam")
    assert _count(team.owner, "SELECT count(*) FROM contact") == 2
    assert _count(team.owner, "SELECT count(*) FROM answer_set") == 2
    # Monday's calls were two weeks before the server's today: nobody is Sam's now.
    assert _count(sam, "SELECT count(*) FROM contact") == 0
    assert _count(sam, "SELECT count(*) FROM answer_set") == 0      # no answers in bulk
    assert _count(sam, "SELECT count(*) FROM contact_phone") == 0
    assert _count(sam, "SELECT count(*) FROM contact_flags") == 2   # but the queue, yes
    tuesday = at(MONDAY + timedelta(days=1), 10)
    task = claim_next_task(sam, "Sam", _campaign_id(team), now=tuesday)
    assert task is not None
    with team.owner.read() as session:     # noted by the database, as Sam's login
        opened = session.execute(text(
            "SELECT actor, db_user, contact_id FROM audit_event "
            "WHERE action = 'record_opened' ORDER BY id DESC LIMIT 1")).one()
    assert tuple(opened) == ("Sam", team.logins["Sam"], task.contact_id)
    assert get_contact(sam, task.contact_id).name in ("Margaret Pickles", "Jack Khan")
    with sam.read() as session:
        seen = session.scalars(select(Contact.id)).all()
        answers = session.scalars(select(AnswerSet.contact_id)).all()
    assert seen == [task.contact_id]
    assert set(answers) == {task.contact_id}                        # their last answers
    other = next(c for c in (1, 2) if c != task.contact_id)
    with pytest.raises(ContactError, match="There is no contact number"):
        get_contact(sam, other)
    with sam.write() as session:     # row-level security: for Sam, there is no such row
        assert session.execute(text("UPDATE contact SET name = 'X' WHERE id = :i"),
                               {"i": other}).rowcount == 0
    # The queue's flags mark a person busy on a claim, and say nothing else Sam may change.
    assert "permission denied" in _refused(
        sam, "UPDATE contact_flags SET do_not_call = false WHERE id = :i", i=other)
    with sam.read() as session:
        assert session.get(Contact, other) is None
    # Jo, another agent, sees nobody: Sam's call is Sam's.
    jo, _ = team.sign_in("Jo")
    assert _count(jo, "SELECT count(*) FROM contact") == 0
    # Once the call is done, the person stays Sam's for 7 days (server time).
    _record_now(team, sam, task.task_id)
    assert _count(sam, "SELECT count(*) FROM contact") == 1


def _campaign_id(team) -> int:  # type: ignore[no-untyped-def]
    return _count(team.owner, "SELECT min(id) FROM campaign")


def _record_now(team, db, task_id: int) -> None:  # type: ignore[no-untyped-def]
    """An outcome recorded at the server's own time, so '7 days' is measured from it."""
    now = _count(team.owner, "SELECT now()")
    record_outcome(db, task_id, "Sam", "no_answer", retry_after=timedelta(hours=2), now=now)
    with team.owner.read() as session:
        held = session.scalar(select(Task.holder_id).where(Task.id == task_id))
        assert held is None


def test_an_agent_cannot_change_or_read_the_audit_trail_nor_act_as_another_role(team):
    sam, _ = team.sign_in("Sam")
    # No login writes to the audit trail itself; the database's own function does,
    # and stamps who called it. Agents cannot read it.
    assert "permission denied" in _refused(sam, "SELECT summary FROM audit_event")
    assert "permission denied" in _refused(sam, "SELECT count(*) FROM audit_event")
    assert "permission denied" in _refused(
        sam, "INSERT INTO audit_event (actor, action, summary, detail) "
             "VALUES ('Priya', 'erased', 'Erased nobody.', '{}')")
    assert "permission denied" in _refused(sam, "DELETE FROM audit_event")
    assert "permission denied" in _refused(sam, "UPDATE audit_event SET summary = 'x'")
    assert "permission denied" in _refused(sam, "SELECT * FROM legal_hold")
    assert "permission denied" in _refused(sam, "SELECT * FROM import_issue")
    assert "permission denied" in _refused(sam, "INSERT INTO app_user (name, role, active, "
                                                "created_at, must_change_password) VALUES "
                                                "('Evil', 'supervisor', true, now(), false)")
    supervisor_group = f"{team.database}_supervisor"
    assert "permission denied" in _refused(sam, f'SET ROLE "{supervisor_group}"')
    assert "permission denied" in _refused(
        sam, "SELECT outbound_set_login(:l, NULL, 'administrator')", l=team.logins["Sam"])
    with pytest.raises(TeamError, match="Only an administrator"):
        set_role(sam, team.logins["Sam"], "administrator", by="Sam")


def test_a_supervisor_sees_everyone_but_cannot_change_the_audit_trail(team):
    priya, account = team.sign_in("Priya")
    assert account.role == "supervisor"
    assert _count(priya, "SELECT count(*) FROM contact") == 2
    assert _count(priya, "SELECT count(*) FROM answer_set") == 2
    assert _count(priya, "SELECT count(*) FROM audit_event") > 0
    assert "permission denied" in _refused(priya, "DELETE FROM audit_event")
    assert "permission denied" in _refused(priya, "UPDATE audit_event SET actor = 'x'")
    assert "permission denied" in _refused(priya, "TRUNCATE audit_event")
    assert "permission denied" in _refused(
        priya, "INSERT INTO audit_event (actor, action, summary, detail) "
               "VALUES ('Sam', 'erased', 'Erased nobody.', '{}')")
    assert "permission denied" in _refused(priya, "INSERT INTO legal_hold (contact_id, "
                                                  "reason, set_by, set_at) VALUES "
                                                  "(1, 'x', 'Priya', now())")
    # Even the owner cannot rewrite history: the trigger refuses.
    assert "audit" in _refused(team.owner, "DELETE FROM audit_event").lower()


def test_supervisors_read_the_tallies_that_agents_keep_but_nobody_writes_them(team):
    sam, _ = team.sign_in("Sam")
    cid = _campaign_id(team)
    task = claim_next_task(sam, "Sam", cid, now=at(MONDAY + timedelta(days=1), 10))
    _record_now(team, sam, task.task_id)           # Sam's outcome keeps the tallies
    for table in ("task_tally", "task_finish_tally", "enrolment_tally"):
        assert "permission denied" in _refused(sam, f"SELECT * FROM {table}")
    priya, _ = team.sign_in("Priya")
    admin, _ = team.sign_in("Ada")
    for db in (priya, admin):
        (summary,) = campaign_summaries(db, MONDAY)
        assert (summary.enrolled, summary.open_tasks) == (2, 2)
        chart = burndown(db, cid, None, now=at(MONDAY + timedelta(days=2), 10))
        assert (chart.total, chart.left_now) == (4, 2)
        for table in ("task_tally", "task_finish_tally", "enrolment_tally"):
            assert "permission denied" in _refused(db, f"DELETE FROM {table}")
            assert "permission denied" in _refused(db, f"UPDATE {table} SET shard = 1")


def test_a_temporary_password_shows_nobody_until_it_is_changed(team):
    admin, _ = team.sign_in("Ada")
    login = team.logins["Priya"]
    reset_password(admin, login, TEMPORARY, by="Ada")
    with pytest.raises(SignInError):
        sign_in(team.url(), login, password_of(login))             # the old one has gone
    priya, account = sign_in(team.url(), login, TEMPORARY)
    team.opened.append(priya)
    assert account.must_change_password
    assert _count(priya, "SELECT count(*) FROM contact") == 0
    with pytest.raises(SignInError, match="at least 12 characters"):
        change_password(priya, TEMPORARY, "short")
    with pytest.raises(SignInError, match="present password is not right"):
        change_password(priya, "Wrong-Present-Password", "A-Brand-New-Password-1")
    change_password(priya, TEMPORARY, "A-Brand-New-Password-1")
    assert _count(priya, "SELECT count(*) FROM contact") == 2
    priya2, account = sign_in(team.url(), login, "A-Brand-New-Password-1")
    team.opened.append(priya2)
    assert not account.must_change_password
    with pytest.raises(SignInError):
        sign_in(team.url(), login, TEMPORARY)


def test_a_leaver_is_switched_off_at_once(team):
    sam, _ = team.sign_in("Sam")
    task = claim_next_task(sam, "Sam", _campaign_id(team),
                           now=at(MONDAY + timedelta(days=1), 10))
    assert task is not None
    admin, _ = team.sign_in("Ada")
    assert disable_user(admin, team.logins["Sam"], by="Ada") == 1
    # Sam's open session has ended: the next statement finds its connection gone.
    with pytest.raises(DBAPIError), sam.engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
    with pytest.raises(SignInError, match="switched off"):
        sign_in(team.url(), team.logins["Sam"], password_of(team.logins["Sam"]))
    with team.owner.read() as session:
        stored = session.get(Task, task.task_id)
        assert (stored.holder_id, stored.status) == (None, "open")   # back in the queue
        assert session.get(Contact, task.contact_id).busy_until is None
    with pytest.raises(TeamError, match="cannot switch yourself off"):
        disable_user(admin, team.logins["Ada"], by="Ada")


def test_an_administrator_cannot_take_over_a_login_that_is_not_outbound_s(team):
    admin, _ = team.sign_in("Ada")
    superuser = team.cluster.superuser
    with pytest.raises(TeamError, match="belongs to something other than Outbound"):
        add_user(admin, superuser, "Someone", "agent", "Some-Long-Password-1", by="Ada")
    with pytest.raises(TeamError, match=f"no user with the user name {superuser}"):
        reset_password(admin, superuser, "Some-Long-Password-1", by="Ada")
    with pytest.raises(TeamError, match="no user"):
        disable_user(admin, superuser, by="Ada")
    # Even past the checks in Python, the database's own functions refuse.
    assert "other than Outbound" in _refused(
        admin, "SELECT outbound_set_login(:l, NULL, 'agent')", l=superuser)
    assert "no Outbound login" in _refused(
        admin, "SELECT outbound_disable_login(:l)", l=superuser)


def test_an_agent_s_attempts_are_theirs_for_seven_days_by_the_server_s_clock(team):
    sam, _ = team.sign_in("Sam")
    with team.owner.write() as session:
        sam_id = session.scalar(text("SELECT id FROM app_user WHERE name = 'Sam'"))
        task_ids = session.scalars(select(Task.id).order_by(Task.id)).all()[:2]
        for task_id, days in zip(task_ids, (6, 8), strict=True):
            task = session.get(Task, task_id)
            session.add(Attempt(task_id=task_id, campaign_id=task.campaign_id,
                                contact_id=task.contact_id, agent_id=sam_id,
                                started_at=_count(team.owner, "SELECT now()")
                                - timedelta(days=days),
                                recorded_at=_count(team.owner, "SELECT now()")
                                - timedelta(days=days),
                                outcome="no_answer"))
        session.execute(text("UPDATE task SET holder_id = NULL, assigned_to = NULL, "
                             "callback_owner_id = NULL"))
    with team.owner.read() as session:
        recent = session.get(Task, task_ids[0]).contact_id
    with sam.read() as session:
        assert session.scalars(select(Contact.id)).all() == [recent]


def test_the_address_signed_in_to_carries_no_user_or_password():
    from outbound.team.accounts import server_url

    url = server_url("postgresql://sam:secret@dbserver:5433/outbound?sslmode=require")
    assert url.render_as_string(hide_password=False) == \
        "postgresql+psycopg://dbserver:5433/outbound?sslmode=require"


def test_a_server_out_of_reach_is_said_so_not_blamed_on_the_password():
    from types import SimpleNamespace

    from sqlalchemy.engine import make_url

    from outbound.team.accounts import verify_password

    with pytest.raises(SignInError, match=r"^Cannot reach the database server"):
        sign_in("postgresql://no-such-host.invalid/outbound", "sam", "whatever-it-is")
    closed = SimpleNamespace(url=make_url("postgresql+psycopg://sam@127.0.0.1:1/outbound"))
    with pytest.raises(SignInError, match=r"^Cannot reach the database server 127\.0\.0\.1"):
        verify_password(closed, "whatever-it-is")


def test_a_team_database_brought_up_to_date_lets_supervisors_read_the_new_tallies(team):
    agents = group_roles(team.database)["agent"]   # as a team's database was before 0016
    with team.owner.write() as session:
        session.execute(text(f'GRANT UPDATE ON contact_flags TO "{agents}"'))
    migrate(team.owner, "downgrade", "0015")
    migrate(team.owner, "upgrade", "head")
    priya, _ = team.sign_in("Priya")
    (summary,) = campaign_summaries(priya, MONDAY)
    assert summary.enrolled == 2
    assert burndown(priya, _campaign_id(team), None).total == 4
    sam, _ = team.sign_in("Sam")
    assert "permission denied" in _refused(sam, "SELECT * FROM enrolment_tally")
    assert "permission denied" in _refused(sam, "UPDATE contact_flags SET do_not_call = false")
    assert claim_next_task(sam, "Sam", _campaign_id(team),
                           now=at(MONDAY + timedelta(days=1), 10)) is not None
