"""Who reads and writes APDR plans: the class teacher drafts and updates; the SENCO (or assistant SENCO, or the
trust SEND lead) comments, returns and signs off; whoever may open the pupil reads the plan."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from pupils.models import Pupil
from reviews.apdr.models import Contribution, Evidence, Plan, PlanTransition, Target
from reviews.policy import PLAN_LEADS, leads, teaches
from schools.models import ClassStaff, ClassStaffRole, Role
from schools.selectors import roles_of
from send import policy
from send.pdf import register_subject, visible_subject
from send.tenancy import current_trust_id


@policy.register(Plan)
class PlanRule(policy.Rule):
    """`view`; `write` (draft, targets, evidence, views, review); `sign_off` (sign off or return)."""

    actions = ("view", "write", "sign_off")

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        pupils = policy.visible(user, Pupil, "view")
        if action == "view":
            return queryset.filter(pupil__in=pupils.values("pk"))
        roles = roles_of(user)
        if roles.is_send_lead:
            return queryset
        led = Q(pupil__school_id__in=roles.schools_with(*PLAN_LEADS))
        if action == "sign_off":
            return queryset.filter(led)
        if action == "write":
            taught = ClassStaff.objects.filter(user_id=user.pk, role=ClassStaffRole.TEACHER).values("school_class_id")
            teacher = Q(pupil__school_id__in=roles.schools_with(Role.CLASS_TEACHER), pupil__school_class_id__in=taught)
            return queryset.filter(led | teacher)
        return queryset.none()

    def can(self, user: Any, action: str, obj: Any) -> bool:
        if obj.trust_id != current_trust_id():
            return False
        pupil = obj.pupil
        if action == "view":
            return policy.can(user, "view", pupil)
        if action == "sign_off":
            return leads(user, pupil.school_id)
        if action == "write":
            return leads(user, pupil.school_id) or teaches(user, pupil)
        return False


class FollowsPlanRule(policy.Rule):
    """Targets, evidence, views and transitions are read with their plan; written with the plan's `write`."""

    actions = ("view", "write")

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        wanted = "view" if action == "view" else "write"
        return queryset.filter(plan__in=policy.visible(user, Plan, wanted).values("pk"))

    def can(self, user: Any, action: str, obj: Any) -> bool:
        return policy.can(user, "view" if action == "view" else "write", obj.plan)


for _model in (Target, Evidence, Contribution, PlanTransition):
    policy.register(_model)(type(f"{_model.__name__}Rule", (FollowsPlanRule,), {}))

# Prepared PDFs are re-authorised at download (send.pdf): the requester must still see the plan.
register_subject("plan", visible_subject(Plan))
register_subject("plan_plain", visible_subject(Plan))
