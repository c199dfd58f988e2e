"""SEN support plans' jobs: the morning mark of plans due for review, and plan PDFs."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from reviews.apdr import selectors
from reviews.apdr.models import Plan, PlanState, PlanTransition
from reviews.apdr.selectors import REVIEW_WINDOW
from schools.models import Trust
from send import policy
from send.celery import app, tenant_task
from send.pdf import PdfJob, render_pdf, run_pdf_job
from send.tenancy import no_tenant


@app.task(name="reviews.scan_plan_reviews")
def scan_plan_reviews() -> int:
    """For every trust: mark plans due; returns how many."""
    with no_tenant():
        trust_ids = list(Trust.objects.values_list("pk", flat=True))
    created = 0
    for trust_id in trust_ids:
        created += scan_trust(trust_id)
    return created


@tenant_task(name="reviews.scan_trust")
def scan_trust(trust_id: int) -> int:
    """Mark active plans whose review is within two weeks as due; returns how many. (Their reminders come from
    the deadline table: see scan_statutory_trust.)"""
    today = timezone.localdate()
    with transaction.atomic():
        due = list(
            Plan.objects.select_for_update(skip_locked=True)
            .filter(state=PlanState.ACTIVE, review_on__lte=today + REVIEW_WINDOW)
            .values_list("pk", flat=True)
        )
        if due:
            Plan.objects.filter(pk__in=due).update(state=PlanState.DUE, updated_at=timezone.now())
            PlanTransition.objects.bulk_create(
                [
                    PlanTransition(
                        plan_id=pk,
                        trust_id=trust_id,
                        action="mark_due",
                        from_state=PlanState.ACTIVE,
                        to_state=PlanState.DUE,
                        comment="The review is within two weeks.",
                    )
                    for pk in due
                ]
            )
    return len(due)


def _plan(job: PdfJob) -> bytes:
    """A plan for the parents' meeting, or the same in plain language, as the requester may see it."""
    plan: Plan = policy.visible(
        job.requested_by, Plan.objects.select_related("pupil__school", "pupil__school_class"), "view"
    ).get(uuid=job.subject_id)
    context = {
        "plan": plan,
        "pupil": plan.pupil,
        "school": plan.pupil.school,
        "label": plan.pupil.school.plan_label,
        "plain": job.kind == "plan_plain",
        "title": job.title,
        **selectors.plan_detail(plan),
    }
    return render_pdf("reviews/pdf/plan.html", context)


@tenant_task(name="reviews.render_plan_pdf", acks_late=True)
def render_plan_pdf(trust_id: int, job_id: int) -> str:
    return run_pdf_job(job_id, _plan)
