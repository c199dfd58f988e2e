"""The two EHC documents a school sends the local authority, rendered by a worker as the requester may see them:
the evidence pack for an EHC needs assessment request (collated from what the app already holds), and an annual
review's report."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch

from provision.costs import money
from provision.selectors import pupil_provision
from pupils.models import ContactLogEntry, RegisterChange
from reviews.apdr.models import Plan, Target
from reviews.ehc import selectors
from reviews.ehc.models import AnnualReview, EhcAssessmentRequest
from send import policy
from send.pdf import NoLongerVisible, PdfJob, render_pdf
from send.uploads import files_of

EVIDENCE_PACK = "ehc_evidence_pack"
REVIEW_REPORT = "annual_review_report"


def evidence_pack_context(user: Any, request: EhcAssessmentRequest) -> dict[str, Any]:
    pupil = request.pupil
    plans: list[Plan] = list(
        policy.visible(user, Plan.objects.filter(pupil=pupil), "view")
        .prefetch_related(
            Prefetch("targets", queryset=Target.objects.select_related("provision__intervention")),
            "contributions",
            "evidence",
        )
        .order_by("cycle")
    )
    lines = pupil_provision(user, pupil)
    return {
        "request": request,
        "pupil": pupil,
        "school": pupil.school,
        "register": list(
            RegisterChange.objects.filter(pupil=pupil)
            .select_related("primary_need", "secondary_need")
            .order_by("starts_on", "pk")
        ),
        "plans": plans,
        "views": [view for plan in plans for view in plan.contributions.all()],
        "provision": lines,
        "provision_total": money(sum((line.cost for line in lines), Decimal("0"))),
        "documents": list(  # the pupil's documents go with the pupil, whom the requester may open
            files_of(pupil)
        ),
        "contact_log": list(
            policy.visible(user, ContactLogEntry.objects.filter(pupil=pupil)).order_by("-happened_on")[:30]
        ),
        "label": pupil.school.plan_label,
    }


def review_report_context(review: AnnualReview) -> dict[str, Any]:
    plan = review.ehc_plan
    return {
        "review": review,
        "ehc_plan": plan,
        "pupil": plan.pupil,
        "school": plan.pupil.school,
        **selectors.review_detail(review),
    }


def render_ehc_document(job: PdfJob) -> bytes:
    """Raises NoLongerVisible when the requester can no longer see the record."""
    user = job.requested_by
    if job.kind == EVIDENCE_PACK:
        request = (
            policy.visible(user, EhcAssessmentRequest.objects.select_related("pupil__school", "pupil__school_class"))
            .filter(uuid=job.subject_id)
            .first()
        )
        if request is None:
            raise NoLongerVisible(job.subject_id)
        return render_pdf(
            "reviews/pdf/evidence_pack.html", {"title": job.title, **evidence_pack_context(user, request)}
        )
    if job.kind == REVIEW_REPORT:
        review = (
            policy.visible(user, AnnualReview.objects.select_related("ehc_plan__pupil__school"))
            .filter(uuid=job.subject_id)
            .first()
        )
        if review is None:
            raise NoLongerVisible(job.subject_id)
        return render_pdf("reviews/pdf/review_report.html", {"title": job.title, **review_report_context(review)})
    raise ValueError(f"No EHC document of kind {job.kind!r}")
