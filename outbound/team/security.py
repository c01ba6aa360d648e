"""What each role may do in a team's PostgreSQL database: grants, row-level security and
the few functions that run with the owner's rights.

Three group roles, named after the database because roles belong to the whole server:
``<db>_agent``, ``<db>_supervisor`` and ``<db>_administrator``. A person's login is a
member of one of them. Whatever a client is changed to send, the database itself
refuses what the person's role may not do:

- An agent reads a person's details (their record, numbers, calls, answers, bookings,
  notes) only while that person is on their screen, assigned to them, owed a call-back
  by them, or was called by them in the last 7 days (``outbound_may_see``). To pick the
  next person to call they read ``contact_flags`` for everyone: whether a person may be
  called now, without their name, number or address. The view runs with its owner's
  rights, so row-level security on ``contact`` does not hide those flags.
- Supervisors and administrators read and change every campaign's data; only
  administrators set legal holds and the council's rules, and add, change and switch
  off users (through ``outbound_*_login`` functions, which check the login is one of
  Outbound's before they touch it).
- Nobody, the owner included, can change or delete the audit trail (triggers from
  migration 0011), and no role writes to it directly: entries are added by the
  ``outbound_audit`` function, which the trigger stamps with the server's time and the
  caller's login. Agents cannot read it.
- Someone holding a temporary password sees nobody's details until they set their own
  (``outbound_me`` is NULL for them).

Row-level security is forced, so it holds for the tables' owner too; the owner has its
own policy, which the definer functions rely on. Policies name ``session_user``, the
login, so ``SET ROLE`` cannot borrow another role's rows.
"""

from __future__ import annotations

import re

ROLES = ("agent", "supervisor", "administrator")
TEMPORARY_PASSWORD_DAYS = 7
RECENT_CALL_DAYS = 7

# Tables with a person's details, and how a row names its person.
PERSONAL: dict[str, str] = {
    "contact": "id",
    "contact_phone": "contact_id",
    "attempt": "contact_id",
    "answer_set": "contact_id",
    "answer_flag": "contact_id",
    "booking": "contact_id",
    "waiting_list": "contact_id",
    "number_event": "contact_id",
    "contact_change": "contact_id",
    "suppression": "contact_id",
    "enrolment": "contact_id",
    "slot_hold": "contact_id",
    "message": "contact_id",
}
ALL = "SELECT, INSERT, UPDATE, DELETE"
# What an agent may do to each table; a table not named here is closed to them.
AGENT_GRANTS: dict[str, str] = {
    "alembic_version": "SELECT",
    "app_setting": "SELECT",
    "app_user": "SELECT",
    "campaign": "SELECT",
    "form_version": "SELECT, INSERT",
    "location": "SELECT",
    "resource": "SELECT",
    "booking_session": "SELECT",
    "slot": "SELECT, UPDATE",
    "booking_slot": "SELECT, INSERT, DELETE",
    "task": "SELECT, INSERT, UPDATE",
    "form_draft": ALL,
    "contact": "SELECT, UPDATE",
    # Read for everyone to pick the next call; the claim locks its row and marks the
    # person busy through it, and may change nothing else there (not do-not-call).
    "contact_flags": "SELECT, UPDATE (busy_until)",
    "contact_phone": ALL,
    "attempt": "SELECT, INSERT, UPDATE",
    "answer_set": ALL,
    "answer_flag": ALL,
    "booking": "SELECT, INSERT, UPDATE",
    "waiting_list": "SELECT, INSERT, UPDATE",
    "number_event": "SELECT, INSERT",
    "contact_change": "SELECT, INSERT",
    "suppression": "SELECT, INSERT",
    "enrolment": "SELECT",
    "slot_hold": ALL,
    # What the person on the call was sent; a booking queues its confirmation, and a
    # suppression outcome or a cancelled booking cancels what waits.
    "message": "SELECT, INSERT, UPDATE",
}
# Counts the database keeps by triggers (migrations 0015 and 0016): supervisors' and
# administrators' screens read them; only the triggers, with the owner's rights, write.
TALLIES = ("task_tally", "task_finish_tally", "enrolment_tally")
# Supervisors may do everything to every table except these.
SUPERVISOR_LIMITS: dict[str, str] = {
    "audit_event": "SELECT",
    "app_user": "SELECT",
    "app_setting": "SELECT",
    "legal_hold": "SELECT",
    "alembic_version": "SELECT",
    **dict.fromkeys(TALLIES, "SELECT"),
}
ADMINISTRATOR_LIMITS: dict[str, str] = {
    "audit_event": "SELECT",
    "app_user": "SELECT, INSERT, UPDATE",
    "alembic_version": "SELECT",
    **dict.fromkeys(TALLIES, "SELECT"),
}


