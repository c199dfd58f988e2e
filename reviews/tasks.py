"""The daily plan-review scan and its reminders: set-based, exactly one reminder per plan, review date and person.

The scan (Celery beat, each morning) marks active plans whose review is within two weeks as due, and inserts a
reminder row per recipient with a unique key (plan, review date, person), in one transaction per trust: running
it twice adds nothing. A worker then sends unsent rows, locking them (SKIP LOCKED) so two workers never send the
same one, and marks each sent in the same transaction as its email.
"""

from __future__ import annotations

import datetime as dt
import logging
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from reviews.models import Digest, Plan, PlanReminder, PlanState, PlanTransition
from reviews.selectors import REVIEW_WINDOW
from schools.models import ClassStaff, ClassStaffRole, Membership, Role, Trust
from send.celery import app, enqueue_on_commit, tenant_task
from send.tenancy import no_tenant

log = logging.getLogger(__name__)


@app.task(name="reviews.scan_plan_reviews")
def scan_plan_reviews() -> int:
    """For every trust: mark plans due and queue their reminders; returns the number of new reminders."""
    with no_tenant():
        trust_ids = list(Trust.objects.values_list("pk", flat=True))
    created = 0
    for trust_id in trust_ids:
        created += scan_trust(trust_id)
    return created


@tenant_task(name="reviews.scan_trust")
def scan_trust(trust_id: int) -> int:
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
        plans = list(Plan.objects.filter(state=PlanState.DUE).select_related("pupil").only("pk", "review_on", "pupil"))
        class_ids = {p.pupil.school_class_id for p in plans if p.pupil.school_class_id}
        teachers: dict[int, set[int]] = {}
        for class_id, user_id in ClassStaff.objects.filter(
            school_class_id__in=class_ids, role=ClassStaffRole.TEACHER
        ).values_list("school_class_id", "user_id"):
            teachers.setdefault(class_id, set()).add(user_id)
        sencos: dict[int, set[int]] = {}
        for school_id, user_id in Membership.objects.filter(
            school_id__in={p.pupil.school_id for p in plans}, role=Role.SENCO
        ).values_list("school_id", "user_id"):
            sencos.setdefault(school_id, set()).add(user_id)
        rows = [
            PlanReminder(plan_id=plan.pk, trust_id=trust_id, review_on=plan.review_on, recipient_id=user_id)
            for plan in plans
            # the class teacher; the SENCO when the pupil has no class teacher
            for user_id in (teachers.get(plan.pupil.school_class_id or 0) or sencos.get(plan.pupil.school_id, set()))
        ]
        before = PlanReminder.objects.count()
        PlanReminder.objects.bulk_create(rows, ignore_conflicts=True)
        created = PlanReminder.objects.count() - before
        if created or PlanReminder.objects.filter(sent_at__isnull=True).exists():
            enqueue_on_commit(send_plan_reminders, trust_id)
    return created


@tenant_task(name="reviews.send_plan_reminders", acks_late=True, reject_on_worker_lost=True)
def send_plan_reminders(trust_id: int) -> int:
    """Send each unsent reminder once: locked while sending, marked sent in the same transaction."""
    sent = 0
    while True:
        with transaction.atomic():
            batch = list(
                PlanReminder.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True)
                .select_related("recipient", "plan__pupil__school")
                .order_by("pk")[:50]
            )
            if not batch:
                return sent
            for reminder in batch:
                plan = reminder.plan
                label = plan.pupil.school.plan_label
                send_mail(
                    f"{label} review due: {plan.pupil.display_name}",
                    (
                        f"The {label} of {plan.pupil.display_name} (cycle {plan.cycle}) is due for review on "
                        f"{plan.review_on:%A %-d %B %Y}. Record progress on each target, the parent's and the "
                        f"pupil's views, and what comes next.\n\n{settings.SITE_URL}/reviews/plans/{plan.uuid}/\n"
                    ),
                    None,
                    [reminder.recipient.email],
                )
                reminder.sent_at = timezone.now()
                sent += 1
            PlanReminder.objects.bulk_update(batch, ["sent_at"])


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
    from reviews.deadline_services import build_digests, scan_deadlines

    today = dt.date.fromisoformat(day) if day else timezone.localdate()
    created = scan_deadlines(today)
    build_digests(today)
    # whenever any is unsent (not only new ones), so a send lost with the broker is retried the next morning
    if Digest.objects.filter(sent_at__isnull=True).exists():
        enqueue_on_commit(send_digests, trust_id)
    return created


@tenant_task(
    name="reviews.send_digests",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError, SMTPException),
    retry_backoff=60,
    max_retries=6,
)
def send_digests(trust_id: int) -> int:
    """Send every unsent digest of the trust, each in its own transaction (see deadline_services)."""
    from reviews.deadline_services import send_next_digest

    sent = 0
    while send_next_digest() is not None:
        sent += 1
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
