"""EHC pages: needs assessment requests and their evidence pack, EHC plans (sections A–K, outcomes, provision,
amendments, ceasing), annual reviews from scheduling to the LA's decision, the statutory calendar, a person's
reminders and preferences, and their private calendar feed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_scopes import scopes_disabled

from provision.models import InterventionGroup
from pupils.models import Pupil
from reviews import deadline_services, ehc_selectors, ehc_services
from reviews.ehc_documents import EVIDENCE_PACK, REVIEW_REPORT
from reviews.ehc_forms import (
    AmendmentForm,
    CeaseForm,
    DecisionForm,
    InvitationForm,
    MeetingForm,
    OutcomeForm,
    PlanForm,
    PreferenceForm,
    ProvisionForm,
    ReportSentForm,
    RequestForm,
    ScheduleForm,
)
from reviews.models import (
    AnnualReview,
    EhcAssessmentRequest,
    EhcOutcome,
    EhcPlan,
    EhcProvision,
    NotificationPreference,
    ReviewInvitation,
)
from reviews.tasks import render_ehc_pdf
from send import policy
from send.audit import record_access
from send.celery import enqueue_on_commit
from send.forms import add_service_errors
from send.pdf import PdfJob
from send.shortcuts import get_visible_or_404, require, tenant_required
from send.tenancy import no_tenant, tenant_context
from send.uploads import StoredFile


def _page(request: HttpRequest, form: Form, *, title: str, caption: str, back: str, button: str) -> HttpResponse:
    return render(
        request,
        "reviews/ehc/form.html",
        {"form": form, "title": title, "caption": caption, "back": back, "button": button},
    )


def _saved(request: HttpRequest, form: Form, save: Any, message: str) -> bool:
    """Run the service; its field errors go on the form (nothing is saved), success is a message."""
    try:
        save()
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    messages.success(request, message)
    return True


def _posted(request: HttpRequest, form: Form, save: Any, message: str) -> bool:
    """A valid POST whose service call succeeded (`save` gets the cleaned data)."""
    if request.method != "POST" or not form.is_valid():
        return False
    return _saved(request, form, lambda: save(form.cleaned_data), message)


def _pupil(request: HttpRequest, pupil_uuid: str) -> Pupil:
    return get_visible_or_404(request, Pupil.objects.select_related("school"), "view", uuid=pupil_uuid)


def _request(request: HttpRequest, request_uuid: str, action: str = "view") -> EhcAssessmentRequest:
    found = get_visible_or_404(request, EhcAssessmentRequest.objects.select_related("pupil__school"), uuid=request_uuid)
    if action != "view":
        require(request, action, found)
    return found


def _plan(request: HttpRequest, plan_uuid: str, action: str = "view") -> EhcPlan:
    found = get_visible_or_404(
        request, EhcPlan.objects.select_related("pupil__school", "pupil__school_class", "document"), uuid=plan_uuid
    )
    if action != "view":
        require(request, action, found)
    return found


def _review(request: HttpRequest, review_uuid: str, action: str = "view") -> AnnualReview:
    found = get_visible_or_404(
        request, AnnualReview.objects.select_related("ehc_plan__pupil__school"), uuid=review_uuid
    )
    if action != "view":
        require(request, action, found)
    return found


def _documents(pupil: Pupil) -> Any:
    return StoredFile.objects.filter(
        owner_type__app_label="pupils", owner_type__model="pupil", owner_id=str(pupil.pk), removals__isnull=True
    ).order_by("-uploaded_at")


def _pdf(request: HttpRequest, kind: str, title: str, subject: Any) -> HttpResponse:
    job = PdfJob.objects.create(
        kind=kind,
        title=title,
        subject_id=str(subject.uuid),
        requested_by=request.user,  # type: ignore[misc]
    )
    enqueue_on_commit(render_ehc_pdf, job.trust_id, job.pk)
    return redirect("document", job_uuid=job.uuid)


# --- Requests ----------------------------------------------------------------------------------------------------


@tenant_required
def request_new(request: HttpRequest, pupil_uuid: str) -> HttpResponse:
    pupil = _pupil(request, pupil_uuid)
    require(request, "write", EhcAssessmentRequest(pupil=pupil, trust_id=pupil.trust_id))
    form = RequestForm(request.POST or None, initial={"requested_by": "school", "decision": "pending",
                                                      "outcome": "open"})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        saved: dict[str, EhcAssessmentRequest] = {}

        def save() -> None:
            saved["request"] = ehc_services.save_request(pupil, None, by=request.user, **form.cleaned_data)

        if _saved(request, form, save, "Request recorded: its statutory deadlines are on the calendar."):
            return redirect("reviews:ehc_request", request_uuid=saved["request"].uuid)
    return _page(
        request, form, title="Record a request for an EHC needs assessment", caption=pupil.display_name,
        back=reverse("pupils:record", args=[pupil.uuid]), button="Save the request",
    )  # fmt: skip


@tenant_required
def request_detail(request: HttpRequest, request_uuid: str) -> HttpResponse:
    found = _request(request, request_uuid)
    record_access(request, found.pupil, action="view_ehc_request")
    return render(
        request,
        "reviews/ehc/request.html",
        {
            "ehc_request": found,
            "pupil": found.pupil,
            "can_write": policy.can(request.user, "write", found),
            "today": timezone.localdate(),
            **ehc_selectors.request_detail(found),
        },
    )


@tenant_required
def request_edit(request: HttpRequest, request_uuid: str) -> HttpResponse:
    found = _request(request, request_uuid, "write")
    initial = {name: getattr(found, name) for name in ehc_services.REQUEST_FIELDS}
    form = RequestForm(request.POST or None, initial=initial)
    if _posted(
        request,
        form,
        lambda data: ehc_services.save_request(found.pupil, found, by=request.user, **data),
        "Request updated.",
    ):
        return redirect("reviews:ehc_request", request_uuid=found.uuid)
    return _page(
        request, form, title="The request and the LA's decisions", caption=found.pupil.display_name,
        back=reverse("reviews:ehc_request", args=[found.uuid]), button="Save",
    )  # fmt: skip


@require_POST
@tenant_required
def request_pack(request: HttpRequest, request_uuid: str) -> HttpResponse:
    found = _request(request, request_uuid, "write")
    return _pdf(request, EVIDENCE_PACK, f"EHC needs assessment evidence: {found.pupil.display_name}", found)


# --- Plans -------------------------------------------------------------------------------------------------------


@tenant_required
def plan_new(request: HttpRequest, pupil_uuid: str) -> HttpResponse:
    pupil = _pupil(request, pupil_uuid)
    require(request, "write", EhcPlan(pupil=pupil, trust_id=pupil.trust_id))
    from_request = None
    if request.GET.get("request"):
        from_request = get_visible_or_404(
            request, EhcAssessmentRequest.objects.filter(pupil=pupil), "write", uuid=request.GET["request"]
        )
    initial: dict[str, Any] = {"review_every_months": 12}
    if from_request is not None:
        initial |= {"local_authority": from_request.local_authority, "case_officer": from_request.case_officer,
                    "issued_on": from_request.outcome_on}  # fmt: skip
    form = PlanForm(request.POST or None, initial=initial, documents=_documents(pupil))
    if request.method == "POST" and form.is_valid():
        saved: dict[str, EhcPlan] = {}

        def save() -> None:
            saved["plan"] = ehc_services.save_plan(
                pupil, None, by=request.user, request=from_request, **form.cleaned_data
            )

        if _saved(request, form, save, "EHC plan recorded: now add its outcomes (E) and provision (F)."):
            return redirect("reviews:ehc_plan", plan_uuid=saved["plan"].uuid)
    return _page(
        request, form, title="Record an issued EHC plan", caption=pupil.display_name,
        back=reverse("pupils:record", args=[pupil.uuid]), button="Save the plan",
    )  # fmt: skip


@tenant_required
def plan_detail(request: HttpRequest, plan_uuid: str) -> HttpResponse:
    plan = _plan(request, plan_uuid)
    record_access(request, plan.pupil, action="view_ehc_plan")
    detail = ehc_selectors.plan_detail(plan)
    return render(
        request,
        "reviews/ehc/plan.html",
        {
            "ehc_plan": plan,
            "pupil": plan.pupil,
            "can_write": policy.can(request.user, "write", plan),
            "open_review": next((r for r in detail["reviews"] if r.is_open), None),
            "next_review_due": ehc_services.next_review_due(plan) if plan.is_current else None,
            "today": timezone.localdate(),
            **detail,
        },
    )


@tenant_required
def plan_edit(request: HttpRequest, plan_uuid: str) -> HttpResponse:
    plan = _plan(request, plan_uuid, "write")
    initial = {name: getattr(plan, name) for name in ehc_services.PLAN_FIELDS}
    form = PlanForm(request.POST or None, initial=initial, documents=_documents(plan.pupil))
    if _posted(
        request, form, lambda data: ehc_services.save_plan(plan.pupil, plan, by=request.user, **data), "Plan saved."
    ):
        return redirect("reviews:ehc_plan", plan_uuid=plan.uuid)
    return _page(
        request, form, title="The plan's dates and sections", caption=plan.pupil.display_name,
        back=reverse("reviews:ehc_plan", args=[plan.uuid]), button="Save",
    )  # fmt: skip


@tenant_required
def outcome_edit(request: HttpRequest, plan_uuid: str, outcome_uuid: str | None = None) -> HttpResponse:
    plan = _plan(request, plan_uuid, "write")
    outcome = (
        get_visible_or_404(request, EhcOutcome.objects.filter(ehc_plan=plan), "write", uuid=outcome_uuid)
        if outcome_uuid
        else None
    )
    form = OutcomeForm(request.POST or None, initial={"text": outcome.text, "timeframe": outcome.timeframe}
                       if outcome else {"timeframe": "1y"})  # fmt: skip
    if _posted(request, form, lambda data: ehc_services.save_outcome(plan, outcome, **data), "Outcome saved."):
        return redirect("reviews:ehc_plan", plan_uuid=plan.uuid)
    return _page(
        request, form, title="Change the outcome" if outcome else "Add an outcome (section E)",
        caption=plan.pupil.display_name, back=reverse("reviews:ehc_plan", args=[plan.uuid]), button="Save",
    )  # fmt: skip


@tenant_required
def provision_edit(request: HttpRequest, plan_uuid: str, item_uuid: str | None = None) -> HttpResponse:
    plan = _plan(request, plan_uuid, "write")
    item = (
        get_visible_or_404(request, EhcProvision.objects.filter(ehc_plan=plan), "write", uuid=item_uuid)
        if item_uuid
        else None
    )
    initial = (
        {k: getattr(item, k) for k in ("description", "frequency", "delivered_by", "outcome", "group")} if item else {}
    )
    form = ProvisionForm(
        request.POST or None,
        initial=initial,
        outcomes=plan.outcomes.all(),
        groups=InterventionGroup.objects.filter(school_id=plan.pupil.school_id).order_by("-starts_on", "name"),
    )
    if _posted(request, form, lambda data: ehc_services.save_provision(plan, item, **data), "Provision saved."):
        return redirect("reviews:ehc_plan", plan_uuid=plan.uuid)
    return _page(
        request, form, title="Change the provision" if item else "Add provision (section F)",
        caption=plan.pupil.display_name, back=reverse("reviews:ehc_plan", args=[plan.uuid]), button="Save",
    )  # fmt: skip


@tenant_required
def amendment_new(request: HttpRequest, plan_uuid: str) -> HttpResponse:
    plan = _plan(request, plan_uuid, "write")
    form = AmendmentForm(request.POST or None)
    if _posted(
        request, form, lambda data: ehc_services.record_amendment(plan, by=request.user, **data), "Amendment recorded."
    ):
        return redirect("reviews:ehc_plan", plan_uuid=plan.uuid)
    return _page(
        request, form, title="Record an amended plan", caption=plan.pupil.display_name,
        back=reverse("reviews:ehc_plan", args=[plan.uuid]), button="Record",
    )  # fmt: skip


@tenant_required
def plan_cease(request: HttpRequest, plan_uuid: str) -> HttpResponse:
    plan = _plan(request, plan_uuid, "write")
    form = CeaseForm(request.POST or None)
    if _posted(
        request,
        form,
        lambda data: ehc_services.cease_plan(plan, **data),
        "The plan is recorded as ceased; its open deadlines are closed.",
    ):
        return redirect("reviews:ehc_plan", plan_uuid=plan.uuid)
    return _page(
        request, form, title="Record that the plan ceased", caption=plan.pupil.display_name,
        back=reverse("reviews:ehc_plan", args=[plan.uuid]), button="Record",
    )  # fmt: skip


# --- Annual reviews ----------------------------------------------------------------------------------------------


@tenant_required
def review_new(request: HttpRequest, pupil_uuid: str) -> HttpResponse:
    pupil = _pupil(request, pupil_uuid)
    plan = ehc_services.current_plan(pupil)
    require(request, "write", plan or EhcPlan(pupil=pupil, trust_id=pupil.trust_id))
    initial = {"meeting_on": ehc_services.next_review_due(plan)} if plan else {}
    form = ScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved: dict[str, AnnualReview] = {}

        def save() -> None:
            saved["review"] = ehc_services.schedule_annual_review(pupil, by=request.user, **form.cleaned_data)

        if _saved(request, form, save, "Annual review scheduled: now send the invitations and advice requests."):
            return redirect("reviews:annual_review", review_uuid=saved["review"].uuid)
    due = f" (due by {ehc_services.next_review_due(plan):%-d %B %Y})" if plan else ""
    return _page(
        request, form, title=f"Schedule the annual review{due}", caption=pupil.display_name,
        back=reverse("pupils:record", args=[pupil.uuid]), button="Schedule",
    )  # fmt: skip


@tenant_required
def review_detail(request: HttpRequest, review_uuid: str) -> HttpResponse:
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
            **ehc_selectors.review_detail(review),
        },
    )


@tenant_required
def review_edit(request: HttpRequest, review_uuid: str) -> HttpResponse:
    review = _review(request, review_uuid, "write")
    form = ScheduleForm(request.POST or None, initial={"meeting_on": review.meeting_on,
                                                       "is_phase_transfer": review.is_phase_transfer})  # fmt: skip
    if _posted(
        request,
        form,
        lambda data: ehc_services.reschedule_review(review, **data),
        "Meeting moved; its deadlines follow it.",
    ):
        return redirect("reviews:annual_review", review_uuid=review.uuid)
    return _back_to_review(request, review, form, "Move the meeting", "Save")


def _back_to_review(request: HttpRequest, review: AnnualReview, form: Form, title: str, button: str) -> HttpResponse:
    return _page(
        request, form, title=title, caption=f"Annual review of {review.ehc_plan.pupil.display_name}",
        back=reverse("reviews:annual_review", args=[review.uuid]), button=button,
    )  # fmt: skip


@tenant_required
def invitation_edit(request: HttpRequest, review_uuid: str, invitation_uuid: str | None = None) -> HttpResponse:
    review = _review(request, review_uuid, "write")
    invitation = (
        get_visible_or_404(request, ReviewInvitation.objects.filter(review=review), "write", uuid=invitation_uuid)
        if invitation_uuid
        else None
    )
    fields = ("party", "name", "email", "invited_on", "advice_due_on", "response_on", "response")
    initial = {k: getattr(invitation, k) for k in fields} if invitation else {"invited_on": timezone.localdate()}
    form = InvitationForm(request.POST or None, initial=initial)
    if _posted(
        request, form, lambda data: ehc_services.save_invitation(review, invitation, **data), "Invitation saved."
    ):
        return redirect("reviews:annual_review", review_uuid=review.uuid)
    title = "Record the reply or advice" if invitation else "Invite someone, or ask for advice"
    return _back_to_review(request, review, form, title, "Save")


@tenant_required
def review_meeting(request: HttpRequest, review_uuid: str) -> HttpResponse:
    review = _review(request, review_uuid, "write")
    outcomes = list(review.ehc_plan.outcomes.all())
    initial: dict[str, Any] = {name: getattr(review, name) for name in ("held_on", *ehc_services.MEETING_FIELDS)}
    initial["held_on"] = review.held_on or review.meeting_on
    for row in review.progress.all():
        initial[f"progress_{row.outcome_id}"], initial[f"note_{row.outcome_id}"] = row.progress, row.note
    form = MeetingForm(request.POST or None, initial=initial, outcomes=outcomes)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if not k.startswith(("progress_", "note_"))}
        if _saved(request, form, lambda: ehc_services.record_meeting(review, progress=form.progress(),
                                                                     by=request.user, **data),
                  "Meeting recorded. Prepare the report for the LA within two weeks."):  # fmt: skip
            return redirect("reviews:annual_review", review_uuid=review.uuid)
    return _back_to_review(request, review, form, "The meeting record", "Save the record")


@require_POST
@tenant_required
def review_report(request: HttpRequest, review_uuid: str) -> HttpResponse:
    review = _review(request, review_uuid, "write")
    return _pdf(request, REVIEW_REPORT, f"Annual review report: {review.ehc_plan.pupil.display_name}", review)


@tenant_required
def review_report_sent(request: HttpRequest, review_uuid: str) -> HttpResponse:
    review = _review(request, review_uuid, "write")
    form = ReportSentForm(request.POST or None, initial={"sent_on": timezone.localdate()})
    if _posted(request, form, lambda data: ehc_services.send_report(review, **data), "Report recorded as sent."):
        return redirect("reviews:annual_review", review_uuid=review.uuid)
    return _back_to_review(request, review, form, "The report was sent", "Save")


@tenant_required
def review_decision(request: HttpRequest, review_uuid: str) -> HttpResponse:
    review = _review(request, review_uuid, "write")
    form = DecisionForm(request.POST or None)
    if _posted(
        request, form, lambda data: ehc_services.record_la_decision(review, **data), "The LA's decision is recorded."
    ):
        return redirect("reviews:annual_review", review_uuid=review.uuid)
    return _back_to_review(request, review, form, "The LA's decision", "Save")


@tenant_required
def review_amended_plan(request: HttpRequest, review_uuid: str) -> HttpResponse:
    review = _review(request, review_uuid, "write")
    form = AmendmentForm(request.POST or None, initial={"names_new_school": review.is_phase_transfer})
    if _posted(
        request,
        form,
        lambda data: ehc_services.record_amendment(review.ehc_plan, by=request.user, review=review, **data),
        "Amended plan recorded: the review is closed.",
    ):
        return redirect("reviews:annual_review", review_uuid=review.uuid)
    return _back_to_review(request, review, form, "The amended plan", "Record")


# --- The statutory calendar, reminders, the calendar feed --------------------------------------------------------


@tenant_required
def statutory_calendar(request: HttpRequest) -> HttpResponse:
    require(request, "oversee_plans", request.tenant.trust)  # type: ignore[attr-defined]
    today = timezone.localdate()
    return render(
        request,
        "reviews/ehc/calendar.html",
        {"schools": ehc_selectors.statutory_calendar(request.user, today), "today": today},
    )


@tenant_required
def reminders(request: HttpRequest) -> HttpResponse:
    preference = policy.visible(request.user, NotificationPreference).first()
    form = PreferenceForm(
        request.POST or None, initial={"email_digest": preference.email_digest if preference else True}
    )
    if request.method == "POST" and form.is_valid():
        deadline_services.save_preferences(request.user, email_digest=form.cleaned_data["email_digest"])
        messages.success(request, "Preferences saved.")
        return redirect("reviews:reminders")
    return render(
        request,
        "reviews/ehc/reminders.html",
        {
            "reminders": ehc_selectors.inbox(request.user),
            "form": form,
            "has_feed": bool(preference and preference.feed_token_hash),
            "feed_url": request.session.pop("feed_url", None),
        },
    )


@require_POST
@tenant_required
def reminders_read(request: HttpRequest) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("reminder") if v.isdigit()]
    count = deadline_services.mark_read(request.user.pk or 0, ids or None)
    messages.success(request, f"{count} reminder{'s' if count != 1 else ''} marked as read.")
    return redirect("reviews:reminders")


@require_POST
@tenant_required
def calendar_feed_new(request: HttpRequest) -> HttpResponse:
    """A new private address for the person's calendar feed, shown once."""
    token = deadline_services.new_feed_token(request.user)
    request.session["feed_url"] = request.build_absolute_uri(reverse("reviews:calendar_feed", args=[token]))
    messages.success(request, "Your calendar address is below. Add it to your calendar as a subscription.")
    return redirect("reviews:reminders")


