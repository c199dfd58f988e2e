"""Exemptions from the 6, 16 and 20 weeks of an EHC needs assessment (regs 5(4), 10(4), 13(3)): which ground, who
claimed it, when, and why. A deadline under an exemption shows "exemption claimed" with its reason, never
"overdue", and is not reminded; the engine keeps the claim when it recomputes the date."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from reviews.deadlines.models import EXEMPTION_REGULATIONS, Deadline, DeadlineState, ExemptionGround
from reviews.ehc.services import Errors, _not_future

EXEMPTION_FIELDS = ("ground", "reason", "claimed_by", "claimed_on")


@transaction.atomic
def claim_exemption(
    deadline: Deadline, *, ground: str, reason: str, claimed_by: str, claimed_on: dt.date | None
) -> Deadline:
    if deadline.kind not in EXEMPTION_REGULATIONS:
        raise ValidationError("An exemption applies only to the 6, 16 and 20 weeks of an EHC needs assessment.")
    if deadline.state == DeadlineState.MET:
        raise ValidationError("This deadline was met: no exemption is needed.")
    errors = Errors()
    if ground not in ExemptionGround.values:
        errors.add("ground", "Choose the ground the exemption is claimed on (regs 5(4), 10(4), 13(3)).")
    if not reason.strip():
        errors.add("reason", "Say why the ground applies (the closure's dates, the circumstances, the absence).")
    if not claimed_by.strip():
        errors.add("claimed_by", "Say who claimed the exemption (usually the LA, in its letter).")
    if claimed_on is None:
        errors.add("claimed_on", "Give the day the exemption was claimed.")
    _not_future(errors, "claimed_on", claimed_on, "The claim")
    errors.raise_if_any()
    deadline.exemption_ground, deadline.exemption_reason = ground, reason.strip()
    deadline.exemption_claimed_by, deadline.exemption_claimed_on = claimed_by.strip(), claimed_on
    if deadline.state == DeadlineState.OPEN:
        deadline.state = DeadlineState.EXEMPT
    deadline.save()
    return deadline