def role_prefix(database: str) -> str:
    """The prefix of the group roles of one database: ``outbound`` for ``outbound``."""
    prefix = re.sub(r"[^a-z0-9_]", "_", database.lower()).strip("_") or "outbound"
    return prefix[:40]


def group_roles(database: str) -> dict[str, str]:
    """Outbound's role (agent, supervisor, administrator) -> the PostgreSQL group role."""
    prefix = role_prefix(database)
    return {role: f"{prefix}_{role}" for role in ROLES}


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def functions_sql(groups: dict[str, str]) -> list[str]:
    """The definer functions; every one pins its search_path."""
    agent, supervisor, admin = (groups[r] for r in ROLES)
    ours = ", ".join(literal(g) for g in (agent, supervisor, admin))
    pinned = "SECURITY DEFINER SET search_path = pg_catalog, public"
    me = f"""
CREATE OR REPLACE FUNCTION outbound_me() RETURNS integer
LANGUAGE sql STABLE {pinned} AS $$
  SELECT u.id FROM public.app_user u
  WHERE u.login = session_user AND u.active AND NOT u.must_change_password
$$"""
    may_see = f"""
CREATE OR REPLACE FUNCTION outbound_may_see(p_contact integer) RETURNS boolean
LANGUAGE sql STABLE {pinned} AS $$
  WITH me AS (SELECT outbound_me() AS id)
  SELECT EXISTS (
      SELECT 1 FROM public.task t, me
      WHERE t.contact_id = p_contact
        AND (t.holder_id = me.id
             OR (t.status = 'open' AND (t.assigned_to = me.id
                                        OR t.callback_owner_id = me.id))))
    OR EXISTS (
      SELECT 1 FROM public.attempt a, me
      WHERE a.contact_id = p_contact AND a.agent_id = me.id
        AND a.recorded_at >= now() - interval '{RECENT_CALL_DAYS} days')
$$"""
    ours_check = f"""
CREATE OR REPLACE FUNCTION outbound_is_ours(p_login text) RETURNS boolean
LANGUAGE sql STABLE {pinned} AS $$
  SELECT EXISTS (
    SELECT 1 FROM pg_roles r
    JOIN pg_auth_members m ON m.member = r.oid
    JOIN pg_roles g ON g.oid = m.roleid
    WHERE r.rolname = p_login AND NOT r.rolsuper AND g.rolname IN ({ours}))
$$"""
    my_role = f"""
CREATE OR REPLACE FUNCTION outbound_my_role() RETURNS text
LANGUAGE sql STABLE {pinned} AS $$
  SELECT CASE
    WHEN pg_has_role(session_user, {literal(admin)}, 'MEMBER') THEN 'administrator'
    WHEN pg_has_role(session_user, {literal(supervisor)}, 'MEMBER') THEN 'supervisor'
    WHEN pg_has_role(session_user, {literal(agent)}, 'MEMBER') THEN 'agent'
  END
$$"""
    set_login = f"""
CREATE OR REPLACE FUNCTION outbound_set_login(p_login text, p_verifier text,
                                              p_role text) RETURNS void
LANGUAGE plpgsql VOLATILE {pinned} AS $$
DECLARE
  v_group text := CASE p_role WHEN 'agent' THEN {literal(agent)}
                  WHEN 'supervisor' THEN {literal(supervisor)}
                  WHEN 'administrator' THEN {literal(admin)} END;
  v_other text;
BEGIN
  IF NOT pg_has_role(session_user, {literal(admin)}, 'MEMBER') THEN
    RAISE EXCEPTION 'Only an administrator can add or change users.'
      USING ERRCODE = '42501';
  END IF;
  IF v_group IS NULL THEN
    RAISE EXCEPTION '% is not a role.', p_role USING ERRCODE = '22023';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_login) THEN
    IF NOT outbound_is_ours(p_login) THEN
      RAISE EXCEPTION 'The login % belongs to something other than Outbound.', p_login
        USING ERRCODE = '42501';
    END IF;
  ELSE
    EXECUTE format('CREATE ROLE %I LOGIN', p_login);
  END IF;
  IF p_verifier IS NOT NULL THEN
    EXECUTE format('ALTER ROLE %I LOGIN PASSWORD %L VALID UNTIL %L', p_login, p_verifier,
                   (now() + interval '{TEMPORARY_PASSWORD_DAYS} days')::text);
  END IF;
  FOREACH v_other IN ARRAY ARRAY[{ours}] LOOP
    IF v_other <> v_group AND pg_has_role(p_login, v_other, 'MEMBER') THEN
      EXECUTE format('REVOKE %I FROM %I', v_other, p_login);
    END IF;
  END LOOP;
  EXECUTE format('GRANT %I TO %I', v_group, p_login);
END
$$"""
    disable = f"""
CREATE OR REPLACE FUNCTION outbound_disable_login(p_login text) RETURNS void
LANGUAGE plpgsql VOLATILE {pinned} AS $$
BEGIN
  IF NOT pg_has_role(session_user, {literal(admin)}, 'MEMBER') THEN
    RAISE EXCEPTION 'Only an administrator can switch a user off.' USING ERRCODE = '42501';
  END IF;
  IF NOT outbound_is_ours(p_login) THEN
    RAISE EXCEPTION 'There is no Outbound login called %.', p_login USING ERRCODE = '22023';
  END IF;
  EXECUTE format('ALTER ROLE %I NOLOGIN', p_login);
END
$$"""
    end_sessions = f"""
CREATE OR REPLACE FUNCTION outbound_end_sessions(p_login text) RETURNS integer
LANGUAGE plpgsql VOLATILE {pinned} AS $$
DECLARE
  v_ended integer;
BEGIN
  IF NOT pg_has_role(session_user, {literal(admin)}, 'MEMBER') THEN
    RAISE EXCEPTION 'Only an administrator can end a session.' USING ERRCODE = '42501';
  END IF;
  IF NOT outbound_is_ours(p_login) THEN
    RAISE EXCEPTION 'There is no Outbound login called %.', p_login USING ERRCODE = '22023';
  END IF;
  SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) INTO v_ended
  FROM pg_stat_activity WHERE usename = p_login AND pid <> pg_backend_pid();
  RETURN v_ended;
END
$$"""
    changed = f"""
CREATE OR REPLACE FUNCTION outbound_password_changed() RETURNS void
LANGUAGE plpgsql VOLATILE {pinned} AS $$
BEGIN
  IF NOT outbound_is_ours(session_user) THEN
    RAISE EXCEPTION 'Only an Outbound user can do this.' USING ERRCODE = '42501';
  END IF;
  EXECUTE format('ALTER ROLE %I VALID UNTIL %L', session_user, 'infinity');
  UPDATE public.app_user SET must_change_password = false WHERE login = session_user;
END
$$"""
    audit = f"""
CREATE OR REPLACE FUNCTION outbound_audit(p_actor text, p_action text, p_contact integer,
                                          p_summary text, p_detail json) RETURNS void
LANGUAGE plpgsql VOLATILE {pinned} AS $$
BEGIN
  IF NOT (pg_has_role(session_user, {literal(agent)}, 'MEMBER')
          OR pg_has_role(session_user, {literal(supervisor)}, 'MEMBER')
          OR pg_has_role(session_user, {literal(admin)}, 'MEMBER')) THEN
    RAISE EXCEPTION 'Only an Outbound user can add to the audit trail.'
      USING ERRCODE = '42501';
  END IF;
  -- The trigger stamps the server's time and the login (session_user) that called.
  INSERT INTO public.audit_event (actor, action, contact_id, summary, detail)
  VALUES (p_actor, p_action, p_contact, p_summary, coalesce(p_detail, '{{}}'::json));
END
$$"""
    grants = [
        "REVOKE ALL ON FUNCTION outbound_audit(text, text, integer, text, json) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION outbound_audit(text, text, integer, text, json) "
        f"TO {ident(agent)}, {ident(supervisor)}, {ident(admin)}",
        "REVOKE ALL ON FUNCTION outbound_me(), outbound_may_see(integer), "
        "outbound_is_ours(text), outbound_my_role(), "
        "outbound_set_login(text, text, text), outbound_disable_login(text), "
        "outbound_end_sessions(text), outbound_password_changed() FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION outbound_me(), outbound_may_see(integer), "
        f"outbound_my_role(), outbound_password_changed() "
        f"TO {ident(agent)}, {ident(supervisor)}, {ident(admin)}",
        f"GRANT EXECUTE ON FUNCTION outbound_set_login(text, text, text), "
        f"outbound_disable_login(text), outbound_end_sessions(text), "
        f"outbound_is_ours(text) TO {ident(admin)}",
    ]
    return [me, may_see, ours_check, my_role, set_login, disable, end_sessions, changed,
            audit, *grants]


