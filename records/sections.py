"""The transfer section of the pupil record (registered with pupils.extensions): leaving, the CTF, transfers."""

from __future__ import annotations

from typing import Any

from pupils import extensions
from records import selectors
from records.models import AccessRequest, LegalHold
from send import policy


def pupil_transfer_section(user: Any, pupil: Any) -> dict[str, Any] | None:
    keeps_register = policy.can(user, "change", pupil)  # false once the pupil has left: the record is read-only
    transfers = selectors.transfers_of_pupil(user, pupil)
    may_request_access = policy.can(user, "change", AccessRequest(pupil=pupil, trust_id=pupil.trust_id))
    may_hold = policy.can(user, "change", LegalHold(pupil=pupil, trust_id=pupil.trust_id))
    if not keeps_register and not transfers and not may_request_access and not may_hold:
        return None
    return {
        "pupil": pupil,
        "keeps_register": keeps_register,
        "transfers": transfers,
        "imports": selectors.imports_of_pupil(user, pupil) if keeps_register else [],
        "may_request_access": may_request_access,
        "may_hold": may_hold,
        "access_requests": selectors.access_requests_of_pupil(user, pupil) if may_request_access else [],
    }


extensions.register_record_section("records/_pupil_section.html", pupil_transfer_section)
