"""Annual review pages: from scheduling, through invitations and advice, the meeting and the report for the LA, to
the LA's decision and the amended plan."""

from __future__ import annotations

from typing import Any

from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from reviews import statutory
from reviews.ehc import review_services, selectors, services
from reviews.ehc.documents import REVIEW_REPORT
from reviews.ehc.forms import (
    AdviceCirculatedForm,
    AmendmentForm,
    DecisionForm,
    InvitationForm,
    MeetingForm,
    ProposalsForm,
    ReportSentForm,
    ScheduleForm,
)
from reviews.ehc.models import AnnualReview, EhcPlan, ReviewInvitation
from reviews.ehc.views import page, pdf, pupil_or_404
from schools.http import TenantRequest
from send import policy
from send.audit import record_access
from send.forms import save_form
from send.shortcuts import get_visible_or_404, require, tenant_required


def _review(request: TenantRequest, review_uuid: str, action: str = "view") -> AnnualReview:
    found = get_visible_or_404(
        request, AnnualReview.objects.select_related("ehc_plan__pupil__school"), uuid=review_uuid
    )
    if action != "view":
        require(request, action, found)
    return found


def _review_page(request: TenantRequest, review: AnnualReview, form: Form, title: str, button: str) -> HttpResponse:
    caption = f"Annual review of {review.ehc_plan.pupil.display_name}"
    back = reverse("reviews:annual_review", args=[review.uuid])
    return page(request, form, title=title, caption=caption, back=back, button=button)


@tenant_required
def review_new(request: TenantRequest, pupil_uuid: str) -> HttpResponse:
    pupil = pupil_or_404(request, pupil_uuid)
    plan = services.current_plan(pupil)
    require(request, "write", plan or EhcPlan(pupil=pupil, trust_id=pupil.trust_id))
    initial = {"meeting_on": statutory.meeting_by(services.next_review_due(plan))} if plan else {}
    form = ScheduleForm(request.POST or None, initial=initial)
    saved = save_form(
        request,
        form,
        lambda data: review_services.schedule_annual_review(pupil, by=request.user, **data),
        "Annual review scheduled: now send the invitations and advice requests.",
    )
    if saved is not None:
        return redirect("reviews:annual_review", review_uuid=saved.uuid)
    due = ""
    if plan:
        complete_by = services.next_review_due(plan)
        due = f" (meeting by {statutory.meeting_by(complete_by):%-d %B %Y}; complete by {complete_by:%-d %B %Y})"
    back = reverse("pupils:record", args=[pupil.uuid])
    title = f"Schedule the annual review{due}"
    return page(request, form, title=title, caption=pupil.display_name, back=back, button="Schedule")


@tenant_required
def review_detail(request: TenantRequest, review_uuid: str) -> HttpResponse:
    review = _review(request, review_uuid)
    record_access(request, review.ehc_plan.pupil, action="view_annual_review")
    return render(
        request,
        "reviews/ehc/review.html",
        {
            "review": review,
            "pupil": review.ehc_plan.pupil,
            "can_write": policy.can(request.user, "write", review),
            "today": timezone.localdate(),
            **selectors.review_detail(review),
        },
    )


@tenant_required
def review_edit(request: TenantRequest, review_uuid: str) -> HttpResponse:
    review = _review(request, review_uuid, "write")
    initial = {"meeting_on": review.meeting_on, "is_phase_transfer": review.is_phase_transfer}
    form = ScheduleForm(request.POST or None, initial=initial)
    if save_form(
        request,
        form,
        lambda data: review_services.reschedule_review(review, **data),
        "Meeting moved; its deadlines follow it.",
    ):
        return redirect("reviews:annual_review", review_uuid=review.uuid)
    return _review_page(request, review, form, "Move the meeting", "Save")


@tenant_required
def invitation_edit(request: TenantRequest, review_uuid: str, invitation_uuid: str | None = None) -> HttpResponse:
    review = _review(request, review_uuid, "write")
    invitation = (
        get_visible_or_404(request, ReviewInvitation.objects.filter(review=review), "write", uuid=invitation_uuid)
        if invitation_uuid
        else None
    )
    fields = ("party", "name", "email", "invited_on", "advice_due_on", "response_on", "response")
    initial = {k: getattr(invitation, k) for k in fields} if invitation else {"invited_on": timezone.localdate()}
    form = InvitationForm(request.POST or None, initial=initial)
    if save_form(
        request, form, lambda data: review_services.save_invitation(review, invitation, **data), "Invitation saved."
    ):
        return redirect("reviews:annual_review", review_uuid=review.uuid)
    title = "Record the reply or advice" if invitation else "Invite someone, or ask for advice"
    return _review_page(request, review, form, title, "Save")