def grants_sql(groups: dict[str, str], tables: list[str], owner: str) -> list[str]:
    """Table grants and row-level security for every table in ``tables``."""
    agent, supervisor, admin = (ident(groups[r]) for r in ROLES)
    staff = f"{supervisor}, {admin}"
    everyone = f"{agent}, {staff}"
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {everyone}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {everyone}",
    ]
    for table in [*tables, "contact_flags"]:
        name = ident(table)
        statements.append(f"REVOKE ALL ON {name} FROM PUBLIC, {everyone}")
        if table in AGENT_GRANTS:
            statements.append(f"GRANT {AGENT_GRANTS[table]} ON {name} TO {agent}")
        statements.append(f"GRANT {SUPERVISOR_LIMITS.get(table, ALL)} ON {name} "
                          f"TO {supervisor}")
        statements.append(f"GRANT {ADMINISTRATOR_LIMITS.get(table, ALL)} ON {name} "
                          f"TO {admin}")
    for table, person in PERSONAL.items():
        if table not in tables:
            continue
        statements.extend(_policies(table, f"outbound_may_see({ident(person)})",
                                    agent, staff, owner))
    statements.extend(_policies("form_draft", "agent_id = (SELECT outbound_me())",
                                agent, staff, owner))
    return statements


def _policies(table: str, agent_rule: str, agent: str, staff: str,
              owner: str) -> list[str]:
    name = ident(table)
    ready = "(SELECT outbound_me()) IS NOT NULL"
    return [
        f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS outbound_owner ON {name}",
        f"CREATE POLICY outbound_owner ON {name} TO {ident(owner)} "
        "USING (true) WITH CHECK (true)",
        f"DROP POLICY IF EXISTS outbound_staff ON {name}",
        f"CREATE POLICY outbound_staff ON {name} TO {staff} "
        f"USING ({ready}) WITH CHECK ({ready})",
        f"DROP POLICY IF EXISTS outbound_agent ON {name}",
        f"CREATE POLICY outbound_agent ON {name} TO {agent} "
        f"USING ({agent_rule}) WITH CHECK ({agent_rule})",
    ]
