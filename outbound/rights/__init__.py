"""People's rights under UK GDPR: a copy of everything held about a person (access),
erasure, legal holds, retention periods, and suppression lists in bulk (Tell Us Once,
objections).

Every act is recorded in the audit trail, naming the person only by contact number.

    from outbound.rights import erase_person, export_person, set_legal_hold
    export_person(db, 42, Path("contact-42.xlsx"), actor="Priya")
    erase_person(db, 42, by="Priya")        # refused, with the reason, while data must stay
"""

from __future__ import annotations

from outbound.rights.errors import RightsError
from outbound.rights.holds import active_hold, legal_holds, lift_legal_hold, set_legal_hold

__all__ = [
    "RightsError",
    "active_hold",
    "erase_person",
    "erasure_blockers",
    "export_person",
    "legal_holds",
    "lift_legal_hold",
    "set_legal_hold",
]


def __getattr__(name: str) -> object:  # lazy: the export pulls in openpyxl
    if name == "export_person":
        from outbound.rights.access import export_person

        return export_person
    if name in ("erase_person", "erasure_blockers"):
        from outbound.rights import erasure

        return getattr(erasure, name)
    raise AttributeError(name)