@tenant_required
def review_meeting(request: TenantRequest, review_uuid: str) -> HttpResponse:
    review = _review(request, review_uuid, "write")
    outcomes = list(review.ehc_plan.outcomes.all())
    initial: dict[str, Any] = {name: getattr(review, name) for name in ("held_on", *review_services.MEETING_FIELDS)}
    initial["held_on"] = review.held_on or review.meeting_on
    for row in review.progress.all():
        initial[f"progress_{row.outcome_id}"], initial[f"note_{row.outcome_id}"] = row.progress, row.note
    form = MeetingForm(request.POST or None, initial=initial, outcomes=outcomes)

    def record(data: dict[str, Any]) -> AnnualReview:
        fields = {k: v for k, v in data.items() if not k.startswith(("progress_", "note_"))}
        return review_services.record_meeting(review, progress=form.progress(), by=request.user, **fields)

    if save_form(request, form, record, "Meeting recorded. Prepare the report for the LA within two weeks."):
        return redirect("reviews:annual_review", review_uuid=review.uuid)
    return _review_page(request, review, form, "The meeting record", "Save the record")


@require_POST
@tenant_required
def review_report(request: TenantRequest, review_uuid: str) -> HttpResponse:
    review = _review(request, review_uuid, "write")
    return pdf(request, REVIEW_REPORT, f"Annual review report: {review.ehc_plan.pupil.display_name}", review)


@tenant_required
def review_report_sent(request: TenantRequest, review_uuid: str) -> HttpResponse:
    review = _review(request, review_uuid, "write")
    form = ReportSentForm(request.POST or None, initial={"sent_on": timezone.localdate()})
    if save_form(request, form, lambda data: review_services.send_report(review, **data), "Report recorded as sent."):
        return redirect("reviews:annual_review", review_uuid=review.uuid)
    return _review_page(request, review, form, "The report was sent", "Save")


@tenant_required
def review_advice_circulated(request: TenantRequest, review_uuid: str) -> HttpResponse:
    review = _review(request, review_uuid, "write")
    initial = {"circulated_on": review.advice_circulated_on or timezone.localdate()}
    form = AdviceCirculatedForm(request.POST or None, initial=initial)
    if save_form(
        request,
        form,
        lambda data: review_services.record_advice_circulated(review, **data),
        "Circulation of the advice recorded.",
    ):
        return redirect("reviews:annual_review", review_uuid=review.uuid)
    return _review_page(request, review, form, "The advice was circulated", "Save")


@tenant_required
def review_decision(request: TenantRequest, review_uuid: str) -> HttpResponse:
    review = _review(request, review_uuid, "write")
    form = DecisionForm(request.POST or None)
    if save_form(
        request, form, lambda data: review_services.record_la_decision(review, **data), "The LA's decision is recorded."
    ):
        return redirect("reviews:annual_review", review_uuid=review.uuid)
    return _review_page(request, review, form, "The LA's decision", "Save")


@tenant_required
def review_proposals(request: TenantRequest, review_uuid: str) -> HttpResponse:
    review = _review(request, review_uuid, "write")
    form = ProposalsForm(request.POST or None, initial={"proposals_sent_on": review.amendments_proposed_on})
    if save_form(
        request,
        form,
        lambda data: review_services.record_amendment_proposals(review, **data),
        "Proposed amendments recorded: the amended plan is due 8 weeks from them.",
    ):
        return redirect("reviews:annual_review", review_uuid=review.uuid)
    return _review_page(request, review, form, "The proposed amendments", "Save")


@tenant_required
def review_amended_plan(request: TenantRequest, review_uuid: str) -> HttpResponse:
    review = _review(request, review_uuid, "write")
    form = AmendmentForm(request.POST or None, initial={"names_new_school": review.is_phase_transfer})
    if save_form(
        request,
        form,
        lambda data: services.record_amendment(review.ehc_plan, by=request.user, review=review, **data),
        "Amended plan recorded: the review is closed.",
    ):
        return redirect("reviews:annual_review", review_uuid=review.uuid)
    return _review_page(request, review, form, "The amended plan", "Record")
