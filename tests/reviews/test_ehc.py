"""EHC needs assessment requests, EHC plans and annual reviews: the deadlines they put in the table, an annual
review from scheduling to the amended plan, bad input (nothing half-saved), who may read and write, the morning
scan's reminders exactly once, the e-mail digests, the statutory calendar and the private calendar feed."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from reviews import deadline_services, ehc_services
from reviews.models import (
    AnnualReview,
    Deadline,
    DeadlineState,
    Digest,
    EhcAssessmentRequest,
    EhcPlan,
    Reminder,
    ReviewInvitation,
    ReviewState,
)
from reviews.tasks import render_ehc_pdf, scan_statutory_trust, send_digests
from schools.models import Membership, Role
from send.dates import add_months as add_months_
from send.pdf import PdfJob
from send.tenancy import tenant_context
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
ROLES = ["lead", "senco", "assistant", "dt", "teacher", "ta", "head", "governor", "admin"]
WRITERS = {"lead", "senco", "assistant"}


def deadlines(trust: Any, **filters: Any) -> dict[str, Deadline]:
    with tenant_context(trust.pk):
        return {d.kind: d for d in Deadline.objects.filter(**filters)}


# --- Deadlines from the records ----------------------------------------------------------------------------------


def test_a_request_puts_domain_md_worked_example_in_the_table_and_decisions_meet_them(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        request = ehc_services.save_request(
            a.pupils[1], None, by=a.users["senco"], requested_by="parent", local_authority="Norfolk",
            received_on=dt.date(2025, 9, 15),
        )  # fmt: skip
    found = deadlines(a.trust, request=request)
    assert {k: d.due_on for k, d in found.items()} == {
        "decide_to_assess": dt.date(2025, 10, 27),
        "notify_no_plan": dt.date(2026, 1, 5),
        "final_plan": dt.date(2026, 2, 2),
    }
    assert "reg. 13" in found["final_plan"].rule
    with tenant_context(a.trust.pk):
        ehc_services.save_request(
            a.pupils[1], request, by=a.users["senco"], requested_by="parent", local_authority="Norfolk",
            received_on=dt.date(2025, 9, 15), decision="assess", decided_on=dt.date(2025, 10, 20),
        )  # fmt: skip
    found = deadlines(a.trust, request=request)
    assert (found["decide_to_assess"].state, found["decide_to_assess"].met_on) == ("met", dt.date(2025, 10, 20))
    assert found["final_plan"].state == "open"
    with tenant_context(a.trust.pk):
        plan = ehc_services.save_plan(
            a.pupils[1], None, by=a.users["senco"], request=request, local_authority="Norfolk",
            issued_on=dt.date(2026, 1, 30),
        )  # fmt: skip
        request.refresh_from_db()
    assert request.outcome == "plan_issued"
    found = deadlines(a.trust, request=request)
    assert found["final_plan"].state == "met" and found["notify_no_plan"].state == "cancelled"
    assert deadlines(a.trust, ehc_plan=plan)["review_by"].due_on == dt.date(2027, 1, 30)


def test_an_annual_review_from_scheduling_to_the_amended_plan(world: Any) -> None:
    a = world.a
    senco = a.users["senco"]
    with tenant_context(a.trust.pk):
        plan = EhcPlan.objects.get(pk=a.ehc_plan.pk)
        ehc_services.save_plan(plan.pupil, plan, by=senco, phase_transfer_year=2027)
        review = AnnualReview.objects.get(pk=a.annual_review.pk)
        assert review.due_by == dt.date(2026, 12, 1)
        ehc_services.reschedule_review(review, meeting_on=dt.date(2026, 11, 20), is_phase_transfer=True)
    found = deadlines(a.trust, review=review)
    assert found["invitations_by"].due_on == dt.date(2026, 11, 6)
    assert found["invitations_by"].state == "met"  # the invitation of 2 Nov
    assert found["report_by"].due_on == dt.date(2026, 12, 4)
    assert found["la_decision_by"].due_on == dt.date(2026, 12, 18)
    assert found["advice_due"].state == "open"
    assert "amended_plan_by" not in found  # only once the LA decides to amend
    with tenant_context(a.trust.pk):
        ehc_services.save_invitation(
            review, ReviewInvitation.objects.get(pk=a.invitation.pk), party="parent", name="Parent of Pupil2",
            email="", invited_on=dt.date(2026, 11, 2), advice_due_on=dt.date(2026, 11, 16),
            response_on=dt.date(2026, 11, 12), response="We would like more speech therapy.",
        )  # fmt: skip
        ehc_services.record_meeting(
            review, held_on=dt.date(2026, 11, 20), progress={a.ehc_outcome.pk: ("partly", "Joins in with one friend")},
            by=senco, attendees="Parent\nSENCO\nClass teacher", pupil_views="I like Lego club",
            parent_views="Happy with progress", other_views="", proposed_amendments="Add SALT to F",
            recommendation="amend",
        )  # fmt: skip
        ehc_services.send_report(review, sent_on=dt.date(2026, 11, 24))
        ehc_services.record_la_decision(review, decision="amend", decided_on=dt.date(2026, 11, 25))
    found = deadlines(a.trust, review=review)
    assert {k: d.state for k, d in found.items()} == {
        "invitations_by": "met", "advice_due": "met", "report_by": "met", "la_decision_by": "met",
        "amended_plan_by": "open",
    }  # fmt: skip
    assert found["amended_plan_by"].due_on == dt.date(2027, 2, 12)  # 12 weeks from the meeting
    with tenant_context(a.trust.pk):
        plan.refresh_from_db()
        assert plan.last_reviewed_on == dt.date(2026, 11, 20)
        ehc_services.record_amendment(
            plan, issued_on=dt.date(2026, 11, 26) if dt.date(2026, 11, 26) <= TODAY else TODAY,
            summary="SALT added to section F; names Oakfield Academy", names_new_school=True, by=senco,
            review=review,
        )  # fmt: skip
        review.refresh_from_db()
    assert review.state == ReviewState.CLOSED
    assert deadlines(a.trust, review=review)["amended_plan_by"].state == "met"
    plan_deadlines = deadlines(a.trust, ehc_plan=plan, state="open")
    assert plan_deadlines["review_by"].due_on == dt.date(2027, 11, 20)  # 12 months from this review
    assert deadlines(a.trust, ehc_plan=plan, kind="transfer_plan_by")["transfer_plan_by"].state == "met"
    assert deadlines(a.trust, ehc_plan=plan, kind="transfer_meeting_by")["transfer_meeting_by"].state == "met"


def test_an_under_five_is_reviewed_on_their_own_cycle_until_they_turn_five(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        pupil = a.pupils[1]
        pupil.date_of_birth = dt.date(2022, 1, 10)
        pupil.save()
        plan = ehc_services.save_plan(
            pupil, None, by=a.users["senco"], local_authority="Norfolk", issued_on=dt.date(2026, 3, 1),
            review_every_months=6,
        )  # fmt: skip
        due = deadlines(a.trust, ehc_plan=plan)["review_by"]
        assert (due.due_on, "Under 5" in due.rule) == (dt.date(2026, 9, 1), True)
        plan.last_reviewed_on = dt.date(2026, 9, 1)  # reviewed; now 4 years 8 months
        plan.save()
        deadline_services.sync_plan_deadlines(plan)
        assert deadlines(a.trust, ehc_plan=plan, state="open")["review_by"].due_on == dt.date(2027, 3, 1)
        plan.last_reviewed_on = dt.date(2027, 2, 1)  # now five: back to twelve months
        plan.save()
        deadline_services.sync_plan_deadlines(plan)
        assert deadlines(a.trust, ehc_plan=plan, state="open")["review_by"].due_on == dt.date(2028, 2, 1)


def test_phase_transfer_dates_move_back_to_the_last_school_day(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        a.term.starts_on, a.term.ends_on = dt.date(2026, 11, 2), dt.date(2026, 11, 19)
        a.term.save()
        plan = EhcPlan.objects.get(pk=a.ehc_plan.pk)
        ehc_services.save_plan(plan.pupil, plan, by=a.users["senco"], phase_transfer_year=2027)
    found = deadlines(a.trust, ehc_plan=plan)
    assert found["transfer_plan_by"].due_on == dt.date(2027, 2, 14)
    # 12 weeks before is Sat 22 Nov 2026, after the term entered ends (Thu 19 Nov): moved back to it
    assert found["transfer_meeting_by"].due_on == dt.date(2026, 11, 19)
    assert "last school day" in found["transfer_meeting_by"].rule


def test_ceasing_a_plan_closes_its_open_deadlines(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        plan = EhcPlan.objects.get(pk=a.ehc_plan.pk)
        ehc_services.cease_plan(plan, ceased_on=TODAY, reason="Moved to another LA")
        assert not Deadline.objects.filter(ehc_plan=plan, state="open").exists()
        assert not Deadline.objects.filter(review=a.annual_review, state="open").exists()
        assert AnnualReview.objects.get(pk=a.annual_review.pk).state == ReviewState.CLOSED


# --- Bad input: field errors, nothing saved ----------------------------------------------------------------------


def _errors(call: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_dates_out_of_order_are_field_errors_and_nothing_is_saved(world: Any) -> None:
    a = world.a
    senco = a.users["senco"]
    with tenant_context(a.trust.pk):
        before = (EhcAssessmentRequest.objects.count(), Deadline.objects.count(), ReviewInvitation.objects.count())
        errors = _errors(lambda: ehc_services.save_request(
            a.pupils[1], None, by=senco, requested_by="school", local_authority="Norfolk",
            received_on=dt.date(2026, 10, 1), sent_on=dt.date(2026, 10, 5), decision="assess",
            decided_on=dt.date(2026, 9, 1),
        ))  # fmt: skip
        assert "before the request was received" in errors["decided_on"][0]
        assert "sent_on" in errors
        review = AnnualReview.objects.get(pk=a.annual_review.pk)
        errors = _errors(lambda: ehc_services.save_invitation(
            review, None, party="ep", name="EP service", email="", invited_on=dt.date(2026, 11, 26),
            advice_due_on=None,
        ))  # fmt: skip
        assert "before the meeting" in errors["invited_on"][0]
        errors = _errors(lambda: ehc_services.reschedule_review(
            review, meeting_on=dt.date(2026, 11, 1), is_phase_transfer=False
        ))  # fmt: skip
        assert "Invitations were sent on 2 November 2026" in errors["meeting_on"][0]
        errors = _errors(lambda: ehc_services.record_la_decision(review, decision="keep", decided_on=TODAY))
        assert "Record the meeting first" in errors["decided_on"][0]
        assert (
            EhcAssessmentRequest.objects.count(), Deadline.objects.count(), ReviewInvitation.objects.count()
        ) == before  # fmt: skip
        assert AnnualReview.objects.get(pk=review.pk).meeting_on == dt.date(2026, 11, 25)


def test_a_review_for_a_pupil_without_a_plan_is_refused_on_the_page(world: Any) -> None:
    a = world.a
    url = reverse("reviews:annual_review_new", kwargs={"pupil_uuid": a.pupils[1].uuid})
    response = client_for(a.users["senco"]).post(url, {"meeting_on": "2026-12-10"})
    assert response.status_code == 200
    assert "has no current EHC plan: record the plan first" in response.content.decode()
    with tenant_context(a.trust.pk):
        assert AnnualReview.objects.count() == 1


@pytest.mark.parametrize(("year", "message"), [
    (1999, "Give the year of the transfer"), (2101, "Give the year of the transfer"),
    (2024, "cannot come before the plan"),
])  # fmt: skip
def test_an_invalid_phase_transfer_year_is_a_field_error(world: Any, year: int, message: str) -> None:
    a = world.a
    url = reverse("reviews:ehc_plan_edit", kwargs={"plan_uuid": a.ehc_plan.uuid})
    response = client_for(a.users["senco"]).post(
        url, {"local_authority": "Norfolk", "issued_on": "2025-12-01", "review_every_months": "12",
              "phase_transfer_year": str(year)},
    )  # fmt: skip
    assert response.status_code == 200
    assert message in response.content.decode()
    with tenant_context(a.trust.pk):
        assert EhcPlan.objects.get(pk=a.ehc_plan.pk).phase_transfer_year is None


def test_only_an_under_five_has_a_shorter_review_cycle(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        errors = _errors(lambda: ehc_services.save_plan(
            a.pupils[1], None, by=a.users["senco"], local_authority="Norfolk", issued_on=dt.date(2026, 1, 5),
            review_every_months=6,
        ))  # fmt: skip
        assert "Only a child under 5" in errors["review_every_months"][0]
        errors = _errors(lambda: ehc_services.save_plan(
            a.pupils[2], None, by=a.users["senco"], local_authority="Norfolk", issued_on=dt.date(2026, 1, 5)
        ))  # fmt: skip
        assert "already has a current EHC plan" in errors["issued_on"][0]


def test_a_meeting_record_needs_progress_on_every_outcome(world: Any) -> None:
    a = world.a
    url = reverse("reviews:review_meeting", kwargs={"review_uuid": a.annual_review.uuid})
    response = client_for(a.users["assistant"]).post(url, {"held_on": "2026-11-25", "attendees": "Parent"})
    assert response.status_code == 200
    assert "Record progress towards this outcome." in response.content.decode()
    with tenant_context(a.trust.pk):
        assert AnnualReview.objects.get(pk=a.annual_review.pk).held_on is None


# --- Who may read and write --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_the_plan_and_who_schedules_reviews(world: Any, role: str) -> None:
    a = world.a
    client = client_for(a.users[role])
    read = client.get(reverse("reviews:ehc_plan", kwargs={"plan_uuid": a.ehc_plan.uuid}))
    # pupil 2 is in Oak, which no teacher or TA of the world teaches: whole-school roles read the plan
    assert read.status_code == (200 if role in {"lead", "senco", "assistant", "head"} else 404)
    edit = client.post(
        reverse("reviews:review_invitation_add", kwargs={"review_uuid": a.annual_review.uuid}),
        {"party": "ep", "name": "EP service", "invited_on": "2026-11-03"},
    )
    with tenant_context(a.trust.pk):
        added = ReviewInvitation.objects.filter(review=a.annual_review, name="EP service").exists()
    if role in WRITERS:
        assert edit.status_code == 302 and added
    else:
        assert edit.status_code in {403, 404} and not added


@pytest.mark.parametrize("role", ROLES)
def test_a_class_teacher_reads_their_pupils_request_but_does_not_change_it(world: Any, role: str) -> None:
    a = world.a
    client = client_for(a.users[role])
    read = client.get(reverse("reviews:ehc_request", kwargs={"request_uuid": a.ehc_request.uuid}))
    readers = {"lead", "senco", "assistant", "head", "teacher", "ta"}
    assert read.status_code == (200 if role in readers else 404)
    new = client.get(reverse("reviews:ehc_request_new", kwargs={"pupil_uuid": a.pupils[1].uuid}))
    assert new.status_code == (200 if role in WRITERS else 403 if role in readers else 404)


@pytest.mark.parametrize("role", ROLES)
def test_the_statutory_calendar_is_for_those_who_oversee(world: Any, role: str) -> None:
    response = client_for(world.a.users[role]).get(reverse("reviews:statutory_calendar"))
    assert response.status_code == (200 if role in {"lead", "senco", "assistant", "head"} else 403)


def test_the_statutory_calendar_groups_by_when_with_the_rule(world: Any) -> None:
    response = client_for(world.a.users["senco"]).get(reverse("reviews:statutory_calendar"))
    html = response.content.decode()
    assert world.a.school.name in html and "Overdue" in html
    assert "Rule: Advice asked for by the date the school set" in html  # advice due 16 Nov: overdue
    assert world.b.school.name not in html


def test_the_statutory_calendar_keeps_its_query_count_as_deadlines_grow(world: Any) -> None:
    a = world.a
    client = client_for(a.users["senco"])
    url = reverse("reviews:statutory_calendar")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    with tenant_context(a.trust.pk):
        for pupil in (a.pupils[0], a.pupils[1], a.looked_after):
            ehc_services.save_plan(
                pupil, None, by=a.users["senco"], local_authority="Suffolk", issued_on=TODAY - dt.timedelta(days=340)
            )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.decode().count("Annual review held") >= 4
    assert len(many) == len(few)


# --- The morning scan, exactly once ------------------------------------------------------------------------------


def test_the_scan_twice_gives_one_reminder_per_window_and_person(world: Any) -> None:
    a = world.a
    day = dt.date(2026, 11, 10)  # review due 1 Dec: in the 4-week window; advice due 16 Nov: the 1-week window
    assert scan_statutory_trust(a.trust.pk, day.isoformat()) > 0
    assert scan_statutory_trust(a.trust.pk, day.isoformat()) == 0
    with tenant_context(a.trust.pk):
        rows = list(Reminder.objects.select_related("deadline", "recipient"))
    found = {(r.deadline.kind, r.window_days, r.recipient.email) for r in rows}
    assert ("review_by", 28, a.users["senco"].email) in found
    assert ("review_by", 28, a.users["assistant"].email) in found
    assert ("advice_due", 7, a.users["senco"].email) in found
    assert ("advice_due", 14, a.users["senco"].email) not in found  # only the nearest window
    assert not [r for r in rows if r.recipient in (a.users["head"], a.users["governor"], a.users["ta"])]
    # the next window, later: one more each; overdue once
    assert scan_statutory_trust(a.trust.pk, "2026-11-17") > 0
    assert scan_statutory_trust(a.trust.pk, "2026-11-17") == 0
    with tenant_context(a.trust.pk):
        assert Reminder.objects.filter(deadline__kind="advice_due", window_days=-1).count() == 2
        assert Reminder.objects.filter(deadline__kind="review_by", window_days=14).count() == 2


def test_the_class_teacher_is_reminded_of_their_pupils_review(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        pupil = a.pupils[2]
        pupil.school_class = a.school_class  # the teacher's class
        pupil.save()
    scan_statutory_trust(a.trust.pk, "2026-11-10")
    with tenant_context(a.trust.pk):
        kinds = set(Reminder.objects.filter(recipient=a.users["teacher"]).values_list("deadline__kind", flat=True))
    assert kinds == {"review_by", "advice_due"}  # not the LA's own steps


def test_digests_are_built_once_a_day_and_sent_once_with_a_stable_message_id(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        deadline_services.save_preferences(a.users["assistant"], email_digest=False)
    mail.outbox.clear()
    scan_statutory_trust(a.trust.pk, "2026-11-10")
    scan_statutory_trust(a.trust.pk, "2026-11-10")
    with tenant_context(a.trust.pk):
        assert Digest.objects.count() == 1  # the SENCO's; the assistant opted out
    assert send_digests(a.trust.pk) == 1
    assert send_digests(a.trust.pk) == 0
    [message] = [m for m in mail.outbox if m.to == [a.users["senco"].email]]
    assert message.extra_headers["Message-ID"].startswith("<digest-")
    assert "Annual review held" in message.body and "reg. 18" in message.body
    # the pupil by initials and year group only, as in the calendar feed: e-mail leaves our hands
    assert "PA, Year 5" in message.body
    assert a.pupils[2].legal_first_name not in message.body, message.body
    with tenant_context(a.trust.pk):
        assert Reminder.objects.filter(recipient=a.users["assistant"]).exists()  # still in the app


def test_a_reminder_read_in_the_app_is_not_e_mailed(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        deadline_services.scan_deadlines(dt.date(2026, 11, 10))
    client = client_for(a.users["senco"])
    assert client.post(reverse("reviews:reminders_read")).status_code == 302
    mail.outbox.clear()
    with tenant_context(a.trust.pk):
        assert deadline_services.build_digests(dt.date(2026, 11, 10)) == 1  # the assistant's only
    send_digests(a.trust.pk)
    assert [m.to for m in mail.outbox] == [[a.users["assistant"].email]]


def test_reminders_are_a_persons_own_and_the_page_keeps_its_query_count(world: Any) -> None:
    a = world.a
    url = reverse("reviews:reminders")
    scan_statutory_trust(a.trust.pk, "2026-11-10")
    client = client_for(a.users["senco"])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    scan_statutory_trust(a.trust.pk, "2026-11-17")
    scan_statutory_trust(a.trust.pk, "2026-11-24")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(many) == len(few)
    assert a.pupils[2].legal_first_name in response.content.decode()
    teacher_page = client_for(a.users["teacher"]).get(url).content.decode()
    assert a.pupils[2].legal_first_name not in teacher_page


def test_an_inactive_person_gets_no_reminder(world: Any) -> None:
    a = world.a
    user = a.users["assistant"]
    user.is_active = False
    user.save()
    scan_statutory_trust(a.trust.pk, "2026-11-10")
    with tenant_context(a.trust.pk):
        assert not Reminder.objects.filter(recipient=user).exists()
        assert Reminder.objects.filter(recipient=a.users["senco"]).exists()


# --- The calendar feed -------------------------------------------------------------------------------------------


def _events(content: bytes) -> tuple[str, list[dict[str, str]]]:
    from icalendar import Calendar

    calendar = Calendar.from_ical(content)
    events = [{"summary": str(e["summary"]), "url": str(e["url"])} for e in calendar.walk("VEVENT")]
    return content.decode(), events


def test_the_calendar_feed_lists_the_persons_deadlines_by_its_secret_address(world: Any) -> None:
    from django.test import Client

    a = world.a
    url = reverse("reviews:calendar_feed", kwargs={"token": a.feed_token})
    response = Client().get(url)  # a calendar app: no session
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body, events = _events(response.content)
    assert "Annual review held: PA, Year 5" in {e["summary"] for e in events}
    urls = " ".join(e["url"] for e in events)
    assert str(a.ehc_plan.uuid) in urls and str(a.annual_review.uuid) in urls
    assert a.pupils[2].legal_first_name not in body  # no pupil is named in a feed
    assert str(world.b.ehc_plan.uuid) not in urls
    assert Client().get(reverse("reviews:calendar_feed", kwargs={"token": "not-a-token"})).status_code == 404
    with tenant_context(a.trust.pk):
        deadline_services.new_feed_token(a.users["senco"])
    assert Client().get(url).status_code == 404  # the old address stops working


def test_a_class_teachers_feed_has_only_their_pupils(world: Any) -> None:
    from django.test import Client

    a = world.a
    with tenant_context(a.trust.pk):
        token = deadline_services.new_feed_token(a.users["teacher"])
    _, events = _events(Client().get(reverse("reviews:calendar_feed", kwargs={"token": token})).content)
    urls = " ".join(e["url"] for e in events)
    assert str(a.ehc_request.uuid) in urls  # the request for pupil 0 of their class
    assert str(a.ehc_plan.uuid) not in urls  # pupil 2 is in Oak, not theirs


def test_a_feed_stops_when_the_person_leaves(world: Any) -> None:
    from django.test import Client

    a = world.a
    user = a.users["senco"]
    user.is_active = False
    user.save()
    assert Client().get(reverse("reviews:calendar_feed", kwargs={"token": a.feed_token})).status_code == 404


def test_the_feed_address_is_made_on_the_reminders_page(world: Any) -> None:
    client = client_for(world.a.users["assistant"])
    client.post(reverse("reviews:calendar_feed_new"))
    html = client.get(reverse("reviews:reminders")).content.decode()
    assert "/reviews/calendar/" in html and ".ics" in html
    assert "/reviews/calendar/" not in client.get(reverse("reviews:reminders")).content.decode()  # shown once


# --- Documents ---------------------------------------------------------------------------------------------------


def _pdf_text(world: Any, kind: str, subject: Any, user: str = "senco") -> str:
    a = world.a
    with tenant_context(a.trust.pk):
        job = PdfJob.objects.create(kind=kind, title="Document", subject_id=str(subject.uuid),
                                    requested_by=a.users[user])  # fmt: skip
    render_ehc_pdf(a.trust.pk, job.pk)
    with tenant_context(a.trust.pk):
        job.refresh_from_db()
        assert job.state == "ready", job.error
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(job.file.read())).pages)


def test_the_evidence_pack_collates_what_the_school_holds(world: Any) -> None:
    text = _pdf_text(world, "ehc_evidence_pack", world.a.ehc_request)
    assert "Evidence for an EHC needs assessment" in text
    assert "Follow a two-step instruction" in text  # the APDR target
    assert "Year 4" in text and "£57.00" in text  # provision (group Year 4 Talk Boost) and its cost
    assert "report-alpha.png" in text  # the pupil's documents


def test_the_review_report_for_the_la(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        ehc_services.record_meeting(
            AnnualReview.objects.get(pk=a.annual_review.pk), held_on=dt.date(2026, 11, 25),
            progress={a.ehc_outcome.pk: ("met", "Plays with two friends")}, by=a.users["senco"],
            attendees="Parent, SENCO", pupil_views="I like school", recommendation="keep",
        )  # fmt: skip
    text = _pdf_text(world, "annual_review_report", a.annual_review)
    assert "Annual review report" in text and "Plays with two friends" in text and "Keep the plan" in text


def test_a_pack_for_a_record_no_longer_visible_fails_with_a_reason(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        job = PdfJob.objects.create(kind="ehc_evidence_pack", title="Pack", subject_id=str(a.ehc_request.uuid),
                                    requested_by=a.users["governor"])  # fmt: skip
    render_ehc_pdf(a.trust.pk, job.pk)
    with tenant_context(a.trust.pk):
        job.refresh_from_db()
    assert job.state == "failed" and "no longer see" in job.error


def test_deadline_states_are_what_the_page_says(world: Any) -> None:
    html = (
        client_for(world.a.users["senco"])
        .get(reverse("reviews:annual_review", kwargs={"review_uuid": world.a.annual_review.uuid}))
        .content.decode()
    )
    assert "Review invitations and advice requests sent" in html
    assert "Rule: Invitations and advice requests at least 2 weeks before the meeting (reg. 20)" in html
    assert DeadlineState.OPEN == "open"
    with tenant_context(world.a.trust.pk):
        assert Membership.objects.filter(role=Role.SENCO).exists()


# --- Found in review: moves, refusals, and more bad input ---------------------------------------------------------


def test_a_pupil_who_moves_school_takes_their_deadlines_to_the_new_schools_senco(world: Any) -> None:
    from tests.factories import UserFactory

    a = world.a
    with tenant_context(a.trust.pk):
        new_senco = UserFactory(email="senco-of-the-second-school@alpha.example")
        Membership.objects.create(user=new_senco, role=Role.SENCO, school=a.schools[1])
        pupil = a.pupils[2]
        pupil.school, pupil.school_class = a.schools[1], None
        pupil.save()
    scan_statutory_trust(a.trust.pk, "2026-11-10")
    with tenant_context(a.trust.pk):
        recipients = set(Reminder.objects.filter(deadline__pupil=pupil).values_list("recipient", flat=True))
        assert set(Deadline.objects.filter(pupil=pupil, state="open").values_list("school", flat=True)) == {
            a.schools[1].pk
        }
    assert recipients == {new_senco.pk}
    html = client_for(a.users["senco"]).get(reverse("reviews:statutory_calendar")).content.decode()
    assert str(a.ehc_plan.uuid) not in html


def test_a_teacher_who_is_no_longer_a_class_teacher_is_not_reminded(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        pupil = a.pupils[2]
        pupil.school_class = a.school_class
        pupil.save()
        Membership.objects.filter(user=a.users["teacher"]).update(role=Role.TEACHING_ASSISTANT)
    scan_statutory_trust(a.trust.pk, "2026-11-10")
    with tenant_context(a.trust.pk):
        assert not Reminder.objects.filter(recipient=a.users["teacher"]).exists()


def test_a_refused_address_is_given_up_and_does_not_hold_up_the_others(world: Any, settings: Any) -> None:
    a = world.a
    settings.EMAIL_BACKEND = "tests.reviews.refusing_mail.RefusingBackend"
    for role, prefix in (("senco", "refused-"), ("assistant", "down-")):
        user = a.users[role]
        user.email = f"{prefix}{user.email}"
        user.save()
    with tenant_context(a.trust.pk):
        pupil = a.pupils[2]
        pupil.school_class = a.school_class  # so the teacher has a digest too
        pupil.save()
    mail.outbox.clear()
    scan_statutory_trust(a.trust.pk, "2026-11-10")
    send_digests(a.trust.pk)
    assert [m.to for m in mail.outbox] == [[a.users["teacher"].email]]
    with tenant_context(a.trust.pk):
        refused = Digest.objects.get(recipient=a.users["senco"])
        down = Digest.objects.get(recipient=a.users["assistant"])
        assert (refused.failed_at is not None, refused.sent_at, "SMTPRecipientsRefused" in refused.last_error) == (
            True, None, True,
        )  # fmt: skip
        assert (down.failed_at, down.sent_at, down.attempts) == (None, None, 1)
        assert down.retry_after is not None and down.retry_after > timezone.now()
        user = a.users["assistant"]
        user.email = user.email.removeprefix("down-")
        user.save()
    assert send_digests(a.trust.pk) == 0  # not before its time
    with tenant_context(a.trust.pk):
        Digest.objects.filter(pk=down.pk).update(retry_after=timezone.now())
    assert send_digests(a.trust.pk) == 1
    assert mail.outbox[-1].to == [a.users["assistant"].email]


def test_more_bad_input_is_refused_with_field_errors(world: Any) -> None:
    a = world.a
    senco = a.users["senco"]
    with tenant_context(a.trust.pk):
        plan = EhcPlan.objects.get(pk=a.ehc_plan.pk)
        errors = _errors(lambda: ehc_services.save_plan(plan.pupil, plan, by=senco, review_every_months=0))
        assert "every 12 months" in errors["review_every_months"][0]
        review = AnnualReview.objects.get(pk=a.annual_review.pk)
        far = add_months_(TODAY, 30)
        errors = _errors(lambda: ehc_services.reschedule_review(review, meeting_on=far, is_phase_transfer=False))
        assert "within the next two years" in errors["meeting_on"][0]
        with pytest.raises(ValidationError, match="decision to amend first"):
            ehc_services.record_amendment(plan, issued_on=TODAY, summary="x", names_new_school=False, by=senco,
                                          review=review)  # fmt: skip
        request = EhcAssessmentRequest.objects.get(pk=a.ehc_request.pk)
        errors = _errors(lambda: ehc_services.save_plan(
            request.pupil, None, by=senco, request=request, local_authority="Norfolk", issued_on=dt.date(2026, 9, 1)
        ))  # fmt: skip
        assert "before its request was received" in errors["issued_on"][0]
        ehc_services.record_meeting(review, held_on=dt.date(2026, 11, 25), progress={a.ehc_outcome.pk: ("met", "")},
                                    by=senco, attendees="Parent")  # fmt: skip
        ehc_services.record_la_decision(review, decision="keep", decided_on=TODAY)
        ehc_services.cease_plan(plan, ceased_on=TODAY, reason="Left for a school in Wales")
        with pytest.raises(ValidationError, match="ceased"):
            ehc_services.save_plan(plan.pupil, plan, by=senco, local_authority="Suffolk")


def test_the_meeting_cannot_be_moved_after_the_las_decision(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        review = AnnualReview.objects.get(pk=a.annual_review.pk)
        ehc_services.record_meeting(review, held_on=dt.date(2026, 11, 20), progress={a.ehc_outcome.pk: ("met", "")},
                                    by=a.users["senco"], attendees="Parent")  # fmt: skip
        ehc_services.record_la_decision(review, decision="amend", decided_on=dt.date(2026, 11, 24))
        errors = _errors(lambda: ehc_services.record_meeting(
            review, held_on=dt.date(2026, 11, 25), progress={a.ehc_outcome.pk: ("met", "")}, by=a.users["senco"],
            attendees="Parent",
        ))  # fmt: skip
        assert "the meeting came before it" in errors["held_on"][0]


def test_a_plan_recorded_from_the_record_answers_the_request_the_la_agreed_to_assess(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        request = EhcAssessmentRequest.objects.get(pk=a.ehc_request.pk)
        ehc_services.save_request(request.pupil, request, by=a.users["senco"], requested_by="school",
                                  local_authority="Norfolk", received_on=dt.date(2026, 9, 14), decision="assess",
                                  decided_on=dt.date(2026, 10, 20))  # fmt: skip
        plan = ehc_services.save_plan(request.pupil, None, by=a.users["senco"], local_authority="Norfolk",
                                      issued_on=TODAY)  # fmt: skip
        request.refresh_from_db()
    assert (plan.request_id, request.outcome) == (request.pk, "plan_issued")
    assert deadlines(a.trust, request=request)["final_plan"].state == "met"


def test_an_amended_plan_recorded_on_the_plan_page_closes_the_review_that_decided_to_amend(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        review = AnnualReview.objects.get(pk=a.annual_review.pk)
        ehc_services.record_meeting(review, held_on=dt.date(2026, 11, 20), progress={a.ehc_outcome.pk: ("met", "")},
                                    by=a.users["senco"], attendees="Parent")  # fmt: skip
        ehc_services.record_la_decision(review, decision="amend", decided_on=dt.date(2026, 11, 24))
        ehc_services.record_amendment(EhcPlan.objects.get(pk=a.ehc_plan.pk), issued_on=TODAY, summary="SALT added",
                                      names_new_school=False, by=a.users["senco"])  # fmt: skip
        review.refresh_from_db()
    assert (review.state, review.amended_plan_on) == (ReviewState.CLOSED, TODAY)
    assert deadlines(a.trust, review=review)["amended_plan_by"].state == "met"