def initials(pupil: Pupil) -> str:
    return deadline_services.pupil_initials(pupil)


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The person's deadlines as iCalendar. The address is the secret (only its hash is stored), so calendar
    apps can fetch it without signing in; what it shows is still filtered by the person's roles today, and names
    no pupil (initials and year group, with a link that needs signing in)."""
    from icalendar import Calendar, Event

    with no_tenant(), scopes_disabled(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.feed_token_hash', %s, true)", [deadline_services.feed_token_hash(token)])
        preference = (
            NotificationPreference.objects.select_related("user")
            .filter(feed_token_hash=deadline_services.feed_token_hash(token))
            .first()
        )
        cursor.execute("SELECT set_config('app.feed_token_hash', '', true)")
    if preference is None or not preference.user.is_active:
        raise Http404("Not found")
    with tenant_context(preference.trust_id, preference.user_id):
        calendar = Calendar()
        calendar.add("prodid", "-//SEND platform//Statutory deadlines//EN")
        calendar.add("version", "2.0")
        calendar.add("x-wr-calname", "Statutory deadlines")
        site = request.build_absolute_uri("/").rstrip("/")
        for deadline in ehc_selectors.tracked_deadlines(preference.user).order_by("due_on", "pk")[:2000]:
            event = Event()
            event.add("uid", f"{deadline.uuid}@send-platform")
            event.add("dtstamp", deadline.updated_at)
            event.add("dtstart", deadline.due_on)
            # initials only: calendars sync to phones and outside services; the link opens the record here
            event.add("summary", f"{deadline.get_kind_display()}: {initials(deadline.pupil)}")
            event.add("description", f"{deadline.rule}\n{site}{deadline.subject_url}")
            event.add("url", f"{site}{deadline.subject_url}")
            calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
