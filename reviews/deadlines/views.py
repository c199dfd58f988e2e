"""Deadline pages for every process that has them (APDR plans and EHC alike): the statutory calendar, a person's
reminders and preferences, and their private calendar feed."""

from __future__ import annotations

from django.contrib import messages
from django.db import connection, transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_scopes import scopes_disabled

from reviews.deadlines import selectors
from reviews.deadlines import services as deadline_services
from reviews.deadlines.forms import PreferenceForm
from reviews.deadlines.models import NotificationPreference
from schools.http import TenantRequest
from send import policy
from send.shortcuts import require, tenant_required
from send.tenancy import no_tenant, tenant_context

# --- The statutory calendar, reminders, the calendar feed --------------------------------------------------------


@tenant_required
def statutory_calendar(request: TenantRequest) -> HttpResponse:
    require(request, "oversee_plans", request.tenant.trust)
    today = timezone.localdate()
    return render(
        request,
        "reviews/ehc/calendar.html",
        {"schools": selectors.statutory_calendar(request.user, today), "today": today},
    )


@tenant_required
def reminders(request: TenantRequest) -> HttpResponse:
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
            "reminders": selectors.inbox(request.user),
            "form": form,
            "has_feed": bool(preference and preference.feed_token_hash),
            "feed_url": request.session.pop("feed_url", None),
        },
    )


@require_POST
@tenant_required
def reminders_read(request: TenantRequest) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("reminder") if v.isdigit()]
    count = deadline_services.mark_read(request.user.pk or 0, ids or None)
    messages.success(request, f"{count} reminder{'s' if count != 1 else ''} marked as read.")
    return redirect("reviews:reminders")


@require_POST
@tenant_required
def calendar_feed_new(request: TenantRequest) -> HttpResponse:
    """A new private address for the person's calendar feed, shown once."""
    token = deadline_services.new_feed_token(request.user)
    request.session["feed_url"] = request.build_absolute_uri(reverse("reviews:calendar_feed", args=[token]))
    messages.success(request, "Your calendar address is below. Add it to your calendar as a subscription.")
    return redirect("reviews:reminders")


def calendar_feed(request: TenantRequest, token: str) -> HttpResponse:
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
        for deadline in selectors.tracked_deadlines(preference.user).order_by("due_on", "pk")[:2000]:
            event = Event()
            event.add("uid", f"{deadline.uuid}@send-platform")
            event.add("dtstamp", deadline.updated_at)
            event.add("dtstart", deadline.due_on)
            # initials only: calendars sync to phones and outside services; the link opens the record here
            event.add("summary", f"{deadline.get_kind_display()}: {selectors.pupil_initials(deadline.pupil)}")
            event.add("description", f"{deadline.rule}\n{site}{deadline.subject_url}")
            event.add("url", f"{site}{deadline.subject_url}")
            calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
