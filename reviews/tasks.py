"""The morning jobs and the workers' tasks of the reviews app.

- `scan_plan_reviews` marks SEN support plans due two weeks before their review.
- `scan_statutory_deadlines` turns deadlines entering a warning window (statutory ones, and plans' review dates)
  into reminders, exactly once per deadline, window and person, then builds the day's digests; `send_digests`
  sends them (the outbox: see reviews.deadline_services for why each is sent once).
- PDFs: plans, the EHC evidence pack, the annual review report.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from reviews.models import Digest, Plan, PlanState, PlanTransition
from reviews.selectors import REVIEW_WINDOW
from schools.models import Trust
from send.celery import app, enqueue_on_commit, tenant_task
from send.tenancy import no_tenant

log = logging.getLogger(__name__)


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
                        plan_id=pk, trust_id=trust_id, action="mark_due", from_state=PlanState.ACTIVE,
                        to_state=PlanState.DUE, comment="The review is within two weeks.",
                    )
                    for pk in due
                ]
            )  # fmt: skip
    return len(due)


@tenant_task(name="reviews.render_plan_pdf", acks_late=True)
def render_plan_pdf(trust_id: int, job_id: int) -> str:
    """A plan for the parents' meeting, or the same in plain language, as the requester may see it."""
    from reviews import selectors
    from send import policy
    from send.pdf import PdfJob, fail_job, finish_job, render_pdf

    job = PdfJob.objects.select_related("requested_by").get(pk=job_id)
    if job.state != PdfJob.State.PENDING:
        return job.state
    try:
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
        pdf = render_pdf("reviews/pdf/plan.html", context)
    except Plan.DoesNotExist:
        fail_job(job, "You can no longer see this plan.")
        return job.state
    except Exception:
        log.exception("Rendering PDF job %s failed", job.pk)
        fail_job(job, "The document could not be prepared. Try again; if it fails again, tell your administrator.")
        raise
    finish_job(job, pdf)
    return job.state


# --- Statutory deadlines: the morning scan and the e-mail digests (see reviews.deadline_services) -------------


@app.task(name="reviews.scan_statutory_deadlines")
def scan_statutory_deadlines() -> int:
    """For every trust, one after the other: new reminders, then the day's digests; returns the new reminders."""
    with no_tenant():
        trust_ids = list(Trust.objects.values_list("pk", flat=True))
    return sum(scan_statutory_trust(trust_id) for trust_id in trust_ids)


@tenant_task(name="reviews.scan_statutory_trust")
def scan_statutory_trust(trust_id: int, day: str | None = None) -> int:
    from reviews.deadline_services import build_digests, scan_deadlines, sync_all_plan_review_deadlines

    today = dt.date.fromisoformat(day) if day else timezone.localdate()
    sync_all_plan_review_deadlines()
    created = scan_deadlines(today)
    build_digests(today)
    # whenever any is unsent (not only new ones), so a send lost with the broker is retried the next morning
    if Digest.objects.filter(sent_at__isnull=True, failed_at__isnull=True).exists():
        enqueue_on_commit(send_digests, trust_id)
    return created


@tenant_task(name="reviews.send_digests", acks_late=True, reject_on_worker_lost=True)
def send_digests(trust_id: int) -> int:
    """Send every unsent digest of the trust, each in its own transaction (see deadline_services)."""
    from reviews.deadline_services import next_retry, send_next_digest

    sent = 0
    while (digest := send_next_digest()) is not None:
        sent += digest.sent_at is not None
    retry = next_retry()
    if retry is not None:  # a relay refused one for now: try it again then
        send_digests.apply_async((trust_id,), eta=retry)
    return sent


@tenant_task(name="reviews.render_ehc_pdf", acks_late=True)
def render_ehc_pdf(trust_id: int, job_id: int) -> str:
    """The evidence pack of an EHC needs assessment request, or an annual review's report for the LA."""
    from reviews.ehc_documents import render_ehc_document
    from send.pdf import PdfJob, fail_job, finish_job

    job = PdfJob.objects.select_related("requested_by").get(pk=job_id)
    if job.state != PdfJob.State.PENDING:
        return job.state
    try:
        pdf = render_ehc_document(job)
    except LookupError:
        fail_job(job, "You can no longer see this record.")
        return job.state
    except Exception:
        log.exception("Rendering PDF job %s failed", job.pk)
        fail_job(job, "The document could not be prepared. Try again; if it fails again, tell your administrator.")
        raise
    finish_job(job, pdf)
    return job.state
