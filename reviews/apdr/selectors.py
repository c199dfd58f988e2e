"""Reads of APDR plans: a pupil's plans, the SENCO's due and overdue list, and the quality checks."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Prefetch, Q, QuerySet

from provision.models import Session
from pupils.models import Pupil, SenStatus
from reviews.apdr.models import Contribution, Plan, PlanState, Target
from schools.models import ClassStaff, ClassStaffRole
from send import policy

REVIEW_WINDOW = dt.timedelta(days=14)  # a review is "due" from two weeks before its date
OPEN_STATES = (PlanState.DRAFT, PlanState.SUBMITTED, PlanState.ACTIVE, PlanState.DUE)


def plans_of(user: Any, pupil: Pupil) -> list[Plan]:
    plans: QuerySet[Plan] = policy.visible(user, Plan.objects.filter(pupil=pupil), "view")
    return list(plans.prefetch_related("targets").order_by("-cycle"))


def plan_detail(plan: Plan) -> dict[str, Any]:
    """Everything the plan page shows, each in one query: targets, evidence, views, transitions, sessions."""
    targets = list(plan.targets.select_related("provision__intervention", "carried_from"))
    group_ids = {t.provision_id for t in targets if t.provision_id}
    sources = list(plan.sources.select_related("contact_log_entry", "document"))
    sessions = list(
        Session.objects.filter(
            group_id__in=group_ids, date__gte=plan.starts_on, date__lte=plan.reviewed_on or plan.review_on
        )
        .select_related("group")
        .prefetch_related("attendance__member")
        .order_by("-date")[:40]
    )
    # each session with whether the pupil was there (None: not in the group that day)
    attended = [
        (session, next((a.present for a in session.attendance.all() if a.member.pupil_id == plan.pupil_id), None))
        for session in sessions
    ]
    return {
        "targets": targets,
        "evidence": list(plan.evidence.select_related("recorded_by")),
        "contributions": list(plan.contributions.select_related("recorded_by")),
        "transitions": list(plan.transitions.select_related("by")),
        "sessions": attended,
        "contact_log": [s.contact_log_entry for s in sources if s.contact_log_entry_id],
        "documents": [s.document for s in sources if s.document_id],
    }


def due_and_overdue(user: Any, today: dt.date) -> list[tuple[str, str, list[Plan]]]:
    """Open plans whose review is within two weeks or past, grouped by class and teacher."""
    plans: QuerySet[Plan] = policy.visible(user, Plan, "view")
    plans = (
        plans.filter(state__in=OPEN_STATES, review_on__lte=today + REVIEW_WINDOW)
        .select_related("pupil__school_class", "pupil__school")
        .annotate(overdue=ExpressionWrapper(Q(review_on__lt=today), output_field=BooleanField()))
        .order_by("review_on")
    )
    rows = list(plans)
    class_ids = {p.pupil.school_class_id for p in rows if p.pupil.school_class_id}
    teachers: dict[int, list[str]] = defaultdict(list)
    for staff in ClassStaff.objects.filter(school_class_id__in=class_ids, role=ClassStaffRole.TEACHER).select_related(
        "user"
    ):
        teachers[staff.school_class_id].append(staff.user.full_name or staff.user.email)
    grouped: dict[tuple[str, str], list[Plan]] = defaultdict(list)
    for plan in rows:
        klass = plan.pupil.school_class
        label = f"{klass.name} ({plan.pupil.school.name})" if klass else f"No class ({plan.pupil.school.name})"
        teacher = ", ".join(teachers.get(klass.pk, [])) if klass else ""
        grouped[(label, teacher or "No class teacher")].append(plan)
    return [(label, teacher, plans) for (label, teacher), plans in sorted(grouped.items())]


def quality(user: Any) -> dict[str, list[Any]]:
    """What a SENCO checks across the school: gaps in plans."""
    pupils: QuerySet[Pupil] = policy.visible(user, Pupil, "view")
    plans: QuerySet[Plan] = policy.visible(user, Plan, "view")
    active = plans.filter(pupil=OuterRef("pk"), state__in=[PlanState.ACTIVE, PlanState.DUE])
    without_plan = list(
        pupils.filter(sen_status=SenStatus.SEN_SUPPORT)
        .annotate(has_plan=Exists(active))
        .filter(has_plan=False)
        .select_related("school_class")
        .order_by("school_class__name", "legal_last_name")
    )
    open_plans = plans.filter(state__in=OPEN_STATES).select_related("pupil")
    targets = Target.objects.filter(plan__in=open_plans.values("pk"))
    unmeasured = list(
        open_plans.filter(pk__in=targets.filter(success_criteria="").values("plan_id")).order_by("review_on")
    )
    no_provision = list(
        open_plans.filter(pk__in=targets.filter(provision__isnull=True).values("plan_id")).order_by("review_on")
    )
    parent_at_review = Contribution.objects.filter(plan=OuterRef("pk"), voice="parent", stage="review")
    no_parent_voice = list(
        plans.filter(state=PlanState.REVIEWED)
        .annotate(has_parent=Exists(parent_at_review))
        .filter(has_parent=False)
        .select_related("pupil")
        .order_by("-reviewed_on")[:100]
    )
    return {
        "without_plan": without_plan,
        "unmeasured": unmeasured,
        "no_provision": no_provision,
        "no_parent_voice": no_parent_voice,
    }


def prefetch_targets() -> Prefetch:
    return Prefetch("targets", queryset=Target.objects.order_by("position"))
