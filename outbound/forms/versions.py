"""Form versions: a changed form makes a new version; old answers keep theirs.

The version is found by the form's fingerprint, so every client that loads the same
template file agrees on it without asking anyone, and a new one is made at most once
(BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL).
"""

from __future__ import annotations

import zlib

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from outbound.campaigns.template import CampaignTemplate
from outbound.db.capture_models import FormVersion
from outbound.db.database import Database
from outbound.forms.fields import FormDefinition, form_from_declarations


def form_of(template: CampaignTemplate) -> FormDefinition:
    """The checked form of a template, as the loader built it."""
    if template.form_definition is not None:
        return template.form_definition
    return form_from_declarations(template.form)


def find_form_version(session: Session, template: CampaignTemplate) -> tuple[int, int] | None:
    """The (id, number) of the template's current form version, if it is stored yet."""
    found = session.execute(select(FormVersion.id, FormVersion.version).where(
        FormVersion.template_code == template.code,
        FormVersion.fingerprint == form_of(template).fingerprint)).first()
    return None if found is None else (found[0], found[1])


def ensure_form_version(session: Session, template: CampaignTemplate) -> tuple[int, int]:
    """The (id, number) of the template's current form version, made if it is new."""
    found = find_form_version(session, template)
    if found is None and session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                        {"k": zlib.crc32(f"form:{template.code}".encode())})
        found = find_form_version(session, template)
    if found is not None:
        return found
    form = form_of(template)
    number = (session.scalar(select(func.max(FormVersion.version)).where(
        FormVersion.template_code == template.code)) or 0) + 1
    row = FormVersion(template_code=template.code, version=number,
                      fingerprint=form.fingerprint, fields=form.declarations())
    session.add(row)
    session.flush()
    return row.id, number


def form_version(db: Database, version_id: int) -> tuple[int, FormDefinition]:
    """The number and form of a stored version, readable however old."""
    with db.read() as session:
        row = session.get(FormVersion, version_id)
        if row is None:
            raise ValueError(f"There is no form version {version_id}.")
        return row.version, form_from_declarations(row.fields)

