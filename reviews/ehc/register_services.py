"""The SEN register and EHC plans agree: recording an issued plan offers to set the pupil's register status to E,
as a register change with its history (who, from when, why), through the register's own service and rules."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from pupils.models import PupilNeed, SenStatus
from pupils.services import change_register_entry
from reviews.ehc.models import EhcPlan


def set_register_to_ehc_plan(plan: EhcPlan, *, by: Any) -> None:
    """E from the plan's issue (or from the last register change, when that came later), keeping the pupil's
    needs. Refused as one field error when the register's rules refuse it (no primary need recorded, say)."""
    pupil = plan.pupil
    if pupil.sen_status == SenStatus.EHC_PLAN:
        return
    needs = {n.rank: n.need_type for n in PupilNeed.objects.filter(pupil=pupil).select_related("need_type")}
    latest = pupil.register_changes.order_by("-starts_on").first()
    starts_on = max(plan.issued_on, latest.starts_on) if latest is not None else plan.issued_on
    try:
        change_register_entry(
            pupil,
            status=SenStatus.EHC_PLAN,
            primary_need=needs.get(1),
            secondary_need=needs.get(2),
            on_monitoring_list=False,
            starts_on=starts_on,
            reason=f"EHC plan issued on {plan.issued_on:%-d %B %Y} by {plan.local_authority}",
            recorded_by=by,
        )
    except ValidationError as error:
        messages = [m for ms in error.message_dict.values() for m in ms]
        raise ValidationError({"set_register_to_e": ["The register could not be set to E: ", *messages]}) from error
