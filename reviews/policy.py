"""Who reads and writes APDR plans: the class teacher drafts and updates; the SENCO (or assistant SENCO, or the
trust SEND lead) comments, returns and signs off; whoever may open the pupil reads the plan."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from pupils.models import Pupil
from reviews.models import (
    AnnualReview,
    Contribution,
    Deadline,
    Digest,
    EhcAmendment,
    EhcAssessmentRequest,
    EhcOutcome,
    EhcPlan,
    EhcProvision,
    Evidence,
    NotificationPreference,
    OutcomeProgress,
    Plan,
    PlanTransition,
    Reminder,
    ReviewInvitation,
    Target,
)
from schools.models import ClassStaff, ClassStaffRole, Role
from schools.selectors import roles_of
from send import policy
from send.pdf import register_subject, visible_subject
from send.tenancy import current_trust_id

PLAN_LEADS = (Role.SENCO, Role.ASSISTANT_SENCO)


def _leads(user: Any, school_id: int) -> bool:
    roles = roles_of(user)
    return roles.has_trust_wide(Role.TRUST_SEND_LEAD) or roles.at_school(school_id, *PLAN_LEADS)


def _teaches(user: Any, pupil: Pupil) -> bool:
    return roles_of(user).at_school(pupil.school_id, Role.CLASS_TEACHER) and (
        ClassStaff.objects.filter(
            user_id=user.pk, role=ClassStaffRole.TEACHER, school_class_id=pupil.school_class_id
        ).exists()
    )


@policy.register(Plan)
class PlanRule(policy.Rule):
    """`view`; `write` (draft, targets, evidence, views, review); `sign_off` (sign off or return)."""

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        pupils = policy.visible(user, Pupil, "view")
        if action == "view":
            return queryset.filter(pupil__in=pupils.values("pk"))
        roles = roles_of(user)
        if roles.has_trust_wide(Role.TRUST_SEND_LEAD):
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
            return _leads(user, pupil.school_id)
        if action == "write":
            return _leads(user, pupil.school_id) or _teaches(user, pupil)
        return False


class FollowsPlanRule(policy.Rule):
    """Targets, evidence, views and transitions are read with their plan; written with the plan's `write`."""

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        wanted = "view" if action == "view" else "write"
        return queryset.filter(plan__in=policy.visible(user, Plan, wanted).values("pk"))

    def can(self, user: Any, action: str, obj: Any) -> bool:
        return policy.can(user, "view" if action == "view" else "write", obj.plan)


for _model in (Target, Evidence, Contribution, PlanTransition):
    policy.register(_model)(type(f"{_model.__name__}Rule", (FollowsPlanRule,), {}))


# --- EHC needs assessments, EHC plans, annual reviews, deadlines ------------------------------------------------


class EhcRecordRule(policy.Rule):
    """`view`: whoever may open the pupil (teachers teach to the plan's outcomes and provision); `write`: the
    SENCO, assistant SENCO (EHCP paperwork, annual-review scheduling) or trust SEND lead at the pupil's school."""

    pupil_path = "pupil"

    def _pupil(self, obj: Any) -> Pupil:
        for name in self.pupil_path.split("__"):
            obj = getattr(obj, name)
        return obj  # type: ignore[no-any-return]

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        if action == "view":
            return queryset.filter(**{f"{self.pupil_path}__in": policy.visible(user, Pupil, "view").values("pk")})
        if action == "write":
            roles = roles_of(user)
            if roles.has_trust_wide(Role.TRUST_SEND_LEAD):
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
            return _leads(user, pupil.school_id)
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


@policy.register(Deadline)
class DeadlineRule(policy.Rule):
    """`view`: with the pupil. `track` (the statutory calendar, the calendar feed): the trust SEND lead; the SENCO,
    assistant SENCO and headteacher for their schools; a class teacher for the pupils of the classes they teach.
    Deadlines are written by the services only, never by a person."""

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        if action == "view":
            return queryset.filter(pupil__in=policy.visible(user, Pupil, "view").values("pk"))
        if action != "track":
            return queryset.none()
        roles = roles_of(user)
        if roles.has_trust_wide(Role.TRUST_SEND_LEAD):
            return queryset
        # by the pupil's school today (a pupil who moved takes their deadlines to the new school)
        whole = Q(pupil__school_id__in=roles.schools_with(*PLAN_LEADS, Role.HEADTEACHER))
        taught = ClassStaff.objects.filter(user_id=user.pk, role=ClassStaffRole.TEACHER).values("school_class_id")
        teacher = Q(pupil__school_id__in=roles.schools_with(Role.CLASS_TEACHER), pupil__school_class_id__in=taught)
        return queryset.filter(whole | teacher)

    def can(self, user: Any, action: str, obj: Any) -> bool:
        if obj.trust_id != current_trust_id():
            return False
        if action == "view":
            return policy.can(user, "view", obj.pupil)
        return action == "track" and self.visible(user, Deadline.objects.filter(pk=obj.pk), action).exists()


class OwnRowsRule(policy.Rule):
    """A person's reminders and preferences are theirs alone."""

    owner_field = "recipient_id"

    def visible(self, user: Any, queryset: QuerySet[Any], action: str) -> QuerySet[Any]:
        return queryset.filter(**{self.owner_field: user.pk})

    def can(self, user: Any, action: str, obj: Any) -> bool:
        return bool(obj.trust_id == current_trust_id() and getattr(obj, self.owner_field) == user.pk)


policy.register(Reminder)(type("ReminderRule", (OwnRowsRule,), {}))
policy.register(Digest)(type("DigestRule", (OwnRowsRule,), {}))
policy.register(NotificationPreference)(type("NotificationPreferenceRule", (OwnRowsRule,), {"owner_field": "user_id"}))

# Prepared PDFs are re-authorised at download (send.pdf): the requester must still see the plan or record.
register_subject("plan", visible_subject(Plan))
register_subject("plan_plain", visible_subject(Plan))
register_subject("ehc_evidence_pack", visible_subject(EhcAssessmentRequest))
register_subject("annual_review_report", visible_subject(AnnualReview))
