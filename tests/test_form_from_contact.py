"""A form's answers taken from the contact's record: the interpreter a person needs."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from outbound.campaigns.parsing import TemplateError
from outbound.campaigns.template import get_template, parse_template
from outbound.contacts import ContactFilter
from outbound.forms import open_form
from outbound.forms.from_contact import Needs, read_needs
from outbound.importing import import_rows
from outbound.queue.campaigns import create_campaign, enrol
from outbound.queue.claim import claim_next_task
from outbound.users import add_user
from tests.test_forms import BASE

TEN_AM = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/London"))
pytestmark = pytest.mark.clock(TEN_AM)


@pytest.mark.parametrize(("text", "needs"), [
    ("Interpreter: Punjabi", Needs("Punjabi", False)),
    ("interpreter - polish; uses a wheelchair", Needs("Polish", False)),
    ("Needs a Tigrinya interpreter", Needs("Tigrinya", False)),
    ("BSL", Needs(None, True)),
    ("Interpreter: British Sign Language", Needs(None, True)),
    ("Deaf, BSL user; Interpreter: Urdu", Needs("Urdu", True)),
    ("Hard of hearing: speak slowly", Needs()),
    ("", Needs()),
    (None, Needs()),
])
def test_the_needs_are_read_in_their_plain_forms(text: str | None, needs: Needs) -> None:
    assert read_needs(text) == needs


def test_a_form_names_what_it_takes_from_the_contact() -> None:
    field = ('[[form.fields]]\nname = "a"\nlabel = "A"\ntype = "yes_no"\n'
             'from_contact = "{}"\n')
    with pytest.raises(TemplateError, match="the parts of accessibility_needs are"):
        parse_template(BASE + field.format("accessibility_needs: braille"), Path("t.toml"))
    with pytest.raises(TemplateError, match="a form can take"):
        parse_template(BASE + field.format("date_of_birth"), Path("t.toml"))
    with pytest.raises(TemplateError, match="fills a text field, not a yes_no one"):
        parse_template(BASE + field.format("accessibility_needs: interpreter language"),
                       Path("t.toml"))


def _registrar_task(db, needs: str):  # type: ignore[no-untyped-def]
    add_user(db, "Sam")
    import_rows(db, ["Name", "Telephone", "Accessibility needs"],
                [(2, ["Harpreet Kaur", "0113 496 0001", needs])],
                file_name="births.csv", source="Births")
    campaign = create_campaign(db, "registrar_birth_booking", "Births")
    enrol(db, campaign, where=ContactFilter(source="Births"))
    task = claim_next_task(db, "Sam", campaign, now=TEN_AM + timedelta(minutes=5))
    assert task is not None
    return task


def test_the_interpreter_the_contact_needs_opens_filled_in(db) -> None:  # type: ignore[no-untyped-def]
    task = _registrar_task(db, "Interpreter: Punjabi")
    opened = open_form(db, task.task_id, get_template("registrar_birth_booking"))
    assert opened.answers == {"interpreter_needed": True, "interpreter_language": "Punjabi"}
    assert opened.from_contact == opened.answers
    assert not opened.carried_forward          # not last time's: nothing to confirm as such


def test_bsl_opens_filled_in_and_other_needs_leave_the_question_open(db) -> None:  # type: ignore[no-untyped-def]
    task = _registrar_task(db, "BSL")
    opened = open_form(db, task.task_id, get_template("registrar_birth_booking"))
    assert opened.answers == {"bsl_needed": True}
