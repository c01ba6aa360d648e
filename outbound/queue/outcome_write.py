"""Writing most outcomes in one statement on PostgreSQL.

An outcome such as no answer, a call-back or "already updated online" changes four
things: a new attempt, the task, the person's busy mark (and when they were last
spoken to), and the call's draft. ``record_outcome`` reads the task in one statement
and decides as always, in a session that cannot write; this module then writes all of
it as one ``WITH ... UPDATE``, in autocommit mode, so an outcome costs the database two
statements and no BEGIN or COMMIT.

The task's UPDATE comes first and names what the decision rested on (still open,
still the agent's, the attempts counted, the campaign): if another agent, a supervisor
or the lease sweep changed the task since it was read, it matches nothing, nothing
else is written (every other part reads from it), and ``record_outcome`` runs the
outcome again as one transaction, which says what happened or records it.

Row-level security checks the attempt, the person and the draft against the state at
the start of the statement, when the call is still the agent's: the same answer a
transaction gets when it writes them before the task.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    bindparam,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.orm import Session

from outbound.db.capture_models import FormDraft
from outbound.db.models import Attempt, Contact, Task


class _WriteRefused(AssertionError):
    """The one-statement session was asked to write; that is a mistake in the code."""


@contextmanager
def one_statement_session(connection: Connection) -> Iterator[Session]:
    """A session on an autocommit connection that reads but refuses to write: the
    outcome's changes stay on its objects until ``write_outcome`` writes them."""
    session = Session(bind=connection, autoflush=False, expire_on_commit=False)

    @event.listens_for(session, "before_flush")
    def _no_flush(*_args: Any) -> None:
        raise _WriteRefused("a one-statement outcome may not flush")

    @event.listens_for(session, "do_orm_execute")
    def _no_writes(state: Any) -> None:
        if not state.is_select:
            raise _WriteRefused("a one-statement outcome may not write on its own")

    try:
        yield session
    finally:
        session.close()       # what was never written is dropped


def _changed(obj: Any) -> dict[str, Any]:
    """The columns set on a loaded object since it was read, by column name (the
    session notes each attribute set, with its old value, in ``committed_state``)."""
    state = inspect(obj)
    columns = state.mapper.columns
    return {columns[key].name: state.dict[key] for key in state.committed_state
            if key in columns}


def write_outcome(session: Session, task: Task, contact: Contact, attempt: Attempt,
                  before: dict[str, Any], *, drop_draft: bool) -> int | None:
    """Write the attempt, the task's and the person's changes and (``drop_draft``)
    the draft in one statement; the attempt's id, or None if the task no longer
    matches ``before`` (then nothing was written)."""
    moved, person = _changed(task), _changed(contact)
    made = {column.name: getattr(attempt, column.key) for column in _ATTEMPT.columns
            if column.name != "id"}
    statement = _statement(tuple(before), tuple(moved), tuple(person), tuple(made),
                           drop_draft)
    params = {"task_id": task.id,
              **{f"was_{k}": v for k, v in before.items()},
              **{f"task_{k}": v for k, v in moved.items()},
              **{f"person_{k}": v for k, v in person.items()},
              **{f"attempt_{k}": v for k, v in made.items()}}
    row = session.connection().execute(statement, params).first()
    if row is None:
        return None
    if person and row[1] != 1:
        raise AssertionError("the person's row was not there to update")
    return int(row[0])


_ATTEMPT = Attempt.__table__


@cache
def _statement(was: tuple[str, ...], moved: tuple[str, ...], person: tuple[str, ...],
               made: tuple[str, ...], drop_draft: bool) -> Any:
    """The statement for one shape of outcome (which columns change), built once with
    its values bound, so that it runs as the same prepared statement every time."""
    T, C, A, D = Task.__table__, Contact.__table__, _ATTEMPT, FormDraft.__table__

    def bound(prefix: str, table: Any, name: str) -> Any:
        return bindparam(f"{prefix}_{name}", type_=table.c[name].type)

    task = (update(T).where(T.c.id == bindparam("task_id", type_=Integer()),
                            *(T.c[k] == bound("was", T, k) for k in was))
            .values({k: bound("task", T, k) for k in moved})
            .returning(T.c.id, T.c.contact_id).cte("moved"))
    added = (insert(A).from_select(list(made), select(*(bound("attempt", A, k) for k in made))
                                   .select_from(task))
             .returning(A.c.id).cte("added"))
    others = []
    if person:
        others.append(update(C).where(C.c.id == task.c.contact_id)
                      .values({k: bound("person", C, k) for k in person})
                      .returning(C.c.id).cte("person"))
    if drop_draft:
        others.append(delete(D).where(D.c.task_id == task.c.id)
                      .returning(D.c.task_id).cte("dropped"))
    return select(added.c.id, *(select(func.count()).select_from(cte).scalar_subquery()
                                for cte in others))
