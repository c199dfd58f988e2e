"""The SEN register and EHC plans agree: recording an issued plan offers to set the pupil's register status to E,
and ceasing one asks what it becomes, each as a register change with its history (who, from when, why), through
the register's own service and rules."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from pupils.models import PupilNeed, SenStatus
from pupils.services import change_register_entry
from reviews.ehc.models import EhcPlan


def _change(plan: EhcPlan, *, status: str, on: Any, reason: str, field: str, by: Any) -> None:
    pupil = plan.pupil
    needs = {n.rank: n.need_type for n in PupilNeed.objects.filter(pupil=pupil).select_related("need_type")}
    latest = pupil.register_changes.order_by("-starts_on").first()
    starts_on = max(on, latest.starts_on) if latest is not None else on
    keeps_needs = status != SenStatus.NO_SEN
    try:
        change_register_entry(
            pupil,
            status=status,
            primary_need=needs.get(1) if keeps_needs else None,
            secondary_need=needs.get(2) if keeps_needs else None,
            on_monitoring_list=False,
            starts_on=starts_on,
            reason=reason,
            recorded_by=by,
        )
    except ValidationError as error:
        messages = [m for ms in error.message_dict.values() for m in ms]
        raise ValidationError({field: [f"The register could not be set to {status}: ", *messages]}) from error


# What the register becomes when a plan ceases: asked, never assumed.
AFTER_CEASING = (
    ("K", "SEN support (K): the school meets their needs without a plan"),
    ("N", "No SEN (N): they no longer need special educational provision"),
    ("E", "Leave the register at E (another LA's plan, or a new plan, follows)"),
)


def set_register_after_ceasing(plan: EhcPlan, *, status: str, by: Any) -> None:
    if status not in {value for value, _ in AFTER_CEASING}:
        raise ValidationError({"new_status": "Say what the pupil's SEN status becomes now the plan has ceased."})
    if status == SenStatus.EHC_PLAN or plan.pupil.sen_status == status or plan.ceased_on is None:
        return
    reason = f"EHC plan ceased on {plan.ceased_on:%-d %B %Y}: {plan.cease_reason}"[:500]
    _change(plan, status=status, on=plan.ceased_on, reason=reason, field="new_status", by=by)


def set_register_to_ehc_plan(plan: EhcPlan, *, by: Any) -> None:
    """E from the plan's issue (or from the last register change, when that came later), keeping the pupil's
    needs. Refused as one field error when the register's rules refuse it (no primary need recorded, say)."""
    if plan.pupil.sen_status == SenStatus.EHC_PLAN:
        return
    reason = f"EHC plan issued on {plan.issued_on:%-d %B %Y} by {plan.local_authority}"
    _change(plan, status=SenStatus.EHC_PLAN, on=plan.issued_on, reason=reason, field="set_register_to_e", by=by)
