"""Who reads and writes EHC needs assessment requests, EHC plans and annual reviews."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from pupils.models import Pupil
from reviews.ehc.models import (
    AnnualReview,
    EhcAmendment,
    EhcAssessmentRequest,
    EhcOutcome,
    EhcPlan,
    EhcProvision,
    OutcomeProgress,
    ReviewInvitation,
)
from reviews.policy import PLAN_LEADS, leads
from schools.selectors import roles_of
from send import policy
from send.pdf import register_subject, visible_subject
from send.tenancy import current_trust_id


class EhcRecordRule(policy.Rule):
    """`view`: whoever may open the pupil (teachers teach to the plan's outcomes and provision); `write`: the
    SENCO, assistant SENCO (EHCP paperwork, annual-review scheduling) or trust SEND lead at the pupil's school."""

    actions = ("view", "write")
    pupil_path = "pupil"

    def _pupil(self, obj: Any) -> Pupil:
        for name in self.pupil_path.split("__"):
            obj = getattr(obj, name)
        return obj

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        if action == "view":
            return queryset.filter(**{f"{self.pupil_path}__in": policy.visible(user, Pupil, "view").values("pk")})
        if action == "write":
            roles = roles_of(user)
            if roles.is_send_lead:
                return queryset
            return queryset.filter(**{f"{self.pupil_path}__school_id__in": roles.schools_with(*PLAN_LEADS)})
        return queryset.none()

    def can(self, user: Any, action: str, obj: Any) -> bool:
        if obj.trust_id != current_trust_id():
            return False
        pupil = self._pupil(obj)
        if action == "view":
            return policy.can(user, "view", pupil)
        if action == "write":
            return leads(user, pupil.school_id)
        return False


for _ehc_model, _path in (
    (EhcAssessmentRequest, "pupil"),
    (EhcPlan, "pupil"),
    (EhcOutcome, "ehc_plan__pupil"),
    (EhcProvision, "ehc_plan__pupil"),
    (EhcAmendment, "ehc_plan__pupil"),
    (AnnualReview, "ehc_plan__pupil"),
    (ReviewInvitation, "review__ehc_plan__pupil"),
    (OutcomeProgress, "review__ehc_plan__pupil"),
):
    policy.register(_ehc_model)(type(f"{_ehc_model.__name__}Rule", (EhcRecordRule,), {"pupil_path": _path}))

# Prepared PDFs are re-authorised at download (send.pdf): the requester must still see the record.
register_subject("ehc_evidence_pack", visible_subject(EhcAssessmentRequest))
register_subject("annual_review_report", visible_subject(AnnualReview))
