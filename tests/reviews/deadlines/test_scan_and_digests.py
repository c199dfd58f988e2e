"""The morning scan's reminders exactly once, the e-mail digests, and reminders that follow the pupil and the
person's role."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reviews.deadlines import outbox
from reviews.deadlines import services as deadline_services
from reviews.deadlines.tasks import scan_statutory_trust, send_digests
from reviews.models import (
    Deadline,
    Digest,
    Reminder,
)
from schools.models import Membership, Role
from send.tenancy import tenant_context
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


# --- The morning scan, exactly once ------------------------------------------------------------------------------


def test_the_scan_twice_gives_one_reminder_per_window_and_person(world: Any) -> None:
    a = world.a
    day = dt.date(2026, 11, 10)  # review complete by 30 Nov: in the 4-week window; advice due 16 Nov: the 1-week window
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
    assert "Annual review complete" in message.body and "s. 44(1)" in message.body
    # the pupil by initials and year group only, as in the calendar feed: e-mail leaves our hands
    assert "PA, Year 5" in message.body
    assert a.pupils[2].legal_first_name not in message.body, message.body
    with tenant_context(a.trust.pk):
        assert Reminder.objects.filter(recipient=a.users["assistant"]).exists()  # still in the app


def test_a_reminder_read_in_the_app_is_not_e_mailed(world: Any) -> None:
    a = world.a
    with tenant_context(a.trust.pk):
        outbox.scan_deadlines(dt.date(2026, 11, 10))
    client = client_for(a.users["senco"])
    assert client.post(reverse("reviews:reminders_read")).status_code == 302
    mail.outbox.clear()
    with tenant_context(a.trust.pk):
        assert outbox.build_digests(dt.date(2026, 11, 10)) == 1  # the assistant's only
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
            True,
            None,
            True,
        )
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
