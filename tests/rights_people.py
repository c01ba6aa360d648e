"""A person with something in every table that can hold their data, for the access,
erasure and retention tests, built straight into the database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from outbound.db.booking_models import (
    Booking,
    BookingSession,
    Location,
    Slot,
    SlotHold,
    WaitingListEntry,
)
from outbound.db.capture_models import AnswerFlag, AnswerSet, FormDraft, FormVersion
from outbound.db.models import (
    Attempt,
    Campaign,
    Contact,
    ContactChange,
    ContactPhone,
    Enrolment,
    ImportIssue,
    ImportRun,
    NumberEvent,
    Suppression,
    Task,
    User,
)

NAME = "Winifred Quennell"
SURNAME = "Quennell"
E164 = "+441614960123"
NATIONAL = "0161 496 0123"
OTHER_E164 = "+447700900456"
OTHER_NATIONAL = "07700 900456"
POSTCODE = "PN7 3QZ"
EMAIL = "winnie.q@example.org"
CALLED_AT = datetime(2026, 3, 2, 10, 15, tzinfo=UTC)     # a Monday, GMT
FIELDS = [
    {"name": "beds_vacant", "label": "Beds vacant", "type": "integer"},
    {"name": "confident", "label": "Confident to operate", "type": "yes_no"},
    {"name": "ppe", "label": "PPE stock", "type": "choice",
     "choices": ["Under a week", "A week or more"]},
    {"name": "comments", "label": "Comments", "type": "long_text"},
    {"name": "next_of_kin", "label": "Next of kin", "type": "text"},
    {"name": "date_of_birth", "label": "Date of birth", "type": "date"},
]


def add_rich_person(db, *, starts_at: datetime | None = None, other: bool = True) -> dict:
    """Ann's neighbour (another contact) and Winifred, with calls, answers, notes, a
    booking, the waiting list, a suppression, a correction and an import issue that
    names her. Returns the ids."""
    with db.write() as s:
        sam = User(name="Sam", role="agent")
        priya = User(name="Priya", role="supervisor")
        run = ImportRun(source="Welfare", file_name="welfare.csv")
        s.add_all([sam, priya, run])
        s.flush()
        person = Contact(
            name=NAME, name_key="winifred quennell", organisation="Quennell Lodge",
            role="Owner", email=EMAIL, address="4 Mill Lane, Ashworth", postcode=POSTCODE,
            district="Ashworth", source="Welfare", external_ref="WQ-1931",
            preferred_contact="phone", accessibility_needs="Hard of hearing: speak slowly",
            attributes={"Date of birth": "04/05/1931", "GP": "Dr Quennell-Smith"},
            primary_phone=E164, phone_raw=NATIONAL, phone_line_type="landline",
            last_import_id=run.id)
        s.add(person)
        if other:
            s.add(Contact(name="Albert Ruddock", name_key="albert ruddock",
                          postcode="PN1 1AA", primary_phone="+441134960777",
                          source="Welfare"))
        s.flush()
        s.add(ContactPhone(contact_id=person.id, position=1, e164=OTHER_E164,
                           raw=f"mob {OTHER_NATIONAL}", line_type="mobile"))
        campaign = Campaign(name="Having a chat", template_code="welfare_check", kind="list")
        s.add(campaign)
        s.flush()
        s.add(Enrolment(campaign_id=campaign.id, contact_id=person.id))
        task = Task(campaign_id=campaign.id, contact_id=person.id, round_key="list",
                    status="open", due_at=CALLED_AT, attempts=1, escalated=True,
                    escalation_note=f"{NAME} asked for her son, ring {OTHER_NATIONAL}",
                    last_outcome="needs_supervisor", last_attempt_at=CALLED_AT)
        s.add(task)
        s.flush()
        attempt = Attempt(task_id=task.id, campaign_id=campaign.id, contact_id=person.id,
                          agent_id=sam.id, started_at=CALLED_AT - timedelta(minutes=4),
                          recorded_at=CALLED_AT, outcome="needs_supervisor",
                          contact_made=True, duration_seconds=240,
                          notes=f"Spoke to {NAME} at {POSTCODE}; lives alone",
                          reason=f"Ring {NATIONAL} after 2pm")
        s.add(attempt)
        s.flush()
        form = FormVersion(template_code="welfare_check", version=1, fingerprint="f" * 64,
                           fields=FIELDS)
        s.add(form)
        s.flush()
        answers = AnswerSet(
            campaign_id=campaign.id, contact_id=person.id, task_id=task.id,
            attempt_id=attempt.id, round_key="list", form_version_id=form.id,
            agent_id=sam.id, recorded_at=CALLED_AT,
            answers={"beds_vacant": 3, "confident": True, "ppe": "Under a week",
                     "comments": f"{SURNAME} family worried", "next_of_kin": "Derek Quennell",
                     "date_of_birth": "1931-05-04"},
            confirmations={"comments": f"{NAME} confirmed"}, carried_forward=["comments"])
        s.add(answers)
        s.flush()
        s.add(AnswerFlag(answer_set_id=answers.id, campaign_id=campaign.id,
                         contact_id=person.id, round_key="list", field="comments",
                         value=f"{SURNAME} family worried", rule="contains worried",
                         message=f"“{SURNAME} family worried” needs a look"))
        s.add(FormDraft(task_id=task.id, agent_id=sam.id, form_version_id=form.id,
                        answers={"comments": NAME}, notes=f"draft about {NAME}",
                        saved_at=CALLED_AT))
        s.add(NumberEvent(contact_id=person.id, number=E164, raw=NATIONAL,
                          event="wrong_number", attempt_id=attempt.id,
                          campaign_id=campaign.id, recorded_by="Sam", recorded_at=CALLED_AT))
        s.add(ContactChange(contact_id=person.id, field="email", old_value="wq@example.org",
                            new_value=EMAIL, task_id=task.id, changed_by="Sam",
                            changed_at=CALLED_AT))
        s.add(Suppression(contact_id=person.id, reason="asked_not_to_be_called",
                          source="Call", note=f"{NAME} said not before spring",
                          recorded_at=CALLED_AT, recorded_by="Sam", lifted_at=CALLED_AT,
                          lifted_by="Priya", lift_reason=f"{SURNAME} rang back"))
        s.add(ImportIssue(import_id=run.id, row_number=7, column="Telephone",
                          outcome="repaired",
                          message=f"{NATIONAL} lost its leading 0 for {NAME}; repaired"))
        s.add(ImportIssue(import_id=run.id, row_number=8, column=None, outcome="duplicate",
                          message="same as row 7 (name and postcode)"))
        place = Location(name="Ashworth Clinic", kind="clinic", postcode="PN1 2CL")
        s.add(place)
        s.flush()
        start = starts_at or (CALLED_AT + timedelta(days=7))
        session = BookingSession(location_id=place.id, service="Vaccination appointment",
                                 day=start.date(), start_time=time(9), end_time=time(12),
                                 slot_minutes=15, capacity=1)
        s.add(session)
        s.flush()
        slot = Slot(session_id=session.id, location_id=place.id,
                    service="Vaccination appointment", starts_at=start,
                    ends_at=start + timedelta(minutes=15), capacity=1, booked=1)
        s.add(slot)
        s.flush()
        s.add(Booking(reference="VX7K2Q", campaign_id=campaign.id, contact_id=person.id,
                      task_id=task.id, slot_id=slot.id, location_id=place.id,
                      service="Vaccination appointment", starts_at=start,
                      ends_at=start + timedelta(minutes=15), minutes=15, status="booked",
                      answers={"doses": 2, "carer": f"{NAME}'s daughter"},
                      notes=f"{NAME} needs a ramp", booked_by=sam.id, booked_at=CALLED_AT))
        s.add(SlotHold(slot_id=slot.id, agent_id=sam.id, contact_id=person.id,
                       expires_at=CALLED_AT))
        s.add(WaitingListEntry(campaign_id=campaign.id, contact_id=person.id,
                               service="Vaccination appointment", status="waiting",
                               note=f"{NAME} prefers mornings", added_at=CALLED_AT))
        return {"contact": person.id, "campaign": campaign.id, "task": task.id,
                "attempt": attempt.id, "answers": answers.id}
